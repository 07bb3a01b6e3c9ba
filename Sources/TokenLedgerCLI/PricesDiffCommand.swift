import ArgumentParser
import TokenLedger
import TokenLedgerCore

extension PricesCommand {
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what importing a price catalog would change against the prices in force at --at; writes nothing.",
            discussion: """
                --format names the output format (table, json or csv). Deprecated, still accepted with a warning: \
                a first --format naming the catalog's format (--format litellm --format json).
                """)

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The catalog file (JSON).") var file: String
        @Option(
            help: ArgumentHelp(
                "The catalog's format: litellm (the only one, the default). Deprecated: a first --format naming it, "
                    + "as in `--format litellm --format json`.",
                valueName: "format"))
        var inputFormat: CatalogFormat?
        @Option(help: "Compare with the prices in force at this time (ISO 8601, UTC; default now).", transform: Parse.time) var at: Timestamp?

        func run() throws {
            let (_, global) = try CatalogFormat.resolve(inputFormat, options: options)
            let catalog = try LiteLLMCatalog.read(contentsOf: file)
            let time = at ?? now()
            let changes = try global.open().diffPrices(catalog, at: time)
            global.emit(PricesImportRendering.render(changes, skipped: catalog.skipped, file: file, at: time))
        }
    }
}
