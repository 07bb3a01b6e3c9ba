/// The rows of an `auto` file: provider response bodies, one per line, each read by the reader
/// its shape names. In order: a `type` of Anthropic's Messages responses or stream events
/// (`message`, `message_delta`, …) is Anthropic's; a `usageMetadata` object is Gemini's; a
/// `usage` with `billed_units` is Cohere's, with camelCase `inputTokens` Bedrock Converse's, with
/// `cache_read_input_tokens` or `cache_creation_input_tokens` Anthropic's; any other `usage`,
/// or `prompt_tokens` / `input_tokens` at the top, is OpenAI's (and OpenAI-compatible
/// providers'). A line of none of these shapes is a bad row that says so. Rows keep the
/// reading of their reader (a Bedrock body still needs `--model`, a body without a time
/// `--start`); their generated ids are those of the `auto` format.
enum DetectedBody: ResponseBodyReader {
    static var format: UsageImportFormat { .auto }

    /// The reader of a body's shape, or nil when it has none of them.
    static func reader(of object: JSONObjectFields) throws(BadUsageRow) -> (any ResponseBodyReader.Type)? {
        if let type = try? object.string("type"), AnthropicBody.types.contains(type) { return AnthropicBody.self }
        if object.has("usageMetadata") { return GeminiBody.self }
        if let usage = try object.object("usage") {
            if usage.has("billed_units") { return CohereBody.self }
            if usage.has("inputTokens") { return BedrockConverseBody.self }
            if usage.has("cache_read_input_tokens") || usage.has("cache_creation_input_tokens") { return AnthropicBody.self }
            return OpenAIBody.self
        }
        return object.has("prompt_tokens") || object.has("input_tokens") ? OpenAIBody.self : nil
    }

    static func row(_ object: JSONObjectFields, line: Int) throws(BadUsageRow) -> UsageRow {
        guard let shape = try reader(of: object) else {
            throw BadUsageRow(
                line: line, field: nil,
                reason: "the body matches no provider's shape: expected an Anthropic message or message_delta, Gemini usageMetadata, "
                    + "a usage object (Bedrock's inputTokens, Cohere's billed_units, OpenAI's prompt_tokens or input_tokens)")
        }
        var row = try shape.row(object, line: line)
        // The shape names the provider as its own format would.
        if row.provider == nil { row.provider = shape.format.providerClaim }
        return row
    }
}
