/// The rows of an `anthropic-jsonl` file: one Anthropic Messages response per line (`type:
/// "message"`, `id`, `model`, `usage`), which is also the body of InvokeModel for Anthropic
/// models on Bedrock, or one event of a stream.
///
/// `usage` maps to our classes so: Anthropic's `input_tokens` exclude the cache reads and
/// writes, and our input includes them, so input = `input_tokens` + `cache_read_input_tokens` +
/// `cache_creation_input_tokens`; cached = `cache_read_input_tokens`; cache write =
/// `cache_creation_input_tokens` less its 1-hour writes; 1-hour cache write =
/// `cache_creation.ephemeral_1h_input_tokens` (billed at its own rate, twice the input price on
/// Anthropic's list); output = `output_tokens`; the tier is `usage.service_tier` (`standard`:
/// default, `priority`, `batch`). Web searches (`server_tool_use.web_search_requests`) are
/// billed per request: such a row is refused, never charged without them.
///
/// Streams: a line that is a `message_delta` event is charged in full, its usage being the
/// stream's cumulative counts (input, cache reads and writes, output); a `message_delta`
/// without `input_tokens` (older API versions, whose input was only in `message_start`) is
/// refused rather than charged without its input. `message_start` (whose usage the stream's
/// `message_delta` repeats) and the other events (`content_block_…`, `ping`, `message_stop`)
/// charge nothing, so a whole stream is charged once. Stream events name no model (pass
/// `--model`). Bodies carry no time: each is charged at `--start`.
enum AnthropicBody: ResponseBodyReader {
    static var format: UsageImportFormat { .anthropicJSONL }

    static let names = UsageFieldNames([
        .model: "model", .tier: "usage.service_tier", .requestID: "id", .input: "usage.input_tokens",
        .cached: "usage.cache_read_input_tokens", .cacheWrite: "usage.cache_creation_input_tokens", .output: "usage.output_tokens",
        .cacheWrite1h: "usage.cache_creation.ephemeral_1h_input_tokens",
    ])

    /// The stream's events that charge nothing (their usage, if any, is in `message_delta`).
    static let uncharged: Set<String> = ["message_start", "message_stop", "content_block_start", "content_block_delta", "content_block_stop", "ping"]
    /// Every `type` this reader reads.
    static var types: Set<String> { uncharged.union(["message", "message_delta"]) }

    static func row(_ object: JSONObjectFields, line: Int) throws(BadUsageRow) -> UsageRow {
        let type = try object.string("type")
        if let type, uncharged.contains(type) { return .nothing(line: line) }
        guard type == "message" || type == "message_delta" else {
            throw object.problem("type", "expected a Messages response (message) or a stream event (message_delta, message_start, …), found \(type ?? "none")")
        }
        guard let usage = try object.object("usage") else { throw object.problem("usage", "missing: the response's usage") }
        if type == "message_delta", !usage.has("input_tokens") {
            throw usage.problem(
                "input_tokens", "missing: this message_delta carries only the output; its input is in message_start, which is not paired with it")
        }
        let cacheCreation = try usage.object("cache_creation")
        try usage.object("server_tool_use")?.refuseUnpriced("web_search_requests", "web searches, billed per search, which this format does not price")
        try UnmappedTokens.check(
            usage,
            mapped: [
                "usage.input_tokens", "usage.cache_read_input_tokens", "usage.cache_creation_input_tokens", "usage.output_tokens",
                "usage.cache_creation.ephemeral_5m_input_tokens", "usage.cache_creation.ephemeral_1h_input_tokens",
            ])
        let read = try usage.count("cache_read_input_tokens") ?? 0
        let oneHour = try cacheCreation?.count("ephemeral_1h_input_tokens") ?? 0
        let fiveMinutes = try cacheCreation?.count("ephemeral_5m_input_tokens") ?? 0
        let written: Int64
        if let total = try usage.count("cache_creation_input_tokens") {
            written = total
        } else {
            written = try usage.sum(fiveMinutes, oneHour, at: "cache_creation_input_tokens")
        }
        if oneHour > written, let cacheCreation {
            throw cacheCreation.problem(
                "ephemeral_1h_input_tokens", "\(oneHour) 1-hour cache writes are more than cache_creation_input_tokens (\(written)), which include them")
        }
        var row = UsageRow(
            line: line, timeNanoseconds: 0, model: try object.string("model"), tier: try usage.tier("service_tier"),
            input: try usage.sum(try usage.requiredCount("input_tokens"), read, written, at: "input_tokens"), cached: read,
            cacheWrite: written - oneHour, output: try usage.requiredCount("output_tokens"), requestID: try object.string("id"), fieldNames: names,
            hasTime: false)
        row.breakdown.cacheWrite1hTokens = oneHour
        return row
    }
}
