import ArgumentParser
import TokenLedger
import TokenLedgerCore

extension PricesCommand {
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
}
