import Foundation
import Testing
import TokenLedger
import TokenLedgerCore

// Reconciliation through the library: the provider's files read exactly, the ledger's side
// split by token class, and realistic cases end to end on a real ledger file.

/// The shared reconciliation fixtures (`Tests/Fixtures/reconcile`).
let reconcileFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/reconcile")

/// A provider usage export: 2026-01-05 and -06 with usage, -07 an empty bucket.
let usageExport = (try? String(contentsOf: reconcileFixtures.appendingPathComponent("usage-export.csv"), encoding: .utf8)) ?? ""

/// The provider's cost export for the same days (amounts printed as floats): its header and rows.
let costExportFile = (try? String(contentsOf: reconcileFixtures.appendingPathComponent("cost-export.csv"), encoding: .utf8)) ?? ""
let costExportHeader = costExportFile.split(separator: "\n").first.map { $0 + "\n" } ?? ""
let costExportLines = costExportFile.split(separator: "\n").dropFirst().map(String.init)

extension LedgerFixture {
    /// The snapshot models the exports name, at OpenAI's prices.
    func addSnapshotPrices() throws {
        for (model, input, cached, output) in [("gpt-4o-2024-08-06", "2.50", "1.25", "10"), ("gpt-4o-mini-2024-07-18", "0.15", "0.075", "0.60")] {
            try ledger.setPrice(
                PriceEntry(
                    model: model, effectiveFrom: utc(2024, 7, 1),
                    rates: [RateKey(.default): TokenRates(input: try perMillion(input), cachedInput: try perMillion(cached), output: try perMillion(output))]))
        }
    }

    /// The usage export imported into `acme`.
    func importUsageExport() throws {
        try addSnapshotPrices()
        try importUsage(try write("usage.csv", usageExport), format: .openAIUsageExport)
    }

    /// `req-late`: 1000 input and 100 output tokens of gpt-4o-2024-08-06 ($0.0035) at 23:59:30 on 2026-01-05.
    func chargeLateRequest() throws {
        _ = try ledger.charge(
            ChargeRequest(
                account: "acme", model: "gpt-4o-2024-08-06", input: 1_000, output: 100, requestID: "req-late", at: utc(2026, 1, 5, 23, 59, 30)))
    }

    func reconcile(_ costs: [String], usage: [String] = [], by granularity: ReconciliationGranularity = .day) throws -> ReconciliationReport {
        try ledger.reconcile(ReconcileRequest(costFiles: costs, usageFiles: usage, account: "acme", granularity: granularity))
    }
}

/// Rows as `date [line item] status diff`.
func outline(_ report: ReconciliationReport) -> [String] {
    report.rows.map { row in
        [row.day.description, row.item?.description, row.status.rawValue, row.difference.decimalString].compactMap { $0 }.joined(separator: " ")
    }
}

@Suite("Reconcile: provider files")
struct ProviderCostFileTests {
    @Test(
        "line items",
        arguments: [
            ("gpt-4o-2024-08-06, input", "gpt-4o-2024-08-06, input"),
            ("gpt-4o-mini-2024-07-18, cached input", "gpt-4o-mini-2024-07-18, cached input"),
            ("gpt-4.1-2025-04-14, output", "gpt-4.1-2025-04-14, output"),
            ("claude-x, cache writes", "claude-x, cache writes"),
            ("priority | gpt-5, output, long context", "priority | gpt-5, output, long context"),
            ("Batch | o3 , Input", "batch | o3, input"),
            ("gpt-4o, output, flex", "flex | gpt-4o, output"),
            ("web search tool calls", "other"),
            ("gpt-4o, images", "other"),
            ("gpt-realtime-2025-08-28, audio input", "gpt-realtime-2025-08-28, audio input"),
            ("gpt-realtime, input audio", "gpt-realtime, audio input"),
            ("gpt-image-1, image output", "gpt-image-1, image output"),
            ("claude-x, 1h cache writes", "claude-x, 1h cache writes"),
            ("turbo | gpt-4o, input", "other"),
            ("gpt-4o, input, weekend rate", "other"),
            ("", "other"),
        ])
    func lineItems(_ text: String, _ expected: String) {
        #expect(LineItem(parsing: text).description == expected)
    }

    @Test("the real Costs API example: one bucket, an amount without a line item")
    func realExample() throws {
        let costs = try ProviderCosts.read(files: [sharedData.appendingPathComponent("openai/example_response_costs.json").path])
        #expect(costs.days == [CalendarDay(utc(2024, 11, 1))])
        #expect(costs.costs == [ProviderCost(day: CalendarDay(utc(2024, 11, 1)), item: .other, text: nil, amountPicos: 60_000_000_000)])
    }

    @Test("cost export: float text read exactly, empty days covered, ISO columns, tab-separated")
    func costExport() throws {
        try withScratchDirectory { directory in
            let comma = directory.path("costs.csv")
            try Data((costExportHeader + costExportLines.joined(separator: "\n")).utf8).write(to: URL(fileURLWithPath: comma))
            let tabs = directory.path("costs.tsv")
            let tsv = """
                start_time_iso\tend_time_iso\tamount_value\tline_item
                2026-01-05T00:00:00Z\t2026-01-06T00:00:00Z\t0.5617712500000000\tgpt-4o-2024-08-06, input
                2026-01-06T00:00:00Z\t2026-01-07T00:00:00Z\t\t

                """
            try Data(tsv.utf8).write(to: URL(fileURLWithPath: tabs))
            let read = try ProviderCosts.read(files: [comma])
            #expect(read.days == [CalendarDay(utc(2026, 1, 5)), CalendarDay(utc(2026, 1, 6)), CalendarDay(utc(2026, 1, 7))])
            #expect(read.costs.map(\.amountPicos) == [145_500_000_000, 1_250_000_000, 8_000_000_000, 15_000_000_000, 1_500_000_000, 1_800_000_000])
            let tab = try ProviderCosts.read(files: [tabs])
            #expect(tab.costs.map(\.amountPicos) == [561_771_250_000])
            #expect(tab.days.count == 2)
        }
    }

    @Test("Costs API pages split over several files are read together")
    func pages() throws {
        try withScratchDirectory { directory in
            func page(_ start: Int, _ amount: String, more: Bool) -> String {
                """
                {"object": "page", "data": [{"object": "bucket", "start_time": \(start), "end_time": \(start + 86_400), "results": [
                  {"object": "organization.costs.result", "amount": {"value": \(amount), "currency": "usd"}, "line_item": "gpt-4o, output", "project_id": null}
                ]}], "has_more": \(more), "next_page": \(more ? "\"page_2\"" : "null")}
                """
            }
            let first = directory.path("page1.json"), second = directory.path("page2.json")
            try Data(page(1_767_571_200, "0.1", more: true).utf8).write(to: URL(fileURLWithPath: first))
            try Data((page(1_767_657_600, "2.5e-06", more: false) + "\n" + page(1_767_744_000, "0", more: false)).utf8).write(to: URL(fileURLWithPath: second))
            let read = try ProviderCosts.read(files: [first, second])
            #expect(read.days.count == 3)
            #expect(read.costs.map(\.amountPicos) == [100_000_000_000, 2_500_000, 0])
        }
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        var why: String
        var name: String
        var text: String
        var expected: String
        var testDescription: String { why }
    }

    static let bad: [Bad] = [
        Bad(
            why: "an amount that is not a number", name: "c.csv", text: "start_time,amount_value\n1767571200,0.1\n1767571200,ten\n",
            expected: "c.csv:3 (amount_value): 'ten' is not an amount of dollars: 'ten' is not a decimal number (examples: 0.000015, 2.5e-06)"),
        Bad(
            why: "no amount column", name: "c.csv", text: "start_time,cost\n1767571200,0.1\n",
            expected: "c.csv:1 (amount_value): the header has no column 'amount_value'"),
        Bad(
            why: "no start column", name: "c.csv", text: "day,amount_value\n2026-01-05,0.1\n",
            expected: "c.csv:1 (start_time): the header has no column 'start_time' or 'start_time_iso'"),
        Bad(
            why: "a bad time", name: "c.csv", text: "start_time,amount_value\n2026-13-05,0.1\n",
            expected: "c.csv:2 (start_time): '2026-13-05' is not a time: the month must be 01 to 12 (use ISO 8601 such as 2026-10-05T12:00:00Z or 2026-10-05)"),
        Bad(
            why: "another currency", name: "c.csv", text: "start_time,amount_value,amount_currency\n1767571200,0.1,eur\n",
            expected: "c.csv:2 (amount_currency): the amount is in 'eur'; the ledger counts US dollars"),
        Bad(
            why: "a short row", name: "c.csv", text: "start_time,amount_value,line_item\n1767571200,0.1\n",
            expected: "c.csv:2: expected 3 fields as in the header, found 2"),
        Bad(
            why: "a bucket ending before it starts", name: "c.csv", text: "start_time,end_time,amount_value\n1767571200,1767484800,0.1\n",
            expected: "c.csv:2 (end_time): the bucket ends (2026-01-04T00:00:00Z) before it starts (2026-01-05T00:00:00Z)"),
        Bad(
            why: "a page without data", name: "p.json", text: "{\"object\": \"page\"}\n",
            expected: "p.json:1 (data): missing: a page has a data array of buckets"),
        Bad(
            why: "a result without an amount", name: "p.json",
            text: "{\"data\": [{\"start_time\": 1767571200, \"results\": [\n  {\"line_item\": \"gpt-4o, input\"}\n]}]}\n",
            expected: "p.json:2 (data[0].results[0].amount): missing"),
        Bad(
            why: "an amount that is a boolean", name: "p.json",
            text: "{\"data\": [{\"start_time\": 1767571200, \"results\": [\n  {\"amount\": {\"value\": true}}\n]}]}\n",
            expected: "p.json:2 (data[0].results[0].amount.value): expected a number, found a boolean"),
        Bad(
            why: "broken JSON", name: "p.json", text: "{\"data\": [\n{\"start_time\": 17675712\n",
            expected: "p.json:1: the file ends inside the JSON value that starts here"),
    ]

    @Test("bad files: the file, line and field named", arguments: bad)
    func badFiles(_ bad: Bad) throws {
        try withScratchDirectory { directory in
            let path = directory.path(bad.name)
            try Data(bad.text.utf8).write(to: URL(fileURLWithPath: path))
            do {
                _ = try ProviderCosts.read(files: [path])
                Issue.record("read a bad file")
            } catch let error as InputError {
                #expect(error.description.replacingOccurrences(of: directory.url.path + "/", with: "") == bad.expected)
            }
        }
    }
}

@Suite("Reconcile: against the ledger")
struct ReconcileLedgerTests {
    func costs(_ fixture: LedgerFixture, _ lines: [String], name: String = "costs.csv") throws -> String {
        try fixture.write(name, costExportHeader + lines.joined(separator: "\n") + "\n")
    }

    @Test("import the provider's usage export, reconcile with its cost export: every day agrees to the nanodollar")
    func exactMatch() throws {
        try withImportLedger { fixture in
            try fixture.importUsageExport()
            for by in ReconciliationGranularity.allCases {
                let report = try fixture.reconcile([try costs(fixture, costExportLines)], by: by)
                #expect(report.summary.isReconciled, "\(outline(report))")
                #expect(report.rows.allSatisfy { $0.difference == .zero })
                #expect(report.summary.providerTotal == Money(nanos: 173_050_000))
            }
            #expect(
                outline(try fixture.reconcile([try costs(fixture, costExportLines)])) == [
                    "2026-01-05 match 0.000000000", "2026-01-06 match 0.000000000", "2026-01-07 match 0.000000000",
                ])
        }
    }

    @Test("a request near midnight billed the next day is shifted, and named")
    func dayBoundaryShift() throws {
        try withImportLedger { fixture in
            try fixture.importUsageExport()
            try fixture.chargeLateRequest()
            // The provider billed the late request ($0.0025 input, $0.001 output) on the 6th.
            var lines = costExportLines
            lines.insert("1767657600,1767744000,0.0025,usd,\"gpt-4o-2024-08-06, input\",proj_a,org_1,Alpha,Org", at: 3)
            lines.insert("1767657600,1767744000,0.001,usd,\"gpt-4o-2024-08-06, output\",proj_a,org_1,Alpha,Org", at: 3)
            let file = try costs(fixture, lines)
            let report = try fixture.reconcile([file])
            #expect(outline(report) == ["2026-01-05 shifted -0.003500000", "2026-01-06 shifted 0.003500000", "2026-01-07 match 0.000000000"])
            #expect(report.rows[0].note == "req-late ($0.0035 at 2026-01-05T23:59:30Z) recorded on 2026-01-05, billed by the provider on 2026-01-06")
            #expect(report.summary.isReconciled)
            let byItem = try fixture.reconcile([file], by: .lineItem)
            #expect(byItem.summary.isReconciled, "\(outline(byItem))")
            #expect(
                outline(byItem).filter { $0.contains("shifted") } == [
                    "2026-01-05 gpt-4o-2024-08-06, input shifted -0.002500000", "2026-01-05 gpt-4o-2024-08-06, output shifted -0.001000000",
                    "2026-01-06 gpt-4o-2024-08-06, input shifted 0.002500000", "2026-01-06 gpt-4o-2024-08-06, output shifted 0.001000000",
                ])
        }
    }

    @Test("the dashboard's export pair without line items: the late request found by the usage report, the rest named")
    func dayTotalsWithUsageReport() throws {
        try withImportLedger { fixture in
            try fixture.importUsageExport()
            try fixture.chargeLateRequest()
            let days = reconcileFixtures.appendingPathComponent("cost-export-days.csv").path
            let billed = reconcileFixtures.appendingPathComponent("usage-export-days-billed.csv").path
            // Day totals alone cannot tell the late request from the 5th's tool calls.
            var report = try fixture.reconcile([days])
            #expect(report.summary.shiftedAmount == .zero)
            // The usage report counts it on the 6th: a shift, and what remains on each day is unexplained.
            report = try fixture.reconcile([days], usage: [billed])
            #expect(outline(report) == ["2026-01-05 mismatch 0.026500000", "2026-01-06 mismatch 0.005000000", "2026-01-07 missing_in_ledger 0.010000000"])
            #expect(report.rows.map(\.shifted) == [Money(nanos: -3_500_000), Money(nanos: 3_500_000), .zero])
            #expect(report.rows.map(\.unexplained) == [Money(nanos: 30_000_000), Money(nanos: 1_500_000), Money(nanos: 10_000_000)])
            #expect(report.rows[0].note.hasPrefix("req-late ($0.0035 at 2026-01-05T23:59:30Z) recorded on 2026-01-05, billed by the provider on 2026-01-06"))
            #expect(
                report.rows[1].note.hasSuffix(
                    "tokens agree with the provider's usage report (input 101000, cached input 20000, output 3100): "
                        + "the prices differ, or the provider billed for something other than tokens (the file has no line items)"))
            // Each row counts its charges and names the command that lists them.
            #expect(report.rows.map(\.charges) == [2, 1, 0])
            #expect(report.rows[0].chargesCommand(account: "acme") == "tokenledger charges list --account acme --from 2026-01-05 --to 2026-01-06")
            #expect(report.rows[2].chargesCommand(account: "acme") == nil)
            // Names a shell would split or expand are quoted.
            #expect(
                report.rows[0].chargesCommand(account: "Acme's team")
                    == #"tokenledger charges list --account 'Acme'\''s team' --from 2026-01-05 --to 2026-01-06"#)
            let byItem = try fixture.reconcile([try costs(fixture, costExportLines)], by: .lineItem)
            #expect(byItem.rows[0].chargesCommand(account: nil) == "tokenledger charges list --from 2026-01-05 --to 2026-01-06 --model gpt-4o-2024-08-06")
            #expect(byItem.rows.map(\.charges).reduce(0, +) == 8)
            // By line item, a file without line items is refused, naming why.
            #expect(importFailure { _ = try fixture.reconcile([days], by: .lineItem) } == "bad_input line - (line_item)")
        }
    }

    @Test("a day billed with no usage, usage never billed, an unparsed line item")
    func missing() throws {
        try withImportLedger { fixture in
            try fixture.importUsageExport()
            var lines = Array(costExportLines[0..<3])  // the 6th is not billed
            lines.append("1767571200,1767657600,0.03,usd,web search tool calls,proj_a,org_1,Alpha,Org")
            lines.append("1767744000,1767830400,0.01,usd,\"gpt-4o-2024-08-06, input\",proj_a,org_1,Alpha,Org")
            let file = try costs(fixture, lines)
            #expect(
                outline(try fixture.reconcile([file])) == [
                    "2026-01-05 mismatch 0.030000000", "2026-01-06 missing_at_provider -0.018300000", "2026-01-07 missing_in_ledger 0.010000000",
                ])
            let byItem = try fixture.reconcile([file], by: .lineItem)
            #expect(
                outline(byItem).filter { !$0.contains(" match ") } == [
                    "2026-01-05 other missing_in_ledger 0.030000000",
                    "2026-01-06 gpt-4o-mini-2024-07-18, input missing_at_provider -0.015000000",
                    "2026-01-06 gpt-4o-mini-2024-07-18, cached input missing_at_provider -0.001500000",
                    "2026-01-06 gpt-4o-mini-2024-07-18, output missing_at_provider -0.001800000",
                    "2026-01-07 gpt-4o-2024-08-06, input missing_in_ledger 0.010000000",
                ])
            #expect(byItem.rows.first { $0.item == .other }?.note == "the ledger has no usage for it; not read as tokens: 'web search tool calls'")
            #expect(byItem.summary.providerOver == Money(nanos: 40_000_000) && byItem.summary.ledgerOver == Money(nanos: 18_300_000))
        }
    }

    @Test("a price difference: the provider's usage report shows the tokens agree")
    func priceDifference() throws {
        try withImportLedger { fixture in
            try fixture.importUsageExport()
            var lines = costExportLines
            lines[1] = "1767571200,1767657600,0.0025,usd,\"gpt-4o-2024-08-06, cached input\",proj_a,org_1,Alpha,Org"  // cached billed at $2.50
            let file = try costs(fixture, lines)
            let usage = try fixture.write("provider-usage.csv", usageExport)
            let report = try fixture.reconcile([file], usage: [usage], by: .lineItem)
            let row = try #require(report.rows.first { $0.status != .match })
            #expect(row.item?.description == "gpt-4o-2024-08-06, cached input")
            #expect(row.note == "the provider billed $0.00125 more; tokens agree with the provider's usage report (cached input 1000): the prices differ")
            // Usage the ledger lacks: its tokens differ from the report.
            let more = try fixture.write("more-usage.csv", usageExport.replacingOccurrences(of: "59200.0", with: "69200.0"))
            let day = try fixture.reconcile([file], usage: [more])
            #expect(day.rows[0].note.hasSuffix("tokens differ from the provider's usage report: input 58200 in the ledger, 68200 reported"))
        }
    }

    @Test("the ledger's class shares add up to its charges exactly, and the FOCUS rows to the same")
    func sharesAddUp() throws {
        try withImportLedger { fixture in
            try fixture.importUsageExport()
            var random = SplitMix64(seed: 11)
            for index in 0..<200 {
                let input = Int64.random(in: 1...50_000, using: &random)
                _ = try fixture.ledger.charge(
                    ChargeRequest(
                        account: "acme", model: ["gpt-4o", "o3", "gpt-4o-mini"][index % 3], tier: index % 5 == 0 ? .flex : .default, input: input,
                        cached: Int64.random(in: 0...input, using: &random), output: Int64.random(in: 0...3_000, using: &random),
                        requestID: "r-\(index)", at: utc(2026, 1, 5).plus(minutes: Int64(index * 17))))
            }
            let recorded = try fixture.raw.int("SELECT sum(cost_nanos) FROM usage")
            let data = try fixture.ledger.reconciliationData(account: "acme", from: utc(2026, 1, 1), to: utc(2026, 2, 1))
            #expect(data.costs.reduce(Money.zero) { $0 + $1.amount }.nanos == recorded)
            let focus = try fixture.ledger.focusUsage(account: nil, from: utc(2026, 1, 1), to: utc(2026, 2, 1))
            #expect(focus.reduce(Money.zero) { $0 + $1.billed }.nanos == recorded)
            #expect(focus.reduce(0) { $0 + $1.tokens } == (try fixture.raw.int("SELECT sum(input_tokens + output_tokens) FROM usage")))
            #expect(try fixture.ledger.focusUsage(account: "acme", from: utc(2026, 2, 1), to: utc(2026, 3, 1)).isEmpty)
        }
    }

    @Test("refusals and bad input: an unknown account, cost files without a bucket")
    func refusals() throws {
        try withImportLedger { fixture in
            let file = try fixture.write("costs.csv", costExportHeader + costExportLines[0] + "\n")
            #expect(outcome { _ = try fixture.ledger.reconcile(ReconcileRequest(costFiles: [file], account: "nobody")) } == "unknown_account")
            let empty = try fixture.write("empty.json", "{\"object\": \"page\", \"data\": [], \"has_more\": false}\n")
            #expect(importFailure { _ = try fixture.reconcile([empty]) } == "bad_input line - (-)")
        }
    }
}
