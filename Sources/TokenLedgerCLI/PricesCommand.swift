import ArgumentParser
import TokenLedger
import TokenLedgerCore

struct PricesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prices", abstract: "List and set model prices (USD per million tokens, effective-dated).",
        subcommands: [List.self, Set.self, Import.self, Diff.self, Resolve.self])

    static func json(_ price: ListedPrice) -> JSON { JSONDocument.price(price) }

    /// The bands an entry prices: the standard one, and the long-context one when it has a threshold.
    static func bands(_ entry: PriceEntry) -> [PriceBand] {
        entry.longContextThresholdTokens == nil ? [.standard] : [.standard, .longContext]
    }

    /// One table row and one CSV row per tier and band an entry prices: the long-context band's
    /// rows name its threshold (`above 272,000`: input tokens of a request).
    static func render(_ prices: [ListedPrice]) -> Rendered {
        // The classes billed apart get table columns only when a listed entry prices them.
        let extra = BreakdownRates.classes.filter { tokenClass in
            prices.contains { price in price.entry.rates.values.contains { $0.breakdown[tokenClass] != nil } }
        }
        var rows: [[String]] = []
        var csvRows: [[String]] = []
        for price in prices {
            let entry = price.entry
            for band in bands(entry) {
                for tier in ServiceTier.allCases {
                    guard let rates = entry.resolvedRates(tier: tier, band: band) else { continue }
                    let threshold = entry.longContextThresholdTokens
                    rows.append(
                        [
                            entry.model, tier.rawValue, band == .standard ? "standard" : "above \(threshold?.grouped ?? "-")",
                            entry.effectiveFrom.dateString, Money.perMillion(rates.input), Money.perMillion(rates.cachedInput),
                            Money.perMillion(rates.cacheWrite), Money.perMillion(rates.output),
                        ] + extra.map { rates.breakdown[$0].map(Money.perMillion) ?? "-" } + [
                            entry.maxInputTokens.map { $0.grouped } ?? "-", entry.maxOutputTokens.map { $0.grouped } ?? "-",
                        ])
                    csvRows.append(
                        [
                            entry.model, tier.rawValue, entry.effectiveFrom.iso8601, Money(nanos: rates.input).decimalString,
                            Money(nanos: rates.cachedInput).decimalString, Money(nanos: rates.cacheWrite).decimalString,
                            Money(nanos: rates.output).decimalString, entry.maxInputTokens.map { String($0) } ?? "",
                            entry.maxOutputTokens.map { String($0) } ?? "", price.source, band.rawValue, threshold.map { String($0) } ?? "",
                        ] + BreakdownRates.classes.map { rates.breakdown[$0].map { Money(nanos: $0).decimalString } ?? "" })
                }
            }
        }
        let names: [TokenClass: String] = [
            .cacheWrite1h: "1h write/M", .inputAudio: "audio in/M", .inputImage: "image in/M", .outputAudio: "audio out/M",
            .outputImage: "image out/M",
        ]
        let columns =
            ["model", "tier", "band", "effective", "input/M", "cached/M", "cache write/M", "output/M"] + extra.map { names[$0]! } + [
                "max input", "max output",
            ]
        let table = Table(columns: columns, rows: rows, rightAligned: Swift.Set(4..<columns.count))
        return Rendered(
            json: .object([("prices", .array(prices.map(json)))]),
            table: prices.isEmpty ? "No prices found." : table.rendered(),
            csv: Table(
                columns: [
                    "model", "tier", "effective_from", "input_usd_per_million", "cached_input_usd_per_million",
                    "cache_write_usd_per_million", "output_usd_per_million", "max_input_tokens", "max_output_tokens", "source", "band",
                    "long_context_threshold_tokens",
                ] + BreakdownRates.classes.map { "\($0.rawValue)_usd_per_million" },
                rows: csvRows))
    }
}

/// The formats of price catalogs, as `prices import` and `prices diff` take them with
/// `--input-format`: LiteLLM's `model_prices_and_context_window.json` (the default) and
/// genai-prices' `data.json`.
extension PriceCatalogFormat: ExpressibleByArgument {
    /// The catalog's format and the options left for the output: `--input-format`, else
    /// (deprecated, with a warning) a first `--format litellm`, else litellm. Makes the output
    /// format that of error messages too.
    static func resolve(_ given: PriceCatalogFormat?, options: GlobalOptions) throws -> (format: PriceCatalogFormat, options: GlobalOptions) {
        var format = given ?? .litellm
        var rest = options
        if given == nil {
            let deprecated = options.splittingDeprecatedInputFormat(among: allCases.map(\.rawValue))
            if let name = deprecated.name, let named = PriceCatalogFormat(rawValue: name) {
                warnDeprecated("--format \(name) naming the catalog's format", use: "--input-format \(name)")
                (format, rest) = (named, deprecated.options)
            }
        }
        try rest.useOutputFormat()
        return (format, rest)
    }
}
