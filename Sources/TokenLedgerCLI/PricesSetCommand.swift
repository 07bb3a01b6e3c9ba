import ArgumentParser
import TokenLedger
import TokenLedgerCore

extension PricesCommand {
    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a price entry for a model, in force from --effective-from.",
            discussion:
                "History is never rewritten: usage before --effective-from keeps its old prices. Cached input and cache write cost the input price unless given."
        )

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The model.") var model: String
        @Option(parsing: .unconditional, help: "Input price, USD per million tokens.") var input: Money
        @Option(parsing: .unconditional, help: "Output price, USD per million tokens.") var output: Money
        @Option(parsing: .unconditional, help: "Cached input price, USD per million tokens.") var cached: Money?
        @Option(parsing: .unconditional, help: "Cache write price, USD per million tokens.") var cacheWrite: Money?
        @Option(parsing: .unconditional, help: "Flex input price (default: half of input).") var flexInput: Money?
        @Option(parsing: .unconditional, help: "Flex output price (default: half of output).") var flexOutput: Money?
        @Option(parsing: .unconditional, help: "Batch input price (default: half of input).") var batchInput: Money?
        @Option(parsing: .unconditional, help: "Batch output price (default: half of output).") var batchOutput: Money?
        @Option(parsing: .unconditional, help: "Priority input price (priority is refused without it).") var priorityInput: Money?
        @Option(parsing: .unconditional, help: "Priority output price.") var priorityOutput: Money?
        @Option(parsing: .unconditional, help: "The largest input a request may have, in tokens.") var maxInputTokens: Int64?
        @Option(parsing: .unconditional, help: "The largest output a request may have, in tokens.") var maxOutputTokens: Int64?
        @Option(help: "When the price takes effect (ISO 8601, UTC; default now).", transform: Parse.time) var effectiveFrom: Timestamp?

        func validate() throws {
            if (priorityInput == nil) != (priorityOutput == nil) {
                throw ValidationError("--priority-input and --priority-output go together")
            }
        }

        func run() throws {
            // Prices are typed in dollars per million tokens: as nanodollars, the price book's unit.
            var rates = [RateKey(.default): TokenRates(input: input.nanos, cachedInput: cached?.nanos, cacheWrite: cacheWrite?.nanos, output: output.nanos)]
            if flexInput != nil || flexOutput != nil { rates[RateKey(.flex)] = TokenRates(input: flexInput?.nanos, output: flexOutput?.nanos) }
            if batchInput != nil || batchOutput != nil { rates[RateKey(.batch)] = TokenRates(input: batchInput?.nanos, output: batchOutput?.nanos) }
            if let priorityInput, let priorityOutput { rates[RateKey(.priority)] = TokenRates(input: priorityInput.nanos, output: priorityOutput.nanos) }
            let entry = PriceEntry(
                model: model, effectiveFrom: effectiveFrom ?? now(), rates: rates, maxInputTokens: maxInputTokens, maxOutputTokens: maxOutputTokens)
            let added = try options.open().setPrice(entry)
            let rendered = PricesCommand.render([ListedPrice(entry: entry, source: "manual")])
            options.emit(
                Rendered(
                    json: .object([("added", .bool(added)), ("price", PricesCommand.json(ListedPrice(entry: entry, source: "manual")))]),
                    table: (added ? "Added:" : "Already in the price book (same entry): nothing written.") + "\n" + rendered.table,
                    csv: rendered.csv))
        }
    }
}
