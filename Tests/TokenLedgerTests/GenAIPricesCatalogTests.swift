import Foundation
import Testing

@testable import TokenLedger
@testable import TokenLedgerCore

/// pydantic's genai-prices `data.json`, as bundled in the fixtures (MIT).
enum GenAIPricesData {
    static let path = packageFolder.appendingPathComponent("Tests/Fixtures/prices/genai-prices-data.json").path

    static func text() throws -> String { try String(contentsOfFile: path, encoding: .utf8) }
}

extension PriceCatalog {
    /// The provider of the first entry keyed `model`.
    func provider(of model: String) -> String? { entries.first { $0.model == model }?.provider }
}

@Suite("genai-prices catalog: reading")
struct GenAIPricesCatalogTests {
    /// Dollars per million tokens, as nanodollars per million.
    static func usd(_ text: String) -> Int64 {
        do { return try Money(parsing: text).nanos } catch { preconditionFailure("bad literal \(text)") }
    }

    @Test("the real catalog: every model is kept or skipped with a reason, none is malformed, every kept entry is valid")
    func realCatalog() throws {
        let catalog = try PriceCatalog.read(contentsOf: GenAIPricesData.path, format: .genaiPrices)
        #expect(catalog.format == .genaiPrices)
        #expect(catalog.malformed.isEmpty)
        #expect(catalog.entries.allSatisfy { $0.problem == nil })
        // Counted independently of the reader: 1,442 models over 34 providers.
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: GenAIPricesData.path))) as! [[String: Any]]
        let modelCount = json.reduce(0) { $0 + ($1["models"] as! [Any]).count }
        #expect(modelCount == 1_442)
        // Each model is kept (once, under one key, with its price history) or skipped once.
        #expect(Set(catalog.entries.map(\.model)).count + catalog.skipped.count == modelCount)
        // Each key is one model of one provider: priced by its id, or as provider/id.
        #expect(catalog.entries.allSatisfy { $0.provider != nil })
        let reasons = Dictionary(catalog.skipped.map { ($0.model, $0.reason) }, uniquingKeysWith: { first, _ in first })
        #expect(reasons["deepseek-chat"] == "prices by time of day (off-peak rates), which TokenLedger does not model")
        // OpenRouter's model `anthropic/claude-2` keeps that name; Anthropic's claude-2 is `claude-2`.
        #expect(catalog.provider(of: "anthropic/claude-2") == "openrouter" && catalog.provider(of: "claude-2") == "anthropic")
        #expect(catalog.skipped.allSatisfy { !$0.reason.hasPrefix("malformed") })
    }

    @Test("spot checks: tiers by prompt size are the long-context band, dated prices are history, ids priced twice are scoped")
    func spotChecks() throws {
        let catalog = try PriceCatalog.read(contentsOf: GenAIPricesData.path, format: .genaiPrices)
        let entries = Dictionary(grouping: catalog.entries, by: \.model)
        let sonnet = try #require(entries["claude-sonnet-4-5"]?.first)
        #expect(
            sonnet.rates[RateKey(.default)]
                == TokenRates(input: Self.usd("3"), cachedInput: Self.usd("0.30"), cacheWrite: Self.usd("3.75"), output: Self.usd("15")))
        #expect(
            sonnet.rates[RateKey(.default, .longContext)]
                == TokenRates(input: Self.usd("6"), cachedInput: Self.usd("0.60"), cacheWrite: Self.usd("7.50"), output: Self.usd("22.50")))
        #expect(sonnet.longContextThresholdTokens == 200_000 && sonnet.maxInputTokens == 1_000_000)
        #expect(catalog.provider(of: "claude-sonnet-4-5") == "anthropic")
        // o3: $10 / $40 until 2025-06-10, then $2 / $8.
        let o3 = try #require(entries["o3"])
        #expect(o3.map(\.effectiveFrom) == [.earliest, utc(2025, 6, 10)])
        #expect(o3.map { $0.rates[RateKey(.default)]?.input } == [Self.usd("10"), Self.usd("2")])
        // o1 is priced by OpenAI (whose model_match claims it) and by Azure, which comes first in the file.
        #expect(catalog.provider(of: "o1") == "openai" && catalog.provider(of: "azure/o1") == "azure")
        // claude-3-5-sonnet by Anthropic (model_match: contains "claude") and on Google's Vertex AI.
        #expect(catalog.provider(of: "claude-3-5-sonnet") == "anthropic" && catalog.provider(of: "google/claude-3-5-sonnet") == "google")
    }

    @Test("an import as of a time takes the price in force then, and dated changes after it from their dates")
    func entriesAsOf() throws {
        let catalog = try PriceCatalog.read(contentsOf: GenAIPricesData.path, format: .genaiPrices, providers: ["openai"])
        let may = catalog.entries(asOf: utc(2025, 5, 1)).filter { $0.model == "o3" }
        #expect(may.map(\.effectiveFrom) == [utc(2025, 5, 1), utc(2025, 6, 10)])
        #expect(may.map { $0.rates[RateKey(.default)]?.output } == [Self.usd("40"), Self.usd("8")])
        let july = catalog.entries(asOf: utc(2025, 7, 1)).filter { $0.model == "o3" }
        #expect(july.map(\.effectiveFrom) == [utc(2025, 7, 1)])
        #expect(july.map { $0.rates[RateKey(.default)]?.output } == [Self.usd("8")])
    }

    static let small = """
        [
          {"id": "acme", "name": "Acme", "model_match": {"starts_with": "acme-"},
           "models": [
            {"id": "acme-1", "match": {"equals": "acme-1"}, "context_window": 100000,
             "prices": {"input_mtok": 1.5, "cache_read_mtok": 0.15, "output_mtok": 6, "input_audio_mtok": 40}},
            {"id": "acme-long", "match": {"equals": "acme-long"},
             "prices": {"input_mtok": {"base": 2, "tiers": [{"start": 128000, "price": 4}]}, "output_mtok": 8}},
            {"id": "acme-new", "match": {"equals": "acme-new"}, "prices": [
              {"prices": {"input_mtok": 1, "output_mtok": 2}},
              {"constraint": {"start_date": "2026-03-01"}, "prices": {"input_mtok": 1.25, "output_mtok": 2.5}}]},
            {"id": "acme-embed", "match": {"equals": "acme-embed"}, "prices": {"input_mtok": 0.02}},
            {"id": "acme-search", "match": {"equals": "acme-search"}, "prices": {"input_mtok": 1, "output_mtok": 1, "requests_kcount": 5}},
            {"id": "acme-night", "match": {"equals": "acme-night"}, "prices": [
              {"prices": {"input_mtok": 1, "output_mtok": 2}},
              {"constraint": {"start_time": "00:00:00Z", "end_time": "08:00:00Z"}, "prices": {"input_mtok": 0.5, "output_mtok": 1}}]},
            {"id": "acme-3tier", "match": {"equals": "acme-3tier"},
             "prices": {"input_mtok": {"base": 1, "tiers": [{"start": 100000, "price": 2}, {"start": 200000, "price": 3}]}, "output_mtok": 2}}
          ]},
          {"id": "resell", "models": [
            {"id": "acme-1", "match": {"equals": "acme-1"}, "prices": {"input_mtok": 1.8, "output_mtok": 7.2}},
            {"id": "bad-negative", "match": {"equals": "x"}, "prices": {"input_mtok": -1, "output_mtok": 2}},
            {"id": "bad-string", "match": {"equals": "x"}, "prices": {"input_mtok": "1", "output_mtok": 2}},
            {"id": "bad-window", "match": {"equals": "x"}, "context_window": 0, "prices": {"input_mtok": 1, "output_mtok": 2}}
          ]}
        ]
        """

    @Test("a hand-written catalog: classes, tiers, history, what is skipped and why, and malformed entries")
    func smallCatalog() throws {
        do {
            _ = try PriceCatalog.parse(Self.small, file: "data.json", format: .genaiPrices)
            Issue.record("a catalog with malformed entries was read")
        } catch let error as InputError {
            #expect(
                error
                    == InputError(
                        file: "data.json", line: 21, field: "bad-negative.prices.input_mtok",
                        reason:
                            "the price '-1' is negative; 2 more entries are malformed; nothing was imported "
                            + "(--skip-bad imports the well-formed entries and lists the malformed ones)"))
        }
        let catalog = try PriceCatalog.parse(Self.small, file: "data.json", format: .genaiPrices, skipBad: true)
        #expect(catalog.entries.map(\.model) == ["acme-1", "acme-long", "acme-new", "acme-new", "resell/acme-1"])
        #expect(
            catalog.entries[0].rates == [
                RateKey(.default): TokenRates(
                    input: Self.usd("1.5"), cachedInput: Self.usd("0.15"), output: Self.usd("6"), breakdown: BreakdownRates(inputAudio: Self.usd("40")))
            ])
        #expect(catalog.entries[0].maxInputTokens == 100_000)
        #expect(catalog.entries[1].rates[RateKey(.default, .longContext)] == TokenRates(input: Self.usd("4"), output: nil))
        #expect(catalog.entries[1].longContextThresholdTokens == 128_000)
        #expect(catalog.entries[3].effectiveFrom == utc(2026, 3, 1))
        #expect(catalog.provider(of: "resell/acme-1") == "resell" && catalog.provider(of: "acme-1") == "acme")
        #expect(
            catalog.skipped.map { "\($0.model): \($0.reason)" } == [
                "acme-embed: no output_mtok (not a model priced by the token)",
                "acme-search: a price per request (requests_kcount), which TokenLedger does not charge",
                "acme-night: prices by time of day (off-peak rates), which TokenLedger does not model",
                "acme-3tier: 2 tiers by prompt size; TokenLedger keeps one long-context band",
                "bad-negative: malformed: line 21: bad-negative.prices.input_mtok: the price '-1' is negative",
                "bad-string: malformed: line 22: bad-string.prices.input_mtok: a string, not a price (a number or {base, tiers})",
                "bad-window: malformed: line 23: bad-window.context_window: '0' is not a context window (a whole number of tokens from 1 to 100000000000)",
            ])
        // Only the providers asked for; an unknown one is an error naming those there are.
        let acme = try PriceCatalog.parse(Self.small, file: "data.json", format: .genaiPrices, providers: ["acme"])
        #expect(acme.entries.map(\.model) == ["acme-1", "acme-long", "acme-new", "acme-new"])
        do {
            _ = try PriceCatalog.parse(Self.small, file: "data.json", format: .genaiPrices, providers: ["nope"])
            Issue.record("an unknown provider was accepted")
        } catch let error as InputError {
            #expect(error == InputError(file: "data.json", field: "provider", reason: "'nope' is not a provider of this catalog (it has acme, resell)"))
        }
    }

    @Test("a file that is not a genai-prices catalog is refused, naming the format it looks like")
    func notTheFormat() throws {
        do {
            _ = try PriceCatalog.read(contentsOf: RealCatalog.path, format: .genaiPrices)
            Issue.record("LiteLLM's catalog was read as genai-prices")
        } catch let error as InputError {
            #expect(
                error
                    == InputError(
                        file: RealCatalog.path, line: 1,
                        reason:
                            "not a genai-prices data.json: the file is an object, not an array of providers; it looks like a LiteLLM "
                            + "catalog (model_prices_and_context_window.json): use --input-format litellm"))
        }
        do {
            _ = try PriceCatalog.parse("[1, 2]", file: "x.json", format: .genaiPrices)
            Issue.record("an array of numbers was read as genai-prices")
        } catch let error as InputError {
            #expect(
                error == InputError(file: "x.json", line: 1, reason: "not a genai-prices data.json: none of its elements is a provider (with id and models)"))
        }
        do {
            _ = try PriceCatalog.parse(Self.small, file: "x.json", format: .litellm, providers: ["acme"])
            Issue.record("--provider was accepted for a LiteLLM catalog")
        } catch let error as InputError {
            #expect(error.field == "provider")
        }
    }
}

@Suite("genai-prices catalog: importing into a ledger")
struct GenAIPricesImportTests {
    @Test("imported Anthropic prices bill a long-context request at the tier's rates, to the nanodollar")
    func longContextCharge() throws {
        try withLedger(defaultPrices: false) { fixture in
            let catalog = try PriceCatalog.read(contentsOf: GenAIPricesData.path, format: .genaiPrices, providers: ["anthropic"])
            let summary = try fixture.ledger.importPrices(catalog, effectiveFrom: utc(2026, 1, 1))
            #expect(summary.format == .genaiPrices && !summary.added.isEmpty)
            #expect(try fixture.raw.int("SELECT count(*) FROM price_entry WHERE source <> 'genai-prices'") == 0)
            _ = try makeAccount(fixture.ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(20))
            // 80,000 uncached × $3 + 10,000 read × $0.30 + 10,000 written × $3.75 + 2,000 out × $15 = $0.3105.
            let standard = try fixture.ledger.charge(
                ChargeRequest(
                    account: "acme", model: "claude-sonnet-4-5", input: 100_000, cached: 10_000, cacheWrite: 10_000, output: 2_000, requestID: "s",
                    at: utc(2026, 1, 2)))
            #expect(standard.cost == Money(nanos: 310_500_000))
            // Above 200,000 input tokens the whole request is at the tier: 200,000 × $6 + 50,000 × $0.60 + 1,000 × $22.50 = $1.2525.
            let long = try fixture.ledger.charge(
                ChargeRequest(
                    account: "acme", model: "claude-sonnet-4-5", input: 250_000, cached: 50_000, output: 1_000, requestID: "l", at: utc(2026, 1, 2)))
            #expect(long.cost == Money(nanos: 1_252_500_000))
            #expect(try fixture.ledger.verify().ok)
        }
    }

    @Test("a dated price change is added from its date; importing again adds nothing")
    func datedChange() throws {
        try withLedger(defaultPrices: false) { fixture in
            let catalog = try PriceCatalog.parse(GenAIPricesCatalogTests.small, file: "data.json", format: .genaiPrices, providers: ["acme"])
            let first = try fixture.ledger.importPrices(catalog, effectiveFrom: utc(2026, 1, 1))
            #expect(first.added.map { "\($0.model) \($0.proposed.effectiveFrom)" }.contains("acme-new 2026-03-01T00:00:00Z"))
            _ = try makeAccount(fixture.ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(20))
            let before = try fixture.ledger.charge(
                ChargeRequest(account: "acme", model: "acme-new", input: 1_000_000, output: 1_000_000, requestID: "a", at: utc(2026, 2, 28)))
            let after = try fixture.ledger.charge(
                ChargeRequest(account: "acme", model: "acme-new", input: 1_000_000, output: 1_000_000, requestID: "b", at: utc(2026, 3, 1)))
            #expect((before.cost, after.cost) == (.usd(3), Money(nanos: 3_750_000_000)))
            let entries = try fixture.raw.int("SELECT count(*) FROM price_entry")
            let again = try fixture.ledger.importPrices(catalog, effectiveFrom: utc(2026, 4, 1))
            #expect(again.added.isEmpty)
            #expect(try fixture.raw.int("SELECT count(*) FROM price_entry") == entries)
        }
    }
}

@Suite("genai-prices catalog: model_match clauses")
struct MatchClauseTests {
    @Test("clauses match as genai-prices defines them; a regex that could backtrack for ever matches nothing")
    func clauses() throws {
        func clause(_ json: String) throws -> MatchClause {
            try #require(MatchClause(try JSONReader.parse(json, file: "m.json")))
        }
        #expect(try clause(#"{"or": [{"starts_with": "gpt-"}, {"regex": "^o[134]"}]}"#).matches("o1"))
        #expect(try !clause(#"{"or": [{"starts_with": "gpt-"}, {"regex": "^o[134]"}]}"#).matches("co1"))
        #expect(try clause(#"{"regex": "(?:mi|code|dev|magi|mini)stral"}"#).matches("codestral-latest"))
        #expect(try clause(#"{"and": [{"contains": "huggingface"}, {"contains": "groq"}]}"#).matches("huggingface-groq"))
        #expect(try !clause(#"{"and": []}"#).matches("x"))
        #expect(try !clause(#"{"regex": "(a+)+b"}"#).matches(String(repeating: "a", count: 40) + "b"))
        #expect(try !clause(#"{"regex": "(("}"#).matches("(("))
        #expect(MatchClause(try JSONReader.parse(#"{"equals": 1}"#, file: "m.json")) == nil)
    }
}
