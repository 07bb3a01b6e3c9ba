import ArgumentParser
import TokenLedger
import TokenLedgerCore

struct VoidCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "void",
        abstract: "Release a reservation's whole hold without charging (the request was not served).")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The reservation id.") var id: String
    @Option(help: "When (ISO 8601, UTC; default now).", transform: Parse.time) var at: Timestamp?

    func run() throws {
        let reservation = try options.open().void(reservation: id, at: at ?? now())
        options.emit(ReservationRender.render(reservation, title: "Voided \(id): released \(reservation.hold)."))
    }
}
