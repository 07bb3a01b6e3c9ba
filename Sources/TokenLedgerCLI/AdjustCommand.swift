import ArgumentParser
import TokenLedger
import TokenLedgerCore

/// `tokenledger adjust`: a manual credit or debit, as a new entry.
struct AdjustCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adjust",
        abstract: "Correct an account's balance by a new entry: a credit (+USD) or a debit (-USD), with a reason.",
        discussion: """
            A credit makes a grant lot that expires one year after --at. A debit draws the lots in spending order, like a \
            charge, and may go into overdraft only within the account's allowance (insufficient_balance otherwise). \
            Shown on statements under adjustments. Retrying with the same --id writes nothing.
            """)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The account.") var account: String
    @Argument(help: "The amount in USD: positive credits the account, negative debits it (-2.50).") var amount: Money
    @Option(help: "Why the books are corrected (required).") var reason: String
    @Option(help: "When (ISO 8601, UTC; default now).", transform: Parse.time) var at: Timestamp?
    @Option(help: "An idempotency key (generated when omitted).") var id: String?

    func run() throws {
        let ledger = try options.openBooks()
        options.emit(CorrectionRender.render(try ledger.adjust(AdjustmentRequest(account: account, amount: amount, reason: reason, at: at ?? now(), id: id))))
    }
}
