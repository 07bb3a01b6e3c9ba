import Testing
import TokenLedgerCore

/// Nanodollars per million tokens for a price of `dollars` per million tokens written as text.
private func perMillion(_ dollars: String) -> Int64 {
    do { return try Money(parsing: dollars).nanos } catch { preconditionFailure("bad fixture \(dollars)") }
}

/// A test entry for the model "m", effective from the epoch.
private func entry(
    _ rates: [RateKey: TokenRates], maxInput: Int64? = nil, maxOutput: Int64? = nil, threshold: Int64? = nil
) -> PriceEntry {
    PriceEntry(
        model: "m", effectiveFrom: .earliest, rates: rates,
        maxInputTokens: maxInput, maxOutputTokens: maxOutput, longContextThresholdTokens: threshold)
}

private func usage(input: Int64, cached: Int64 = 0, cacheWrite: Int64 = 0, output: Int64) -> TokenUsage {
    TokenUsage(input: input, cached: cached, cacheWrite: cacheWrite, output: output)
}

/// gpt-4o's prices from 2024-10-02: $2.50 input, $1.25 cached, $10 output per million.
private let gpt4o = entry([
    RateKey(.default): TokenRates(input: perMillion("2.50"), cachedInput: perMillion("1.25"), output: perMillion("10"))
])

@Suite("Pricing: cost of a usage")
struct CostTests {
    @Test("Each class costs tokens × price exactly, in femtodollars; the total is their sum in nanodollars")
    func exactCost() throws {
        let cost = try gpt4o.cost(of: usage(input: 1_000, cached: 200, output: 500), tier: .default)
        #expect(cost.uncachedInputFemtos == 800 * 2_500_000_000)
        #expect(cost.cachedInputFemtos == 200 * 1_250_000_000)
        #expect(cost.cacheWriteFemtos == 0)
        #expect(cost.outputFemtos == 500 * 10_000_000_000)
        #expect(cost.exactFemtos == 7_250_000_000_000)
        #expect(cost.total == Money(nanos: 7_250_000))
        #expect(cost.total.decimalString == "0.007250000")
        #expect(cost.band == .standard)
        #expect(
            cost.rates
                == resolved(
                    input: 2_500_000_000, cachedInput: 1_250_000_000, cacheWrite: 2_500_000_000, output: 10_000_000_000))
    }

    @Test("A realistic request at gpt-4o prices, down to the nanodollar")
    func realisticRequest() throws {
        // 1,234 input tokens (1,000 of them cached) and 567 output tokens:
        // 234 × 2.50 + 1,000 × 1.25 + 567 × 10 = 585 + 1,250 + 5,670 = 7,505 millionths of a dollar.
        let cost = try gpt4o.cost(of: usage(input: 1_234, cached: 1_000, output: 567), tier: .default)
        #expect(cost.total.displayString == "$0.007505")
    }

    @Test("The total is rounded once, half to even, never class by class")
    func roundedOnce() throws {
        // $0.0015 per million: one token costs 1.5 nanodollars.
        let rate = perMillion("0.0015")
        let pricing = entry([RateKey(.default): TokenRates(input: rate, cachedInput: rate, cacheWrite: rate, output: rate)])
        // Four classes of one token: 4 × 1.5 = 6 nanodollars. Rounding each class first would give 4 × 2 = 8.
        let cost = try pricing.cost(of: usage(input: 3, cached: 1, cacheWrite: 1, output: 1), tier: .default)
        let roundedPerClass = [cost.uncachedInputFemtos, cost.cachedInputFemtos, cost.cacheWriteFemtos, cost.outputFemtos]
            .map { Rounding.halfToEven($0, dividedBy: PriceEntry.femtosPerNano) }.reduce(0, +)
        #expect(roundedPerClass == 8)
        #expect(cost.exactFemtos == 6_000_000)
        #expect(cost.total == Money(nanos: 6))

        // $0.0005 per million: half a nanodollar per token; each class alone rounds to 0, the sum is 1.
        let half = perMillion("0.0005")
        let tiny = entry([RateKey(.default): TokenRates(input: half, output: half)])
        #expect(try tiny.cost(of: usage(input: 1, output: 1), tier: .default).total == Money(nanos: 1))
    }

    @Test(
        "A total that ends in exactly half a nanodollar goes to the even nanodollar",
        arguments: [
            (1, 0, Int64(0)),  // 0.5 → 0
            (3, 0, 2),  // 1.5 → 2
            (5, 0, 2),  // 2.5 → 2
            (7, 0, 4),  // 3.5 → 4
            (4, 1, 2),  // 2 + 0.25 = 2.25 → 2
            (5, 1, 3),  // 2.5 + 0.25 = 2.75 → 3
        ] as [(Int64, Int64, Int64)])
    func halfToEvenTotal(inputTokens: Int64, outputTokens: Int64, nanos: Int64) throws {
        // Input at half a nanodollar per token, output at a quarter.
        let pricing = entry([RateKey(.default): TokenRates(input: 500_000, output: 250_000)])
        let cost = try pricing.cost(of: usage(input: inputTokens, output: outputTokens), tier: .default)
        #expect(cost.total.nanos == nanos)
    }

    @Test("Cached and cache-write tokens cost the input price when the catalog gives them none")
    func cachedDefaultsToInput() throws {
        let pricing = entry([RateKey(.default): TokenRates(input: perMillion("30"), output: perMillion("60"))])
        let rates = try #require(pricing.resolvedRates(tier: .default))
        #expect(rates == resolved(input: 30 * dollar, cachedInput: 30 * dollar, cacheWrite: 30 * dollar, output: 60 * dollar))
        let withCache = try pricing.cost(of: usage(input: 1_000, cached: 400, cacheWrite: 100, output: 10), tier: .default)
        let withoutCache = try pricing.cost(of: usage(input: 1_000, output: 10), tier: .default)
        #expect(withCache.total == withoutCache.total)
        #expect(withCache.total == Money(nanos: 30_600_000))  // 1,000 × $30 + 10 × $60 per million

        // Only the cache-write price given: cached input still falls back to input.
        let writeOnly = entry([RateKey(.default): TokenRates(input: 10, cacheWrite: 20, output: 30)])
        #expect(writeOnly.resolvedRates(tier: .default) == resolved(input: 10, cachedInput: 10, cacheWrite: 20, output: 30))
    }

    @Test("The largest price times the largest counts in all four classes is exact within Int64")
    func largestCostIsExact() throws {
        let top = PriceEntry.maximumRateNanosPerMillion
        let most = TokenUsage.maximumTokens
        #expect(top == 10_000_000_000_000)
        let pricing = entry([RateKey(.default): TokenRates(input: top, cachedInput: top, cacheWrite: top, output: top)])

        // The largest valid usage: input, and so uncached + cached + cache write, at most 100 billion.
        let largestValid = try TokenUsage.validated(input: most, cached: most / 2, cacheWrite: most / 4, output: most)
        let cost = try pricing.cost(of: largestValid, tier: .default)
        #expect(cost.total.nanos == 2_000_000_000_000_000_000)  // $2 billion
        #expect(cost.total.decimalString == "2000000000.000000000")

        // With prices that make every digit count: the total is still the exact sum, rounded once.
        let odd = resolved(input: top - 1, cachedInput: top - 3, cacheWrite: top - 7, output: top - 9)
        let oddCost = Cost.of(largestValid, at: odd)
        let exact =
            Int128(most / 4) * Int128(top - 1) + Int128(most / 2) * Int128(top - 3)
            + Int128(most / 4) * Int128(top - 7) + Int128(most) * Int128(top - 9)
        #expect(oddCost.exactFemtos == exact)
        #expect(Int128(oddCost.total.nanos) == Rounding.halfToEven(exact, dividedBy: 1_000_000))
        #expect(oddCost.total.nanos < Int64.max)
    }

    @Test("Cost of a usage agrees with the sum of its classes (seeded random usages)")
    func randomCostsAreExact() throws {
        var generator = SplitMix64(seed: 0xC057)
        for _ in 0..<1_000 {
            let rates = resolved(
                input: Int64.random(in: 0...PriceEntry.maximumRateNanosPerMillion, using: &generator),
                cachedInput: Int64.random(in: 0...PriceEntry.maximumRateNanosPerMillion, using: &generator),
                cacheWrite: Int64.random(in: 0...PriceEntry.maximumRateNanosPerMillion, using: &generator),
                output: Int64.random(in: 0...PriceEntry.maximumRateNanosPerMillion, using: &generator))
            let input = Int64.random(in: 0...TokenUsage.maximumTokens, using: &generator)
            let cached = Int64.random(in: 0...input, using: &generator)
            let cacheWrite = Int64.random(in: 0...(input - cached), using: &generator)
            let output = Int64.random(in: 0...TokenUsage.maximumTokens, using: &generator)
            let tokens = try TokenUsage.validated(input: input, cached: cached, cacheWrite: cacheWrite, output: output)
            let cost = Cost.of(tokens, at: rates)
            let exact =
                Int128(input - cached - cacheWrite) * Int128(rates.input) + Int128(cached) * Int128(rates.cachedInput)
                + Int128(cacheWrite) * Int128(rates.cacheWrite) + Int128(output) * Int128(rates.output)
            #expect(cost.exactFemtos == exact)
            let error = (exact - Int128(cost.total.nanos) * 1_000_000).magnitude * 2
            #expect(error <= 1_000_000)
            if error == 1_000_000 { #expect(cost.total.nanos % 2 == 0) }
        }
    }
}

@Suite("Pricing: service tiers")
struct ServiceTierPricingTests {
    @Test("Flex and batch without catalog prices cost half of default, halved half to even")
    func halfOfDefault() throws {
        // Odd nanodollars per million: 5 → 2.5 → 2, 3 → 1.5 → 2, 7 → 3.5 → 4.
        let pricing = entry([RateKey(.default): TokenRates(input: 5, cachedInput: 3, output: 7)])
        for tier in [ServiceTier.flex, .batch] {
            #expect(pricing.resolvedRates(tier: tier) == resolved(input: 2, cachedInput: 2, cacheWrite: 2, output: 4))
        }
        let real = entry([RateKey(.default): TokenRates(input: perMillion("1.10"), cachedInput: perMillion("0.275"), output: perMillion("4.40"))])
        #expect(
            real.resolvedRates(tier: .flex)
                == resolved(
                    input: 550_000_000, cachedInput: 137_500_000, cacheWrite: 550_000_000, output: 2_200_000_000))
        let oddNanos = entry([RateKey(.default): TokenRates(input: 1_100_000_001, output: 1_100_000_003)])
        #expect(
            oddNanos.resolvedRates(tier: .batch)
                == resolved(
                    input: 550_000_000, cachedInput: 550_000_000, cacheWrite: 550_000_000, output: 550_000_002))
    }

    @Test("Flex and batch take the catalog's price for each class it gives, half of default for the rest")
    func catalogPerClass() throws {
        let pricing = entry([
            RateKey(.default): TokenRates(input: 1_000, cachedInput: 400, cacheWrite: 1_200, output: 3_000),
            RateKey(.flex): TokenRates(input: 333, cachedInput: nil, output: nil),
            RateKey(.batch): TokenRates(input: nil, cachedInput: 111, output: 1_499),
        ])
        #expect(pricing.resolvedRates(tier: .flex) == resolved(input: 333, cachedInput: 200, cacheWrite: 600, output: 1_500))
        #expect(pricing.resolvedRates(tier: .batch) == resolved(input: 500, cachedInput: 111, cacheWrite: 600, output: 1_499))
        let cost = try pricing.cost(of: usage(input: 1_000_000, cached: 500_000, output: 1_000_000), tier: .flex)
        #expect(cost.total == Money(nanos: 1_766))  // 166.5 + 100 + 1,500 = 1,766.5 → 1,766 (even)
        #expect(cost.rates.input == 333)
    }

    @Test("Priority is refused without its own input and output prices")
    func priorityNeedsItsPrices() throws {
        let noPriority = entry([RateKey(.default): TokenRates(input: 10, output: 20)])
        #expect(noPriority.resolvedRates(tier: .priority) == nil)
        #expect(throws: PricingRefusal.noPriceForTier(.priority)) {
            try noPriority.cost(of: usage(input: 1, output: 1), tier: .priority)
        }
        for partial in [TokenRates(input: 20, output: nil), TokenRates(input: nil, cachedInput: 5, output: 40)] {
            let pricing = entry([RateKey(.default): TokenRates(input: 10, output: 20), RateKey(.priority): partial])
            #expect(pricing.resolvedRates(tier: .priority) == nil)
            #expect(throws: PricingRefusal.noPriceForTier(.priority)) {
                try pricing.cost(of: usage(input: 1, output: 1), tier: .priority)
            }
        }
        // With them: its own prices, never derived from default; cached falls back to priority input.
        let pricing = entry([
            RateKey(.default): TokenRates(input: 10, cachedInput: 2, output: 20),
            RateKey(.priority): TokenRates(input: 17, output: 35),
        ])
        #expect(pricing.resolvedRates(tier: .priority) == resolved(input: 17, cachedInput: 17, cacheWrite: 17, output: 35))
    }

    @Test("Without default prices no tier can be priced but priority")
    func noDefaultPrices() throws {
        let pricing = entry([RateKey(.priority): TokenRates(input: 17, output: 35), RateKey(.flex): TokenRates(input: 5, output: 9)])
        #expect(pricing.resolvedRates(tier: .default) == nil)
        #expect(pricing.resolvedRates(tier: .flex) == nil)
        #expect(pricing.resolvedRates(tier: .batch) == nil)
        #expect(pricing.resolvedRates(tier: .priority) != nil)
        #expect(throws: PricingRefusal.noPriceForTier(.flex)) { try pricing.cost(of: usage(input: 1, output: 1), tier: .flex) }
        #expect(throws: PricingRefusal.noPriceForTier(.default)) { try pricing.cost(of: usage(input: 1, output: 1), tier: .default) }
    }

    @Test("Rate keys order by tier, then band")
    func rateKeyOrder() {
        let keys = [RateKey(.priority), RateKey(.default, .longContext), RateKey(.flex), RateKey(.default), RateKey(.flex, .longContext)]
        #expect(
            keys.sorted() == [
                RateKey(.default), RateKey(.default, .longContext), RateKey(.flex), RateKey(.flex, .longContext), RateKey(.priority),
            ])
        #expect(RateKey(.batch).band == .standard)
    }
}

@Suite("Pricing: long context and context windows")
struct LongContextTests {
    static let threshold: Int64 = 272_000

    /// Standard $1.25 / cached $0.125 / $10; long context $2.50 / $15 (no cached price of its own).
    static let pricing = entry(
        [
            RateKey(.default): TokenRates(input: 1_250, cachedInput: 125, output: 10_000),
            RateKey(.default, .longContext): TokenRates(input: 2_500, cachedInput: nil, output: 15_000),
            RateKey(.priority): TokenRates(input: 2_500, cachedInput: 250, output: 20_000),
            RateKey(.priority, .longContext): TokenRates(input: 5_000, output: nil),
        ], threshold: threshold)

    @Test("The long-context band applies only when input tokens exceed the threshold")
    func bandBoundary() throws {
        let atThreshold = usage(input: Self.threshold, output: 10)
        let above = usage(input: Self.threshold + 1, output: 10)
        #expect(Self.pricing.band(for: atThreshold) == .standard)
        #expect(Self.pricing.band(for: above) == .longContext)
        #expect(try Self.pricing.cost(of: atThreshold, tier: .default).band == .standard)
        #expect(try Self.pricing.cost(of: atThreshold, tier: .default).rates.input == 1_250)
        let cost = try Self.pricing.cost(of: above, tier: .default)
        #expect(cost.band == .longContext)
        #expect(cost.rates.input == 2_500)
        #expect(cost.exactFemtos == Int128(Self.threshold + 1) * 2_500 + 10 * 15_000)
        // Output tokens never move a usage into the band.
        #expect(Self.pricing.band(for: usage(input: 1, output: 10_000_000)) == .standard)
        // Without a threshold there is no long-context band.
        #expect(gpt4o.band(for: usage(input: 10_000_000, output: 1)) == .standard)
    }

    @Test("An aggregated usage of many requests is judged by its average request: band and context window")
    func aggregatedRequests() throws {
        // 10 requests of 200,000 input tokens each: 2,000,000 in all, every one below the threshold.
        let day = usage(input: 10 * 200_000, output: 10)
        #expect(Self.pricing.band(for: day) == .longContext)
        #expect(Self.pricing.band(for: day, requests: 10) == .standard)
        #expect(try Self.pricing.cost(of: day, tier: .default, requests: 10).rates.input == 1_250)
        // Their average above the threshold: long context.
        #expect(Self.pricing.band(for: usage(input: 10 * Self.threshold + 1, output: 10), requests: 10) == .longContext)
        // The context window: 128,000 per request, so 3 requests may hold up to 384,000.
        let windowed = entry([RateKey(.default): TokenRates(input: 100, output: 400)], maxInput: 128_000, maxOutput: 16_384)
        #expect(
            windowed.windowExcess(of: usage(input: 300_000, output: 1)) == .contextWindowExceeded(field: "input", tokens: 300_000, limit: 128_000))
        #expect(windowed.windowExcess(of: usage(input: 300_000, output: 1), requests: 3) == nil)
        #expect(try windowed.cost(of: usage(input: 300_000, output: 1), tier: .default, requests: 3).total.nanos > 0)
        #expect(
            windowed.windowExcess(of: usage(input: 384_001, output: 1), requests: 3)
                == .contextWindowExceeded(field: "input", tokens: 384_001, limit: 384_000))
        #expect(
            windowed.windowExcess(of: usage(input: 1, output: 50_000), requests: 3)
                == .contextWindowExceeded(field: "output", tokens: 50_000, limit: 49_152))
        // A limit times a huge count saturates instead of overflowing.
        #expect(windowed.windowExcess(of: usage(input: 1, output: 1), requests: Int64.max / 2) == nil)
        #expect(try windowed.cost(of: usage(input: 1, output: 1), tier: .default, requests: Int64.max / 2).total.nanos >= 0)
    }

    @Test("Classes the long-context band does not price cost what the standard band says")
    func fallbackToStandard() {
        #expect(
            Self.pricing.resolvedRates(tier: .default, band: .longContext)
                == resolved(input: 2_500, cachedInput: 125, cacheWrite: 2_500, output: 15_000))
        // Priority: the long band gives only input; output and cached come from priority standard.
        #expect(
            Self.pricing.resolvedRates(tier: .priority, band: .longContext)
                == resolved(input: 5_000, cachedInput: 250, cacheWrite: 5_000, output: 20_000))
        // No cached price in either band: the long-context input price.
        let noCached = entry(
            [RateKey(.default): TokenRates(input: 100, output: 400), RateKey(.default, .longContext): TokenRates(input: 200, output: nil)],
            threshold: 10)
        #expect(
            noCached.resolvedRates(tier: .default, band: .longContext)
                == resolved(input: 200, cachedInput: 200, cacheWrite: 200, output: 400))
    }

    @Test("A model without long-context prices bills long requests at its standard prices")
    func noLongContextPrices() throws {
        let pricing = entry([RateKey(.default): TokenRates(input: 100, output: 400)], threshold: 10)
        let cost = try pricing.cost(of: usage(input: 11, output: 1), tier: .default)
        #expect(cost.band == .longContext)
        #expect(cost.rates == resolved(input: 100, cachedInput: 100, cacheWrite: 100, output: 400))
    }

    @Test("Flex and batch in the long-context band: catalog long-context prices, else half of default long-context")
    func flexLongContext() {
        #expect(
            Self.pricing.resolvedRates(tier: .flex, band: .longContext)
                == resolved(input: 1_250, cachedInput: 62, cacheWrite: 1_250, output: 7_500))
        let withFlexLong = entry(
            [
                RateKey(.default): TokenRates(input: 1_250, output: 10_000),
                RateKey(.default, .longContext): TokenRates(input: 2_500, output: 15_000),
                RateKey(.flex, .longContext): TokenRates(input: 1_111, output: nil),
            ], threshold: Self.threshold)
        #expect(
            withFlexLong.resolvedRates(tier: .flex, band: .longContext)
                == resolved(input: 1_111, cachedInput: 1_250, cacheWrite: 1_250, output: 7_500))
        #expect(
            withFlexLong.resolvedRates(tier: .batch, band: .longContext)
                == resolved(input: 1_250, cachedInput: 1_250, cacheWrite: 1_250, output: 7_500))
        // The standard band is untouched by long-context prices.
        #expect(
            withFlexLong.resolvedRates(tier: .flex)
                == resolved(input: 625, cachedInput: 625, cacheWrite: 625, output: 5_000))
    }

    @Test("Context window: input over its limit is the excess first, then output; usage beyond it is still priced")
    func contextWindow() throws {
        let pricing = entry([RateKey(.default): TokenRates(input: 10, output: 20)], maxInput: 16_385, maxOutput: 4_096)
        #expect(
            pricing.windowExcess(of: usage(input: 16_386, output: 4_097)) == .contextWindowExceeded(field: "input", tokens: 16_386, limit: 16_385))
        #expect(
            pricing.windowExcess(of: usage(input: 16_385, output: 4_097)) == .contextWindowExceeded(field: "output", tokens: 4_097, limit: 4_096))
        // Exactly at the limits is fine.
        #expect(pricing.windowExcess(of: usage(input: 16_385, output: 4_096)) == nil)
        #expect(try pricing.cost(of: usage(input: 16_385, output: 4_096), tier: .default).total == Money(nanos: 0))
        // Usage beyond the window happened: it is priced like any other (charging flags or refuses it).
        #expect(try pricing.cost(of: usage(input: 1_000_000, output: 0), tier: .default).total == Money(nanos: 10))
        #expect(throws: PricingRefusal.noPriceForTier(.priority)) {
            try pricing.cost(of: usage(input: 1, output: 1), tier: .priority)
        }
    }
}

private let validRates = TokenRates(input: 10, output: 20)

@Suite("Pricing: entry problems")
struct PriceEntryProblemTests {
    @Test("A valid entry has no problem, up to the limits")
    func valid() {
        let top = PriceEntry.maximumRateNanosPerMillion
        #expect(entry([RateKey(.default): validRates]).problem == nil)
        #expect(entry([RateKey(.default): TokenRates(input: 0, output: 0)]).problem == nil)
        #expect(entry([RateKey(.default): TokenRates(input: top, cachedInput: top, cacheWrite: top, output: top)]).problem == nil)
        let most = TokenUsage.maximumTokens
        #expect(entry([RateKey(.default): validRates], maxInput: most, maxOutput: 1, threshold: most).problem == nil)
        let longName = PriceEntry(
            model: String(repeating: "\u{E9}", count: PriceEntry.maximumModelNameLength), effectiveFrom: .earliest,
            rates: [RateKey(.default): validRates])
        #expect(longName.problem == nil)
    }

    @Test(
        "Each problem, and the first one when there are several",
        arguments: [
            (PriceEntry(model: "", effectiveFrom: .earliest, rates: [:]), "the model name is empty"),
            (
                PriceEntry(model: String(repeating: "x", count: 257), effectiveFrom: .earliest, rates: [RateKey(.default): validRates]),
                "the model name is longer than 256 characters"
            ),
            (entry([:]), "the default input and output prices are required"),
            (entry([RateKey(.flex): validRates, RateKey(.priority): validRates]), "the default input and output prices are required"),
            (entry([RateKey(.default): TokenRates(input: nil, output: 20)]), "the default input and output prices are required"),
            (entry([RateKey(.default): TokenRates(input: 10, output: nil)]), "the default input and output prices are required"),
            (entry([RateKey(.default, .longContext): validRates]), "the default input and output prices are required"),
            (entry([RateKey(.default): TokenRates(input: -1, output: 20)]), "the default input price is negative"),
            (entry([RateKey(.default): TokenRates(input: 10, cachedInput: -1, output: 20)]), "the default cached_input price is negative"),
            (
                entry([RateKey(.default): validRates, RateKey(.flex): TokenRates(input: nil, cacheWrite: -5, output: nil)]),
                "the flex cache_write price is negative"
            ),
            (
                entry([RateKey(.default): TokenRates(input: 10, output: PriceEntry.maximumRateNanosPerMillion + 1)]),
                "the default output price is above $10,000 per million tokens"
            ),
            (
                entry([RateKey(.default): validRates, RateKey(.priority): TokenRates(input: PriceEntry.maximumRateNanosPerMillion + 1, output: -1)]),
                "the priority input price is above $10,000 per million tokens"
            ),
            // Rates are checked in key order: default before flex before priority.
            (
                entry([RateKey(.default): validRates, RateKey(.priority): TokenRates(input: -1, output: 1), RateKey(.flex): TokenRates(input: -2, output: 1)]),
                "the flex input price is negative"
            ),
            (entry([RateKey(.default): validRates], maxInput: 0), "max_input_tokens must be between 1 and 100000000000"),
            (entry([RateKey(.default): validRates], maxInput: -5), "max_input_tokens must be between 1 and 100000000000"),
            (entry([RateKey(.default): validRates], maxOutput: 0), "max_output_tokens must be between 1 and 100000000000"),
            (entry([RateKey(.default): validRates], maxOutput: TokenUsage.maximumTokens + 1), "max_output_tokens must be between 1 and 100000000000"),
            (entry([RateKey(.default): validRates], threshold: 0), "long_context_threshold_tokens must be between 1 and 100000000000"),
            (entry([RateKey(.default): TokenRates(input: -1, output: 20)], maxInput: 0), "the default input price is negative"),
            (entry([RateKey(.default): validRates], maxInput: 0, maxOutput: 0), "max_input_tokens must be between 1 and 100000000000"),
        ] as [(PriceEntry, String)])
    func problems(entry: PriceEntry, problem: String) {
        #expect(entry.problem == problem)
    }
}
