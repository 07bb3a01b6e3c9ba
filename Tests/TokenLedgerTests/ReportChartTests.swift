import Foundation
import Testing
import TokenLedger
import TokenLedgerCharts
import TokenLedgerCore

/// The pictures of `report monthly` and `statement`: well-formed SVG and HTML with the
/// elements a reader needs (axes, legend, marks), every name escaped.
@Suite("Report charts and HTML")
struct ReportChartTests {
    /// A month of usage over `labels` projects, one charge a day each.
    static func report(projects: Int) -> MonthlyReport {
        let month = utc(2026, 1, 1)
        var groups: [UsageGroup] = []
        for day in 0..<31 {
            for project in 0..<projects {
                let sums = UsageSums(charges: 1, requests: 1, inputTokens: 100, outputTokens: 10, cost: Money(nanos: Int64(project + 1) * 1_000_000_000))
                groups.append(
                    UsageGroup(
                        day: CalendarDay(month.plus(days: Int64(day))), model: nil, project: project == 0 ? "a <b> & c" : "p\(project)", apiKey: nil, user: nil,
                        sums: sums))
            }
        }
        return MonthlyReport(groups: groups, month: month, account: "acme", keys: [.project])
    }

    @Test("daily spend: one bar part per day and project, the legend, and the costliest nine plus other beyond ten")
    func dailySpend() throws {
        let few = try #require(ElementCounter.parse(ReportCharts.dailySpend(Self.report(projects: 3))))
        #expect(few.counts["rect"] == 1 + 31 * 3 + 3)
        #expect(few.texts.contains("a <b> & c"))
        #expect(few.texts.contains("2026-01-08"))
        #expect(few.texts.contains { $0.hasPrefix("Daily spend, 2026-01") })
        let many = try #require(ElementCounter.parse(ReportCharts.dailySpend(Self.report(projects: 14))))
        #expect(many.texts.contains("other (5)"))
        #expect(many.counts["rect"] == 1 + 31 * 10 + 10)
    }

    @Test("the statement's balance chart marks purchases and expiries; the HTML page is one well-formed document")
    func statementAndPage() throws {
        try withLedger { fixture in
            let ledger = fixture.ledger
            try StatementTests.purchaseGrantAndCharge(ledger)
            let statement = try ledger.statement(of: "acme", month: utc(2026, 1, 1), now: utc(2026, 2, 1))
            let svg = ReportCharts.balance(statement)
            let counter = try #require(ElementCounter.parse(svg))
            #expect(counter.counts["polyline"] == 1)
            #expect(counter.counts["polygon"] == 3)
            #expect(counter.texts.contains("purchase") && counter.texts.contains("grant") && counter.texts.contains("expired credit"))
            #expect(counter.texts.contains { $0.contains("expired credit -$2.00, balance $10.00") })
            var page = HTMLPage(title: "Statement <acme> & co")
            page.figures([("closing", statement.closing.displayString)])
            page.chart(svg)
            page.table(columns: ["kind", "amount"], rows: [["<script>alert(1)</script>", "$1.00"]], rightAligned: [1], totalRow: true)
            let html = page.rendered()
            #expect(!html.contains("<script>") && !html.contains("<?xml"))
            #expect(!html.contains("src=") && !html.contains("href="))
            let parsed = try #require(ElementCounter.parse(html.replacingOccurrences(of: "<!DOCTYPE html>\n", with: "")))
            #expect(parsed.counts["svg"] == 1 && parsed.counts["table"] == 1 && parsed.counts["style"] == 1 && parsed.counts["script"] == nil)
            #expect(parsed.texts.contains("Statement <acme> & co"))
        }
    }
}
