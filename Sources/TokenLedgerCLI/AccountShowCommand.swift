import ArgumentParser
import TokenLedger
import TokenLedgerCore

extension AccountCommand {
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one account's settings and balance.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The account's name.") var name: String

        func run() throws {
            guard let account = try options.openBooks().account(named: name) else { throw ChargeRefusal.unknownAccount(name) }
            options.emit(AccountCommand.render(account, title: "Account"))
        }
    }
}
