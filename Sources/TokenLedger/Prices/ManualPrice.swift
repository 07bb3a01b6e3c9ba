import TokenLedgerCore

/// A price entry as people set it, in dollars per million tokens: what `tokenledger prices set`
/// and the service's `POST /v1/prices` take, turned into the price book's ``PriceEntry``.
///
/// Why a type of its own: the CLI and the service build the same entry from the same figures
/// (flex and batch only when given, priority only with both its prices), so the rule of which
/// tiers an entry prices lives once. Cached input and cache write cost the input price unless
/// given; flex and batch cost half of the default unless given, where the provider sells them
/// so (``Providers/halfPriceTiers(of:)``); priority is refused without its prices.
///
/// ```swift
/// var price = ManualPrice(model: "o3", input: try Money(parsing: "2"), output: try Money(parsing: "8"), effectiveFrom: june)
/// try ledger.setPrice(price.entry)
/// ```
public struct ManualPrice: Sendable {
    public var model: String
    /// Default-tier prices, USD per million tokens.
    public var input: Money
    public var output: Money
    public var cached: Money?
    public var cacheWrite: Money?
    /// The prices of the classes billed apart (1-hour cache writes, audio, images), nanodollars
    /// per million tokens, where given; flex and batch take half of them where the provider sells those tiers at half.
    public var breakdown = BreakdownRates()
    /// Flex, batch and priority prices, USD per million tokens.
    public var flexInput: Money?
    public var flexOutput: Money?
    public var batchInput: Money?
    public var batchOutput: Money?
    public var priorityInput: Money?
    public var priorityOutput: Money?
    /// The context window, in tokens.
    public var maxInputTokens: Int64?
    public var maxOutputTokens: Int64?
    /// When the entry takes effect.
    public var effectiveFrom: Timestamp
    /// Whose price it is (`openai`, `anthropic`, `google`…): which tiers it prices without
    /// their own figures (``Providers/halfPriceTiers(of:)``).
    public var provider: String?

    public init(model: String, input: Money, output: Money, effectiveFrom: Timestamp) {
        self.model = model
        self.input = input
        self.output = output
        self.effectiveFrom = effectiveFrom
    }

    /// Whether exactly one of the two priority prices is given (they go together).
    public var hasHalfPriority: Bool { (priorityInput == nil) != (priorityOutput == nil) }

    /// The price book's entry: prices as nanodollars per million tokens (the book's unit).
    public var entry: PriceEntry {
        var rates = [
            RateKey(.default): TokenRates(
                input: input.nanos, cachedInput: cached?.nanos, cacheWrite: cacheWrite?.nanos, output: output.nanos, breakdown: breakdown)
        ]
        if flexInput != nil || flexOutput != nil { rates[RateKey(.flex)] = TokenRates(input: flexInput?.nanos, output: flexOutput?.nanos) }
        if batchInput != nil || batchOutput != nil { rates[RateKey(.batch)] = TokenRates(input: batchInput?.nanos, output: batchOutput?.nanos) }
        if let priorityInput, let priorityOutput { rates[RateKey(.priority)] = TokenRates(input: priorityInput.nanos, output: priorityOutput.nanos) }
        return PriceEntry(
            model: model, effectiveFrom: effectiveFrom, rates: rates, maxInputTokens: maxInputTokens, maxOutputTokens: maxOutputTokens, provider: provider)
    }
}
