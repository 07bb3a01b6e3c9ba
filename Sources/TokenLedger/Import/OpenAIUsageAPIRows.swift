/// The rows of `openai-usage-api` files: pages of the Usage API
/// (`GET /v1/organization/usage/completions`), `{"object": "page", "data": [buckets], …}`, one
/// page after another or in one array. Each bucket's results become one row each, at the
/// bucket's `start_time`, with `requests = num_model_requests`.
///
/// A result carries `input_tokens`, `input_cached_tokens`, `input_cache_write_tokens` (missing
/// counts 0), `output_tokens`, `num_model_requests` and, when the query grouped by them,
/// `model`, `project_id`, `user_id`, `api_key_id`, `batch` (true: the batch tier) and
/// `service_tier`; audio and image counts are priced at their own rates (``UsageAPIMediaTokens``).
/// Fields may be missing or new: unknown ones are ignored (but a count of tokens this reader does
/// not map is refused unless it is 0: ``UnmappedTokens``), missing counts are 0
/// (a result without `num_model_requests` but with tokens is one request). Each page is read
/// whole (pages are small), one at a time.
///
/// Anthropic's usage report (`anthropic-usage-report`) comes in pages of the same outline; with
/// that format each bucket is read by ``AnthropicUsageReport``.
struct OpenAIUsageAPIRows: UsageRowSource {
    let documents: JSONDocumentReader
    let format: UsageImportFormat
    private var queue: [UsageRowResult] = []
    private var queueIndex = 0

    init(lines: LineReader, format: UsageImportFormat = .openAIUsageAPI) {
        documents = JSONDocumentReader(lines: lines)
        self.format = format
    }

    var file: String { documents.file }
    var bytesRead: Int64 { documents.lines.bytesRead }
    var totalBytes: Int64 { documents.lines.totalBytes }

    mutating func next() throws -> UsageRowResult? {
        while queueIndex >= queue.count {
            guard let (bytes, line) = try documents.next() else { return nil }
            queue = OpenAIUsageAPIRows.rows(ofPage: bytes, line: line, file: file, format: format)
            queueIndex = 0
        }
        defer { queueIndex += 1 }
        return queue[queueIndex]
    }

    /// The rows of one page, in order; a page or bucket that cannot be read is one bad row.
    static func rows(ofPage bytes: [UInt8], line: Int, file: String, format: UsageImportFormat = .openAIUsageAPI) -> [UsageRowResult] {
        let value: JSONValue
        switch JSONReader.parse(bytes[...], file: file, line: line) {
        case .failure(let bad): return [.bad(bad)]
        case .success(let parsed): value = parsed
        }
        guard let page = JSONObjectFields(value, path: "", lineOffset: line - 1, line: line) else {
            return [.bad(BadUsageRow(line: line, field: nil, reason: "expected a page object, found \(value.kindDescription)"))]
        }
        let buckets: [JSONValue]
        do throws(BadUsageRow) {
            guard let data = try page.array("data") else { throw page.problem("data", "missing: a page has a data array of buckets") }
            buckets = data
        } catch { return [.bad(error)] }
        var rows: [UsageRowResult] = []
        for (index, bucketValue) in buckets.enumerated() {
            guard let bucket = JSONObjectFields(bucketValue, path: "data[\(index)]", lineOffset: line - 1, line: page.line) else {
                rows.append(.bad(page.problem("data", "bucket \(index) is \(bucketValue.kindDescription), not an object")))
                continue
            }
            rows += format == .anthropicUsageReport ? AnthropicUsageReport.rows(ofBucket: bucket) : self.rows(ofBucket: bucket)
        }
        return rows
    }

    private static func rows(ofBucket bucket: JSONObjectFields) -> [UsageRowResult] {
        let start: Int128
        let results: [JSONValue]
        do throws(BadUsageRow) {
            guard let time = try bucket.unixSeconds("start_time") else { throw bucket.problem("start_time", "missing") }
            start = time
            results = try bucket.array("results") ?? []
        } catch { return [.bad(error)] }
        return results.enumerated().map { index, value in
            guard let result = JSONObjectFields(value, path: bucket.path + ".results[\(index)]", lineOffset: bucket.lineOffset, line: bucket.line) else {
                return .bad(bucket.problem("results", "result \(index) is \(value.kindDescription), not an object"))
            }
            do throws(BadUsageRow) { return .row(try row(result, start: start)) } catch { return .bad(error) }
        }
    }

    private static func row(_ result: JSONObjectFields, start: Int128) throws(BadUsageRow) -> UsageRow {
        var tier = try result.tier("service_tier")
        if try result.bool("batch") == true { tier = .batch }
        try UnmappedTokens.check(
            result,
            mapped: Set(
                (["input_tokens", "input_cached_tokens", "input_cache_write_tokens", "output_tokens"] + UsageAPIMediaTokens.names).map(result.fieldPath)))
        let names = UsageFieldNames([
            .time: result.fieldPath("start_time"), .model: result.fieldPath("model"), .tier: result.fieldPath("service_tier"),
            .input: result.fieldPath("input_tokens"), .cached: result.fieldPath("input_cached_tokens"),
            .cacheWrite: result.fieldPath("input_cache_write_tokens"), .output: result.fieldPath("output_tokens"),
            .requests: result.fieldPath("num_model_requests"), .project: result.fieldPath("project_id"), .apiKey: result.fieldPath("api_key_id"),
            .user: result.fieldPath("user_id"), .inputAudio: result.fieldPath("input_audio_tokens"),
            .inputImage: result.fieldPath("input_image_tokens"), .outputAudio: result.fieldPath("output_audio_tokens"),
            .outputImage: result.fieldPath("output_image_tokens"),
        ])
        var row = UsageRow(
            line: result.line, timeNanoseconds: start, model: try result.string("model"), tier: tier,
            input: try result.count("input_tokens") ?? 0, cached: try result.count("input_cached_tokens") ?? 0,
            cacheWrite: try result.count("input_cache_write_tokens") ?? 0, output: try result.count("output_tokens") ?? 0,
            requests: 0, project: try result.string("project_id"), apiKey: try result.string("api_key_id"),
            user: try result.string("user_id"), fieldNames: names)
        row.breakdown = try UsageAPIMediaTokens.breakdown(count: { (key: String) throws(BadUsageRow) in try result.count(key) }, problem: result.problem)
        // A result without a request count stands for one request, unless it has no tokens either.
        row.requests = try result.count("num_model_requests") ?? (row.isEmpty ? 0 : 1)
        return row
    }
}
