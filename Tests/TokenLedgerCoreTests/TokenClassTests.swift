import Testing
import TokenLedgerCore

/// The classes billed apart from text input and output (``TokenBreakdown``): 1-hour cache
/// writes, audio and image input and output.
@Suite("Pricing: token classes billed apart")
struct TokenClassTests {
    /// An entry for "m" whose default rates give every class: input $2, cached $1, cache write
    /// $2.50, 1-hour write $4, audio in $40, image in $10, output $8, audio out $80, image out $32.
    static let everyClass = PriceEntry(
        model: "m", effectiveFrom: .earliest,
        rates: [
            RateKey(.default): TokenRates(
                input: 2_000_000_000, cachedInput: 1_000_000_000, cacheWrite: 2_500_000_000, output: 8_000_000_000,
                breakdown: BreakdownRates(
                    cacheWrite1h: 4_000_000_000, inputAudio: 40_000_000_000, inputImage: 10_000_000_000, outputAudio: 80_000_000_000,
                    outputImage: 32_000_000_000))
        ], provider: "openai")

    @Test("Each class is billed at its own rate; the input's and output's text parts are what is left")
    func eachClassAtItsRate() throws {
        let usage = try TokenUsage.validated(
            input: 10_000, cached: 1_000, cacheWrite: 500, output: 2_000,
            breakdown: TokenBreakdown(cacheWrite1h: 250, inputAudio: 3_000, inputImage: 1_250, outputAudio: 700, outputImage: 300))
        #expect(usage.uncachedInputTokens == 10_000 - 1_000 - 500 - 250 - 3_000 - 1_250)
        #expect(usage.textOutputTokens == 2_000 - 700 - 300)
        let cost = try Self.everyClass.cost(of: usage, tier: .default)
        // Nanodollars per token: 2,000 · 1,000 · 2,500 · 4,000 · 40,000 · 10,000 · 8,000 · 80,000 · 32,000.
        let expected: [TokenClass: Int64] = [
            .input: 4_000 * 2_000, .cachedInput: 1_000 * 1_000, .cacheWrite: 500 * 2_500, .cacheWrite1h: 250 * 4_000, .inputAudio: 3_000 * 40_000,
            .inputImage: 1_250 * 10_000, .output: 1_000 * 8_000, .outputAudio: 700 * 80_000, .outputImage: 300 * 32_000,
        ]
        for tokenClass in TokenClass.allCases {
            #expect(cost.femtos(of: tokenClass) == Int128(expected[tokenClass]!) * 1_000_000, "\(tokenClass)")
        }
        #expect(cost.total.nanos == expected.values.reduce(0, +))
        // The lines show every class with tokens, and the shares add up to the charge.
        let lines = cost.lines(of: usage, recorded: cost.total)
        #expect(lines.map(\.tokenClass) == TokenClass.allCases)
        #expect(lines.map(\.share.nanos) == TokenClass.allCases.map { expected[$0]! })
    }

    @Test("A class billed apart that the entry does not price is refused when the usage has its tokens, and only then")
    func unpricedClassRefused() throws {
        let text = PriceEntry(
            model: "m", effectiveFrom: .earliest, rates: [RateKey(.default): TokenRates(input: 2_000_000_000, output: 8_000_000_000)])
        let withAudio = try TokenUsage.validated(input: 100, output: 10, breakdown: TokenBreakdown(outputAudio: 5))
        do {
            _ = try text.cost(of: withAudio, tier: .default)
            Issue.record("audio output was priced without an audio output rate")
        } catch {
            #expect(error == .noPriceForClass(.outputAudio, tier: .default))
        }
        // No tokens of the class: nothing to price, no refusal.
        #expect(try text.cost(of: TokenUsage(input: 100, output: 10), tier: .default).total.nanos == 100 * 2_000 + 10 * 8_000)
        let refusal = ChargeRefusal(PricingRefusal.noPriceForClass(.outputAudio, tier: .batch), model: "m")
        #expect(refusal.code == "no_price_for_class")
        #expect(!refusal.isBadInput)
        #expect(
            refusal.message
                == "the price book has no output_audio price for 'm' in the batch tier, and the usage has audio output tokens, which are billed at "
                + "their own rate; add it (`tokenledger prices set m --output-audio …`, or a catalog that has it)")
    }

    @Test("Flex and batch halve the classes billed apart where the provider sells them at half; the long-context band falls back per class")
    func tiersAndBands() throws {
        let flex = try #require(Self.everyClass.resolvedRates(tier: .flex))
        #expect(
            flex.breakdown
                == BreakdownRates(
                    cacheWrite1h: 2_000_000_000, inputAudio: 20_000_000_000, inputImage: 5_000_000_000, outputAudio: 40_000_000_000,
                    outputImage: 16_000_000_000))
        // Priority has no rates of its own here: refused as before, whatever the classes.
        #expect(Self.everyClass.resolvedRates(tier: .priority) == nil)
        // A long-context band that gives only its audio input rate: the rest as in the standard band.
        var long = Self.everyClass
        long.longContextThresholdTokens = 1_000
        long.rates[RateKey(.default, .longContext)] = TokenRates(
            input: 3_000_000_000, output: 12_000_000_000, breakdown: BreakdownRates(inputAudio: 60_000_000_000))
        let rates = try #require(long.resolvedRates(tier: .default, band: .longContext))
        #expect(
            rates.breakdown
                == BreakdownRates(
                    cacheWrite1h: 4_000_000_000, inputAudio: 60_000_000_000, inputImage: 10_000_000_000, outputAudio: 80_000_000_000,
                    outputImage: 32_000_000_000))
    }

    @Test(
        "Counts billed apart must fit within the input or output they are part of",
        arguments: [
            (TokenBreakdown(inputAudio: 61), "cached"), (TokenBreakdown(cacheWrite1h: 30, inputImage: 31), "cached"),
            (TokenBreakdown(outputAudio: 6, outputImage: 5), "output_audio"), (TokenBreakdown(inputImage: -1), "input_image"),
            (TokenBreakdown(outputImage: TokenUsage.maximumTokens + 1), "output_image"),
        ])
    func breakdownWithinTotals(_ breakdown: TokenBreakdown, _ field: String) {
        do {
            _ = try TokenUsage.validated(input: 100, cached: 20, cacheWrite: 20, output: 10, breakdown: breakdown)
            Issue.record("accepted \(breakdown)")
        } catch {
            #expect(error.field == field)
        }
        // Exactly at the totals is fine.
        #expect(
            (try? TokenUsage.validated(
                input: 100, cached: 20, cacheWrite: 20, output: 10,
                breakdown: TokenBreakdown(cacheWrite1h: 10, inputAudio: 30, inputImage: 20, outputAudio: 4, outputImage: 6))) != nil)
    }

    @Test("Cost of a usage with every class agrees with the sum of its classes × rates (seeded random usages)")
    func randomCostsAreExact() throws {
        var generator = SplitMix64(seed: 0xC1A55)
        let top = PriceEntry.maximumRateNanosPerMillion
        func rate() -> Int64 { Int64.random(in: 0...top, using: &generator) }
        func part(of total: inout Int64) -> Int64 {
            let value = Int64.random(in: 0...total, using: &generator)
            total -= value
            return value
        }
        for _ in 0..<1_000 {
            let rates = ResolvedRates(
                input: rate(), cachedInput: rate(), cacheWrite: rate(), output: rate(),
                breakdown: BreakdownRates(cacheWrite1h: rate(), inputAudio: rate(), inputImage: rate(), outputAudio: rate(), outputImage: rate()))
            let input = Int64.random(in: 0...TokenUsage.maximumTokens, using: &generator)
            let output = Int64.random(in: 0...TokenUsage.maximumTokens, using: &generator)
            var inputLeft = input
            var outputLeft = output
            let (cached, cacheWrite, oneHour, audioIn, imageIn) = (
                part(of: &inputLeft), part(of: &inputLeft), part(of: &inputLeft), part(of: &inputLeft), part(of: &inputLeft)
            )
            let (audioOut, imageOut) = (part(of: &outputLeft), part(of: &outputLeft))
            let usage = try TokenUsage.validated(
                input: input, cached: cached, cacheWrite: cacheWrite, output: output,
                breakdown: TokenBreakdown(cacheWrite1h: oneHour, inputAudio: audioIn, inputImage: imageIn, outputAudio: audioOut, outputImage: imageOut))
            let cost = Cost.of(usage, at: rates)
            let exact = TokenClass.allCases.reduce(Int128(0)) { sum, tokenClass in
                sum + Int128(tokenClass.tokens(in: usage)) * Int128(tokenClass.rate(in: rates)!)
            }
            #expect(cost.exactFemtos == exact)
            #expect(TokenClass.allCases.reduce(Int64(0)) { $0 + $1.tokens(in: usage) } == input + output)
            let error = (exact - Int128(cost.total.nanos) * 1_000_000).magnitude * 2
            #expect(error <= 1_000_000)
            if error == 1_000_000 { #expect(cost.total.nanos % 2 == 0) }
            let shares = cost.split(recorded: cost.total)
            #expect(shares.values.reduce(Money.zero, +) == cost.total)
        }
    }

    @Test("The default book prices Anthropic's 1-hour writes at twice input, and OpenAI's and Google's audio and images apart")
    func defaultBook() throws {
        let at = utc(2026, 1, 1)
        let sonnet = try #require(entryInForce("claude-sonnet-4-5", at: at))
        #expect(sonnet.rates[RateKey(.default)]?.breakdown.cacheWrite1h == 6_000_000_000)
        #expect(sonnet.rates[RateKey(.default, .longContext)]?.breakdown.cacheWrite1h == 12_000_000_000)
        // Message Batches at half, the 1-hour writes too.
        #expect(sonnet.resolvedRates(tier: .batch)?.breakdown.cacheWrite1h == 3_000_000_000)
        for model in ["claude-opus-4", "claude-opus-4-1", "claude-sonnet-4", "claude-sonnet-4-5", "claude-haiku-4-5", "claude-3-5-haiku"] {
            let entry = try #require(entryInForce(model, at: at))
            let standard = try #require(entry.rates[RateKey(.default)])
            #expect(standard.breakdown.cacheWrite1h == 2 * standard.input!, "\(model)")
        }
        let realtime = try #require(entryInForce("gpt-realtime", at: at))
        #expect(
            realtime.rates[RateKey(.default)]?.breakdown
                == BreakdownRates(inputAudio: 32_000_000_000, inputImage: 5_000_000_000, outputAudio: 64_000_000_000))
        let image = try #require(entryInForce("gpt-image-1", at: at))
        #expect(image.resolvedRates(tier: .batch)?.breakdown == BreakdownRates(inputImage: 5_000_000_000, outputImage: 20_000_000_000))
        #expect(entryInForce("gemini-2.5-flash", at: at)?.rates[RateKey(.default)]?.breakdown == BreakdownRates(inputAudio: 1_000_000_000))
        // Text models bill no class apart: their audio is refused rather than billed as text.
        #expect(entryInForce("gpt-4o", at: at)?.rates[RateKey(.default)]?.breakdown == BreakdownRates())
    }
}
