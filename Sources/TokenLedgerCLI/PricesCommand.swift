import ArgumentParser
import TokenLedger
import TokenLedgerCore

struct PricesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prices", abstract: "List and set model prices (USD per million tokens, effective-dated).",
        subcommands: [List.self, Set.self, Import.self, Diff.self])

    static func json(_ price: ListedPrice) -> JSON { JSONDocument.price(price) }

    static func render(_ prices: [ListedPrice]) -> Rendered {
        var rows: [[String]] = []
        var csvRows: [[String]] = []
        for price in prices {
            for tier in ServiceTier.allCases {
                guard let rates = price.entry.resolvedRates(tier: tier) else { continue }
                rows.append([
                    price.entry.model, tier.rawValue, price.entry.effectiveFrom.dateString, Money.perMillion(rates.input),
                    Money.perMillion(rates.cachedInput), Money.perMillion(rates.cacheWrite), Money.perMillion(rates.output),
                    price.entry.maxInputTokens.map { $0.grouped } ?? "-", price.entry.maxOutputTokens.map { $0.grouped } ?? "-",
                ])
                csvRows.append([
                    price.entry.model, tier.rawValue, price.entry.effectiveFrom.iso8601, Money(nanos: rates.input).decimalString,
                    Money(nanos: rates.cachedInput).decimalString, Money(nanos: rates.cacheWrite).decimalString,
                    Money(nanos: rates.output).decimalString, price.entry.maxInputTokens.map { String($0) } ?? "",
                    price.entry.maxOutputTokens.map { String($0) } ?? "", price.source,
                ])
            }
        }
        let table = Table(
            columns: ["model", "tier", "effective", "input/M", "cached/M", "cache write/M", "output/M", "max input", "max output"],
            rows: rows, rightAligned: [3, 4, 5, 6, 7, 8])
        return Rendered(
            json: .object([("prices", .array(prices.map(json)))]),
            table: prices.isEmpty ? "No prices found." : table.rendered(),
            csv: Table(
                columns: [
                    "model", "tier", "effective_from", "input_usd_per_million", "cached_input_usd_per_million",
                    "cache_write_usd_per_million", "output_usd_per_million", "max_input_tokens", "max_output_tokens", "source",
                ],
                rows: csvRows))
    }
}

/// The formats of price catalogs, as `prices import` and `prices diff` take them with
/// `--input-format`: LiteLLM's `model_prices_and_context_window.json`, the only one so far.
enum CatalogFormat: String, CaseIterable, ExpressibleByArgument {
    case litellm

    /// The catalog's format and the options left for the output: `--input-format`, else
    /// (deprecated, with a warning) a first `--format litellm`, else litellm. Makes the output
    /// format that of error messages too.
    static func resolve(_ given: CatalogFormat?, options: GlobalOptions) throws -> (format: CatalogFormat, options: GlobalOptions) {
        var format = given ?? .litellm
        var rest = options
        if given == nil {
            let deprecated = options.splittingDeprecatedInputFormat(among: allCases.map(\.rawValue))
            if let name = deprecated.name, let named = CatalogFormat(rawValue: name) {
                warnDeprecated("--format \(name) naming the catalog's format", use: "--input-format \(name)")
                (format, rest) = (named, deprecated.options)
            }
        }
        try rest.useOutputFormat()
        return (format, rest)
    }
}
