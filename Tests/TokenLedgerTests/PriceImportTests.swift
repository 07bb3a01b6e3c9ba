import Foundation
import Testing
import TokenLedger
import TokenLedgerCore

/// The real LiteLLM catalog in `../shared/data/prices/`, beside the package.
enum RealCatalog {
    static let path = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("../shared/data/prices/litellm_model_prices_and_context_window.json").standardized.path

    static func text() throws -> String { try String(contentsOfFile: path, encoding: .utf8) }
}

/// The catalog as the tests read it, independently of the code under test: the file is
/// pretty-printed, each model a block whose own fields sit on lines of eight spaces' indent.
struct CatalogBlock {
    var model: String
    /// Field name → value text exactly as written (`2.5e-06`, `"openai"` with its quotes).
    var fields: [String: String]

    static func scan(_ text: String) -> [CatalogBlock] {
        var blocks: [CatalogBlock] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let indent = line.prefix { $0 == " " }.count
            let body = line.dropFirst(indent)
            if indent <= 4, body.hasPrefix("\""), body.hasSuffix("\": {") {
                blocks.append(CatalogBlock(model: String(body.dropFirst().dropLast(4)), fields: [:]))
            } else if indent == 8, body.hasPrefix("\""), let colon = body.range(of: "\": "), !blocks.isEmpty {
                var value = body[colon.upperBound...]
                if value.hasSuffix(",") { value = value.dropLast() }
                blocks[blocks.count - 1].fields[String(body[body.index(after: body.startIndex)..<colon.lowerBound])] = String(value)
            }
        }
        return blocks
    }

    func string(_ field: String) -> String? {
        guard let value = fields[field], value.hasPrefix("\""), value.hasSuffix("\"") else { return nil }
        return String(value.dropFirst().dropLast())
    }
}

/// An exact decimal for expected values, read by the test itself: `significand` × 10^`exponent`.
struct TestDecimal {
    var significand: Int128
    var exponent: Int

    init(_ text: String) {
        let parts = text.lowercased().split(separator: "e")
        let mantissa = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        let fraction = mantissa.count > 1 ? String(mantissa[1]) : ""
        significand = Int128(String(mantissa[0]) + fraction)!
        exponent = (parts.count > 1 ? Int(parts[1])! : 0) - fraction.count
    }

    /// Σ tokens × USD-per-token price, exactly, in nanodollars rounded half to even.
    static func nanos(_ terms: [(tokens: Int64, price: TestDecimal)]) -> Int64 {
        let lowest = terms.map(\.price.exponent).min() ?? 0
        var total: Int128 = 0
        for term in terms {
            total += Int128(term.tokens) * term.price.significand * power(term.price.exponent - lowest)
        }
        // total × 10^lowest USD = total × 10^(lowest + 9) nanodollars.
        if lowest + 9 >= 0 { return Int64(total * power(lowest + 9)) }
        let divisor = power(-(lowest + 9))
        let (quotient, remainder) = total.quotientAndRemainder(dividingBy: divisor)
        let roundsUp = remainder * 2 > divisor || (remainder * 2 == divisor && quotient % 2 == 1)
        return Int64(roundsUp ? quotient + 1 : quotient)
    }

    private static func power(_ exponent: Int) -> Int128 { (0..<exponent).reduce(1) { value, _ in value * 10 } }
}

@Suite("LiteLLM catalog: reading")
struct LiteLLMCatalogTests {
    @Test("the real catalog: every key is either kept or skipped with a reason; every kept entry is valid")
    func realCatalogCounts() throws {
        let text = try RealCatalog.text()
        let catalog = try LiteLLMCatalog.parse(text, file: "catalog.json")
        let blocks = CatalogBlock.scan(text)
        #expect(blocks.count == 4_553)
        #expect(catalog.entries.count == 3_670)
        #expect(catalog.skipped.count == 883)
        #expect(catalog.malformed.isEmpty)
        #expect(Set(catalog.entries.map(\.model) + catalog.skipped.map(\.model)) == Set(blocks.map(\.model)))
        #expect(catalog.entries.allSatisfy { $0.problem == nil })
        let reasons = Dictionary(catalog.skipped.map { ($0.model, $0.reason) }, uniquingKeysWith: { first, _ in first })
        #expect(reasons["sample_spec"] == "documentation of the catalog's fields, not a model")
        #expect(reasons["openai/container"] == "no input_cost_per_token or output_cost_per_token (mode chat)")
        #expect(reasons["aiml/dall-e-3"] == "no input_cost_per_token or output_cost_per_token (mode image_generation)")
        #expect(reasons["kyma/qwen3.7-flash"] == "long-context prices above 32k and 256k tokens; TokenLedger keeps one long-context band")
        // A window of 0 tokens is LiteLLM's "not known": the entry is kept without it.
        let moderation = try #require(catalog.entries.first { $0.model == "omni-moderation-latest" })
        #expect(moderation.maxInputTokens == 32_768 && moderation.maxOutputTokens == nil)
        // Every model with both token prices is kept, but 1 with two bands.
        let priced = blocks.filter {
            $0.model != "sample_spec" && $0.fields["input_cost_per_token"] != nil && $0.fields["output_cost_per_token"] != nil
        }
        #expect(priced.count - catalog.entries.count == 1)
    }

    @Test("spot checks: gpt-4o, o3 flex, priority, a long-context band, the context window")
    func spotChecks() throws {
        let catalog = try LiteLLMCatalog.parse(try RealCatalog.text(), file: "catalog.json")
        let entries = Dictionary(catalog.entries.map { ($0.model, $0) }, uniquingKeysWith: { first, _ in first })
        let gpt4o = try #require(entries["gpt-4o"])
        #expect(gpt4o.rates[RateKey(.default)] == TokenRates(input: 2_500_000_000, cachedInput: 1_250_000_000, output: 10_000_000_000))
        #expect(gpt4o.rates[RateKey(.batch)] == TokenRates(input: 1_250_000_000, output: 5_000_000_000))
        #expect(gpt4o.rates[RateKey(.priority)] == TokenRates(input: 4_250_000_000, cachedInput: 2_125_000_000, output: 17_000_000_000))
        #expect(gpt4o.maxInputTokens == 128_000 && gpt4o.maxOutputTokens == 16_384 && gpt4o.longContextThresholdTokens == nil)

        let o3 = try #require(entries["o3"])
        #expect(o3.rates[RateKey(.flex)] == TokenRates(input: 1_000_000_000, cachedInput: 250_000_000, output: 4_000_000_000))
        #expect(o3.rates[RateKey(.batch)] == TokenRates(input: 1_000_000_000, output: 4_000_000_000))

        // gpt-6-astra: the priority tier's long-context band, and the variants that must be ignored
        // (`_above_12hr…` cache writes, `_ultrafast`).
        let astra = try #require(entries["gpt-6-astra"])
        #expect(astra.longContextThresholdTokens == 272_000)
        #expect(
            astra.rates[RateKey(.priority, .longContext)]
                == TokenRates(
                    input: 40_000_000_000, cachedInput: 4_000_000_000, cacheWrite: 50_000_000_000, output: 150_000_000_000))
        #expect(astra.rates[RateKey(.default)]?.cacheWrite == 12_500_000_000)
        #expect(Set(astra.rates.keys) == Set(ServiceTier.allCases.flatMap { [RateKey($0), RateKey($0, .longContext)] }))
        #expect(astra.maxInputTokens == 922_000 && astra.maxOutputTokens == 128_000)

        let gpt54 = try #require(entries["gpt-5.4"])
        #expect(gpt54.rates[RateKey(.default, .longContext)] == TokenRates(input: 5_000_000_000, cachedInput: 500_000_000, output: 22_500_000_000))
        let long = TokenUsage(input: 272_001, cached: 0, cacheWrite: 0, output: 1)
        #expect(gpt54.band(for: long) == .longContext)
        #expect(try gpt54.cost(of: long, tier: .default).total == Money(nanos: 272_001 * 5_000 + 22_500))

        // claude-haiku-5-5: a band above 100k for default and batch only; the one-hour cache
        // writes (`_above_1hr`, `_above_1hr_above_100k_tokens`) are their own class, not the
        // standard cache-write price.
        let haiku = try #require(entries["claude-haiku-5-5"])
        #expect(haiku.longContextThresholdTokens == 100_000)
        #expect(Set(haiku.rates.keys) == [RateKey(.default), RateKey(.batch), RateKey(.default, .longContext), RateKey(.batch, .longContext)])
        #expect(haiku.rates[RateKey(.default)]?.cacheWrite == 125_000_000)
        #expect(
            haiku.rates[RateKey(.default, .longContext)]
                == TokenRates(
                    input: 500_000_000, cachedInput: 50_000_000, cacheWrite: 625_000_000, output: 2_500_000_000,
                    breakdown: BreakdownRates(cacheWrite1h: 1_000_000_000)))

        // The real catalog's audio and image rates: gpt-realtime's audio, gpt-image-1's images.
        let realtime = try #require(entries["gpt-realtime"])
        #expect(
            realtime.rates[RateKey(.default)]?.breakdown
                == BreakdownRates(inputAudio: 32_000_000_000, inputImage: 5_000_000_000, outputAudio: 64_000_000_000))
        let sonnet = try #require(entries["claude-sonnet-4-5"])
        #expect(sonnet.rates[RateKey(.default)]?.breakdown == BreakdownRates(cacheWrite1h: 6_000_000_000))
    }

    @Test("per-token prices more precise than 1e-15 USD are rounded half to even, once")
    func rounding() throws {
        let text = """
            {
                "thirds": {
                    "input_cost_per_token": 1.6666666666666667e-07,
                    "output_cost_per_token": 2.5e-15,
                    "cache_read_input_token_cost": 3.5e-15,
                    "cache_creation_input_token_cost": 2.5000000000000001e-15
                }
            }
            """
        let entry = try #require(try LiteLLMCatalog.parse(text, file: "t.json").entries.first)
        #expect(entry.rates[RateKey(.default)] == TokenRates(input: 166_666_667, cachedInput: 4, cacheWrite: 3, output: 2))
        let real = try LiteLLMCatalog.parse(try RealCatalog.text(), file: "catalog.json").entries
        let flash = try #require(real.first { $0.model == "bigmodel/glm-5.3-flash" })
        #expect(flash.rates[RateKey(.default)]?.cachedInput == 32_857_143)  // 3.2857142857142855e-08
        let nano = try #require(real.first { $0.model == "novita/nvidia/nemotron-3-nano-30b-a3b" })
        #expect(nano.rates[RateKey(.default)]?.input == 50_000_000)  // 5.0000000000000004e-08
    }

    @Test("entries that cannot be used are skipped with the reason and their line; the rest are kept")
    func skippedEntries() throws {
        let text = """
            {
                "sample_spec": {"input_cost_per_token": 0.0, "output_cost_per_token": 0.0, "max_input_tokens": "max input tokens"},
                "ok": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06, "input_cost_per_audio_token": 1e-05},
                "image-model": {"output_cost_per_image": 0.04, "mode": "image_generation"},
                "no-output": {"input_cost_per_token": 1e-06, "mode": "embedding"},
                "string-price": {"input_cost_per_token": "0.000001", "output_cost_per_token": 2e-06},
                "negative": {"input_cost_per_token": -1e-06, "output_cost_per_token": 2e-06},
                "huge": {"input_cost_per_token": 1e300, "output_cost_per_token": 2e-06},
                "too-dear": {"input_cost_per_token": 0.02, "output_cost_per_token": 2e-06},
                "half-token": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06, "max_input_tokens": 1.5},
                "zero-window": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06, "max_output_tokens": 0},
                "two-bands": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06,
                              "input_cost_per_token_above_128k_tokens": 2e-06, "input_cost_per_token_above_200k_tokens": 3e-06},
                "not-an-object": 42,
                "null-cached": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06, "cache_read_input_token_cost": null}
            }
            """
        // Malformed entries refuse the catalog, naming the first one's line and field.
        do {
            _ = try LiteLLMCatalog.parse(text, file: "t.json")
            Issue.record("a catalog with malformed entries was read")
        } catch let error as InputError {
            #expect(
                error
                    == InputError(
                        file: "t.json", line: 6, field: "string-price.input_cost_per_token",
                        reason:
                            "a string, not a number; 5 more entries are malformed; nothing was imported "
                            + "(--skip-bad imports the well-formed entries and lists the malformed ones)"))
        }
        // With skip-bad they are listed after the keys skipped by design.
        let catalog = try LiteLLMCatalog.parse(text, file: "t.json", skipBad: true)
        #expect(catalog.entries.map(\.model) == ["ok", "zero-window", "null-cached"])
        #expect(
            catalog.entries[0].rates == [
                RateKey(.default): TokenRates(input: 1_000_000_000, output: 2_000_000_000, breakdown: BreakdownRates(inputAudio: 10_000_000_000))
            ])
        #expect(catalog.entries[1].maxOutputTokens == nil)
        let reasons = catalog.skipped.map { "\($0.model): \($0.reason)" }
        #expect(
            reasons == [
                "sample_spec: documentation of the catalog's fields, not a model",
                "image-model: no input_cost_per_token or output_cost_per_token (mode image_generation)",
                "no-output: no output_cost_per_token (mode embedding)",
                "two-bands: long-context prices above 128k and 200k tokens; TokenLedger keeps one long-context band",
                "string-price: malformed: line 6: string-price.input_cost_per_token: a string, not a number",
                "negative: malformed: line 7: negative.input_cost_per_token: the price '-1e-06' is negative",
                "huge: malformed: line 8: huge.input_cost_per_token: '1e300' is too large",
                "too-dear: malformed: line 9: too-dear.input_cost_per_token: the price '0.02' per token is above $10,000 per million tokens",
                "half-token: malformed: line 10: half-token.max_input_tokens: '1.5' is not a whole number of tokens",
                "not-an-object: malformed: line 14: not-an-object: the entry is a number, not an object",
            ])
    }

    @Test("a JSON file that is not a LiteLLM catalog is refused, naming the format it looks like")
    func notTheFormat() throws {
        let cases: [(text: String, reason: String)] = [
            (
                #"{"id": "chatcmpl-1", "object": "chat.completion", "usage": {"prompt_tokens": 5}}"#,
                "not a LiteLLM catalog (model_prices_and_context_window.json): none of its 3 entries has LiteLLM's fields "
                    + "(litellm_provider, mode, input_cost_per_token, output_cost_per_token)"
            ),
            ("{}", "not a LiteLLM catalog (model_prices_and_context_window.json): it has no models"),
            (
                #"[{"id": "openai", "models": []}]"#,
                "not a LiteLLM catalog (model_prices_and_context_window.json): the file is an array, and a LiteLLM catalog is a JSON "
                    + "object of models, keyed by model name; it looks like a genai-prices data.json: use --input-format genai-prices"
            ),
        ]
        for (text, reason) in cases {
            do {
                _ = try LiteLLMCatalog.parse(text, file: "x.json")
                Issue.record("\(text) was read as a LiteLLM catalog")
            } catch let error as InputError {
                #expect(error == InputError(file: "x.json", line: 1, reason: reason))
            }
        }
    }

    /// A malformed catalog, and where the error must point.
    struct Malformed: Sendable, CustomTestStringConvertible {
        var why: String
        var text: String
        var line: Int
        var field: String?
        var testDescription: String { why }
    }

    static let malformed: [Malformed] = [
        Malformed(
            why: "a missing comma", text: "{\n  \"m\": {\n    \"input_cost_per_token\": 1e-06\n    \"output_cost_per_token\": 2e-06\n  }\n}", line: 4,
            field: "m.input_cost_per_token"),
        Malformed(why: "a trailing comma", text: "{\n  \"m\": {\n    \"input_cost_per_token\": 1e-06,\n  }\n}", line: 4, field: "m"),
        Malformed(why: "NaN", text: "{\n  \"m\": {\n    \"input_cost_per_token\": NaN\n  }\n}", line: 3, field: "m.input_cost_per_token"),
        Malformed(why: "a truncated file", text: "{\n  \"m\": {\n    \"input_cost_per_token\": 1e-06,\n", line: 4, field: "m"),
        Malformed(why: "a top-level array", text: "[\n]", line: 1, field: nil),
        Malformed(why: "a model named twice", text: "{\n  \"m\": {},\n  \"m\": {}\n}", line: 3, field: "m"),
        Malformed(why: "a line break inside a string", text: "{\n  \"m\n\": {}\n}", line: 2, field: nil),
        Malformed(why: "a leading zero", text: "{\n  \"m\": {\"input_cost_per_token\": 01}\n}", line: 2, field: "m.input_cost_per_token"),
        Malformed(why: "an empty file", text: "", line: 1, field: nil),
        Malformed(why: "text after the object", text: "{}\n{}", line: 2, field: nil),
        Malformed(why: "an unquoted key", text: "{\n  m: 1\n}", line: 2, field: nil),
        Malformed(why: "a bad escape", text: "{\n  \"m\": {\"mode\": \"\\q\"}\n}", line: 2, field: "m.mode"),
        Malformed(why: "nesting too deep", text: String(repeating: "[", count: 100), line: 1, field: nil),
    ]

    @Test("a malformed catalog is an error naming the file, the line and the field", arguments: malformed)
    func malformedCatalog(_ bad: Malformed) {
        #expect {
            try LiteLLMCatalog.parse(bad.text, file: "bad.json")
        } throws: { error in
            guard let error = error as? InputError else { return false }
            return error.file == "bad.json" && error.line == bad.line && error.field == bad.field && !error.reason.isEmpty
        }
    }

    @Test("a missing file, a directory and a file that is not UTF-8 are errors naming the file")
    func unreadableFiles() throws {
        try withScratchDirectory { directory in
            let missing = directory.path("missing.json")
            #expect(throws: InputError(file: missing, reason: "no such file")) { try LiteLLMCatalog.read(contentsOf: missing) }
            #expect(throws: InputError(file: directory.url.path, reason: "it is a directory, not a catalog file")) {
                try LiteLLMCatalog.read(contentsOf: directory.url.path)
            }
            let latin1 = directory.path("latin1.json")
            try Data([0x7B, 0x22, 0xE9, 0x22, 0x3A, 0x7B, 0x7D, 0x7D]).write(to: URL(fileURLWithPath: latin1))
            #expect(throws: InputError(file: latin1, reason: "the file is not UTF-8 text")) { try LiteLLMCatalog.read(contentsOf: latin1) }
        }
    }
}

@Suite("LiteLLM catalog: importing into a ledger")
struct PriceImportTests {
    static let january = utc(2026, 1, 1)
    static let february = utc(2026, 2, 1)

    /// The real catalog with gpt-4o's input price changed from $2.50 to $3.00 per million.
    static func modifiedCatalogText() throws -> String {
        let text = try RealCatalog.text()
        let block = try #require(text.range(of: "\n    \"gpt-4o\": {\n"))
        let price = try #require(text.range(of: "\"input_cost_per_token\": 2.5e-06,", range: block.upperBound..<text.endIndex))
        return text.replacingCharacters(in: price, with: "\"input_cost_per_token\": 3e-06,")
    }

    @Test("importing the same catalog twice adds nothing the second time")
    func importTwice() throws {
        try withLedger { fixture in
            let catalog = try LiteLLMCatalog.read(contentsOf: RealCatalog.path)
            let first = try fixture.ledger.importPrices(catalog, effectiveFrom: Self.january)
            #expect(first.changes.count == catalog.entries.count)
            #expect(first.skipped.count == catalog.skipped.count)
            let defaultModels = Set(DefaultPriceBook.entries.map(\.model))
            #expect(first.added.filter { $0.kind == .new }.allSatisfy { !defaultModels.contains($0.model) })
            let entriesAfterFirst = try fixture.raw.int("SELECT count(*) FROM price_entry")
            #expect(entriesAfterFirst == Int64(DefaultPriceBook.entries.count + first.added.count))
            #expect(try fixture.raw.int("SELECT count(*) FROM price_entry WHERE source = 'litellm'") == Int64(first.added.count))
            let dump = try fixture.raw.dump()

            let second = try fixture.ledger.importPrices(catalog, effectiveFrom: Self.february)
            #expect(second.added.isEmpty)
            #expect(second.unchanged.count == catalog.entries.count)
            let again = try fixture.ledger.importPrices(catalog, effectiveFrom: Self.january)
            #expect(again.added.isEmpty)
            #expect(try fixture.raw.dump() == dump)
            #expect(try fixture.ledger.verify().ok)
        }
    }

    @Test("a changed price adds one entry: a charge before it keeps the old price, one after gets the new")
    func changedCatalog() throws {
        try withLedger(defaultPrices: false) { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2025, 12, 1), purchase: .usd(20))
            try fixture.ledger.importPrices(try LiteLLMCatalog.read(contentsOf: RealCatalog.path), effectiveFrom: Self.january)
            let file = fixture.directory.path("modified.json")
            try Data(try Self.modifiedCatalogText().utf8).write(to: URL(fileURLWithPath: file))
            let modified = try LiteLLMCatalog.read(contentsOf: file)

            let dump = try fixture.raw.dump()
            let diff = try fixture.ledger.diffPrices(modified, at: Self.february)
            #expect(try fixture.raw.dump() == dump)
            let changed = diff.filter { $0.kind != .unchanged }
            let expectedField = PriceFieldChange(key: RateKey(.default), field: "input", old: 2_500_000_000, new: 3_000_000_000)
            #expect(changed.map(\.model) == ["gpt-4o"])
            #expect(changed.first?.fields == [expectedField])

            let summary = try fixture.ledger.importPrices(modified, effectiveFrom: Self.february)
            #expect(summary.added.map(\.model) == ["gpt-4o"])
            #expect(summary.added.first?.fields == [expectedField])
            #expect(try fixture.raw.int("SELECT count(*) FROM price_entry WHERE model = 'gpt-4o'") == 2)

            // 100,000 input tokens: $0.25 before February, $0.30 from its first millisecond.
            let before = try fixture.ledger.charge(
                ChargeRequest(
                    account: "acme", model: "gpt-4o", input: 100_000, output: 0, requestID: "before", at: Self.february.plus(milliseconds: -1)))
            let after = try fixture.ledger.charge(
                ChargeRequest(
                    account: "acme", model: "gpt-4o", input: 100_000, output: 0, requestID: "after", at: Self.february))
            #expect(before.cost == Money(nanos: 250_000_000) && before.priceEffectiveFrom == Self.january)
            #expect(after.cost == Money(nanos: 300_000_000) && after.priceEffectiveFrom == Self.february)
            #expect(try fixture.ledger.prices(model: "gpt-4o", at: utc(2026, 1, 15)).first?.source == "litellm")
            #expect(try fixture.ledger.verify().ok)
        }
    }

    @Test("a different entry already at the same model and time is refused, and nothing of the catalog is written")
    func conflictWritesNothing() throws {
        try withLedger(defaultPrices: false) { fixture in
            let first = """
                {"b-model": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06}}
                """
            try fixture.ledger.importPrices(try LiteLLMCatalog.parse(first, file: "first.json"), effectiveFrom: Self.january)
            let dump = try fixture.raw.dump()
            let second = """
                {
                    "a-model": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06},
                    "b-model": {"input_cost_per_token": 1.5e-06, "output_cost_per_token": 2e-06}
                }
                """
            let catalog = try LiteLLMCatalog.parse(second, file: "second.json")
            #expect(throws: PriceRefusal.entryExists(model: "b-model", effectiveFrom: Self.january)) {
                try fixture.ledger.importPrices(catalog, effectiveFrom: Self.january)
            }
            #expect(try fixture.raw.dump() == dump)
            // A later time is fine: history is added to, never rewritten.
            #expect(try fixture.ledger.importPrices(catalog, effectiveFrom: Self.february).added.map(\.kind) == [.new, .changed])
        }
    }

    @Test("an invalid entry put in a catalog by hand is refused before anything is written")
    func invalidEntry() throws {
        try withLedger(defaultPrices: false) { fixture in
            let good = PriceEntry(model: "good", effectiveFrom: .earliest, rates: [RateKey(.default): TokenRates(input: 1, output: 1)])
            let bad = PriceEntry(model: "bad", effectiveFrom: .earliest, rates: [RateKey(.default): TokenRates(input: -1, output: 1)])
            let dump = try fixture.raw.dump()
            #expect(throws: PriceRefusal.invalidEntry("bad: the default input price is negative")) {
                try fixture.ledger.importPrices(PriceCatalog(entries: [good, bad]), effectiveFrom: Self.january)
            }
            #expect(try fixture.raw.dump() == dump)
        }
    }

    @Test("diff lists new models with their prices, changed fields old and new, and unchanged ones")
    func diffKinds() throws {
        try withLedger(defaultPrices: false) { fixture in
            let old = """
                {
                    "same": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06},
                    "dearer": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06, "max_input_tokens": 1000}
                }
                """
            try fixture.ledger.importPrices(try LiteLLMCatalog.parse(old, file: "old.json"), effectiveFrom: Self.january)
            let new = """
                {
                    "same": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06},
                    "dearer": {"input_cost_per_token": 1e-06, "output_cost_per_token": 3e-06, "output_cost_per_token_priority": 6e-06},
                    "fresh": {"input_cost_per_token": 5e-07, "output_cost_per_token": 1e-06, "max_output_tokens": 4096}
                }
                """
            let catalog = try LiteLLMCatalog.parse(new, file: "new.json")
            let diff = try fixture.ledger.diffPrices(catalog, at: Self.february)
            #expect(diff.map(\.kind) == [.unchanged, .changed, .new])
            #expect(diff[0].fields.isEmpty && diff[0].current != nil)
            #expect(
                diff[1].fields == [
                    PriceFieldChange(key: RateKey(.default), field: "output", old: 2_000_000_000, new: 3_000_000_000),
                    PriceFieldChange(key: RateKey(.priority), field: "output", old: nil, new: 6_000_000_000),
                    PriceFieldChange(key: nil, field: "max_input_tokens", old: 1_000, new: nil),
                ])
            #expect(diff[2].current == nil)
            #expect(
                diff[2].fields == [
                    PriceFieldChange(key: RateKey(.default), field: "input", old: nil, new: 500_000_000),
                    PriceFieldChange(key: RateKey(.default), field: "output", old: nil, new: 1_000_000_000),
                    PriceFieldChange(key: nil, field: "max_output_tokens", old: nil, new: 4_096),
                ])
            // Before the first import, every model is new.
            #expect(try fixture.ledger.diffPrices(catalog, at: utc(2025, 12, 31)).allSatisfy { $0.kind == .new })
        }
    }

    @Test("every OpenAI chat model of the real catalog charges exactly its tokens at its catalog prices")
    func everyOpenAIChatModel() throws {
        let text = try RealCatalog.text()
        let models = CatalogBlock.scan(text).filter { $0.string("litellm_provider") == "openai" && $0.string("mode") == "chat" }
        #expect(models.count == 101)
        try withLedger { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2025, 12, 1))
            let summary = try fixture.ledger.importPrices(try LiteLLMCatalog.parse(text, file: "catalog.json"), effectiveFrom: Self.january)
            let skipped = Set(summary.skipped.map(\.model))
            var charged: [String: Int] = [:]
            for model in models {
                guard model.fields["input_cost_per_token"] != nil, model.fields["output_cost_per_token"] != nil else {
                    #expect(skipped.contains(model.model), "\(model.model) has no token prices and must be skipped")
                    continue
                }
                for check in Self.checks(for: model) {
                    let receipt = try fixture.ledger.charge(
                        ChargeRequest(
                            account: "acme", model: model.model, tier: check.tier, input: check.input, cached: check.cached, output: check.output,
                            requestID: "\(model.model)/\(check.name)", at: utc(2026, 1, 2)))
                    #expect(receipt.cost.nanos == TestDecimal.nanos(check.terms), "\(model.model) \(check.name)")
                    charged[check.name, default: 0] += 1
                }
            }
            // 100 models priced, 39 of them with priority prices, 17 with a long-context band.
            #expect(charged == ["default": 100, "priority": 39, "long-context": 17])
            #expect(try fixture.ledger.verify().ok)
        }
    }

    /// A charge to make and its cost as the catalog's own numbers say.
    struct Check {
        var name: String
        var tier: ServiceTier
        var input: Int64
        var cached: Int64
        var output: Int64
        var terms: [(tokens: Int64, price: TestDecimal)]
    }

    /// The default tier with cached and output tokens; the priority tier where the catalog
    /// prices it; above the long-context threshold where the catalog has one and the window allows.
    static func checks(for model: CatalogBlock) -> [Check] {
        let field = { (name: String) in model.fields[name].map(TestDecimal.init) }
        let input = field("input_cost_per_token")!, output = field("output_cost_per_token")!
        let cached = field("cache_read_input_token_cost") ?? input
        var checks = [
            Check(
                name: "default", tier: .default, input: 3_210, cached: 1_234, output: 567,
                terms: [(3_210 - 1_234, input), (1_234, cached), (567, output)])
        ]
        if let priorityInput = field("input_cost_per_token_priority"), let priorityOutput = field("output_cost_per_token_priority") {
            let priorityCached = field("cache_read_input_token_cost_priority") ?? priorityInput
            checks.append(
                Check(
                    name: "priority", tier: .priority, input: 3_210, cached: 1_234, output: 567,
                    terms: [(3_210 - 1_234, priorityInput), (1_234, priorityCached), (567, priorityOutput)]))
        }
        let band = model.fields.keys.first { $0.hasPrefix("input_cost_per_token_above_") && $0.hasSuffix("k_tokens") }
        if let band, let thousands = Int64(band.dropFirst("input_cost_per_token_above_".count).dropLast("k_tokens".count)) {
            let suffix = band.dropFirst("input_cost_per_token".count)
            let longInputTokens = thousands * 1_000 + 1_234
            if let window = model.fields["max_input_tokens"].flatMap({ Int64($0) }), longInputTokens <= window {
                let longInput = field("input_cost_per_token\(suffix)")!
                let longCached = field("cache_read_input_token_cost\(suffix)") ?? field("cache_read_input_token_cost") ?? longInput
                let longOutput = field("output_cost_per_token\(suffix)") ?? output
                checks.append(
                    Check(
                        name: "long-context", tier: .default, input: longInputTokens, cached: 1_000, output: 567,
                        terms: [(longInputTokens - 1_000, longInput), (1_000, longCached), (567, longOutput)]))
            }
        }
        return checks
    }
}
