/// The rows of an `openai-jsonl` file: one provider response per line, or the response's
/// `usage` object with `model`, `id`, `service_tier` and `created` beside its counts.
///
/// Both shapes of `usage` are read: Chat Completions (`prompt_tokens`,
/// `prompt_tokens_details.cached_tokens`, `completion_tokens`) and Responses (`input_tokens`,
/// `input_tokens_details.cached_tokens` / `cache_write_tokens`, `output_tokens`). The time is
/// `created` (Chat Completions) or `created_at` (Responses), in seconds since 1970; a body with
/// neither (an embeddings response) is charged at `--start`. The request id is `id`; the tier is
/// the `service_tier` the provider reports (`auto` and none: default).
///
/// OpenAI-compatible bodies read the same way: Groq (its `x_groq`, `usage_breakdown` and
/// `…_time` fields are not counts of tokens), OpenRouter (`usage.cost` is ignored: we price the
/// tokens), Mistral, Together, Ollama, and DeepSeek, whose `prompt_cache_hit_tokens` are the
/// cached part of `prompt_tokens` (and `prompt_cache_miss_tokens` the rest). An embeddings
/// response (`object: "list"`, `usage: {prompt_tokens, total_tokens}`) has no completion tokens:
/// its output is 0.
///
/// Other fields are ignored, except a count of tokens this reader does not map (Anthropic's
/// `cache_read_input_tokens`, audio tokens): a row with one that is not zero is refused
/// (``UnmappedTokens``).
enum OpenAIBody: ResponseBodyReader {
    static var format: UsageImportFormat { .openAIJSONL }

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

    /// DeepSeek's split of `prompt_tokens`: the cache hits are the cached tokens.
    static let cacheHit = "prompt_cache_hit_tokens"
    static let cacheMiss = "prompt_cache_miss_tokens"

    static func row(_ object: JSONObjectFields, line: Int) throws(BadUsageRow) -> UsageRow {
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
                usage.fieldPath(cacheHit), usage.fieldPath(cacheMiss),
            ])
        let timeKey = object.has("created") || !object.has("created_at") ? "created" : "created_at"
        let time = try object.unixSeconds(timeKey)
        // An embeddings response reports no completion tokens: it has no output.
        let isEmbeddings = try object.string("object") == "list"
        let output: Int64
        if isEmbeddings { output = try usage.count(shape.output) ?? 0 } else { output = try usage.requiredCount(shape.output) }
        let detailsCached = try details?.count("cached_tokens") ?? 0
        let prefix = usage.path.isEmpty ? "" : "usage."
        return UsageRow(
            line: line, timeNanoseconds: time ?? 0, model: try object.string("model"), tier: try object.tier("service_tier"),
            input: try usage.requiredCount(shape.input), cached: try usage.count(cacheHit) ?? detailsCached,
            cacheWrite: try details?.count("cache_write_tokens") ?? 0, output: output,
            requestID: try object.string("id"), user: try object.string("user"),
            fieldNames: names[(isChat ? "chat/" : "responses/") + prefix]!, hasTime: time != nil)
    }
}
