import ArgumentParser
import Foundation
import TokenLedger
import TokenLedgerCharts
import TokenLedgerCore

extension ReportCommand {
    /// `report monthly`: a month of usage grouped by model, project, API key, user or day.
    struct Monthly: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "monthly",
            abstract: "A calendar month (UTC) of usage: requests, tokens and cost per model, project, API key, user or day, with totals.",
            discussion: """
                --by takes one key or several (--by model,project): each row is one combination. The rows add up to the \
                total exactly. Usage without a project, API key or user shows as (none) (null in JSON). CSV prints the \
                rows only (the totals are their sums); table, markdown and json add the totals. --chart writes the \
                daily spend stacked by the --by keys as SVG; --html writes one self-contained page with the chart and the table.
                """)

        @OptionGroup var options: GlobalOptions
        @Option(help: "Only this account's usage (default: every account).") var account: String?
        @Option(help: ArgumentHelp("The calendar month (UTC; default: this month).", valueName: "YYYY-MM"), transform: Parse.month) var month: Timestamp?
        @Option(
            parsing: .singleValue,
            help: ArgumentHelp("What to group by: model, project, api-key, user, provider or day; several with commas (default: model).", valueName: "keys"))
        var by: [String] = []
        @Option(help: ArgumentHelp("Write the daily spend as an SVG chart.", valueName: "file.svg")) var chart: String?
        @Option(help: ArgumentHelp("Write a self-contained HTML page with the chart and the table.", valueName: "file.html")) var html: String?

        func validate() throws {
            _ = try keys()
            if let chart, !chart.lowercased().hasSuffix(".svg") { throw ValidationError("--chart writes SVG: name a file ending in .svg") }
        }

        /// The `--by` keys in the order given.
        func keys() throws -> [ReportKey] {
            do { return try ReportKey.keys(parsing: by, field: "--by") } catch { throw ValidationError(error.description) }
        }

        func run() throws {
            let chartFile = try OutputFile(chart, option: "--chart", what: "the chart", ledger: options.path)
            let htmlFile = try OutputFile(html, option: "--html", what: "the page", ledger: options.path)
            let report = try options.openBooks().monthlyReport(account: account, month: month ?? now(), by: try keys())
            let svg = chart != nil || html != nil ? ReportCharts.dailySpend(report) : nil
            if let chartFile, let svg { try chartFile.write(svg) }
            if let htmlFile, let svg { try htmlFile.write(ReportRendering.page(report, chart: svg)) }
            options.emit(ReportRendering.render(report))
        }
    }
}
