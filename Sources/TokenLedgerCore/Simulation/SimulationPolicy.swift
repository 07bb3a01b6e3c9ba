/// The account settings a simulation runs a trace under.
///
/// The start balance is one purchased lot at the first request's time (it expires a year
/// later, as every purchase does); `recharge` is the auto-recharge policy, none when nil;
/// `hardLimit` refuses requests once month-to-date spend reaches it; payments of recharges fail
/// with probability `paymentFailureRate`, drawn from a generator seeded with `seed`, so a run
/// is the same every time.
public struct SimulationPolicy: Hashable, Sendable, CustomStringConvertible {
    public var startBalance: Money
    public var recharge: AutoRechargePolicy?
    /// The account's largest card payment; caps each recharge.
    public var maximumPurchase: Money
    /// The monthly hard limit on spend; none when nil.
    public var hardLimit: Money?
    public var paymentFailureRate: FailureRate
    public var seed: UInt64

    public init(
        startBalance: Money, recharge: AutoRechargePolicy? = nil, maximumPurchase: Money = Credits.defaultMaximumPurchase,
        hardLimit: Money? = nil, paymentFailureRate: FailureRate = .never, seed: UInt64 = 1
    ) {
        self.startBalance = startBalance
        self.recharge = recharge
        self.maximumPurchase = maximumPurchase
        self.hardLimit = hardLimit
        self.paymentFailureRate = paymentFailureRate
        self.seed = seed
    }

    public var description: String {
        var parts = ["start \(startBalance)", recharge.map { "recharge \($0)" } ?? "no recharge"]
        if let hardLimit { parts.append("hard limit \(hardLimit)") }
        if paymentFailureRate != .never { parts.append("payments fail \(paymentFailureRate)") }
        return parts.joined(separator: ", ")
    }
}

/// A probability as an exact integer of parts per million: how often a payment fails.
public struct FailureRate: Hashable, Sendable, CustomStringConvertible {
    /// The probability × 1,000,000, from 0 to 1,000,000.
    public let partsPerMillion: Int64

    public static let never = FailureRate(partsPerMillion: 0)
    public static let always = FailureRate(partsPerMillion: 1_000_000)

    /// A rate of `partsPerMillion` / 1,000,000 (0 to 1,000,000; a programmer error otherwise).
    public init(partsPerMillion: Int64) {
        precondition((0...1_000_000).contains(partsPerMillion), "a probability is between 0 and 1")
        self.partsPerMillion = partsPerMillion
    }

    /// Reads a probability typed as a decimal (`0.05`, `0`, `1`) or a percentage (`5%`), exactly,
    /// to the millionth. Throws ``FailureRateParseError`` for anything else.
    public init(parsing text: String) throws(FailureRateParseError) {
        var trimmed = text.trimmingASCIIWhitespace()
        let percent = trimmed.hasSuffix("%")
        if percent { trimmed.removeLast() }
        let scaled: Int64
        do { scaled = try DecimalText.scaledInteger(trimmed, scale: percent ? 4 : 6) } catch { throw FailureRateParseError(text: text) }
        guard (0...1_000_000).contains(scaled) else { throw FailureRateParseError(text: text) }
        self.init(partsPerMillion: scaled)
    }

    /// Whether a payment fails, given the next number of a seeded generator: the top of the
    /// 64-bit draw scaled to a million is below the rate (unbiased to within 2^-44).
    @inline(__always)
    public func fails(draw: UInt64) -> Bool {
        Int64(draw.multipliedFullWidth(by: 1_000_000).high) < partsPerMillion
    }

    public var description: String {
        let whole = partsPerMillion / 1_000_000
        var fraction = String(partsPerMillion % 1_000_000)
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? String(whole) : "\(whole).\(fraction)"
    }
}

/// A failure rate that is not a probability with at most six decimals.
public struct FailureRateParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public var text: String
    public var description: String { "'\(text)' is not a probability from 0 to 1 with at most 6 decimals (examples: 0.05, 5%)" }
}

/// SplitMix64 (Steele, Lea and Flood, 2014): a small, fast generator whose sequence depends
/// only on its seed, on every platform. Payment failures draw from it so that a simulation
/// with a given seed is reproducible; never the system's random source.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
