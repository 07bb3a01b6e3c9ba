import Testing
import TokenLedger
import TokenLedgerCore

/// A usage priced at a time and tier, with its cost worked out by hand from the published prices.
struct PricedUsage: Sendable, CustomTestStringConvertible {
    var why: String
    var model: String
    var tier: ServiceTier
    var at: Timestamp
    var input: Int64
    var cached: Int64 = 0
    var cacheWrite: Int64 = 0
    var output: Int64
    var costNanos: Int64
    var effectiveFrom: Timestamp
    var testDescription: String { why }
}

@Suite("Pricing through the store")
struct PricingTests {
    // 123,457 input tokens of which 23,456 cached (100,001 uncached), and 54,321 output tokens.
    static let usages: [PricedUsage] = [
        PricedUsage(
            why: "o3 in May 2025: $10 / $2.50 cached / $40", model: "o3", tier: .default, at: utc(2025, 5, 1), input: 123_457, cached: 23_456, output: 54_321,
            costNanos: 100_001 * 10_000 + 23_456 * 2_500 + 54_321 * 40_000, effectiveFrom: utc(2025, 4, 16)),
        PricedUsage(
            why: "o3 in July 2025: $2 / $0.50 cached / $8", model: "o3", tier: .default, at: utc(2025, 7, 1), input: 123_457, cached: 23_456, output: 54_321,
            costNanos: 100_001 * 2_000 + 23_456 * 500 + 54_321 * 8_000, effectiveFrom: utc(2025, 6, 10)),
        PricedUsage(
            why: "o3 flex in May 2025: $5 / $1.25 / $20", model: "o3", tier: .flex, at: utc(2025, 5, 1), input: 123_457, cached: 23_456, output: 54_321,
            costNanos: 100_001 * 5_000 + 23_456 * 1_250 + 54_321 * 20_000, effectiveFrom: utc(2025, 4, 16)),
        PricedUsage(
            why: "o3 flex in July 2025: $1 / $0.25 / $4", model: "o3", tier: .flex, at: utc(2025, 7, 1), input: 123_457, cached: 23_456, output: 54_321,
            costNanos: 100_001 * 1_000 + 23_456 * 250 + 54_321 * 4_000, effectiveFrom: utc(2025, 6, 10)),
        PricedUsage(
            why: "o3 batch in May 2025: cached at half the default's $2.50", model: "o3", tier: .batch, at: utc(2025, 5, 1), input: 123_457, cached: 23_456,
            output: 54_321, costNanos: 100_001 * 5_000 + 23_456 * 1_250 + 54_321 * 20_000, effectiveFrom: utc(2025, 4, 16)),
        PricedUsage(
            why: "o3 priority in July 2025: $3.50 / $0.875 / $14", model: "o3", tier: .priority, at: utc(2025, 7, 1), input: 123_457, cached: 23_456,
            output: 54_321, costNanos: 100_001 * 3_500 + 23_456 * 875 + 54_321 * 14_000, effectiveFrom: utc(2025, 6, 10)),
        PricedUsage(
            why: "the new o3 price from its first millisecond", model: "o3", tier: .default, at: utc(2025, 6, 10), input: 1_000, output: 1_000,
            costNanos: 1_000 * 2_000 + 1_000 * 8_000, effectiveFrom: utc(2025, 6, 10)),
        PricedUsage(
            why: "the old o3 price until the millisecond before", model: "o3", tier: .default, at: utc(2025, 6, 10).plus(milliseconds: -1), input: 1_000,
            output: 1_000, costNanos: 1_000 * 10_000 + 1_000 * 40_000, effectiveFrom: utc(2025, 4, 16)),
        PricedUsage(
            why: "gpt-4 has no cached price: cached input costs the input price", model: "gpt-4", tier: .default, at: utc(2025, 1, 1), input: 1_000,
            cached: 400,
            output: 10, costNanos: 1_000 * 30_000 + 10 * 60_000, effectiveFrom: utc(2023, 3, 14)),
        PricedUsage(
            why: "gpt-4o cache writes cost the input price", model: "gpt-4o", tier: .default, at: utc(2025, 1, 1), input: 1_000, cached: 200, cacheWrite: 300,
            output: 100, costNanos: 500 * 2_500 + 200 * 1_250 + 300 * 2_500 + 100 * 10_000, effectiveFrom: utc(2024, 10, 2)),
        PricedUsage(
            why: "gpt-4o before October 2024: $5 / $15", model: "gpt-4o", tier: .default, at: utc(2024, 9, 30), input: 1_000, cached: 200, output: 100,
            costNanos: 1_000 * 5_000 + 100 * 15_000, effectiveFrom: utc(2024, 5, 13)),
        // gpt-4o-mini flex: half of $0.075 cached is $0.0375 per million, 37.5 nanodollars a
        // token; the total is rounded once, half to even.
        PricedUsage(
            why: "37.5 nanodollars round to 38", model: "gpt-4o-mini", tier: .flex, at: utc(2025, 7, 1), input: 1, cached: 1, output: 0, costNanos: 38,
            effectiveFrom: utc(2024, 7, 18)),
        PricedUsage(
            why: "112.5 nanodollars round to 112", model: "gpt-4o-mini", tier: .flex, at: utc(2025, 7, 1), input: 3, cached: 3, output: 0, costNanos: 112,
            effectiveFrom: utc(2024, 7, 18)),
        PricedUsage(
            why: "75 + 37.5 nanodollars round once to 112, not 75 + 38", model: "gpt-4o-mini", tier: .flex, at: utc(2025, 7, 1), input: 2, cached: 1,
            output: 0, costNanos: 112, effectiveFrom: utc(2024, 7, 18)),
    ]

    @Test("a charge costs its tokens at the prices in force at its time, to the nanodollar", arguments: usages)
    func priced(_ usage: PricedUsage) throws {
        try withLedger { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2023, 1, 1))
            let receipt = try fixture.ledger.charge(
                ChargeRequest(
                    account: "acme", model: usage.model, tier: usage.tier, input: usage.input, cached: usage.cached, cacheWrite: usage.cacheWrite,
                    output: usage.output, requestID: "r", at: usage.at))
            #expect(receipt.cost == Money(nanos: usage.costNanos))
            #expect(receipt.priceEffectiveFrom == usage.effectiveFrom)
            #expect(receipt.tier == usage.tier)
            #expect(try fixture.raw.int("SELECT cost_nanos FROM usage WHERE request_id = 'r'") == usage.costNanos)
            #expect(try fixture.ledger.account(named: "acme")?.balance == Money(nanos: -usage.costNanos))
            #expect(try fixture.ledger.verify().ok)
        }
    }

    @Test("loading the default price book twice adds it once, and it reads back exactly")
    func defaultPriceBook() throws {
        try withLedger(defaultPrices: false) { fixture in
            #expect(try fixture.ledger.loadDefaultPrices() == DefaultPriceBook.entries.count)
            let dump = try fixture.raw.dump()
            #expect(try fixture.ledger.loadDefaultPrices() == 0)
            #expect(try fixture.raw.dump() == dump)
            // Each entry reads back exactly, as the one in force from its own time.
            for entry in DefaultPriceBook.entries {
                #expect(try fixture.ledger.prices(model: entry.model, at: entry.effectiveFrom) == [ListedPrice(entry: entry, source: "default")])
            }
        }
    }

    @Test("prices(model:at:) returns the entry in force")
    func pricesInForce() throws {
        try withLedger { fixture in
            let ledger = fixture.ledger
            #expect(try ledger.prices(model: "o3", at: utc(2025, 5, 1)).map(\.entry.effectiveFrom) == [utc(2025, 4, 16)])
            #expect(try ledger.prices(model: "o3", at: utc(2025, 6, 10)).map(\.entry.effectiveFrom) == [utc(2025, 6, 10)])
            #expect(try ledger.prices(model: "o3", at: utc(2025, 6, 10).plus(milliseconds: -1)).map(\.entry.effectiveFrom) == [utc(2025, 4, 16)])
            #expect(try ledger.prices(model: "o3", at: utc(2025, 4, 15)).isEmpty)
            #expect(try ledger.prices(model: "gpt-9", at: utc(2025, 4, 15)).isEmpty)
            // Every model's current entry, and only that one.
            let at = utc(2025, 5, 1)
            let current = try ledger.prices(model: nil, at: at)
            let models = Set(DefaultPriceBook.entries.filter { $0.effectiveFrom <= at }.map(\.model))
            #expect(current.map(\.entry.model) == models.sorted())
            for listed in current {
                let latest = DefaultPriceBook.entries.filter { $0.model == listed.entry.model && $0.effectiveFrom <= at }.map(\.effectiveFrom).max()
                #expect(listed.entry.effectiveFrom == latest, "\(listed.entry.model)")
            }
            let o3 = try #require(current.first { $0.entry.model == "o3" })
            #expect(o3.entry.rates[RateKey(.default)] == TokenRates(input: 10_000_000_000, cachedInput: 2_500_000_000, output: 40_000_000_000))
            #expect(o3.entry.maxInputTokens == 200_000)
        }
    }

    // Found by this test: with no time, the query bound two arguments to SQL that used one, and
    // GRDB threw "wrong number of statement arguments: 2" (`tokenledger prices list --all`).
    @Test("prices(model:at: nil) lists the whole effective-dated history")
    func priceHistory() throws {
        try withLedger { fixture in
            #expect(try fixture.ledger.prices(model: "o3", at: nil).map(\.entry.effectiveFrom) == [utc(2025, 4, 16), utc(2025, 6, 10)])
            let stored = try fixture.ledger.prices(model: nil, at: nil)
            let expected = DefaultPriceBook.entries.sorted { ($0.model, $0.effectiveFrom) < ($1.model, $1.effectiveFrom) }
            #expect(stored.map(\.entry) == expected)
            #expect(stored.allSatisfy { $0.source == "default" })
        }
    }

    @Test("setPrice adds a later entry that prices only later usage")
    func setPriceLater() throws {
        try withLedger { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "acme", at: utc(2025, 7, 1), purchase: .usd(20))
            let before = try ledger.charge(ChargeRequest(account: "acme", model: "o3", input: 1_000, output: 1_000, requestID: "before", at: utc(2025, 8, 1)))
            #expect(before.cost == Money(nanos: 10_000_000))
            let usageBefore = try fixture.raw.queue.read { db in try String.fetchAll(db, sql: "SELECT quote(cost_nanos) || quote(price_entry_id) FROM usage") }
            let september = utc(2025, 9, 1)
            let entry = PriceEntry(
                model: "o3", effectiveFrom: september,
                rates: [RateKey(.default): TokenRates(input: 1_000_000_000, cachedInput: 250_000_000, output: 4_000_000_000)])
            #expect(try ledger.setPrice(entry))
            let lastAugust = try ledger.charge(
                ChargeRequest(account: "acme", model: "o3", input: 1_000, output: 1_000, requestID: "late", at: september.plus(milliseconds: -1)))
            let firstSeptember = try ledger.charge(ChargeRequest(account: "acme", model: "o3", input: 1_000, output: 1_000, requestID: "new", at: september))
            #expect(lastAugust.cost == Money(nanos: 10_000_000))
            #expect(firstSeptember.cost == Money(nanos: 5_000_000))
            #expect(firstSeptember.priceEffectiveFrom == september)
            // History is never repriced.
            let usageAfter = try fixture.raw.queue.read { db in
                try String.fetchAll(db, sql: "SELECT quote(cost_nanos) || quote(price_entry_id) FROM usage WHERE request_id = 'before'")
            }
            #expect(usageAfter == usageBefore)
            let listed = try ledger.prices(model: "o3", at: september)
            #expect(listed == [ListedPrice(entry: entry, source: "manual")])
            #expect(try ledger.verify().ok)
        }
    }

    @Test("setPrice with an entry already there returns false and writes nothing")
    func setPriceTwice() throws {
        try withLedger { fixture in
            let entry = PriceEntry(
                model: "house-model", effectiveFrom: utc(2025, 1, 1), rates: [RateKey(.default): TokenRates(input: 1_000_000_000, output: 2_000_000_000)],
                maxInputTokens: 1_000)
            #expect(try fixture.ledger.setPrice(entry))
            let before = try fixture.raw.dump()
            #expect(try fixture.ledger.setPrice(entry) == false)
            #expect(try fixture.raw.dump() == before)
            // The default book's own entry, given again, is no change either.
            let o3 = try #require(DefaultPriceBook.entries.first { $0.model == "o3" })
            #expect(try fixture.ledger.setPrice(o3) == false)
            #expect(try fixture.raw.dump() == before)
        }
    }

    @Test("a different entry at the same time is refused: prices in force are never rewritten")
    func setPriceConflict() throws {
        try withLedger { fixture in
            let before = try fixture.raw.dump()
            var changed = try #require(DefaultPriceBook.entries.first { $0.model == "o3" })
            changed.rates[RateKey(.default)]?.output = 39_000_000_000
            #expect(throws: PriceRefusal.entryExists(model: "o3", effectiveFrom: utc(2025, 4, 16))) { try fixture.ledger.setPrice(changed) }
            var narrower = try #require(DefaultPriceBook.entries.first { $0.model == "o3" })
            narrower.maxOutputTokens = 50_000
            #expect(throws: PriceRefusal.entryExists(model: "o3", effectiveFrom: utc(2025, 4, 16))) { try fixture.ledger.setPrice(narrower) }
            #expect(try fixture.raw.dump() == before)
        }
    }

    @Test("an invalid entry is refused and writes nothing")
    func setPriceInvalid() throws {
        try withLedger { fixture in
            let before = try fixture.raw.dump()
            let noOutput = PriceEntry(model: "x", effectiveFrom: utc(2025, 1, 1), rates: [RateKey(.default): TokenRates(input: 1, output: nil)])
            let negative = PriceEntry(model: "x", effectiveFrom: utc(2025, 1, 1), rates: [RateKey(.default): TokenRates(input: -1, output: 1)])
            let noName = PriceEntry(model: "", effectiveFrom: utc(2025, 1, 1), rates: [RateKey(.default): TokenRates(input: 1, output: 1)])
            for entry in [noOutput, negative, noName] {
                #expect(outcome { try fixture.ledger.setPrice(entry) } == "invalid_price")
            }
            #expect(try fixture.raw.dump() == before)
        }
    }

    @Test("a new model is unknown until priced, then charged at its price")
    func newModel() throws {
        try withLedger { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2025, 1, 1))
            let request = ChargeRequest(account: "acme", model: "house-model", input: 2_000, output: 1_000, requestID: "r", at: utc(2025, 2, 1))
            #expect(throws: ChargeRefusal.unknownModel("house-model")) { try fixture.ledger.charge(request) }
            try fixture.ledger.setPrice(
                PriceEntry(
                    model: "house-model", effectiveFrom: utc(2025, 1, 1), rates: [RateKey(.default): TokenRates(input: 3_000_000_000, output: 7_000_000_000)]))
            #expect(try fixture.ledger.charge(request).cost == Money(nanos: 2_000 * 3_000 + 1_000 * 7_000))
        }
    }

    @Test("above the long-context threshold the long-context band's prices apply", arguments: [(1_000 as Int64, false), (1_001, true)])
    func longContext(input: Int64, isLong: Bool) throws {
        try withLedger { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2025, 1, 1))
            try fixture.ledger.setPrice(
                PriceEntry(
                    model: "long", effectiveFrom: utc(2025, 1, 1),
                    rates: [
                        RateKey(.default): TokenRates(input: 1_000_000_000, output: 2_000_000_000),
                        RateKey(.default, .longContext): TokenRates(input: 2_000_000_000, output: 4_000_000_000),
                    ],
                    longContextThresholdTokens: 1_000))
            let receipt = try fixture.ledger.charge(
                ChargeRequest(account: "acme", model: "long", input: input, output: 10, requestID: "r", at: utc(2025, 2, 1)))
            #expect(receipt.band == (isLong ? .longContext : .standard))
            #expect(receipt.cost == Money(nanos: isLong ? input * 2_000 + 10 * 4_000 : input * 1_000 + 10 * 2_000))
            #expect(try fixture.raw.int("SELECT count(*) FROM usage WHERE band = ?", [isLong ? "long_context" : "standard"]) == 1)
            #expect(try fixture.ledger.verify().ok)
        }
    }
}
