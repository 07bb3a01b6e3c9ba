import ArgumentParser
import TokenLedger
import TokenLedgerCore

/// `tokenledger refund`: unspent purchased credit taken back.
struct RefundCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refund",
        abstract: "Take back unspent credit of a purchase (all that remains of its lot by default), never more than remains.",
        discussion: "Shown on statements under adjustments. Retrying with the same --id writes nothing.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The id the purchase was recorded under.") var purchaseID: String
    @Argument(help: "The amount in USD (default: all that remains of the purchase).") var amount: Money?
    @Option(help: "When (ISO 8601, UTC; default now).", transform: Parse.time) var at: Timestamp?
    @Option(help: "An idempotency key (generated when omitted).") var id: String?

    func run() throws {
        let ledger = try options.openBooks()
        options.emit(CorrectionRender.render(try ledger.refund(RefundRequest(purchaseID: purchaseID, amount: amount, at: at ?? now(), id: id))))
    }
}
