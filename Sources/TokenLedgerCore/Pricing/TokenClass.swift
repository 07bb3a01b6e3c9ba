/// The classes of tokens a charge is made of, each billed at its own rate: uncached input, cached
/// input, cache writes (5-minute, and 1-hour where billed apart), audio and image input, output
/// (reasoning tokens are output tokens), audio and image output.
///
/// The first four are every charge's; the other five (``TokenBreakdown``) lie within the input
/// or output and are priced only where the price book gives their rates: usage with tokens of a
/// class its entry does not price is refused (`no_price_for_class`), never billed at another
/// class's rate.
///
/// Reconciliation and the FOCUS export show a charge split by class, as providers' cost line
/// items do (`"gpt-4o-2024-08-06, cached input"`).
public enum TokenClass: String, CaseIterable, Hashable, Sendable, Comparable {
    /// Input tokens neither read from nor written to the cache, nor audio or image.
    case input
    case cachedInput = "cached_input"
    /// Cache writes: Anthropic's 5-minute writes, and every provider's writes billed as one.
    case cacheWrite = "cache_write"
    /// Anthropic's 1-hour cache writes.
    case cacheWrite1h = "cache_write_1h"
    case inputAudio = "input_audio"
    case inputImage = "input_image"
    /// Output tokens that are neither audio nor image (reasoning included).
    case output
    case outputAudio = "output_audio"
    case outputImage = "output_image"

    /// The four classes every price entry gives a rate for (cached input and cache writes
    /// default to the input price).
    public static let base: [TokenClass] = [.input, .cachedInput, .cacheWrite, .output]

    /// How providers' cost line items name the class: `input`, `cached input`, `cache writes`, `output`, `audio input`….
    public var lineItemName: String {
        switch self {
        case .input: "input"
        case .cachedInput: "cached input"
        case .cacheWrite: "cache writes"
        case .cacheWrite1h: "1h cache writes"
        case .inputAudio: "audio input"
        case .inputImage: "image input"
        case .output: "output"
        case .outputAudio: "audio output"
        case .outputImage: "image output"
        }
    }

    /// The class in words, singular, for messages: `1-hour cache write`, `audio input`.
    public var noun: String {
        switch self {
        case .input: "uncached input"
        case .cachedInput: "cached input"
        case .cacheWrite: "cache write"
        case .cacheWrite1h: "1-hour cache write"
        case .inputAudio: "audio input"
        case .inputImage: "image input"
        case .output: "output"
        case .outputAudio: "audio output"
        case .outputImage: "image output"
        }
    }

    /// The class's position in ``allCases``: the order classes are listed and ties are broken in.
    public var order: Int { TokenClass.allCases.firstIndex(of: self)! }

    public static func < (lhs: TokenClass, rhs: TokenClass) -> Bool { lhs.order < rhs.order }

    /// The tokens of this class in `usage`.
    public func tokens(in usage: TokenUsage) -> Int64 {
        switch self {
        case .input: usage.uncachedInputTokens
        case .cachedInput: usage.cachedTokens
        case .cacheWrite: usage.cacheWriteTokens
        case .cacheWrite1h: usage.breakdown.cacheWrite1hTokens
        case .inputAudio: usage.breakdown.inputAudioTokens
        case .inputImage: usage.breakdown.inputImageTokens
        case .output: usage.textOutputTokens
        case .outputAudio: usage.breakdown.outputAudioTokens
        case .outputImage: usage.breakdown.outputImageTokens
        }
    }

    /// The rate of this class, in nanodollars per million tokens; nil for a class the entry does not price.
    public func rate(in rates: ResolvedRates) -> Int64? {
        switch self {
        case .input: rates.input
        case .cachedInput: rates.cachedInput
        case .cacheWrite: rates.cacheWrite
        case .output: rates.output
        default: rates.breakdown[self]
        }
    }
}

extension Cost {
    /// The exact cost of one class, in femtodollars (1e-15 USD).
    public func femtos(of tokenClass: TokenClass) -> Int128 {
        switch tokenClass {
        case .input: uncachedInputFemtos
        case .cachedInput: cachedInputFemtos
        case .cacheWrite: cacheWriteFemtos
        case .output: outputFemtos
        default: breakdownFemtos[tokenClass] ?? 0
        }
    }

    /// The charge `recorded` for this usage split over its token classes, in whole nanodollars
    /// that add up to `recorded` exactly; see ``ClassApportionment``.
    public func split(recorded: Money) -> [TokenClass: Money] {
        let nanos = ClassApportionment.split(TokenClass.allCases.map { femtos(of: $0) }, total: recorded.nanos)
        var amounts: [TokenClass: Money] = [:]
        for (index, tokenClass) in TokenClass.allCases.enumerated() { amounts[tokenClass] = Money(nanos: nanos[index]) }
        return amounts
    }
}

/// How one charge, rounded once to nanodollars, is shared among its token classes so that the
/// parts are whole nanodollars adding up to the charge exactly.
///
/// The largest-remainder method: each class first gets its exact cost rounded down to the
/// nanodollar; the nanodollars still missing to reach the charge (0 to 4, since the charge is the
/// exact sum rounded once, half to even) go one each to the classes with the largest remainders,
/// ties to the earlier class (in ``TokenClass`` order: input, cached input, cache writes, …, output, …). A class with no tokens
/// never gets one. Only when a recorded charge disagrees with its prices (which `verify` reports)
/// is anything left over; that difference goes to the class with the largest exact cost.
///
/// ```swift
/// ClassApportionment.split([1_500_000, 2_500_000, 0, 1_000_000], total: 5)   // [2, 2, 0, 1]
/// ```
public enum ClassApportionment {
    /// `femtos` (one non-negative exact amount per class, in femtodollars) apportioned to whole
    /// nanodollars adding up to `total`.
    public static func split(_ femtos: [Int128], total: Int64) -> [Int64] {
        precondition(femtos.allSatisfy { $0 >= 0 }, "class costs are never negative")
        let perNano = PriceEntry.femtosPerNano
        var parts = femtos.map { Int64($0 / perNano) }
        let remainders = femtos.map { $0 % perNano }
        var left = total - parts.reduce(0, +)
        let byRemainder = femtos.indices.filter { remainders[$0] > 0 }.sorted {
            remainders[$0] > remainders[$1] || (remainders[$0] == remainders[$1] && $0 < $1)
        }
        for index in byRemainder where left > 0 {
            parts[index] += 1
            left -= 1
        }
        if left != 0, let largest = femtos.indices.max(by: { femtos[$0] < femtos[$1] || (femtos[$0] == femtos[$1] && $0 > $1) }) {
            parts[largest] += left
        }
        return parts
    }
}

extension ResolvedRates {
    /// Every class at no cost: the rates of a usage whose entry gives none for its tier, so that
    /// its recorded cost is still split (all of it on input).
    public static let free = ResolvedRates(input: 0, cachedInput: 0, cacheWrite: 0, output: 0, breakdown: .zero)
}
