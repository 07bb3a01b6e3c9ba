import TokenLedgerCore

/// A small, fast, seeded generator (SplitMix64) so random-input tests are reproducible:
/// the same seed always produces the same sequence, on every platform.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Nanodollars in one dollar, as a shorter name for fixtures.
let dollar = Money.nanosPerDollar

/// A UTC instant for fixtures.
func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0) -> Timestamp {
    Timestamp(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
}

/// Resolved rates with the given prices, built the public way (`ResolvedRates` has no public
/// initializer): through a price entry that gives every class.
func resolved(input: Int64, cachedInput: Int64, cacheWrite: Int64, output: Int64) -> ResolvedRates {
    let rates = TokenRates(input: input, cachedInput: cachedInput, cacheWrite: cacheWrite, output: output)
    let entry = PriceEntry(model: "m", effectiveFrom: .earliest, rates: [RateKey(.default): rates])
    guard let resolved = entry.resolvedRates(tier: .default) else { preconditionFailure("every class is given") }
    return resolved
}

/// The price entry in force for `model` at `time`: the latest `effectiveFrom` not after it.
func entryInForce(_ model: String, at time: Timestamp, in entries: [PriceEntry] = DefaultPriceBook.entries) -> PriceEntry? {
    entries.filter { $0.model == model && $0.effectiveFrom <= time }.max { $0.effectiveFrom < $1.effectiveFrom }
}
