import ArgumentParser
import TokenLedger
import TokenLedgerCore

struct VoidCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "void",
        abstract: "Release a reservation's whole hold without charging (the request was not served).",
        discussion: """
            The same void again (same --id, or none) prints the voided reservation and writes nothing (exit 0); voiding with \
            another id, or a settled or expired reservation, is refused (exit 2).
            """)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The reservation id.") var reservation: String
    @Option(help: "The void's own id, its idempotency key (default: the reservation id).") var id: String?
    @Option(help: "When (ISO 8601, UTC; default now).", transform: Parse.time) var at: Timestamp?

    func run() throws {
        let voided = try options.openBooks().void(VoidRequest(reservation: reservation, id: id, at: at ?? now()))
        options.emit(
            ReservationRender.render(
                voided,
                title: voided.duplicate ? "Already voided (same id): nothing written." : "Voided \(reservation): released \(voided.hold)."))
    }
}
