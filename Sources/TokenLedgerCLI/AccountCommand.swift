import ArgumentParser
import TokenLedger
import TokenLedgerCore

struct AccountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account", abstract: "Create, list and show accounts.",
        subcommands: [Create.self, List.self, Show.self])

    static func json(_ account: Account) -> JSON {
        .object([
            ("account", .string(account.name)), ("balance_usd", .money(account.balance)),
            ("max_purchase_usd", .money(account.maximumPurchase)), ("overdraft_usd", .money(account.overdraftAllowance)),
            ("created_at", .time(account.createdAt)),
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
