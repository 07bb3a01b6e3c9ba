import ArgumentParser
import TokenLedger
import TokenLedgerCore

struct PurchaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purchase",
        abstract: "Record a card top-up: whole cents, at least $5.00, at most the account's maximum.",
        discussion: "The credit repays any overdraft first and expires one year later. Retrying with the same --id writes nothing.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The account.") var account: String
    @Argument(help: "The amount in USD (12, 12.50, $12.50; at most 9 decimals).") var amount: Money
    @Option(help: "When it was paid (ISO 8601, UTC; default now).", transform: Parse.time) var at: Timestamp?
    @Option(help: "An idempotency key (generated when omitted).") var id: String?

    func run() throws {
        let ledger = try options.openBooks()
        let receipt = try ledger.purchase(PurchaseRequest(account: account, amount: amount, at: at ?? now(), id: id))
        options.emit(CreditRender.render(receipt))
    }
}
