import ArgumentParser
import Foundation
import TokenLedger
import TokenLedgerCharts
import TokenLedgerCore

/// How `report monthly` prints.
enum ReportRendering {
    static let sumColumns = ["requests", "input", "cached", "cache write", "output", "cost"]

    /// The people's table: one row per group and a total row.
    static func table(_ report: MonthlyReport) -> Table {
        let keys = report.keys.map { $0.rawValue }
        func cells(_ sums: UsageSums) -> [String] {
            [sums.requests, sums.inputTokens, sums.cachedTokens, sums.cacheWriteTokens, sums.outputTokens].map(\.grouped) + [sums.cost.displayString]
        }
        var rows = report.rows.map { row in row.values.map { $0 ?? "(none)" } + cells(row.sums) }
        rows.append(["total"] + Array(repeating: "", count: keys.count - 1) + cells(report.total))
        return Table(columns: keys + sumColumns, rows: rows, rightAligned: Set(keys.count..<(keys.count + sumColumns.count)))
    }

    static func title(_ report: MonthlyReport) -> String {
        let scope = report.account.map { "account \($0)" } ?? "all accounts"
        return "Usage of \(scope), \(report.monthText), by \(report.keys.map(\.rawValue).joined(separator: ", ")): \(plural(report.rows.count, "row"))"
    }

    static func render(_ report: MonthlyReport) -> Rendered {
        let json = JSONDocument.monthlyReport(report)
        let csv = Table(
            columns: ["month"] + report.keys.map(\.fieldName) + [
                "requests", "input_tokens", "cached_tokens", "cache_write_tokens", "output_tokens", "cost_usd",
            ] + TokenBreakdown.fieldNames,
            rows: report.rows.map { row in
                [report.monthText] + row.values.map { $0 ?? "" }
                    + [row.sums.requests, row.sums.inputTokens, row.sums.cachedTokens, row.sums.cacheWriteTokens, row.sums.outputTokens].map { String($0) }
                    + [row.sums.cost.decimalString] + row.sums.breakdown.fields.map { String($0.value) }
            })
        let table = table(report)
        return Rendered(
            json: json, table: title(report) + "\n" + table.rendered(), csv: csv, markdown: "**\(Markdown.cell(title(report)))**\n\n" + table.markdown())
    }

    /// The `--html` page: key figures, the chart, the table.
    static func page(_ report: MonthlyReport, chart: String) -> String {
        let scope = report.account.map { "account \($0)" } ?? "all accounts"
        var page = HTMLPage(title: "Usage of \(scope), \(report.monthText)")
        let total = report.total
        page.figures([
            ("cost", total.cost.displayString), ("requests", total.requests.grouped), ("input tokens", total.inputTokens.grouped),
            ("cached tokens", total.cachedTokens.grouped), ("output tokens", total.outputTokens.grouped),
        ])
        page.chart(chart)
        page.heading("By \(report.keys.map(\.rawValue).joined(separator: ", "))")
        page.note("UTC calendar month; rows add up to the total exactly. Costs are exact to the nanodollar.")
        let table = table(report)
        page.table(columns: table.columns, rows: table.rows, rightAligned: table.rightAligned, totalRow: true)
        return page.rendered()
    }
}
