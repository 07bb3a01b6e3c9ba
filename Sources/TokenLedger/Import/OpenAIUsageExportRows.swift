/// The rows of `openai-usage-export` files: the OpenAI dashboard's usage CSV export, one row per
/// bucket and group, each becoming one charge at the bucket's start with `num_model_requests`
/// requests.
///
/// Columns: the bucket's `start_time` (seconds since 1970; or `start_time_iso`), `end_time`
/// and `end_time_iso` (ignored); the group-by columns `project_id`, `user_id`, `api_key_id`,
/// `model`, `batch` (`TRUE` / `FALSE`: the batch tier) and `service_tier`; the counts
/// `input_tokens`, `input_cached_tokens`, `input_cache_write_tokens`, `output_tokens`,
/// `num_model_requests`. Counts may be printed `59200.0`; empty fields count 0, and a row with
/// no requests and no tokens is an empty bucket (nothing to charge), as is a row of only empty
/// fields, whatever its number of separators. Tab-separated files work too.
/// The breakdowns of the dashboard's export (`input_text_tokens`, `input_uncached_tokens`…) are
/// within these counts; audio and image tokens (`input_audio_tokens`…) are priced at their own
/// rates (``UsageAPIMediaTokens``).
struct OpenAIUsageExportRows: UsageRowSource {
    let records: CSVRecordReader
    let columns: CSVColumns
    let names: UsageFieldNames
    /// The columns of token counts this reader does not map (refused unless empty or 0).
    let unmapped: [String]

    static let required = [["start_time", "start_time_iso"], ["input_tokens"], ["input_cached_tokens"], ["output_tokens"], ["num_model_requests"]]

    init(lines: LineReader, columnMap: [String: String]) throws {
        records = CSVRecordReader(lines: lines)
        columns = try CSVColumns(header: try records.header(), map: columnMap, required: OpenAIUsageExportRows.required, file: lines.file)
        names = columns.fieldNames([
            .time: columns.has("start_time") ? "start_time" : "start_time_iso", .model: "model", .tier: "service_tier", .input: "input_tokens",
            .cached: "input_cached_tokens", .cacheWrite: "input_cache_write_tokens", .output: "output_tokens", .requests: "num_model_requests",
            .project: "project_id", .apiKey: "api_key_id", .user: "user_id", .inputAudio: "input_audio_tokens", .inputImage: "input_image_tokens",
            .outputAudio: "output_audio_tokens", .outputImage: "output_image_tokens",
        ])
        unmapped = columns.unmappedTokenColumns(
            mapped: Set(["input_tokens", "input_cached_tokens", "input_cache_write_tokens", "output_tokens"]).union(UsageAPIMediaTokens.names))
    }

    var format: UsageImportFormat { .openAIUsageExport }
    var file: String { records.file }
    var bytesRead: Int64 { records.lines.bytesRead }
    var totalBytes: Int64 { records.lines.totalBytes }

    mutating func next() throws -> UsageRowResult? {
        guard let result = try records.next() else { return nil }
        switch result {
        case .failure(let bad): return .bad(bad)
        case .success(let record):
            do throws(BadUsageRow) { return .row(try row(record)) } catch { return .bad(error) }
        }
    }

    private func row(_ record: CSVRecord) throws(BadUsageRow) -> UsageRow {
        if let bad = columns.check(record) { throw bad }
        // A row of only empty fields (a day without usage, however many separators it has) is
        // an empty bucket: counted as such, nothing to charge.
        if columns.isBlank(record) {
            return UsageRow(
                line: record.line, timeNanoseconds: 0, model: nil, tier: .default, input: 0, cached: 0, cacheWrite: 0, output: 0, requests: 0, project: nil,
                apiKey: nil, user: nil, fieldNames: names)
        }
        try columns.checkUnmappedTokens(unmapped, in: record)
        var tier = try columns.read("service_tier", in: record, ImportFields.tier) ?? .default
        if try columns.read("batch", in: record, ImportFields.boolean) == true { tier = .batch }
        var row = UsageRow(
            line: record.line, timeNanoseconds: try time(record), model: columns.text("model", in: record), tier: tier,
            input: try columns.count("input_tokens", in: record), cached: try columns.count("input_cached_tokens", in: record),
            cacheWrite: try columns.count("input_cache_write_tokens", in: record), output: try columns.count("output_tokens", in: record),
            requests: try columns.count("num_model_requests", in: record), project: columns.text("project_id", in: record),
            apiKey: columns.text("api_key_id", in: record), user: columns.text("user_id", in: record), fieldNames: names)
        row.breakdown = try UsageAPIMediaTokens.breakdown(
            count: { (name: String) throws(BadUsageRow) in columns.has(name) ? try columns.count(name, in: record) : nil },
            problem: { name, reason in BadUsageRow(line: record.line, field: columns.fileName(name), reason: reason) })
        return row
    }

    /// The bucket's start: `start_time` when given, else `start_time_iso`.
    private func time(_ record: CSVRecord) throws(BadUsageRow) -> Int128 {
        for column in ["start_time", "start_time_iso"] {
            guard let text = columns.value(column, in: record), !text.isBlankText else { continue }
            if let time = try columns.read(column, in: record, ImportFields.time) { return time }
        }
        throw BadUsageRow(line: record.line, field: columns.fileName("start_time"), reason: "the bucket has no start time")
    }
}
