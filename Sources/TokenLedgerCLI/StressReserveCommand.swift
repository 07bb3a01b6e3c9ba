import ArgumentParser
import TokenLedger
import TokenLedgerCore

/// `tokenledger stress-reserve`: a hidden command for the concurrency test. One process runs
/// many reserve/settle cycles against one account, so that several such processes at once test
/// the ledger's locking without the cost of starting a process per operation.
struct StressReserveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stress-reserve",
        abstract: "Run reserve/settle cycles against one account (for concurrency tests).",
        shouldDisplay: false)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The account.") var account: String
    @Option(help: "The model.") var model: String
    @Option(parsing: .unconditional, help: "Input tokens of each request.") var input: Int64
    @Option(parsing: .unconditional, help: "Output tokens of each request (also its maximum: settled at the hold).") var output: Int64
    @Option(help: "How many cycles.") var cycles: Int = 1_000
    @Option(help: "A name for this worker, prefixed to its reservation ids.") var worker: String
    @Option(help: "The time of every operation (ISO 8601, UTC).", transform: Parse.time) var at: Timestamp

    func run() throws {
        let ledger = try options.openBooks()
        var admitted = 0
        var refused: [String: Int] = [:]
        for cycle in 0..<cycles {
            let id = "\(worker)-\(cycle)"
            do {
                _ = try ledger.reserve(ReservationRequest(account: account, model: model, input: input, maxOutput: output, id: id, at: at))
            } catch let refusal as ReservationRefusal {
                refused[refusal.code, default: 0] += 1
                continue
            }
            admitted += 1
            _ = try ledger.settle(SettleRequest(reservation: id, input: input, output: output, at: at))
        }
        options.emit(
            Rendered(
                json: .object([
                    ("worker", .string(worker)), ("admitted", .int(Int64(admitted))),
                    ("refused", .object(refused.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) })),
                ]),
                table: "\(worker): \(admitted) admitted, \(refused.values.reduce(0, +)) refused"))
    }
}
