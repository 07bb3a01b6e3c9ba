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

/// The token counts of one request (or of an aggregated usage row), as a provider reports them.
///
/// Input tokens **include** cached and cache-write tokens; output tokens include reasoning tokens.
/// Build one with ``TokenUsage/validated(input:cached:cacheWrite:output:)``, which refuses counts a
/// provider could not have reported.
public struct TokenUsage: Hashable, Sendable {
    public private(set) var inputTokens: Int64
    public private(set) var cachedTokens: Int64
    public private(set) var cacheWriteTokens: Int64
    public private(set) var outputTokens: Int64

    /// The largest count of one token class in one charge: 100 billion. Beyond it a count is
    /// taken as a mistake, and it keeps every cost within `Int64` nanodollars.
    public static let maximumTokens: Int64 = 100_000_000_000

    /// Input tokens neither read from nor written to the cache.
    public var uncachedInputTokens: Int64 { inputTokens - cachedTokens - cacheWriteTokens }

    /// A usage with counts already known to be valid (a programmer error otherwise).
    public init(input: Int64, cached: Int64 = 0, cacheWrite: Int64 = 0, output: Int64) {
        precondition(TokenUsage.problem(input: input, cached: cached, cacheWrite: cacheWrite, output: output) == nil)
        self.inputTokens = input
        self.cachedTokens = cached
        self.cacheWriteTokens = cacheWrite
        self.outputTokens = output
    }

    /// A usage from counts that may be wrong: refuses negative counts, counts above
    /// ``maximumTokens``, and cached plus cache-write tokens above the input tokens.
    public static func validated(input: Int64, cached: Int64 = 0, cacheWrite: Int64 = 0, output: Int64) throws(InvalidUsage) -> TokenUsage {
        if let problem = problem(input: input, cached: cached, cacheWrite: cacheWrite, output: output) { throw problem }
        return TokenUsage(input: input, cached: cached, cacheWrite: cacheWrite, output: output)
    }

    static func problem(input: Int64, cached: Int64, cacheWrite: Int64, output: Int64) -> InvalidUsage? {
        for (field, value) in [("input", input), ("cached", cached), ("cache_write", cacheWrite), ("output", output)] {
            if value < 0 { return InvalidUsage(field: field, reason: "must not be negative (got \(value))") }
            if value > maximumTokens {
                return InvalidUsage(field: field, reason: "\(value) tokens is more than the \(maximumTokens) a charge may carry")
            }
        }
        if cached + cacheWrite > input {
            return InvalidUsage(
                field: "cached",
                reason: "cached (\(cached)) plus cache write (\(cacheWrite)) tokens exceed the input tokens (\(input)), which include them")
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
