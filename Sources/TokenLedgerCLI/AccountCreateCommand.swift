import ArgumentParser
import TokenLedger
import TokenLedgerCore

extension AccountCommand {
    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account that buys and spends credit.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The account's name (1 to 256 characters; not starting with '@').") var name: String
        @Option(parsing: .unconditional, help: "The largest single card payment, in USD (at least $5).")
        var maxPurchase: Money = Credits.defaultMaximumPurchase
        @Option(parsing: .unconditional, help: "How far below zero `charge --enforce` may go, in USD.")
        var overdraft: Money = .zero
        @Option(help: "When the account was opened (ISO 8601, UTC; default now).", transform: Parse.time) var at: Timestamp?

        func run() throws {
            let ledger = try options.openBooks()
            let account = try ledger.createAccount(NewAccount(name: name, maximumPurchase: maxPurchase, overdraftAllowance: overdraft, at: at ?? now()))
            options.emit(AccountCommand.render(account, title: "Created account"))
        }
    }
}
