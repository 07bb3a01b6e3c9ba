import ArgumentParser
import TokenLedger
import TokenLedgerCore

extension PricesCommand {
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a price catalog (LiteLLM's or genai-prices'), in force from --effective-from.",
            discussion: """
                Adds an entry (its source the catalog's format) for each model whose catalog prices differ from those in \
                force at --effective-from; a model with the same prices adds nothing, so importing the same catalog twice \
                adds nothing. Usage before --effective-from keeps its old prices; a genai-prices price change dated after \
                it is added from its own date. Keys that are not models priced by the token (sample_spec, image or audio \
                models, prices by time of day or per request) are skipped and listed with the reason.

                A file that is not a catalog of the format named is refused, and so is a catalog with a malformed entry \
                (a negative or non-numeric price, a context window that is not a whole number from 1 to 100 billion), \
                naming its line and field, unless --skip-bad: then the other entries are imported and the malformed ones \
                listed as skipped.

                genai-prices keys each model by its id; an id that several providers price is keyed by its id for its \
                publisher and as provider/id for the others (azure/o1). --provider keeps only the providers named.

                --format names the output format (table, json or csv). Deprecated, still accepted with a warning: \
                a first --format naming the catalog's format (--format litellm --format json).
                """)

        @OptionGroup var options: GlobalOptions
        @OptionGroup var catalogFile: CatalogFileOptions
        @Option(help: "When the imported prices take effect (ISO 8601, UTC; default now).", transform: Parse.time) var effectiveFrom: Timestamp?

        func run() throws {
            let (format, global) = try PriceCatalogFormat.resolve(catalogFile.inputFormat, options: options)
            let catalog = try catalogFile.read(format: format)
            let summary = try global.openBooks().importPrices(catalog, effectiveFrom: effectiveFrom ?? now())
            global.emit(PricesImportRendering.render(summary, file: catalogFile.file))
        }
    }
}
