import ArgumentParser
import Foundation
import TokenLedger
import TokenLedgerCore

extension ExportCommand {
    /// `export focus`: a month of usage as a FinOps FOCUS cost-and-usage CSV.
    struct Focus: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "focus",
            abstract: "A month of usage and costs as a FinOps FOCUS (1.1) CSV.",
            discussion: """
                One Usage row per UTC day, account, project (SubAccountId), model, tier, price band, price and token class. \
                BilledCost and EffectiveCost are the recorded charges split by token class (they add up to the ledger's \
                charges exactly); ListCost and ContractedCost are PricingQuantity × ListUnitPrice exactly, prices per \
                1000000 Tokens. Money is exact decimal text. The CSV is printed whatever --format says, except json, which \
                prints the same rows as objects.
                """)

        @OptionGroup var options: GlobalOptions
        @Option(help: ArgumentHelp("The calendar month (UTC).", valueName: "YYYY-MM"), transform: Parse.month) var month: Timestamp
        @Option(help: "Only this account's usage (default: every account).") var account: String?
        @Option(
            help: """
                The provider's name for rows whose charges recorded no provider (charges made before providers were): \
                their ProviderName, InvoiceIssuerName and ServiceName, and PublisherName when the model does not name its maker. \
                Rows of charges that recorded a provider name it (AWS for Bedrock, Microsoft for Azure).
                """)
        var provider = FocusReport.defaultProvider

        func run() throws {
            let rows = try options.openBooks().focusRows(account: account, month: month, provider: provider)
            let table = Table(columns: FocusReport.columns, rows: rows.map { $0.map { $0 ?? "" } })
            options.emit(Rendered(json: JSONDocument.focus(month: month, rows: rows), table: table.csv(), csv: table))
        }
    }
}
