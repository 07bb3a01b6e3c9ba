import ArgumentParser
import TokenLedger
import TokenLedgerCore

/// `tokenledger journal`: every movement of an account in time order, with the running balance.
struct JournalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "List every movement of an account in time order, with the running balance.",
        discussion: """
            Purchases, grants, auto-recharges, charges, expiry write-offs and adjustments, each with the balance right after it; \
            the opening balance is the balance just before --from (inclusive), the closing the balance after the last entry \
            before --to (exclusive). Reservations' holds are not journal entries: balance shows them.
            """)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The account.") var account: String
    @Option(help: "From this time on (ISO 8601, UTC; inclusive; default the beginning).", transform: Parse.time) var from: Timestamp?
    @Option(help: "Before this time (ISO 8601, UTC; exclusive; default the end of time).", transform: Parse.time) var to: Timestamp?

    func validate() throws {
        if let from, let to, to <= from { throw ValidationError("--to (\(to.iso8601)) must be after --from (\(from.iso8601))") }
    }

    func run() throws {
        let journal = try options.openBooks().accountJournal(account: account, from: from ?? .earliest, to: to ?? .latest, kinds: nil)
        options.emit(Self.render(journal, bounded: (from != nil, to != nil)))
    }

    static func render(_ journal: AccountJournal, bounded: (from: Bool, to: Bool)) -> Rendered {
        let table = Table(
            columns: ["time", "kind", "id", "model", "amount", "balance"],
            rows: journal.lines.map { line in
                [
                    line.at.iso8601, line.kind.rawValue, line.reference ?? "", line.model ?? "",
                    (line.amount.nanos > 0 ? "+" : "") + line.amount.displayString, line.runningBalance.displayString,
                ]
            }, rightAligned: [4, 5])
        var range = ""
        if bounded.from { range += " from \(journal.from.iso8601)" }
        if bounded.to { range += " to \(journal.to.iso8601)" }
        var text = "Journal of \(journal.account)\(range): \(journal.lines.count == 1 ? "1 entry" : "\(journal.lines.count.grouped) entries")\n"
        text += keyValueLines([("opening balance", journal.opening.displayString)]) + "\n"
        if !journal.lines.isEmpty { text += table.rendered() + "\n" }
        text += keyValueLines([("closing balance", journal.closing.displayString)])
        let csv = Table(
            columns: ["account", "at", "kind", "id", "model", "amount_usd", "balance_usd"],
            rows: journal.lines.map { line in
                [
                    journal.account, line.at.iso8601, line.kind.rawValue, line.reference ?? "", line.model ?? "", line.amount.decimalString,
                    line.runningBalance.decimalString,
                ]
            })
        return Rendered(json: JSONDocument.journal(journal), table: text, csv: csv, markdown: table.markdown())
    }
}
