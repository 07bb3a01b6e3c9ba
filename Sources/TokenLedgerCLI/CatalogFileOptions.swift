import ArgumentParser
import TokenLedger

/// The price catalog a `prices import` or `prices diff` reads, and its format.
struct CatalogFileOptions: ParsableArguments {
    @Argument(help: "The catalog file (JSON).") var file: String
    @Option(
        help: ArgumentHelp(
            "The catalog's format: litellm (LiteLLM's model_prices_and_context_window.json, the default) or genai-prices "
                + "(pydantic's genai-prices data.json). Deprecated: a first --format naming it, as in `--format litellm --format json`.",
            valueName: "format"))
    var inputFormat: PriceCatalogFormat?
    @Flag(
        help:
            "Import the well-formed entries and list the malformed ones (a negative or non-numeric price, an absurd context window) as skipped, instead of refusing the catalog."
    )
    var skipBad = false
    @Option(
        name: .customLong("provider"),
        help: ArgumentHelp("Only this provider's models (genai-prices: a provider id such as openai, anthropic, google); repeat for several.", valueName: "id"))
    var providers: [String] = []

    /// The catalog, read in `format` with these options.
    func read(format: PriceCatalogFormat) throws -> PriceCatalog {
        try PriceCatalog.read(contentsOf: file, format: format, skipBad: skipBad, providers: providers.isEmpty ? nil : Set(providers))
    }
}
