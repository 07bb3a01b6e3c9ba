import ArgumentParser
import TokenLedger
import TokenLedgerCore

struct GrantCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grant",
        abstract: "Record free or promotional credit, spent before purchased credit.",
        discussion: "It expires at --expires-at (default one year after --at). Retrying with the same --id writes nothing.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The account.") var account: String
    @Argument(help: "The amount in USD (12, 12.50, $12.50; at most 9 decimals).") var amount: Money
    @Option(help: "When the credit expires (ISO 8601, UTC; default one year after --at).", transform: Parse.time) var expiresAt: Timestamp?
    @Option(help: "When it was granted (default now).", transform: Parse.time) var at: Timestamp?
    @Option(help: "An idempotency key (generated when omitted).") var id: String?

    func run() throws {
        let ledger = try options.openBooks()
        let receipt = try ledger.grant(GrantRequest(account: account, amount: amount, at: at ?? now(), expiresAt: expiresAt, id: id))
        options.emit(CreditRender.render(receipt))
    }
}
