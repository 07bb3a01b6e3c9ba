import ArgumentParser
import TokenLedger
import TokenLedgerCore

struct SettleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settle",
        abstract: "Charge a reserved request's actual usage and release the rest of its hold.",
        discussion: """
            Usage beyond the hold is recorded all the same. The same settle again (same --id, or none, and the same usage) \
            prints the original result and writes nothing (exit 0); settling with another id or other usage, or a voided or \
            expired reservation, is refused (exit 2).
            """)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The reservation id.") var reservation: String
    @Option(parsing: .unconditional, help: "Input tokens (including cached and cache-write tokens).") var input: Int64
    @Option(parsing: .unconditional, help: "Output tokens (including reasoning tokens).") var output: Int64
    @Option(parsing: .unconditional, help: "Input tokens read from the cache.") var cached: Int64 = 0
    @Option(parsing: .unconditional, help: "Input tokens written to the cache (Anthropic: the 5-minute cache).") var cacheWrite: Int64 = 0
    @OptionGroup var breakdown: BreakdownOptions
    @Option(help: "The settle's own id, its idempotency key (default: the reservation id).") var id: String?
    @Option(help: "When (ISO 8601, UTC; default now).", transform: Parse.time) var at: Timestamp?

    func run() throws {
        let receipt = try options.openBooks().settle(
            SettleRequest(
                reservation: reservation, id: id, input: input, cached: cached, cacheWrite: cacheWrite, output: output, at: at ?? now(),
                breakdown: breakdown.breakdown))
        let charge = ChargeCommand.render(receipt.charge)
        guard case .object(let fields) = charge.json else { preconditionFailure("a charge renders as an object") }
        var table =
            receipt.duplicate
            ? "Already settled (same id and usage): nothing written.\n"
            : ""
        table += "Settled \(reservation): charged \(receipt.charge.cost) of a \(receipt.reservation.hold) hold, released \(receipt.released)."
        if receipt.beyondHold.nanos > 0 { table += "\nThe usage cost \(receipt.beyondHold) more than the hold; recorded all the same." }
        options.emit(
            Rendered(
                json: .object(
                    [
                        ("id", .string(receipt.id)), ("reservation", .string(reservation)), ("hold_usd", .money(receipt.reservation.hold)),
                        ("released_usd", .money(receipt.released)), ("beyond_hold_usd", .money(receipt.beyondHold)), ("charge", .object(fields)),
                        ("duplicate", .bool(receipt.duplicate)),
                    ]),
                table: table + "\n" + charge.table))
    }
}
