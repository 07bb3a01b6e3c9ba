import ArgumentParser
import TokenLedger
import TokenLedgerCore

extension PricesCommand {
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a price catalog (LiteLLM's model_prices_and_context_window.json), in force from --effective-from.",
            discussion: """
                Adds an entry (source litellm) for each model whose catalog prices differ from those in force at \
                --effective-from; a model with the same prices adds nothing, so importing the same catalog twice adds \
                nothing. Usage before --effective-from keeps its old prices. Keys without per-token input and output \
                prices (sample_spec, image or audio models) are skipped and listed with the reason.

                --format names the output format (table, json or csv). Deprecated, still accepted with a warning: \
                a first --format naming the catalog's format (--format litellm --format json).
                """)

        @OptionGroup var options: GlobalOptions
        @OptionGroup var catalogFile: CatalogFileOptions
        @Option(help: "When the imported prices take effect (ISO 8601, UTC; default now).", transform: Parse.time) var effectiveFrom: Timestamp?

        func run() throws {
            let (_, global) = try CatalogFormat.resolve(catalogFile.inputFormat, options: options)
            let catalog = try LiteLLMCatalog.read(contentsOf: catalogFile.file)
            let summary = try global.open().importPrices(catalog, effectiveFrom: effectiveFrom ?? now())
            global.emit(PricesImportRendering.render(summary, file: catalogFile.file))
        }
    }
}
