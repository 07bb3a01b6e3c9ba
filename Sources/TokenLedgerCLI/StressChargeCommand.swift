import ArgumentParser
import TokenLedger
import TokenLedgerCore

/// `tokenledger stress-charge`: a hidden command for the crash and concurrency tests. One
/// process charges many requests through one ledger, one durable transaction each, as a
/// gateway does: after the first, each commits only its usage row (the tail the next reader
/// folds in), which a loop of `charge` commands (a process each) never does.
struct StressChargeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stress-charge",
        abstract: "Charge many requests from one process, one transaction each (for crash and concurrency tests).",
        shouldDisplay: false)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The account.") var account: String
    @Option(help: "The model.") var model: String
    @Option(parsing: .unconditional, help: "Input tokens of the first request (each next one has 37 more, modulo 5,000).") var input: Int64
    @Option(parsing: .unconditional, help: "Output tokens of each request.") var output: Int64
    @Option(help: "How many requests.") var count: Int = 1_000
    @Option(help: "A name for this worker, prefixed to its request ids.") var worker: String
    @Option(help: "The time of the first request (ISO 8601, UTC); each next one is a second later.", transform: Parse.time) var at: Timestamp

    func run() throws {
        let ledger = try options.openBooks()
        var charged = 0
        var duplicates = 0
        var cost = Money.zero
        for number in 0..<count {
            let request = ChargeRequest(
                account: account, model: model, input: input + Int64(number) * 37 % 5_000, output: output, requestID: "\(worker)-\(number)",
                at: Timestamp(milliseconds: at.milliseconds + Int64(number) * 1_000))
            let receipt = try ledger.charge(request)
            if receipt.duplicate { duplicates += 1 } else { charged += 1 }
            cost += receipt.cost
        }
        options.emit(
            Rendered(
                json: .object([
                    ("worker", .string(worker)), ("charged", .int(Int64(charged))), ("duplicates", .int(Int64(duplicates))),
                    ("cost_usd", .string(cost.decimalString)),
                ]),
                table: "\(worker): \(charged) charged, \(duplicates) duplicates, \(cost)"))
    }
}
