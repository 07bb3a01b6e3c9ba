import ArgumentParser
import TokenLedger
import TokenLedgerCore

extension PricesCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the prices in force at a time, or every entry with --all.")

        @OptionGroup var options: GlobalOptions
        @Option(help: "Only this model.") var model: String?
        @Option(help: "The time (ISO 8601, UTC; default now).", transform: Parse.time) var at: Timestamp?
        @Flag(help: "Every entry of the effective-dated history, not only those in force.") var all = false

        func run() throws {
            let prices = try options.openBooks().prices(model: model, at: all ? nil : (at ?? now()))
            options.emit(PricesCommand.render(prices))
        }
    }
}
