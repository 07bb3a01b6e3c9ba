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
    @Argument(help: "The amount in USD (12, 12.50, $12.50).", transform: Parse.money) var amount: Money
    @Option(help: "When it was paid (ISO 8601, UTC; default now).", transform: Parse.time) var at: Timestamp?
    @Option(help: "An idempotency key (generated when omitted).") var id: String?

    func run() throws {
        let ledger = try options.open()
        let receipt = try ledger.purchase(PurchaseRequest(account: account, amount: amount, at: at ?? now(), id: id))
        options.emit(CreditRender.render(receipt))
    }
}

struct GrantCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grant",
        abstract: "Record free or promotional credit, spent before purchased credit.",
        discussion: "It expires at --expires-at (default one year after --at). Retrying with the same --id writes nothing.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The account.") var account: String
    @Argument(help: "The amount in USD.", transform: Parse.money) var amount: Money
    @Option(help: "When the credit expires (ISO 8601, UTC; default one year after --at).", transform: Parse.time) var expiresAt: Timestamp?
    @Option(help: "When it was granted (default now).", transform: Parse.time) var at: Timestamp?
    @Option(help: "An idempotency key (generated when omitted).") var id: String?

    func run() throws {
        let ledger = try options.open()
        let receipt = try ledger.grant(GrantRequest(account: account, amount: amount, at: at ?? now(), expiresAt: expiresAt, id: id))
        options.emit(CreditRender.render(receipt))
    }
}

enum CreditRender {
    static func render(_ receipt: CreditReceipt) -> Rendered {
        var lines: [(String, String)] = [
            ("id", receipt.id), ("amount", receipt.amount.displayString), ("balance", receipt.balance.displayString),
            ("expires", receipt.expiresAt.iso8601),
        ]
        if receipt.repaid.nanos > 0 { lines.insert(("repaid overdraft", receipt.repaid.displayString), at: 2) }
        let title = receipt.duplicate
            ? "Already recorded (same id and content): nothing written."
            : "Recorded \(receipt.kind == .purchase ? "purchase" : "grant") of \(receipt.amount) for \(receipt.account) at \(receipt.at.iso8601)."
        return Rendered(
            json: .object([
                ("id", .string(receipt.id)), ("kind", .string(receipt.kind.rawValue)), ("account", .string(receipt.account)),
                ("amount_usd", .money(receipt.amount)), ("balance_usd", .money(receipt.balance)), ("repaid_usd", .money(receipt.repaid)),
                ("at", .time(receipt.at)), ("expires_at", .time(receipt.expiresAt)), ("duplicate", .bool(receipt.duplicate)),
            ]),
            table: title + "\n" + keyValueLines(lines))
    }
}
