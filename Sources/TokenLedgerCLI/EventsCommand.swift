import ArgumentParser
import TokenLedger
import TokenLedgerCore

/// `tokenledger events`: the outbox of events that webhooks are posted for.
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "List the ledger's events (alerts, low balance, recharges, expiry) for pollers.",
        subcommands: [List.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List events after a sequence number, oldest first.",
            discussion: "Page with --after the last seq printed (the JSON's next_after).")

        @OptionGroup var options: GlobalOptions
        @Option(help: "Only this account's events.") var account: String?
        @Option(help: "Only events after this sequence number (default 0: from the first).") var after: Int64 = 0
        @Option(help: "The most events to list (1 to 1000).") var limit = 100

        func validate() throws {
            if after < 0 { throw ValidationError("--after must be 0 or more") }
            if !(1...Ledger.maximumEventPage).contains(limit) { throw ValidationError("--limit must be 1 to \(Ledger.maximumEventPage)") }
        }

        func run() throws {
            let page = try options.openBooks().events(after: after, account: account, limit: limit)
            let cells: (LedgerEvent) -> [String] = { [String($0.seq), $0.at.iso8601, $0.account, $0.kind.rawValue, $0.payload] }
            options.emit(
                Rendered(
                    json: page.json,
                    table: page.events.isEmpty
                        ? "No events" + (after > 0 ? " after \(after)." : ".")
                        : Table(columns: ["seq", "at", "account", "kind", "data"], rows: page.events.map(cells)).rendered(),
                    csv: Table(columns: ["seq", "at", "account", "kind", "data"], rows: page.events.map(cells))))
        }
    }
}
