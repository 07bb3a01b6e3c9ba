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
        @OptionGroup var catalogFile: CatalogFileOptions
        @Option(help: "Compare with the prices in force at this time (ISO 8601, UTC; default now).", transform: Parse.time) var at: Timestamp?

        func run() throws {
            let (format, global) = try PriceCatalogFormat.resolve(catalogFile.inputFormat, options: options)
            let catalog = try catalogFile.read(format: format)
            let time = at ?? now()
            let changes = try global.openBooks().diffPrices(catalog, at: time)
            global.emit(PricesImportRendering.render(changes, skipped: catalog.skipped, file: catalogFile.file, format: format, at: time))
        }
    }
}
