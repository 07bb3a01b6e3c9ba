import Foundation
import GRDB
import Testing
import TokenLedger
import TokenLedgerCore

/// A provider on every charge: recorded, filtered, reported by, exported to FOCUS; and the
/// default price book's OpenAI, Anthropic and Google models priced by hand.
@Suite("Providers on charges")
struct ProviderChargeTests {
    @Test("A charge records the caller's provider, else the name's, else the entry's; charges filter by it")
    func recordedAndFiltered() throws {
        try withLedger { fixture in
            let ledger = fixture.ledger
            _ = try makeAccount(ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(20))
            let at = utc(2026, 1, 5)
            let azure = try ledger.charge(
                ChargeRequest(account: "acme", model: "gpt-4o", input: 1_000, output: 100, requestID: "az-1", at: at, provider: .named("azure")))
            let bedrock = try ledger.charge(
                ChargeRequest(account: "acme", model: "us.anthropic.claude-sonnet-4-5-20250929-v1:0", input: 1_000, output: 100, requestID: "bd-1", at: at))
            let anthropic = try ledger.charge(ChargeRequest(account: "acme", model: "claude-haiku-4-5", input: 1_000, output: 100, requestID: "an-1", at: at))
            #expect((azure.provider, bedrock.provider, anthropic.provider) == ("azure", "bedrock", "anthropic"))
            #expect(bedrock.modelSent == "us.anthropic.claude-sonnet-4-5-20250929-v1:0" && bedrock.model == "claude-sonnet-4-5")
            // A retry answers with the provider recorded.
            let retried = try ledger.charge(ChargeRequest(account: "acme", model: "claude-haiku-4-5", input: 1_000, output: 100, requestID: "an-1", at: at))
            #expect(retried.duplicate && retried.provider == "anthropic")
            var query = ChargeQuery(account: "acme")
            query.provider = "bedrock"
            #expect(try ledger.charges(matching: query).charges.map { "\($0.id) \($0.provider ?? "-")" } == ["bd-1 bedrock"])
            #expect(try ledger.charge(id: "az-1").charge.provider == "azure")
            #expect(try fixture.raw.int("SELECT count(*) FROM usage WHERE provider IS NOT NULL") == 3)
            // A bad name is refused naming the field, and nothing is written.
            #expect(
                outcome {
                    _ = try ledger.charge(
                        ChargeRequest(account: "acme", model: "gpt-4o", input: 1, output: 1, requestID: "bad", at: at, provider: .named("Azure OpenAI")))
                } == "invalid_attribution")
            #expect(try ledger.verify().ok)
        }
    }

    @Test("report monthly --by provider reads the rollup, which verify checks")
    func reportByProvider() throws {
        try withLedger { fixture in
            let ledger = fixture.ledger
            _ = try makeAccount(ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(20))
            let requests = [
                ChargeRequest(account: "acme", model: "gpt-5", input: 100_000, output: 0, requestID: "o-1", at: utc(2026, 1, 2)),
                ChargeRequest(account: "acme", model: "gpt-5", input: 100_000, output: 0, requestID: "o-2", at: utc(2026, 1, 3), provider: .named("azure")),
                ChargeRequest(account: "acme", model: "claude-sonnet-4-5", input: 100_000, output: 0, requestID: "a-1", at: utc(2026, 1, 3)),
            ]
            _ = try ledger.charge(all: requests)
            let report = try ledger.monthlyReport(account: "acme", month: utc(2026, 1, 1), by: [.provider])
            #expect(report.rows.map { "\($0.values[0] ?? "-") \($0.sums.cost)" } == ["anthropic $0.30", "azure $0.125", "openai $0.125"])
            let byBoth = try ledger.monthlyReport(account: nil, month: utc(2026, 1, 1), by: [.provider, .model])
            #expect(byBoth.rows.count == 3 && byBoth.total.cost == Money(nanos: 550_000_000))
            #expect(try ReportKey.keys(parsing: ["provider,model"], field: "by") == [.provider, .model])
            #expect(try fixture.raw.int("SELECT count(DISTINCT provider) FROM usage_daily") == 3)
            #expect(try ledger.verify().ok)
        }
    }

    @Test("FOCUS: ProviderName is who served and billed, PublisherName who made the model; --provider stands in for none")
    func focus() throws {
        try withLedger { fixture in
            let ledger = fixture.ledger
            _ = try makeAccount(ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(20))
            _ = try ledger.charge(
                ChargeRequest(
                    account: "acme", model: "bedrock/anthropic.claude-haiku-4-5-20251001-v1:0", input: 100, output: 10, requestID: "b", at: utc(2026, 1, 2)))
            // A model priced by an entry without a provider records none (as charges made before providers were).
            let house = ManualPrice(model: "house", input: .usd(1), output: .usd(2), effectiveFrom: utc(2025, 1, 1))
            try ledger.setPrice(house.entry)
            _ = try ledger.charge(ChargeRequest(account: "acme", model: "house", input: 100, output: 10, requestID: "h", at: utc(2026, 1, 3)))
            let rows = try ledger.focusRows(account: "acme", month: utc(2026, 1, 1), provider: "Acme Cloud")
            let column = { (name: String) in FocusReport.columns.firstIndex(of: name)! }
            let named = rows.map { row in
                [
                    row[column("x_Model")], row[column("ProviderName")], row[column("PublisherName")], row[column("InvoiceIssuerName")],
                    row[column("ServiceName")],
                ]
                .map { $0 ?? "-" }.joined(separator: " | ")
            }
            #expect(
                Set(named) == [
                    "claude-haiku-4-5 | AWS | Anthropic | AWS | Amazon Bedrock",
                    "house | Acme Cloud | Acme Cloud | Acme Cloud | Acme Cloud API",
                ])
        }
    }

    @Test("Imports: a provider's format names it, an OpenAI body its model's publisher, a CSV column the caller's choice")
    func imports() throws {
        try withLedger { fixture in
            let ledger = fixture.ledger
            _ = try makeAccount(ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(20))
            let lines = [
                #"{"id":"msg_1","type":"message","model":"claude-sonnet-4-5","usage":{"input_tokens":11,"cache_creation_input_tokens":170,"cache_read_input_tokens":1300,"output_tokens":19}}"#,
                #"{"candidates":[],"usageMetadata":{"promptTokenCount":100,"candidatesTokenCount":10},"modelVersion":"gemini-2.5-flash","responseId":"g-1"}"#,
                #"{"id":"chatcmpl-1","object":"chat.completion","created":1767312000,"model":"gpt-5-mini","usage":{"prompt_tokens":100,"completion_tokens":10}}"#,
                #"{"id":"gq-1","object":"chat.completion","created":1767312000,"model":"groq/gpt-5-nano","usage":{"prompt_tokens":100,"completion_tokens":10}}"#,
            ]
            let jsonl = fixture.directory.url.appendingPathComponent("mixed.jsonl")
            try (lines.joined(separator: "\n") + "\n").write(to: jsonl, atomically: true, encoding: .utf8)
            let summary = try ledger.importUsage(file: jsonl.path(), format: .auto, options: UsageImportOptions(account: "acme", start: utc(2026, 1, 2)))
            #expect(summary.charged == 4)
            let csv = fixture.directory.url.appendingPathComponent("usage.csv")
            try """
            time,model,input_tokens,cached_tokens,output_tokens,request_id,provider
            2026-01-03T00:00:00Z,gpt-4.1,100,0,10,c-1,azure
            2026-01-03T00:00:01Z,gpt-4.1,100,0,10,c-2,

            """.write(to: csv, atomically: true, encoding: .utf8)
            #expect(try ledger.importUsage(file: csv.path(), format: .csv, options: UsageImportOptions(account: "acme")).charged == 2)
            let charges = try ledger.charges(matching: ChargeQuery(account: "acme", limit: 100)).charges
            #expect(
                Dictionary(uniqueKeysWithValues: charges.map { ($0.id, $0.provider ?? "-") }) == [
                    "msg_1": "anthropic", "g-1": "google", "chatcmpl-1": "openai", "gq-1": "groq", "c-1": "azure", "c-2": "openai",
                ])
            // The Anthropic body priced by hand: 11 uncached × $3 + 1,300 read × $0.30 + 170 written × $3.75 + 19 × $15 per 1M.
            #expect(try ledger.charge(id: "msg_1").charge.cost == Money(nanos: 1_345_500))
            let bad = fixture.directory.url.appendingPathComponent("bad.csv")
            try "time,model,input_tokens,cached_tokens,output_tokens,provider\n2026-01-03T00:00:00Z,gpt-4.1,1,0,1,Not Valid\n"
                .write(to: bad, atomically: true, encoding: .utf8)
            do {
                _ = try ledger.importUsage(file: bad.path(), format: .csv, options: UsageImportOptions(account: "acme"))
                Issue.record("a bad provider was imported")
            } catch {
                #expect("\(error)".contains("provider"), "\(error)")
            }
        }
    }

    /// One documented request per provider, priced by hand through the book `init` loads.
    static let handPriced: [(model: String, tier: ServiceTier, input: Int64, cached: Int64, cacheWrite: Int64, output: Int64, nanos: Int64)] = [
        // 500 uncached × $1.25 + 1,500 cached × $0.125 + 300 × $10 per 1M = $0.0038125
        ("gpt-5", .default, 2_000, 1_500, 0, 300, 3_812_500),
        // flex at half: $0.00190625
        ("gpt-5", .flex, 2_000, 1_500, 0, 300, 1_906_250),
        // 1,000 × $0.40 + 200 × $1.60 per 1M
        ("gpt-4.1-mini", .default, 1_000, 0, 0, 200, 720_000),
        // 11 × $3 + 1,300 × $0.30 + 170 × $3.75 + 19 × $15 per 1M = $0.0013455; Message Batches at half
        ("claude-sonnet-4-5", .default, 1_481, 1_300, 170, 19, 1_345_500),
        ("claude-sonnet-4-5", .batch, 1_481, 1_300, 170, 19, 672_750),
        // above 200k input: 150,000 × $6 + 50,000 × $0.60 + 10,000 × $7.50 + 1,000 × $22.50 per 1M = $1.0275
        ("claude-sonnet-4-5", .default, 210_000, 50_000, 10_000, 1_000, 1_027_500_000),
        // 800 × $15 + 1,000 × $1.50 + 200 × $18.75 + 100 × $75 per 1M = $0.02475
        ("claude-opus-4-1", .default, 2_000, 1_000, 200, 100, 24_750_000),
        // above 200k: 150,000 × $2.50 + 100,000 × $0.25 + 1,500 × $15 per 1M = $0.4225
        ("gemini-2.5-pro", .default, 250_000, 100_000, 0, 1_500, 422_500_000),
        // Batch Mode at half: 1,000 × $0.15 + 100 × $1.25 per 1M
        ("gemini-2.5-flash", .batch, 1_000, 0, 0, 100, 275_000),
    ]

    @Test("The default book prices OpenAI, Anthropic and Google requests to the nanodollar, tiers only where sold")
    func defaultBookByHand() throws {
        try withLedger { fixture in
            let ledger = fixture.ledger
            _ = try makeAccount(ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(100))
            for (index, item) in Self.handPriced.enumerated() {
                let receipt = try ledger.charge(
                    ChargeRequest(
                        account: "acme", model: item.model, tier: item.tier, input: item.input, cached: item.cached, cacheWrite: item.cacheWrite,
                        output: item.output, requestID: "r-\(index)", at: utc(2026, 1, 2)))
                #expect(receipt.cost == Money(nanos: item.nanos), "\(item.model) \(item.tier)")
            }
            for (model, tier) in [("claude-sonnet-4-5", ServiceTier.flex), ("gemini-2.5-pro", .flex), ("claude-haiku-4-5", .priority)] {
                #expect(
                    outcome { _ = try ledger.charge(ChargeRequest(account: "acme", model: model, tier: tier, input: 1, output: 1, at: utc(2026, 1, 2))) }
                        == "no_price_for_tier", "\(model) \(tier)")
            }
            // Dated snapshots and Bedrock ids find the new entries.
            let dated = try ledger.charge(ChargeRequest(account: "acme", model: "claude-3-5-haiku-20241022", input: 1_000, output: 0, at: utc(2026, 1, 2)))
            #expect(dated.model == "claude-3-5-haiku" && dated.cost == Money(nanos: 800_000) && dated.provider == "anthropic")
            #expect(try ledger.verify().ok)
        }
    }
}
