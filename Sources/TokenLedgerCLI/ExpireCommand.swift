import ArgumentParser
import TokenLedger
import TokenLedgerCore

struct ExpireCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expire",
        abstract: "Write off, for every account, the credit left in lots that expired by a time.",
        discussion: "Operations on an account do this for it as they go; run this to bring every account's books up to a date.")

    @OptionGroup var options: GlobalOptions
    @Option(help: "The time (ISO 8601, UTC; default now).", transform: Parse.time) var at: Timestamp?

    func run() throws {
        let records = try options.openBooks().expireLots(at: at ?? now())
        let table = Table(
            columns: ["account", "lot", "written off", "expired"],
            rows: records.map { [$0.account, $0.lotKind.rawValue, $0.amount.displayString, $0.expiredAt.iso8601] }, rightAligned: [2])
        options.emit(
            Rendered(
                json: .object([
                    (
                        "expired",
                        .array(
                            records.map {
                                .object([
                                    ("account", .string($0.account)), ("kind", .string($0.lotKind.rawValue)), ("amount_usd", .money($0.amount)),
                                    ("expired_at", .time($0.expiredAt)),
                                ])
                            })
                    ),
                    ("total_usd", .money(records.reduce(Money.zero) { $0 + $1.amount })),
                ]),
                table: records.isEmpty ? "Nothing to write off." : table.rendered(),
                csv: Table(
                    columns: ["account", "kind", "amount_usd", "expired_at"],
                    rows: records.map { [$0.account, $0.lotKind.rawValue, $0.amount.decimalString, $0.expiredAt.iso8601] })))
    }
}
