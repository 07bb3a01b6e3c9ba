/// The rows of an `openai-jsonl` file: one provider response per line, or the response's
/// `usage` object with `model`, `id`, `service_tier` and `created` beside its counts.
///
/// Both shapes of `usage` are read: Chat Completions (`prompt_tokens`,
/// `prompt_tokens_details.cached_tokens`, `completion_tokens`) and Responses (`input_tokens`,
/// `input_tokens_details.cached_tokens` / `cache_write_tokens`, `output_tokens`). The time is
/// `created` (Chat Completions) or `created_at` (Responses), in seconds since 1970; the request
/// id is `id`; the tier is the `service_tier` the provider reports (`auto` and none: default).
/// Other fields are ignored, except a count of tokens this reader does not map (Anthropic's
/// `cache_read_input_tokens`, audio tokens): a row with one that is not zero is refused
/// (``UnmappedTokens``). Blank lines are skipped.
struct OpenAIJSONLRows: UsageRowSource {
    let lines: LineReader

    init(lines: LineReader) { self.lines = lines }

    var format: UsageImportFormat { .openAIJSONL }
    var file: String { lines.file }
    var bytesRead: Int64 { lines.bytesRead }
    var totalBytes: Int64 { lines.totalBytes }

    /// The keys of the two shapes of usage.
    struct Shape {
        var input: String
        var details: String
        var output: String

        static let chat = Shape(input: "prompt_tokens", details: "prompt_tokens_details", output: "completion_tokens")
        static let responses = Shape(input: "input_tokens", details: "input_tokens_details", output: "output_tokens")

        /// The field names of rows of this shape, with the usage's keys under `prefix`.
        func names(prefix: String) -> UsageFieldNames {
            UsageFieldNames([
                .time: "created", .model: "model", .tier: "service_tier", .requestID: "id", .user: "user",
                .input: prefix + input, .cached: prefix + details + ".cached_tokens", .cacheWrite: prefix + details + ".cache_write_tokens",
                .output: prefix + output,
            ])
        }
    }

    static let names: [String: UsageFieldNames] = [
        "chat/usage.": Shape.chat.names(prefix: "usage."), "chat/": Shape.chat.names(prefix: ""),
        "responses/usage.": Shape.responses.names(prefix: "usage."), "responses/": Shape.responses.names(prefix: ""),
    ]

    mutating func next() throws -> UsageRowResult? {
        var line: ArraySlice<UInt8>?
        repeat { line = try lines.next() } while line?.isBlank == true
        guard let line else { return nil }
        let number = lines.lineNumber
        switch JSONReader.parse(line, file: file, line: number) {
        case .failure(let bad): return .bad(bad)
        case .success(let value):
            do throws(BadUsageRow) { return .row(try OpenAIJSONLRows.row(value, line: number)) } catch { return .bad(error) }
        }
    }

    static func row(_ value: JSONValue, line: Int) throws(BadUsageRow) -> UsageRow {
        guard let object = JSONObjectFields(value, path: "", lineOffset: line - 1, line: line) else {
            throw BadUsageRow(line: line, field: nil, reason: "expected a JSON object, found \(value.kindDescription)")
        }
        let usage: JSONObjectFields
        if let nested = try object.object("usage") {
            usage = nested
        } else if object.has("prompt_tokens") || object.has("input_tokens") {
            usage = object
        } else {
            throw BadUsageRow(line: line, field: "usage", reason: "no usage: expected a response with a usage object, or a usage object")
        }
        let isChat = usage.has("prompt_tokens")
        let shape = isChat ? Shape.chat : Shape.responses
        let details = try usage.object(shape.details)
        let detailsPath = usage.fieldPath(shape.details)
        try UnmappedTokens.check(
            usage,
            mapped: [
                usage.fieldPath(shape.input), usage.fieldPath(shape.output), detailsPath + ".cached_tokens", detailsPath + ".cache_write_tokens",
            ])
        let timeKey = object.has("created") || !object.has("created_at") ? "created" : "created_at"
        guard let time = try object.unixSeconds(timeKey) else { throw object.problem(timeKey, "missing: the time of the request") }
        let prefix = usage.path.isEmpty ? "" : "usage."
        return UsageRow(
            line: line, timeNanoseconds: time, model: try object.string("model"), tier: try object.tier("service_tier"),
            input: try usage.requiredCount(shape.input), cached: try details?.count("cached_tokens") ?? 0,
            cacheWrite: try details?.count("cache_write_tokens") ?? 0, output: try usage.requiredCount(shape.output),
            requestID: try object.string("id"), user: try object.string("user"),
            fieldNames: names[(isChat ? "chat/" : "responses/") + prefix]!)
    }
}
