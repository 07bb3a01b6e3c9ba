import Foundation
import Testing
import TokenLedger
import TokenLedgerCore

// Other providers' bills as reconciliation's cost data: Anthropic's Admin API cost report and
// usage report, and FOCUS files (Bedrock spend among a cloud's), against charges made with
// `charge`. Amounts worked by hand below.

/// Claude Sonnet 4.5 at $3 input, $0.30 cache reads, $3.75 cache writes and $15 output per
/// million tokens.
let claude = "claude-sonnet-4-5-20250929"

/// A ledger without the default price book, with `claude` priced and `acme` holding $20, charged
/// with the four requests the fixtures bill:
/// - 2025-10-01 `req-1`: 10000 input (2000 cache reads, 1000 cache writes: 7000 uncached) and 500
///   output: $0.021 + $0.0006 + $0.00375 + $0.0075 = $0.03285;
/// - 2025-10-01 `req-2`: 4000 input, 1000 output: $0.012 + $0.015 = $0.027;
/// - 2025-10-02 `req-3` at 23:59:30: 20000 input, 2000 output: $0.06 + $0.03 = $0.09;
/// - 2025-10-02 `req-4`: 1000 input, 100 output: $0.003 + $0.0015 = $0.0045.
///
/// By class: 2025-10-01 input 11000 tokens $0.033 (330 cents ÷ 100: "3.3"), cache reads $0.0006
/// ("0.06"), cache writes $0.00375 ("0.375"), output 1500 tokens $0.0225 ("2.25"); 2025-10-02
/// input 21000 tokens $0.063 ("6.3"), output 2100 tokens $0.0315 ("3.15"). Not charged unless `charged`.
func withClaudeLedger<T>(charged: Bool = true, _ body: (LedgerFixture) throws -> T) throws -> T {
    try withLedger(defaultPrices: false) { fixture in
        try makeAccount(fixture.ledger, "acme", at: utc(2023, 1, 1))
        _ = try fixture.ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(20), at: utc(2025, 9, 1), id: "setup-acme"))
        try fixture.ledger.setPrice(
            PriceEntry(
                model: claude, effectiveFrom: utc(2025, 9, 29),
                rates: [
                    RateKey(.default): TokenRates(
                        input: try perMillion("3"), cachedInput: try perMillion("0.30"), cacheWrite: try perMillion("3.75"), output: try perMillion("15"))
                ]))
        let requests: [(String, Int64, Int64, Int64, Int64, Timestamp)] = [
            ("req-1", 10_000, 2_000, 1_000, 500, utc(2025, 10, 1, 10)), ("req-2", 4_000, 0, 0, 1_000, utc(2025, 10, 1, 15)),
            ("req-3", 20_000, 0, 0, 2_000, utc(2025, 10, 2, 23, 59, 30)), ("req-4", 1_000, 0, 0, 100, utc(2025, 10, 2, 8)),
        ]
        for (id, input, cached, written, output, at) in requests where charged {
            _ = try fixture.ledger.charge(
                ChargeRequest(account: "acme", model: claude, input: input, cached: cached, cacheWrite: written, output: output, requestID: id, at: at))
        }
        return try body(fixture)
    }
}

func reconcileFixture(_ name: String) -> String { reconcileFixtures.appendingPathComponent(name).path }

@Suite("Reconcile: Anthropic's reports and FOCUS files")
struct ReconcileProviderBillsTests {
    @Test("the cost report: amounts in cents read exactly, token types to classes, tiers, bands, other costs")
    func costReportKinds() throws {
        let read = try ProviderCosts.read(files: [reconcileFixture("anthropic-cost-report-kinds.json")])
        let costs = read.costs.map { "\($0.day) \($0.item) '\($0.text ?? "-")' \($0.amountPicos) \($0.provider ?? "-")" }
        #expect(
            costs == [
                // "123.45" cents is $1.2345: 1_234_500_000_000 picodollars.
                "2025-10-01 batch | \(claude), input, long context 'batch | \(claude), input, long context' 1234500000000 Anthropic",
                "2025-10-01 other '\(claude), cache writes (1h)' 7500000000 Anthropic",
                "2025-10-01 other 'Web Search Usage' 10000000000 Anthropic",
                "2025-10-01 other 'code_execution' 5000000000 Anthropic",
                // Not grouped by description: the day's total.
                "2025-10-02 other '-' 2500000000000 Anthropic",
            ])
        #expect(read.days.map(\.description).sorted() == ["2025-10-01", "2025-10-02", "2025-10-03"])
    }

    @Test("an Anthropic cost report that agrees with the charges, by day and by line item: exact")
    func costReportExact() throws {
        try withClaudeLedger { fixture in
            for by in ReconciliationGranularity.allCases {
                let report = try fixture.reconcile([reconcileFixture("anthropic-cost-report.json")], by: by)
                #expect(report.summary.isReconciled, "\(outline(report))")
                #expect(report.summary.providerTotal == (try Money(parsing: "0.15435")))
                #expect(report.summary.ledgerTotal == (try Money(parsing: "0.15435")))
                #expect(report.rows.allSatisfy { $0.difference == .zero && $0.note == "exact" })
            }
            let lineItems = try fixture.reconcile([reconcileFixture("anthropic-cost-report.json")], by: .lineItem)
            #expect(
                outline(lineItems) == [
                    "2025-10-01 \(claude), input match 0.000000000", "2025-10-01 \(claude), cached input match 0.000000000",
                    "2025-10-01 \(claude), cache writes match 0.000000000", "2025-10-01 \(claude), output match 0.000000000",
                    "2025-10-02 \(claude), input match 0.000000000", "2025-10-02 \(claude), output match 0.000000000",
                ])
        }
    }

    @Test(
        "a ledger of several providers: Anthropic's bill is compared with Anthropic's charges only, its dated names with the entries they resolve to"
    )
    func severalProviders() throws {
        try withLedger { fixture in
            // The default book prices the family `claude-sonnet-4-5` at the fixture's rates; the
            // requests are sent with the dated name, as Anthropic's bodies give it.
            try makeAccount(fixture.ledger, "acme", at: utc(2023, 1, 1))
            _ = try fixture.ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(20), at: utc(2025, 9, 1), id: "setup-acme"))
            let requests: [(String, Int64, Int64, Int64, Int64, Timestamp)] = [
                ("req-1", 10_000, 2_000, 1_000, 500, utc(2025, 10, 1, 10)), ("req-2", 4_000, 0, 0, 1_000, utc(2025, 10, 1, 15)),
                ("req-3", 20_000, 0, 0, 2_000, utc(2025, 10, 2, 23, 59, 30)), ("req-4", 1_000, 0, 0, 100, utc(2025, 10, 2, 8)),
            ]
            for (id, input, cached, written, output, at) in requests {
                _ = try fixture.ledger.charge(
                    ChargeRequest(
                        account: "acme", model: claude, input: input, cached: cached, cacheWrite: written, output: output, requestID: id, at: at,
                        provider: .named("anthropic")))
            }
            // The same days, other providers: Claude on Bedrock and an OpenAI model.
            _ = try fixture.ledger.charge(
                ChargeRequest(
                    account: "acme", model: "us.anthropic.claude-sonnet-4-5-20250929-v1:0", input: 5_000, output: 500, requestID: "bedrock-1",
                    at: utc(2025, 10, 1, 11)))
            _ = try fixture.ledger.charge(
                ChargeRequest(account: "acme", model: "gpt-4o", input: 5_000, output: 500, requestID: "openai-1", at: utc(2025, 10, 2, 9)))
            for by in ReconciliationGranularity.allCases {
                let report = try fixture.ledger.reconcile(
                    ReconcileRequest(costFiles: [reconcileFixture("anthropic-cost-report.json")], account: "acme", granularity: by))
                #expect(report.summary.isReconciled, "\(outline(report))")
                #expect(report.providers == ["anthropic"])
                #expect(report.summary.ledgerTotal == (try Money(parsing: "0.15435")))
            }
            let lineItems = try fixture.ledger.reconcile(
                ReconcileRequest(costFiles: [reconcileFixture("anthropic-cost-report.json")], account: "acme", granularity: .lineItem))
            #expect(lineItems.rows.compactMap { $0.item?.description }.allSatisfy { $0.hasPrefix("claude-sonnet-4-5, ") })
            // Told to compare another provider's charges, the bill does not reconcile.
            let wrong = try fixture.ledger.reconcile(
                ReconcileRequest(costFiles: [reconcileFixture("anthropic-cost-report.json")], account: "acme", providers: ["bedrock"]))
            #expect(!wrong.summary.isReconciled && wrong.providers == ["bedrock"])
            do {
                _ = try fixture.ledger.reconcile(
                    ReconcileRequest(costFiles: [reconcileFixture("anthropic-cost-report.json")], account: "acme", providers: ["Anthropic"]))
                Issue.record("a provider name with capitals was accepted")
            } catch let error as InputError {
                #expect(error.field == "provider")
            }
        }
    }

    @Test("an Anthropic cost report that does not agree: a day a cent over, a request billed the next day")
    func costReportOff() throws {
        try withClaudeLedger { fixture in
            let report = try fixture.reconcile([reconcileFixture("anthropic-cost-report-off.json")])
            // 2025-10-01: output "3.25" cents where the ledger has $0.0225: a cent more. req-3 ($0.09,
            // 23:59:30) billed on 2025-10-03: 2025-10-02 has $0.0045 billed, 2025-10-03 $0.09.
            #expect(
                outline(report) == ["2025-10-01 mismatch 0.010000000", "2025-10-02 shifted -0.090000000", "2025-10-03 shifted 0.090000000"])
            #expect(report.rows[0].note == "the provider billed $0.01 more")
            #expect(report.rows[1].note == "req-3 ($0.09 at 2025-10-02T23:59:30Z) recorded on 2025-10-02, billed by the provider on 2025-10-03")
            #expect(report.rows[2].note == "includes req-3 ($0.09 at 2025-10-02T23:59:30Z) recorded by the ledger on 2025-10-02")
            #expect(report.summary.providerOver == (try Money(parsing: "0.01")))
            // With Anthropic's usage report: the day's tokens agree, so the prices differ.
            let explained = try fixture.reconcile(
                [reconcileFixture("anthropic-cost-report-off.json")], usage: [reconcileFixture("anthropic-usage-report.json")])
            #expect(
                explained.rows[0].note
                    == "the provider billed $0.01 more; tokens agree with the provider's usage report (input 11000, cached input 2000, cache writes 1000, output 1500): the prices differ"
            )
        }
    }

    @Test("the usage report's 1-hour cache writes are input billed at the entry's 1-hour rate")
    func usageReportOneHourWrites() throws {
        try withClaudeLedger(charged: false) { fixture in
            try fixture.ledger.setPrice(
                PriceEntry(
                    model: claude, effectiveFrom: utc(2025, 9, 30),
                    rates: [
                        RateKey(.default): TokenRates(
                            input: try perMillion("3"), cachedInput: try perMillion("0.30"), cacheWrite: try perMillion("3.75"), output: try perMillion("15"),
                            breakdown: BreakdownRates(cacheWrite1h: try perMillion("6")))
                    ]))
            var text = try String(contentsOfFile: reconcileFixture("anthropic-usage-report.json"), encoding: .utf8)
            let from = "\"ephemeral_1h_input_tokens\": 0"
            text = text.replacingOccurrences(of: from, with: "\"ephemeral_1h_input_tokens\": 50", options: [], range: text.range(of: from))
            let summary = try fixture.importUsage(try fixture.write("usage.json", text), format: .anthropicUsageReport)
            #expect(summary.charged == 3)
            // The first result: 7,000 uncached × $3 + 2,000 read × $0.30 + 1,000 5-minute writes × $3.75 + 50 1-hour writes × $6 + 500 out × $15.
            let first = try #require(
                try fixture.usageRows("input_tokens, cached_tokens, cache_write_tokens, cache_write_1h_tokens, output_tokens, cost_nanos").first)
            #expect(first == "10050 2000 1000 50 500 \(21_000_000 + 600_000 + 3_750_000 + 300_000 + 7_500_000)")
            try fixture.expectVerified()
        }
    }

    @Test("the usage report imports: input = uncached + cache reads + 5-minute writes, one request a result")
    func usageReportImport() throws {
        try withClaudeLedger(charged: false) { fixture in
            let summary = try fixture.importUsage(reconcileFixture("anthropic-usage-report.json"), format: .anthropicUsageReport)
            #expect(summary.charged == 3)
            #expect(
                try fixture.usageRows("model, service_tier, input_tokens, cached_tokens, cache_write_tokens, output_tokens, requests, project, api_key")
                    == [
                        "\(claude) default 10000 2000 1000 500 1 wrkspc_01 apikey_01", "\(claude) default 4000 0 0 1000 1 wrkspc_01 apikey_02",
                        "\(claude) default 21000 0 0 2100 1 wrkspc_01 apikey_01",
                    ])
        }
    }

    @Test(
        "the usage report refuses a result with web searches, and 1-hour cache writes its entry does not price",
        arguments: [
            (
                "\"ephemeral_1h_input_tokens\": 0", "\"ephemeral_1h_input_tokens\": 50", "data[0].results[0].cache_creation.ephemeral_1h_input_tokens",
                "the price book has no cache_write_1h price for 'claude-sonnet-4-5-20250929', and the usage has 1-hour cache write tokens, which are "
                    + "billed at their own rate; add it (`tokenledger prices set claude-sonnet-4-5-20250929 --cache-write-1h …`, or a catalog that has it)"
            ),
            (
                "\"web_search_requests\": 0", "\"web_search_requests\": 3", "data[0].results[0].server_tool_use.web_search_requests",
                "3 web searches, billed per search, which this format does not price; the row is refused rather than charged without them"
            ),
        ])
    func usageReportRefusals(_ from: String, _ to: String, _ field: String, _ reason: String) throws {
        try withClaudeLedger(charged: false) { fixture in
            var text = try String(contentsOfFile: reconcileFixture("anthropic-usage-report.json"), encoding: .utf8)
            text = text.replacingOccurrences(of: from, with: to, options: [], range: text.range(of: from))
            let path = try fixture.write("usage.json", text)
            do {
                try fixture.importUsage(path, format: .anthropicUsageReport)
                Issue.record("imported a refused row")
            } catch let error as InputError {
                #expect(error.field == field)
                #expect(error.reason == reason)
            } catch let refusal as ImportRowRefusal {
                // A row a charge rule refuses (a class its entry does not price) rather than a malformed one.
                #expect(refusal.code == "no_price_for_class")
                #expect(refusal.field == field)
                #expect(refusal.refusal.message == reason)
            }
            #expect(try fixture.usageRows("request_id").isEmpty)
        }
    }

    @Test("a FOCUS file with Bedrock Claude rows, a row of no model, a tax and a credit")
    func focusBedrock() throws {
        try withClaudeLedger { fixture in
            let file = reconcileFixture("focus-bedrock.csv")
            let byDay = try fixture.reconcile([file])
            // 2025-10-01: the ledger's $0.05985 and the four Claude rows agree; the storage row
            // ($0.0002) names no model: the provider billed $0.0002 more, not for tokens.
            // 2025-10-02, which the file does not cover, is not compared.
            #expect(outline(byDay) == ["2025-10-01 mismatch 0.000200000"])
            #expect(
                byDay.rows[0].note
                    == "the provider billed $0.0002 more; the provider's amount includes $0.0002 not for tokens ('Knowledge base vector storage')")
            #expect(
                byDay.separate.map { "\($0.day) \($0.category) \($0.provider ?? "-") \($0.description ?? "-") \($0.amount.decimalString)" } == [
                    "2025-10-01 Credit AWS Promotional credit -0.010000000", "2025-10-01 Tax AWS Sales tax 0.005100000",
                ])
            let byItem = try fixture.reconcile([file], by: .lineItem)
            #expect(
                outline(byItem).prefix(5) == [
                    "2025-10-01 \(claude), input match 0.000000000", "2025-10-01 \(claude), cached input match 0.000000000",
                    "2025-10-01 \(claude), cache writes match 0.000000000", "2025-10-01 \(claude), output match 0.000000000",
                    "2025-10-01 other missing_in_ledger 0.000200000",
                ])
            let read = try ProviderCosts.read(files: [file]) { [claude] }
            #expect(Set(read.costs.compactMap(\.provider)) == ["AWS"])
        }
    }

    @Test("export focus, then reconcile --costs with it: exact, by day and by line item")
    func focusRoundTrip() throws {
        try withClaudeLedger { fixture in
            let rows = try fixture.ledger.focusRows(account: nil, month: utc(2025, 10, 1), provider: "Anthropic")
            let path = try fixture.write("focus.csv", CSVText.render(header: FocusReport.columns, rows: rows.map { $0.map { $0 ?? "" } }) + "\n")
            for by in ReconciliationGranularity.allCases {
                let report = try fixture.reconcile([path], by: by)
                #expect(report.summary.isReconciled, "\(outline(report))")
                #expect(report.rows.allSatisfy { $0.difference == .zero })
                #expect(report.summary.providerTotal == (try Money(parsing: "0.15435")))
            }
        }
    }

    @Test("model names found in a provider's text: the longest, not inside a longer word")
    func modelNames() throws {
        try withClaudeLedger { fixture in
            let header = "BilledCost,BillingCurrency,ChargeCategory,ChargePeriodStart,ChargeDescription,SkuMeter\n"
            let path = try fixture.write(
                "f.csv",
                header + "1,USD,Usage,2025-10-01,gpt-4o-mini output tokens,\n" + "1,USD,Usage,2025-10-01,GPT-4O input tokens,\n"
                    + "1,USD,Usage,2025-10-01,gpt-4oo input,\n" + "1,USD,Usage,2025-10-01,gpt-4 input,Sku-gpt-4o-CACHE-READ\n")
            let read = try ProviderCosts.read(files: [path]) { ["gpt-4", "gpt-4o", "gpt-4o-mini"] }
            #expect(
                read.costs.map(\.item.description) == ["gpt-4o-mini, output", "gpt-4o, input", "other", "gpt-4o, cached input"])
        }
    }

    static let focusHeader = "BilledCost,BillingCurrency,ChargeCategory,ChargePeriodStart,x_Model,x_TokenClass\n"
    static func reportPage(_ result: String) -> String {
        "{\"data\": [{\"starting_at\": \"2025-10-01T00:00:00Z\", \"ending_at\": \"2025-10-02T00:00:00Z\", \"results\": [\n  \(result)\n]}], \"has_more\": false}\n"
    }

    typealias Bad = ProviderCostFileTests.Bad

    static let bad: [Bad] = [
        Bad(
            why: "a cost report amount that is not a number", name: "r.json", text: reportPage("{\"amount\": \"12,5\", \"currency\": \"USD\"}"),
            expected: "r.json:2 (data[0].results[0].amount): '12,5' is not an amount of cents: '12,5' is not a decimal number (examples: 0.000015, 2.5e-06)"),
        Bad(
            why: "a cost report in euros", name: "r.json", text: reportPage("{\"amount\": \"12.5\", \"currency\": \"EUR\"}"),
            expected: "r.json:2 (data[0].results[0].currency): the amount is in 'EUR'; the ledger counts US dollars"),
        Bad(
            why: "a cost report result without an amount", name: "r.json", text: reportPage("{\"currency\": \"USD\"}"),
            expected: "r.json:2 (data[0].results[0].amount): missing"),
        Bad(
            why: "a cost report token type unknown", name: "r.json",
            text: reportPage("{\"amount\": \"1\", \"cost_type\": \"tokens\", \"model\": \"m\", \"token_type\": \"audio_tokens\"}"),
            expected:
                "r.json:2 (data[0].results[0].token_type): 'audio_tokens' is not a token type of the cost report (cache_creation.ephemeral_5m_input_tokens, cache_read_input_tokens, output_tokens, uncached_input_tokens or cache_creation.ephemeral_1h_input_tokens)"
        ),
        Bad(
            why: "a cost report bucket with a bad time", name: "r.json",
            text: "{\"data\": [{\"starting_at\": \"2025-10-01T25:00:00Z\", \"results\": []}]}\n",
            expected:
                "r.json:1 (data[0].starting_at): '2025-10-01T25:00:00Z' is not a time: the time of day is out of range (use ISO 8601 such as 2026-10-05T12:00:00Z or 2026-10-05)"
        ),
        Bad(
            why: "a FOCUS cost that is not a number", name: "f.csv", text: focusHeader + "0.1,USD,Usage,2025-10-01,m,input\nabc,USD,Usage,2025-10-01,m,input\n",
            expected: "f.csv:3 (BilledCost): 'abc' is not an amount of dollars: 'abc' is not a decimal number (examples: 0.000015, 2.5e-06)"),
        Bad(
            why: "a FOCUS file without ChargeCategory", name: "f.csv", text: "BilledCost,BillingCurrency,ChargePeriodStart\n0.1,USD,2025-10-01\n",
            expected: "f.csv:1 (ChargeCategory): the header has no column 'ChargeCategory', which FOCUS requires"),
        Bad(
            why: "a FOCUS cost in euros", name: "f.csv", text: focusHeader + "0.1,EUR,Usage,2025-10-01,m,input\n",
            expected: "f.csv:2 (BillingCurrency): the amount is in 'EUR'; the ledger counts US dollars"),
        Bad(
            why: "a FOCUS row without a period start", name: "f.csv", text: focusHeader + "0.1,USD,Usage,,m,input\n",
            expected: "f.csv:2 (ChargePeriodStart): it is empty"),
        Bad(
            why: "a FOCUS token class unknown", name: "f.csv", text: focusHeader + "0.1,USD,Usage,2025-10-01,m,audio\n",
            expected:
                "f.csv:2 (x_TokenClass): 'audio' is not a token class (input, cached_input, cache_write, cache_write_1h, input_audio, input_image, output, output_audio, output_image)"
        ),
    ]
}

extension ProviderCostFileTests {
    @Test("bad Anthropic cost reports and FOCUS files: the file, line and field named", arguments: ReconcileProviderBillsTests.bad)
    func badBills(_ bad: Bad) throws { try badFiles(bad) }
}
