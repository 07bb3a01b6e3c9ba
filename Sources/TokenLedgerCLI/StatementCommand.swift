import ArgumentParser
import Foundation
import TokenLedger
import TokenLedgerCharts
import TokenLedgerCore

/// `tokenledger statement`: an account's month, from opening to closing balance.
struct StatementCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "statement",
        abstract: "An account's calendar month (UTC): opening balance, credits, usage, expired credit, closing balance.",
        discussion: """
            opening + purchases + grants + recharges + adjustments - usage - expired = closing, exactly. Lists the month's \
            purchases, grants, auto-recharges and expiry write-offs, and the lots with what remained of them at the month's end. \
            Like balance, it first writes off lots that have expired. --chart writes the balance through the month as SVG, \
            --html a self-contained page with the chart and the tables. CSV prints the summary figures.
            """)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The account.") var account: String
    @Option(help: ArgumentHelp("The calendar month (UTC; default: this month).", valueName: "YYYY-MM"), transform: Parse.month) var month: Timestamp?
    @Option(help: "The time the statement is made (ISO 8601, UTC; default now): lots expired by then are written off.", transform: Parse.time)
    var at: Timestamp?
    @Option(help: ArgumentHelp("Write the balance through the month as an SVG chart.", valueName: "file.svg")) var chart: String?
    @Option(help: ArgumentHelp("Write a self-contained HTML page with the chart and the tables.", valueName: "file.html")) var html: String?

    func validate() throws {
        if let chart, !chart.lowercased().hasSuffix(".svg") { throw ValidationError("--chart writes SVG: name a file ending in .svg") }
    }

    func run() throws {
        let chartFile = try OutputFile(chart, option: "--chart", what: "the chart", ledger: options.path)
        let htmlFile = try OutputFile(html, option: "--html", what: "the page", ledger: options.path)
        let ledger = try options.openBooks()
        let time = at ?? now()
        let statement = try ledger.statement(of: account, month: month ?? time, now: time)
        let svg = chart != nil || html != nil ? ReportCharts.balance(statement) : nil
        if let chartFile, let svg { try chartFile.write(svg) }
        if let htmlFile, let svg { try htmlFile.write(StatementRendering.page(statement, chart: svg)) }
        options.emit(StatementRendering.render(statement))
    }
}

/// How `statement` prints.
enum StatementRendering {
    /// What each summary figure is called in the table, by its JSON field.
    static let labels = [
        "opening_usd": "opening balance", "purchases_usd": "purchases", "grants_usd": "grants", "recharges_usd": "auto-recharges",
        "adjustments_usd": "adjustments", "usage_usd": "usage", "expired_usd": "expired credit", "closing_usd": "closing balance",
    ]

    /// The summary lines: (label, JSON field, signed amount as printed), in the document's order.
    static func summary(_ statement: AccountStatement) -> [(label: String, field: String, amount: Money, text: String)] {
        JSONDocument.statementFigures(statement).map { figure in
            let amount = figure.amount
            let text: String
            switch figure.field {
            case "opening_usd", "closing_usd": text = amount.displayString
            case "usage_usd", "expired_usd": text = amount.nanos == 0 ? "$0.00" : "-" + amount.displayString
            case "adjustments_usd": text = amount.nanos >= 0 ? "+" + amount.displayString : amount.displayString
            default: text = "+" + amount.displayString
            }
            return (labels[figure.field] ?? figure.field, figure.field, amount, text)
        }
    }

    static func entriesTable(_ statement: AccountStatement) -> Table {
        Table(
            columns: ["time", "kind", "id", "amount", "balance after"],
            rows: statement.entries.map { entry in
                [
                    entry.at.iso8601, entry.kind.rawValue, entry.reference ?? "", (entry.amount.nanos > 0 ? "+" : "") + entry.amount.displayString,
                    entry.balanceAfter.displayString,
                ]
            }, rightAligned: [3, 4])
    }

    static func lotsTable(_ statement: AccountStatement) -> Table {
        Table(
            columns: ["kind", "original", "remaining", "created", "expires"],
            rows: statement.lots.map { lot in
                [lot.kind.rawValue, lot.original.displayString, lot.remaining.displayString, lot.createdAt.iso8601, lot.expiresAt.iso8601]
            }, rightAligned: [1, 2])
    }

    static func render(_ statement: AccountStatement) -> Rendered {
        let figures = summary(statement)
        let shown = figures.filter { $0.field != "adjustments_usd" || $0.amount.nanos != 0 }
        var text = "Statement of \(statement.account), \(statement.monthText)\n" + keyValueLines(shown.map { ($0.label, $0.text) })
        text += "\n\nEntries (purchases, grants, recharges, expiries, corrections)\n"
        text += statement.entries.isEmpty ? "none" : entriesTable(statement).rendered()
        text += "\n\nLots at the end of the month\n" + (statement.lots.isEmpty ? "none" : lotsTable(statement).rendered())
        for failed in statement.failedRecharges {
            text += "\nfailed recharge at \(failed.at.iso8601): \(failed.amount) (\(failed.failure)), nothing added"
        }
        for alert in statement.alerts {
            text += "\nalert at \(alert.at.iso8601): \(alert.code), month-to-date \(alert.monthToDate) reached \(alert.limit)"
        }
        let json = JSONDocument.statement(statement)
        let csv = Table(
            columns: ["account", "month"] + figures.map(\.field),
            rows: [[statement.account, statement.monthText] + figures.map(\.amount.decimalString)])
        return Rendered(json: json, table: text, csv: csv)
    }

    /// The `--html` page: the summary figures, the chart, the entries and the lots.
    static func page(_ statement: AccountStatement, chart: String) -> String {
        var page = HTMLPage(title: "Statement of \(statement.account), \(statement.monthText)")
        page.figures(
            summary(statement).filter { $0.field != "adjustments_usd" || $0.amount.nanos != 0 }.map { ($0.label, $0.text) })
        page.chart(chart)
        page.heading("Entries")
        let entries = entriesTable(statement)
        if statement.entries.isEmpty {
            page.note("No purchases, grants, recharges or expiries this month.")
        } else {
            page.table(columns: entries.columns, rows: entries.rows, rightAligned: entries.rightAligned)
        }
        page.heading("Lots at the end of the month")
        let lots = lotsTable(statement)
        if statement.lots.isEmpty { page.note("No lots.") } else { page.table(columns: lots.columns, rows: lots.rows, rightAligned: lots.rightAligned) }
        page.note("UTC calendar month. opening + credits + adjustments − usage − expired = closing, exactly.")
        return page.rendered()
    }
}
