import Testing
import TokenLedgerCore

/// Nanodollars per million tokens for a price in dollars written as text.
private func price(_ dollars: String) -> Int64 {
    do { return try Money(parsing: dollars).nanos } catch { preconditionFailure("bad fixture \(dollars)") }
}

/// The default-tier standard rates of `model` at `time`, or nil when it has no entry then.
private func rates(_ model: String, at time: Timestamp, tier: ServiceTier = .default) -> ResolvedRates? {
    entryInForce(model, at: time)?.resolvedRates(tier: tier)
}

@Suite("Default price book")
struct DefaultPriceBookTests {
    @Test("Every entry is valid")
    func noProblems() {
        #expect(!DefaultPriceBook.entries.isEmpty)
        for entry in DefaultPriceBook.entries {
            #expect(entry.problem == nil, "\(entry.model) from \(entry.effectiveFrom)")
        }
    }

    @Test("Entries are unique per (model, effective from), grouped by model and in date order")
    func uniqueAndOrdered() {
        let entries = DefaultPriceBook.entries
        let keys = entries.map { "\($0.model) \($0.effectiveFrom.iso8601)" }
        #expect(Set(keys).count == keys.count)
        var finished: Set<String> = []
        for (previous, next) in zip(entries, entries.dropFirst()) {
            if previous.model == next.model {
                #expect(previous.effectiveFrom < next.effectiveFrom, "\(next.model)")
            } else {
                finished.insert(previous.model)
                #expect(!finished.contains(next.model), "\(next.model) appears in two places")
            }
        }
    }

    @Test(
        "The models of DOMAIN.md and the book are present",
        arguments: [
            "o3", "o4-mini", "gpt-4o", "gpt-4o-mini", "gpt-4", "gpt-4-32k", "gpt-4-0125-preview",
            "gpt-3.5-turbo-0125", "gpt-3.5-turbo-instruct",
        ])
    func modelPresent(model: String) {
        #expect(DefaultPriceBook.entries.contains { $0.model == model })
    }

    @Test(
        arguments: [("gpt-3.5-turbo", Int64(4_096)), ("gpt-4-turbo-preview", 128_000)])
    func domainContextWindowModelsPresent(model: String, maxInputTokens: Int64) throws {
        let entry = try #require(entryInForce(model, at: utc(2026, 1, 1)))
        #expect(entry.maxInputTokens == maxInputTokens)
    }

    @Test("o3: $10 / $40 at launch (flex $5 / $20), $2 / $8 from 2025-06-10; history is never repriced")
    func o3PriceChange() throws {
        #expect(entryInForce("o3", at: utc(2025, 4, 15, 23, 59, 59)) == nil)
        let launch = try #require(rates("o3", at: utc(2025, 5, 1)))
        #expect(launch.input == price("10") && launch.output == price("40"))
        let launchFlex = try #require(rates("o3", at: utc(2025, 5, 1), tier: .flex))
        #expect(launchFlex.input == price("5") && launchFlex.output == price("20"))
        // The last millisecond before the change is still at launch prices.
        let justBefore = Timestamp(milliseconds: utc(2025, 6, 10).milliseconds - 1)
        #expect(rates("o3", at: justBefore)?.input == price("10"))
        #expect(entryInForce("o3", at: utc(2025, 4, 16))?.effectiveFrom == utc(2025, 4, 16))

        for time in [utc(2025, 6, 10), utc(2025, 6, 11), utc(2026, 10, 5)] {
            let later = try #require(rates("o3", at: time))
            #expect(later.input == price("2") && later.output == price("8"))
            #expect(later.cachedInput == price("0.50"))
            let flex = try #require(rates("o3", at: time, tier: .flex))
            #expect(flex.input == price("1") && flex.output == price("4"))
        }
        // Priority existed only from the price change on.
        #expect(rates("o3", at: utc(2025, 5, 1), tier: .priority) == nil)
        #expect(rates("o3", at: utc(2025, 7, 1), tier: .priority)?.input == price("3.50"))

        // 100,000 input and 100,000 output tokens cost $5 in May and $1 in July; a million input tokens overflow the window.
        let million = try TokenUsage.validated(input: 1_000_000, output: 1_000_000)
        let may = try #require(entryInForce("o3", at: utc(2025, 5, 1)))
        let july = try #require(entryInForce("o3", at: utc(2025, 7, 1)))
        #expect(try may.cost(of: TokenUsage(input: 100_000, output: 100_000), tier: .default).total == Money(dollars: 5))
        #expect(try july.cost(of: TokenUsage(input: 100_000, output: 100_000), tier: .default).total == Money(dollars: 1))
        #expect(may.windowExcess(of: million) == .contextWindowExceeded(field: "input", tokens: 1_000_000, limit: 200_000))
    }

    @Test("o4-mini: $1.10 / $4.40, flex $0.55 / $2.20")
    func o4Mini() throws {
        let standard = try #require(rates("o4-mini", at: utc(2025, 8, 1)))
        #expect(standard.input == price("1.10") && standard.output == price("4.40"))
        #expect(standard.cachedInput == price("0.275"))
        let flex = try #require(rates("o4-mini", at: utc(2025, 8, 1), tier: .flex))
        #expect(flex.input == price("0.55") && flex.output == price("2.20"))
        let batch = try #require(rates("o4-mini", at: utc(2025, 8, 1), tier: .batch))
        #expect(batch.input == price("0.55") && batch.output == price("2.20"))
    }

    @Test("gpt-4o: $2.50 in, $1.25 cached, $10 out from 2024-10-02; $5 / $15 before")
    func gpt4o() throws {
        let current = try #require(rates("gpt-4o", at: utc(2024, 10, 2)))
        #expect(current == resolved(input: price("2.50"), cachedInput: price("1.25"), cacheWrite: price("2.50"), output: price("10")))
        let launch = try #require(rates("gpt-4o", at: utc(2024, 10, 1, 23, 59, 59)))
        #expect(launch.input == price("5") && launch.output == price("15"))
        #expect(launch.cachedInput == launch.input)  // no cached price then
    }

    @Test(
        "Older models: prices and context windows",
        arguments: [
            ("gpt-4", "30", "60", Int64(8_192)),
            ("gpt-4-32k", "60", "120", 32_768),
            ("gpt-3.5-turbo-0125", "0.50", "1.50", 16_385),
            ("gpt-4-0125-preview", "10", "30", 128_000),
            ("gpt-3.5-turbo-instruct", "1.50", "2", 4_096),
        ] as [(String, String, String, Int64)])
    func olderModels(model: String, input: String, output: String, maxInputTokens: Int64) throws {
        let entry = try #require(entryInForce(model, at: utc(2026, 1, 1)))
        let standard = try #require(entry.resolvedRates(tier: .default))
        #expect(standard.input == price(input))
        #expect(standard.output == price(output))
        #expect(entry.maxInputTokens == maxInputTokens)
        #expect(
            entry.windowExcess(of: TokenUsage(input: maxInputTokens + 1, output: 1))
                == .contextWindowExceeded(field: "input", tokens: maxInputTokens + 1, limit: maxInputTokens))
    }

    @Test("gpt-3.5-turbo-0125: 16,385 input tokens fit, 16,386 are refused; batch is half")
    func gpt35Window() throws {
        let entry = try #require(entryInForce("gpt-3.5-turbo-0125", at: utc(2025, 1, 1)))
        let fits = try entry.cost(of: TokenUsage(input: 16_385, output: 1_000), tier: .default)
        // 16,385 × $0.50 + 1,000 × $1.50 per million = $0.0081925 + $0.0015.
        #expect(fits.total.decimalString == "0.009692500")
        #expect(try entry.cost(of: TokenUsage(input: 16_385, output: 1_000), tier: .batch).total.decimalString == "0.004846250")
    }
}
