import TokenLedgerCore

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
/// Audio and image tokens are priced at their own rates: input audio = the input details'
/// `audio_tokens` less the cached ones (`cached_tokens_details.audio_tokens`, which are billed
/// with the cached tokens), input images likewise from `image_tokens`, output audio and images =
/// the output details' `audio_tokens` and `image_tokens` (`prompt_tokens_details` and
/// `completion_tokens_details` for Chat Completions; `input_tokens_details` and
/// `output_tokens_details`, or the Realtime API's `input_token_details` and
/// `output_token_details`, for the others, the Images API's `gpt-image-1` bodies included).
///
/// Other fields are ignored, except a count of tokens this reader does not map (Anthropic's
/// `cache_read_input_tokens`): a row with one that is not zero is refused (``UnmappedTokens``).
enum OpenAIBody: ResponseBodyReader {
    static var format: UsageImportFormat { .openAIJSONL }

    /// The keys of the three shapes of usage.
    struct Shape {
        var name: String
        var input: String
        var details: String
        var output: String
        var outputDetails: String

        static let chat = Shape(
            name: "chat", input: "prompt_tokens", details: "prompt_tokens_details", output: "completion_tokens",
            outputDetails: "completion_tokens_details")
        static let responses = Shape(
            name: "responses", input: "input_tokens", details: "input_tokens_details", output: "output_tokens", outputDetails: "output_tokens_details")
        /// The Realtime API's: the Responses counts with `input_token_details` and `output_token_details`.
        static let realtime = Shape(
            name: "realtime", input: "input_tokens", details: "input_token_details", output: "output_tokens", outputDetails: "output_token_details")

        /// The shape of `usage`: Chat Completions by `prompt_tokens`, Realtime by its details' names, else Responses.
        static func of(_ usage: JSONObjectFields) -> Shape {
            if usage.has(chat.input) { return chat }
            let isRealtime =
                (usage.has(realtime.details) || usage.has(realtime.outputDetails))
                && !usage.has(responses.details) && !usage.has(responses.outputDetails)
            return isRealtime ? realtime : responses
        }

        /// The field names of rows of this shape, with the usage's keys under `prefix`.
        func names(prefix: String) -> UsageFieldNames {
            UsageFieldNames([
                .time: "created", .model: "model", .tier: "service_tier", .requestID: "id", .user: "user",
                .input: prefix + input, .cached: prefix + details + ".cached_tokens", .cacheWrite: prefix + details + ".cache_write_tokens",
                .output: prefix + output, .inputAudio: prefix + details + ".audio_tokens", .inputImage: prefix + details + ".image_tokens",
                .outputAudio: prefix + outputDetails + ".audio_tokens", .outputImage: prefix + outputDetails + ".image_tokens",
            ])
        }
    }

    static let names: [String: UsageFieldNames] = Dictionary(
        uniqueKeysWithValues: [Shape.chat, .responses, .realtime].flatMap { shape in
            ["usage.", ""].map { prefix in (shape.name + "/" + prefix, shape.names(prefix: prefix)) }
        })

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
        let shape = Shape.of(usage)
        let details = try usage.object(shape.details)
        let outputDetails = try usage.object(shape.outputDetails)
        let detailsPath = usage.fieldPath(shape.details)
        let outputDetailsPath = usage.fieldPath(shape.outputDetails)
        let media = ["audio_tokens", "image_tokens", "text_tokens"]
        try UnmappedTokens.check(
            usage,
            mapped: Set(
                [
                    usage.fieldPath(shape.input), usage.fieldPath(shape.output), detailsPath + ".cached_tokens", detailsPath + ".cache_write_tokens",
                    usage.fieldPath(cacheHit), usage.fieldPath(cacheMiss),
                ] + media.map { detailsPath + "." + $0 } + media.map { detailsPath + ".cached_tokens_details." + $0 }
                    + media.map { outputDetailsPath + "." + $0 }))
        let cachedDetails = try details?.object("cached_tokens_details")
        var breakdown = TokenBreakdown()
        for (key, assign) in [("audio_tokens", \TokenBreakdown.inputAudioTokens), ("image_tokens", \TokenBreakdown.inputImageTokens)] {
            guard let details, let all = try details.count(key) else { continue }
            let cached = try cachedDetails?.count(key) ?? 0
            guard cached <= all else {
                throw details.problem("cached_tokens_details.\(key)", "\(cached) cached tokens are more than the \(all) \(key) they are part of")
            }
            breakdown[keyPath: assign] = all - cached
        }
        breakdown.outputAudioTokens = try outputDetails?.count("audio_tokens") ?? 0
        breakdown.outputImageTokens = try outputDetails?.count("image_tokens") ?? 0
        let timeKey = object.has("created") || !object.has("created_at") ? "created" : "created_at"
        let time = try object.unixSeconds(timeKey)
        // An embeddings response reports no completion tokens: it has no output.
        let isEmbeddings = try object.string("object") == "list"
        let output: Int64
        if isEmbeddings { output = try usage.count(shape.output) ?? 0 } else { output = try usage.requiredCount(shape.output) }
        let detailsCached = try details?.count("cached_tokens") ?? 0
        let prefix = usage.path.isEmpty ? "" : "usage."
        var row = UsageRow(
            line: line, timeNanoseconds: time ?? 0, model: try object.string("model"), tier: try object.tier("service_tier"),
            input: try usage.requiredCount(shape.input), cached: try usage.count(cacheHit) ?? detailsCached,
            cacheWrite: try details?.count("cache_write_tokens") ?? 0, output: output,
            requestID: try object.string("id"), user: try object.string("user"),
            fieldNames: names[shape.name + "/" + prefix]!, hasTime: time != nil)
        row.breakdown = breakdown
        return row
    }
}
