import ArgumentParser
import TokenLedger
import TokenLedgerCore

struct PricesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prices", abstract: "List and set model prices (USD per million tokens, effective-dated).",
        subcommands: [List.self, Set.self, Import.self, Diff.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the prices in force at a time, or every entry with --all.")

        @OptionGroup var options: GlobalOptions
        @Option(help: "Only this model.") var model: String?
        @Option(help: "The time (ISO 8601, UTC; default now).", transform: Parse.time) var at: Timestamp?
        @Flag(help: "Every entry of the effective-dated history, not only those in force.") var all = false

        func run() throws {
            let prices = try options.open().prices(model: model, at: all ? nil : (at ?? now()))
            options.emit(PricesCommand.render(prices))
        }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a price entry for a model, in force from --effective-from.",
            discussion: "History is never rewritten: usage before --effective-from keeps its old prices. Cached input and cache write cost the input price unless given.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The model.") var model: String
        @Option(help: "Input price, USD per million tokens.", transform: Parse.pricePerMillion) var input: Int64
        @Option(help: "Output price, USD per million tokens.", transform: Parse.pricePerMillion) var output: Int64
        @Option(help: "Cached input price, USD per million tokens.", transform: Parse.pricePerMillion) var cached: Int64?
        @Option(help: "Cache write price, USD per million tokens.", transform: Parse.pricePerMillion) var cacheWrite: Int64?
        @Option(help: "Flex input price (default: half of input).", transform: Parse.pricePerMillion) var flexInput: Int64?
        @Option(help: "Flex output price (default: half of output).", transform: Parse.pricePerMillion) var flexOutput: Int64?
        @Option(help: "Batch input price (default: half of input).", transform: Parse.pricePerMillion) var batchInput: Int64?
        @Option(help: "Batch output price (default: half of output).", transform: Parse.pricePerMillion) var batchOutput: Int64?
        @Option(help: "Priority input price (priority is refused without it).", transform: Parse.pricePerMillion) var priorityInput: Int64?
        @Option(help: "Priority output price.", transform: Parse.pricePerMillion) var priorityOutput: Int64?
        @Option(help: "The largest input a request may have, in tokens.") var maxInputTokens: Int64?
        @Option(help: "The largest output a request may have, in tokens.") var maxOutputTokens: Int64?
        @Option(help: "When the price takes effect (ISO 8601, UTC; default now).", transform: Parse.time) var effectiveFrom: Timestamp?

        func validate() throws {
            if (priorityInput == nil) != (priorityOutput == nil) {
                throw ValidationError("--priority-input and --priority-output go together")
            }
        }

        func run() throws {
            var rates = [RateKey(.default): TokenRates(input: input, cachedInput: cached, cacheWrite: cacheWrite, output: output)]
            if flexInput != nil || flexOutput != nil { rates[RateKey(.flex)] = TokenRates(input: flexInput, output: flexOutput) }
            if batchInput != nil || batchOutput != nil { rates[RateKey(.batch)] = TokenRates(input: batchInput, output: batchOutput) }
            if let priorityInput, let priorityOutput { rates[RateKey(.priority)] = TokenRates(input: priorityInput, output: priorityOutput) }
            let entry = PriceEntry(
                model: model, effectiveFrom: effectiveFrom ?? now(), rates: rates, maxInputTokens: maxInputTokens, maxOutputTokens: maxOutputTokens)
            let added = try options.open().setPrice(entry)
            let rendered = PricesCommand.render([ListedPrice(entry: entry, source: "manual")])
            options.emit(Rendered(
                json: .object([("added", .bool(added)), ("price", PricesCommand.json(ListedPrice(entry: entry, source: "manual")))]),
                table: (added ? "Added:" : "Already in the price book (same entry): nothing written.") + "\n" + rendered.table,
                csv: rendered.csv))
        }
    }

    static func json(_ price: ListedPrice) -> JSON {
        let entry = price.entry
        var tiers: [(String, JSON)] = []
        for tier in ServiceTier.allCases {
            guard let rates = entry.resolvedRates(tier: tier) else { continue }
            tiers.append((tier.rawValue, .object([
                ("input_usd_per_million", .money(Money(nanos: rates.input))),
                ("cached_input_usd_per_million", .money(Money(nanos: rates.cachedInput))),
                ("cache_write_usd_per_million", .money(Money(nanos: rates.cacheWrite))),
                ("output_usd_per_million", .money(Money(nanos: rates.output))),
            ])))
        }
        return .object([
            ("model", .string(entry.model)), ("effective_from", .time(entry.effectiveFrom)), ("source", .string(price.source)),
            ("tiers", .object(tiers)),
            ("max_input_tokens", entry.maxInputTokens.map(JSON.int) ?? .null),
            ("max_output_tokens", entry.maxOutputTokens.map(JSON.int) ?? .null),
        ])
    }

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
                columns: ["model", "tier", "effective_from", "input_usd_per_million", "cached_input_usd_per_million",
                          "cache_write_usd_per_million", "output_usd_per_million", "max_input_tokens", "max_output_tokens", "source"],
                rows: csvRows))
    }
}
