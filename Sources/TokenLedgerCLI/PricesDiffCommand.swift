import ArgumentParser
import TokenLedger
import TokenLedgerCore

extension PricesCommand {
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what importing a price catalog would change against the prices in force at --at; writes nothing.")

        @OptionGroup var options: CatalogCommandOptions
        @Argument(help: "The catalog file (JSON).") var file: String
        @Option(help: "Compare with the prices in force at this time (ISO 8601, UTC; default now).", transform: Parse.time) var at: Timestamp?

        func run() throws {
            let global = try options.global()
            let catalog = try LiteLLMCatalog.read(contentsOf: file)
            let time = at ?? now()
            let changes = try global.open().diffPrices(catalog, at: time)
            global.emit(PricesImportRendering.render(changes, skipped: catalog.skipped, file: file, at: time))
        }
    }
}
