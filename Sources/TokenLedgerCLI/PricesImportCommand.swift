import ArgumentParser
import TokenLedger
import TokenLedgerCore

/// What `--format` names in the catalog commands: the catalog's format or the output's.
enum CatalogCommandFormat: String, ExpressibleByArgument, CaseIterable {
    case litellm
    case table
    case json
    case csv
}

/// The options of `prices import` and `prices diff`: the global ones, except that `--format`
/// names the catalog's format (`litellm`, the only one and the default), the output's
/// (`table`, `json`, `csv`), or both when given twice (`--format litellm --format json`).
struct CatalogCommandOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The ledger file (default: $TOKENLEDGER_DB, else ./tokenledger.sqlite).", valueName: "path"))
    var db: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The catalog's format (litellm, the default) or the output's (table, json or csv); repeat it to give both.",
            valueName: "format"))
    var format: [CatalogCommandFormat] = []

    @Flag(name: .long, help: "Create and initialize the ledger file if it is missing.")
    var create = false

    func validate() throws {
        if format.filter({ $0 != .litellm }).count > 1 { throw ValidationError("--format names at most one output format (table, json or csv)") }
    }

    /// The output format: the last of table, json or csv given, else table.
    var outputFormat: OutputFormat {
        format.last { $0 != .litellm }.flatMap { OutputFormat(rawValue: $0.rawValue) } ?? .table
    }

    /// The global options these stand for, so the ledger is opened and output printed as by
    /// every other command. Sets the output format of error messages too.
    func global() throws -> GlobalOptions {
        CommandState.format = outputFormat
        var arguments = ["--format", outputFormat.rawValue]
        if let db { arguments.append("--db=\(db)") }
        if create { arguments.append("--create") }
        return try GlobalOptions.parse(arguments)
    }
}

extension PricesCommand {
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a price catalog (LiteLLM's model_prices_and_context_window.json), in force from --effective-from.",
            discussion: """
                Adds an entry (source litellm) for each model whose catalog prices differ from those in force at \
                --effective-from; a model with the same prices adds nothing, so importing the same catalog twice adds \
                nothing. Usage before --effective-from keeps its old prices. Keys without per-token input and output \
                prices (sample_spec, image or audio models) are skipped and listed with the reason.
                """)

        @OptionGroup var options: CatalogCommandOptions
        @Argument(help: "The catalog file (JSON).") var file: String
        @Option(help: "When the imported prices take effect (ISO 8601, UTC; default now).", transform: Parse.time) var effectiveFrom: Timestamp?

        func run() throws {
            let global = try options.global()
            let catalog = try LiteLLMCatalog.read(contentsOf: file)
            let summary = try global.open().importPrices(catalog, effectiveFrom: effectiveFrom ?? now())
            global.emit(PricesImportRendering.render(summary, file: file))
        }
    }
}
