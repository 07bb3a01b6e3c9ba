import ArgumentParser
import TokenLedger
import TokenLedgerCore

extension AccountCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the accounts with their balances.")

        @OptionGroup var options: GlobalOptions

        func run() throws {
            let accounts = try options.openBooks().accounts()
            let table = Table(
                columns: ["account", "balance", "max purchase", "overdraft allowance", "created"],
                rows: accounts.map {
                    [$0.name, $0.balance.displayString, $0.maximumPurchase.displayString, $0.overdraftAllowance.displayString, $0.createdAt.iso8601]
                }, rightAligned: [1, 2, 3])
            options.emit(
                Rendered(
                    json: .object([("accounts", .array(accounts.map(AccountCommand.json)))]),
                    table: accounts.isEmpty ? "No accounts yet: create one with `tokenledger account create NAME`." : table.rendered(),
                    csv: Table(
                        // overdraft_usd (deprecated) is the allowance; overdraft_allowance_usd, appended, names it.
                        columns: ["account", "balance_usd", "max_purchase_usd", "overdraft_usd", "created_at", "overdraft_allowance_usd"],
                        rows: accounts.map {
                            [
                                $0.name, $0.balance.decimalString, $0.maximumPurchase.decimalString, $0.overdraftAllowance.decimalString,
                                $0.createdAt.iso8601, $0.overdraftAllowance.decimalString,
                            ]
                        })))
        }
    }
}
