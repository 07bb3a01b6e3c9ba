import ArgumentParser
import TokenLedger
import TokenLedgerCore

struct AccountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account", abstract: "Create, list and show accounts.",
        subcommands: [Create.self, List.self, Show.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account that buys and spends credit.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The account's name (1 to 256 characters; not starting with '@').") var name: String
        @Option(help: "The largest single card payment, in USD (default $100, at least $5).", transform: Parse.money)
        var maxPurchase: Money = Credits.defaultMaximumPurchase
        @Option(help: "How far below zero `charge --enforce` may go, in USD (default 0).", transform: Parse.money)
        var overdraft: Money = .zero
        @Option(help: "When the account was opened (ISO 8601, UTC; default now).", transform: Parse.time) var at: Timestamp?

        func run() throws {
            let ledger = try options.open()
            let account = try ledger.createAccount(NewAccount(name: name, maximumPurchase: maxPurchase, overdraftAllowance: overdraft, at: at ?? now()))
            options.emit(AccountCommand.render(account, title: "Created account"))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the accounts with their balances.")

        @OptionGroup var options: GlobalOptions

        func run() throws {
            let accounts = try options.open().accounts()
            let table = Table(
                columns: ["account", "balance", "max purchase", "overdraft allowance", "created"],
                rows: accounts.map {
                    [$0.name, $0.balance.displayString, $0.maximumPurchase.displayString, $0.overdraftAllowance.displayString, $0.createdAt.iso8601]
                }, rightAligned: [1, 2, 3])
            options.emit(Rendered(
                json: .object([("accounts", .array(accounts.map(AccountCommand.json)))]),
                table: accounts.isEmpty ? "No accounts yet: create one with `tokenledger account create NAME`." : table.rendered(),
                csv: Table(columns: ["account", "balance_usd", "max_purchase_usd", "overdraft_usd", "created_at"],
                           rows: accounts.map { [$0.name, $0.balance.decimalString, $0.maximumPurchase.decimalString, $0.overdraftAllowance.decimalString, $0.createdAt.iso8601] })))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one account's settings and balance.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The account's name.") var name: String

        func run() throws {
            guard let account = try options.open().account(named: name) else { throw ChargeRefusal.unknownAccount(name) }
            options.emit(AccountCommand.render(account, title: "Account"))
        }
    }

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
            table: "\(title) \(account.name)\n" + keyValueLines([
                ("balance", account.balance.displayString), ("max purchase", account.maximumPurchase.displayString),
                ("overdraft allowance", account.overdraftAllowance.displayString), ("created", account.createdAt.iso8601),
            ]))
    }
}
