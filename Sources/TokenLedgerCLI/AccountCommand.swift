import ArgumentParser
import TokenLedger
import TokenLedgerCore

struct AccountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account", abstract: "Create, list and show accounts.",
        subcommands: [Create.self, List.self, Show.self])

    /// An account's settings and balance. `overdraft_allowance_usd` is how far below zero an
    /// enforced charge may go; `overdraft_usd`, the same figure, is kept for one release for the
    /// scripts that read it (deprecated: in a charge, `overdraft_usd` is the amount owed).
    static func json(_ account: Account) -> JSON {
        .object([
            ("account", .string(account.name)), ("balance_usd", .money(account.balance)),
            ("max_purchase_usd", .money(account.maximumPurchase)), ("overdraft_allowance_usd", .money(account.overdraftAllowance)),
            ("overdraft_usd", .money(account.overdraftAllowance)), ("created_at", .time(account.createdAt)),
        ])
    }

    static func render(_ account: Account, title: String) -> Rendered {
        Rendered(
            json: json(account),
            table: "\(title) \(account.name)\n"
                + keyValueLines([
                    ("balance", account.balance.displayString), ("max purchase", account.maximumPurchase.displayString),
                    ("overdraft allowance", account.overdraftAllowance.displayString), ("created", account.createdAt.iso8601),
                ]))
    }
}
