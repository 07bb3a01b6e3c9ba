import ArgumentParser
import TokenLedger
import TokenLedgerCore

struct LowBalanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "low-balance",
        abstract: "Set an account's low-balance threshold (USD), or --off; with neither, show it.",
        discussion: """
            A low_balance event (a webhook, and `tokenledger events list`) fires when an operation leaves the account's \
            credit (balance plus overdraft allowance) below the threshold, once: it fires again only after the credit \
            has been back at or above the threshold. Setting a threshold fires nothing.
            """)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The account.") var account: String
    @Argument(help: "The threshold (USD).") var threshold: Money?
    @Flag(help: "Remove the threshold.") var off = false

    func validate() throws {
        if off, threshold != nil { throw ValidationError("--off takes no threshold") }
    }

    func run() throws {
        let ledger = try options.openBooks()
        let watch: LowBalanceWatch?
        if off {
            watch = try ledger.setLowBalanceThreshold(account: account, threshold: nil)
        } else if let threshold {
            watch = try ledger.setLowBalanceThreshold(account: account, threshold: threshold)
        } else {
            watch = try ledger.lowBalanceWatch(account: account)
        }
        options.emit(
            Rendered(
                json: .object([
                    ("account", .string(account)), ("armed", watch.map { .bool($0.armed) } ?? .null),
                    ("threshold_usd", watch.map { .money($0.threshold) } ?? .null),
                ]),
                table: "Low-balance threshold of \(account): "
                    + (watch.map { "\($0.threshold) (" + ($0.armed ? "armed" : "below it: fires again once back above") + ")" } ?? "none") + "."))
    }
}
