import ArgumentParser
import Foundation
import TokenLedger
import TokenLedgerCore

extension ReconciliationGranularity: ExpressibleByArgument {}

/// `tokenledger reconcile`: the provider's bill against the ledger, day by day or line item by line item.
struct ReconcileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Reconcile the provider's cost data with the ledger's usage, per UTC day or line item.",
        discussion: """
            --costs takes the provider's cost data, each file's kind told from its content: OpenAI's Costs API pages (JSON, \
            one or several files) or dashboard cost export (CSV or tab-separated); Anthropic's Admin API cost report \
            (JSON pages of /v1/organizations/cost_report; amounts in cents); or a FOCUS 1.x file (CSV with BilledCost and \
            ChargePeriodStart: AWS, Azure and Google Cloud exports, or `tokenledger export focus`). A FOCUS row's model is \
            x_Model, else the longest of the ledger's model names found in SkuMeter, ChargeDescription or ResourceName; \
            rows whose model or token class cannot be told are line items that are not tokens; charges other than Usage \
            (Tax, Credit, Adjustment, Purchase) are listed apart, not matched. Anthropic's 1-hour cache writes have no \
            class of the ledger's: they are the line item 'MODEL, cache writes (1h)', which matches nothing. The ledger side is the usage recorded on the days the costs cover, for --account \
            or for every account. Each row gets a status: match (within --tolerance, default $0.000001), mismatch, \
            missing_in_ledger, missing_at_provider, or shifted (ledger usage the provider billed on the neighbouring day; the \
            note names the requests). With --by line-item, each day is split by model and token class, as the provider's line \
            items are; line items that name no model's tokens are listed as 'other'.

            Shifts are found from the days' amounts (line items of tokens, or whole-day totals when the file has no line \
            items): moving the requests nearest midnight must leave one of the two days within the tolerance and the two \
            closer; what remains on the other day is shown as a real difference. With --by line-item, a file without line \
            items is refused (exit 1).

            --usage takes the provider's usage report (OpenAI's Usage API pages or usage export, or Anthropic's Admin API \
            usage report, /v1/organizations/usage_report/messages). Where its token counts put a \
            request near midnight on the neighbouring day, that is a shift too. On every row that does not reconcile it \
            compares token counts: the same tokens mean the prices differ (or, when requests near midnight add up to the \
            difference, that they were billed on another day), different tokens mean usage is missing or extra. Nothing is \
            written.

            Under the table, each row that does not reconcile gets its count of the ledger's charges and the \
            `tokenledger charges list` command that lists them.

            Exit 0 when every row matches or is explained, 3 otherwise (so it can run from cron), 1 for a bad file.
            """)

    @OptionGroup var options: GlobalOptions
    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("The provider's cost data files.", valueName: "file"))
    var costs: [String]
    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("The provider's usage report, to compare token counts.", valueName: "file"))
    var usage: [String] = []
    @Option(help: "The account whose usage is compared (default: every account).") var account: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("The largest difference still a match, in USD (default 0.000001).", valueName: "usd"))
    var tolerance: Money?
    @Option(help: "Compare whole days (day) or each day's line items (line-item).") var by: ReconciliationGranularity = .day
    @Option(
        name: .customLong("provider"),
        help: ArgumentHelp(
            "Compare only the charges of this provider (and those recorded without one); repeat for several. Default: the providers "
                + "the cost data names (Anthropic's cost report, FOCUS's ProviderName), else every charge.",
            valueName: "id"))
    var providers: [String] = []

    func validate() throws {
        if costs.isEmpty { throw ValidationError("--costs needs at least one file") }
        _ = try toleranceAmount()
    }

    func toleranceAmount() throws -> Money {
        guard let tolerance else { return Reconciliation.defaultTolerance }
        guard tolerance >= .zero else { throw ValidationError("--tolerance must not be negative") }
        return tolerance
    }

    func run() throws {
        let request = ReconcileRequest(
            costFiles: costs, usageFiles: usage, account: account, tolerance: try toleranceAmount(), granularity: by,
            providers: providers.isEmpty ? nil : Set(providers))
        let report = try options.openBooks().reconcile(request)
        options.emit(ReconcileRendering.render(report, request: request))
        if !report.summary.isReconciled { throw Failure.ProblemsFound() }
    }
}

/// How `reconcile` prints its report.
enum ReconcileRendering {
    static func render(_ report: ReconciliationReport, request: ReconcileRequest) -> Rendered {
        let byLineItem = report.granularity == .lineItem
        let json = JSONDocument.reconciliation(report, account: request.account)
        let columns =
            ["date"] + (byLineItem ? ["line_item"] : [])
            + ["provider_usd", "ledger_usd", "diff_usd", "shifted_usd", "unexplained_usd", "status", "note", "charges", "charges_command"]
        let csvRows = report.rows.map { row in
            [row.day.description] + (byLineItem ? [row.item?.description ?? ""] : [])
                + [row.provider, row.ledger, row.difference, row.shifted, row.unexplained].map(\.decimalString)
                + [row.status.rawValue, row.note, String(row.charges), row.chargesCommand(account: request.account) ?? ""]
        }
        return Rendered(json: json, table: table(report, request: request), csv: Table(columns: columns, rows: csvRows))
    }

    private static func table(_ report: ReconciliationReport, request: ReconcileRequest) -> String {
        let byLineItem = report.granularity == .lineItem
        let summary = report.summary
        var scope = request.account.map { "account \($0)" } ?? "every account"
        if let providers = report.providers { scope += ", charges of \(providers.sorted().joined(separator: ", ")) and of no provider" }
        var lines = [
            "Reconciled \(request.costFiles.joined(separator: ", ")) against the ledger (\(scope)), by \(report.granularity.rawValue), "
                + "tolerance \(report.tolerance.displayString).",
            "",
        ]
        let table = Table(
            columns: ["date"] + (byLineItem ? ["line item"] : []) + ["provider", "ledger", "difference", "status", "note"],
            rows: report.rows.map { row in
                [row.day.description] + (byLineItem ? [row.item?.description ?? ""] : [])
                    + [row.provider.displayString, row.ledger.displayString, row.difference.displayString, row.status.rawValue, row.note]
            },
            rightAligned: byLineItem ? [2, 3, 4] : [1, 2, 3])
        lines.append(table.rendered())
        lines.append("")
        let behind = report.rows.filter { !$0.status.isReconciled && $0.charges > 0 }
        if !behind.isEmpty {
            lines.append("The ledger's charges behind the rows that do not reconcile:")
            let commands = Table(
                columns: ["date"] + (byLineItem ? ["line item"] : []) + ["charges", "list them with"],
                rows: behind.map { row in
                    [row.day.description] + (byLineItem ? [row.item?.description ?? ""] : [])
                        + [String(row.charges), row.chargesCommand(account: request.account) ?? ""]
                },
                rightAligned: byLineItem ? [2] : [1])
            lines.append(commands.rendered())
            lines.append("")
        }
        if !report.separate.isEmpty {
            lines.append("Charges other than usage (listed, not matched with the ledger):")
            let separate = Table(
                columns: ["date", "category", "provider", "description", "amount"],
                rows: report.separate.map { [$0.day.description, $0.category, $0.provider ?? "", $0.description ?? "", $0.amount.displayString] },
                rightAligned: [4])
            lines.append(separate.rendered())
            lines.append("")
        }
        var pairs: [(String, String)] = [
            (
                "matched",
                "\(summary.matched) of \(plural(report.rows.count, "row")): \(summary.matchedAmount.displayString) of the provider's \(summary.providerTotal.displayString)"
            ),
            ("totals", "provider \(summary.providerTotal.displayString), ledger \(summary.ledgerTotal.displayString)"),
        ]
        if summary.shiftedAmount != .zero { pairs.append(("shifted", "\(summary.shiftedAmount.displayString) billed by the provider on the neighbouring day")) }
        pairs.append(("unexplained", unexplainedText(summary)))
        lines.append(keyValueLines(pairs))
        lines.append(
            summary.isReconciled
                ? "OK: every row matches or is explained."
                : "MISMATCHES: \(plural(summary.mismatched, "row")) \(summary.mismatched == 1 ? "does" : "do") not reconcile.")
        return lines.joined(separator: "\n")
    }

    private static func unexplainedText(_ summary: ReconciliationSummary) -> String {
        var parts: [String] = []
        if summary.providerOver != .zero { parts.append("the provider billed \(summary.providerOver.displayString) more than the ledger recorded") }
        if summary.ledgerOver != .zero { parts.append("the ledger recorded \(summary.ledgerOver.displayString) more than the provider billed") }
        return parts.isEmpty ? "none" : parts.joined(separator: "; ")
    }
}
