/// The service tier a provider processed a request in; it is billed as reported.
public enum ServiceTier: String, CaseIterable, Hashable, Sendable, Codable {
    case `default`
    case flex
    case batch
    case priority

    /// Reads a tier name as providers and people write it (`auto` and `scale` bill as default).
    public init?(name: String) {
        switch name.lowercased() {
        case "default", "auto", "scale", "standard", "": self = .default
        case "flex": self = .flex
        case "batch", "batches": self = .batch
        case "priority": self = .priority
        default: return nil
        }
    }
}

/// The parts of a usage's input and output that providers bill at rates of their own: 1-hour
/// cache writes (Anthropic), audio and image input, audio and image output (OpenAI's
/// `input_audio_tokens`, `output_image_tokens`…). Each lies **within** the usage's input or
/// output tokens; what is left of them is billed at the text rates.
public struct TokenBreakdown: Hashable, Sendable {
    /// Input tokens written to the 1-hour cache (the 5-minute writes are ``TokenUsage/cacheWriteTokens``).
    public var cacheWrite1hTokens: Int64
    /// Audio input tokens not read from the cache.
    public var inputAudioTokens: Int64
    /// Image input tokens not read from the cache.
    public var inputImageTokens: Int64
    public var outputAudioTokens: Int64
    public var outputImageTokens: Int64

    /// No tokens of these classes: a text request.
    public static let none = TokenBreakdown()

    public init(cacheWrite1h: Int64 = 0, inputAudio: Int64 = 0, inputImage: Int64 = 0, outputAudio: Int64 = 0, outputImage: Int64 = 0) {
        self.cacheWrite1hTokens = cacheWrite1h
        self.inputAudioTokens = inputAudio
        self.inputImageTokens = inputImage
        self.outputAudioTokens = outputAudio
        self.outputImageTokens = outputImage
    }

    /// Whether every count is zero.
    public var isEmpty: Bool { self == .none }

    /// The counts that lie within the input tokens, added up.
    public var inputTokens: Int64 { cacheWrite1hTokens + inputAudioTokens + inputImageTokens }
    /// The counts that lie within the output tokens, added up.
    public var outputTokens: Int64 { outputAudioTokens + outputImageTokens }

    /// The name of each count's column and JSON field (`cache_write_1h_tokens`, `input_audio_tokens`…),
    /// in ``TokenClass`` order: the `usage` table's, the CSV formats' and the JSON documents'.
    public static let fieldNames = TokenBreakdown.none.fields.map { "\($0.name)_tokens" }

    /// Each count with its field name, in ``TokenClass`` order.
    public var fields: [(name: String, value: Int64)] {
        [
            ("cache_write_1h", cacheWrite1hTokens), ("input_audio", inputAudioTokens), ("input_image", inputImageTokens),
            ("output_audio", outputAudioTokens), ("output_image", outputImageTokens),
        ]
    }

    /// The breakdown added to `other`, for sums of usage rows.
    public func adding(_ other: TokenBreakdown) -> TokenBreakdown {
        TokenBreakdown(
            cacheWrite1h: cacheWrite1hTokens + other.cacheWrite1hTokens, inputAudio: inputAudioTokens + other.inputAudioTokens,
            inputImage: inputImageTokens + other.inputImageTokens, outputAudio: outputAudioTokens + other.outputAudioTokens,
            outputImage: outputImageTokens + other.outputImageTokens)
    }
}

/// The token counts of one request (or of an aggregated usage row), as a provider reports them.
///
/// Input tokens **include** cached, cache-write (5-minute and 1-hour), audio and image input
/// tokens; output tokens include reasoning, audio and image output tokens. Build one with
/// ``TokenUsage/validated(input:cached:cacheWrite:output:breakdown:)``, which refuses counts a
/// provider could not have reported.
public struct TokenUsage: Hashable, Sendable {
    public private(set) var inputTokens: Int64
    public private(set) var cachedTokens: Int64
    public private(set) var cacheWriteTokens: Int64
    public private(set) var outputTokens: Int64
    /// The parts of the input and output billed at rates of their own (1-hour cache writes, audio, images).
    public private(set) var breakdown: TokenBreakdown

    /// The largest count of one token class in one charge: 100 billion. Beyond it a count is
    /// taken as a mistake, and it keeps every cost within `Int64` nanodollars.
    public static let maximumTokens: Int64 = 100_000_000_000

    /// Input tokens neither read from nor written to the cache, and neither audio nor image:
    /// those billed at the input rate.
    public var uncachedInputTokens: Int64 { inputTokens - cachedTokens - cacheWriteTokens - breakdown.inputTokens }
    /// Output tokens that are neither audio nor image: those billed at the output rate.
    public var textOutputTokens: Int64 { outputTokens - breakdown.outputTokens }

    /// A usage with counts already known to be valid (a programmer error otherwise).
    public init(input: Int64, cached: Int64 = 0, cacheWrite: Int64 = 0, output: Int64, breakdown: TokenBreakdown = .none) {
        precondition(TokenUsage.problem(input: input, cached: cached, cacheWrite: cacheWrite, output: output, breakdown: breakdown) == nil)
        self.inputTokens = input
        self.cachedTokens = cached
        self.cacheWriteTokens = cacheWrite
        self.outputTokens = output
        self.breakdown = breakdown
    }

    /// A usage from counts that may be wrong: refuses negative counts, counts above
    /// ``maximumTokens``, cached, cache-write, audio and image input tokens adding up to more
    /// than the input tokens, and audio and image output tokens to more than the output tokens.
    public static func validated(
        input: Int64, cached: Int64 = 0, cacheWrite: Int64 = 0, output: Int64, breakdown: TokenBreakdown = .none
    ) throws(InvalidUsage) -> TokenUsage {
        if let problem = problem(input: input, cached: cached, cacheWrite: cacheWrite, output: output, breakdown: breakdown) { throw problem }
        return TokenUsage(input: input, cached: cached, cacheWrite: cacheWrite, output: output, breakdown: breakdown)
    }

    static func problem(input: Int64, cached: Int64, cacheWrite: Int64, output: Int64, breakdown: TokenBreakdown) -> InvalidUsage? {
        for (field, value) in [("input", input), ("cached", cached), ("cache_write", cacheWrite), ("output", output)] + breakdown.fields {
            if value < 0 { return InvalidUsage(field: field, reason: "must not be negative (got \(value))") }
            if value > maximumTokens {
                return InvalidUsage(field: field, reason: "\(value) tokens is more than the \(maximumTokens) a charge may carry")
            }
        }
        if breakdown.isEmpty {
            if cached + cacheWrite > input {
                return InvalidUsage(
                    field: "cached",
                    reason: "cached (\(cached)) plus cache write (\(cacheWrite)) tokens exceed the input tokens (\(input)), which include them")
            }
            return nil
        }
        let within = cached + cacheWrite + breakdown.inputTokens
        if within > input {
            return InvalidUsage(
                field: "cached",
                reason: "cached (\(cached)), cache write (\(cacheWrite)), 1-hour cache write (\(breakdown.cacheWrite1hTokens)), audio "
                    + "(\(breakdown.inputAudioTokens)) and image (\(breakdown.inputImageTokens)) input tokens add up to \(within), more than "
                    + "the input tokens (\(input)), which include them")
        }
        if breakdown.outputTokens > output {
            return InvalidUsage(
                field: "output_audio",
                reason: "audio (\(breakdown.outputAudioTokens)) and image (\(breakdown.outputImageTokens)) output tokens add up to more than "
                    + "the output tokens (\(output)), which include them")
        }
        return nil
    }
}

/// A token count that no provider could have reported: which field, and why.
public struct InvalidUsage: Error, Equatable, Sendable, CustomStringConvertible {
    public var field: String
    public var reason: String
    public var description: String { "\(field): \(reason)" }
}
