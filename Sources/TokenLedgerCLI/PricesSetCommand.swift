import ArgumentParser
import TokenLedger
import TokenLedgerCore

extension PricesCommand {
    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a price entry for a model, in force from --effective-from.",
            discussion:
                """
                History is never rewritten: usage before --effective-from keeps its old prices. Cached input and cache write cost the input \
                price unless given. 1-hour cache writes, audio and images have a price only when given: usage with such tokens and no price \
                for them is refused (no_price_for_class).
                """
        )

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The model.") var model: String
        @Option(parsing: .unconditional, help: "Input price, USD per million tokens.") var input: Money
        @Option(parsing: .unconditional, help: "Output price, USD per million tokens.") var output: Money
        @Option(parsing: .unconditional, help: "Cached input price, USD per million tokens.") var cached: Money?
        @Option(parsing: .unconditional, help: "Cache write price (Anthropic: the 5-minute write), USD per million tokens.") var cacheWrite: Money?
        @OptionGroup var breakdown: BreakdownPriceOptions
        @Option(parsing: .unconditional, help: "Flex input price (default: half of input).") var flexInput: Money?
        @Option(parsing: .unconditional, help: "Flex output price (default: half of output).") var flexOutput: Money?
        @Option(parsing: .unconditional, help: "Batch input price (default: half of input).") var batchInput: Money?
        @Option(parsing: .unconditional, help: "Batch output price (default: half of output).") var batchOutput: Money?
        @Option(parsing: .unconditional, help: "Priority input price (priority is refused without it).") var priorityInput: Money?
        @Option(parsing: .unconditional, help: "Priority output price.") var priorityOutput: Money?
        @Option(parsing: .unconditional, help: "The largest input a request may have, in tokens.") var maxInputTokens: Int64?
        @Option(parsing: .unconditional, help: "The largest output a request may have, in tokens.") var maxOutputTokens: Int64?
        @Option(help: "When the price takes effect (ISO 8601, UTC; default now).", transform: Parse.time) var effectiveFrom: Timestamp?
        @Option(
            help: """
                Whose price it is (openai, anthropic, google, bedrock…): flex and batch without their own prices cost half where \
                the provider sells them so (openai: flex and batch; anthropic, google: batch); none: as OpenAI.
                """)
        var provider: String?

        /// The entry the options describe.
        var price: ManualPrice {
            var price = ManualPrice(model: model, input: input, output: output, effectiveFrom: effectiveFrom ?? now())
            (price.cached, price.cacheWrite) = (cached, cacheWrite)
            price.breakdown = breakdown.rates
            (price.flexInput, price.flexOutput, price.batchInput, price.batchOutput) = (flexInput, flexOutput, batchInput, batchOutput)
            (price.priorityInput, price.priorityOutput) = (priorityInput, priorityOutput)
            (price.maxInputTokens, price.maxOutputTokens) = (maxInputTokens, maxOutputTokens)
            price.provider = provider
            return price
        }

        func validate() throws {
            if price.hasHalfPriority { throw ValidationError("--priority-input and --priority-output go together") }
        }

        func run() throws {
            let entry = price.entry
            let added = try options.openBooks().setPrice(entry)
            let rendered = PricesCommand.render([ListedPrice(entry: entry, source: "manual")])
            options.emit(
                Rendered(
                    json: JSONDocument.priceSet(ListedPrice(entry: entry, source: "manual"), added: added),
                    table: (added ? "Added:" : "Already in the price book (same entry): nothing written.") + "\n" + rendered.table,
                    csv: rendered.csv))
        }
    }
}
