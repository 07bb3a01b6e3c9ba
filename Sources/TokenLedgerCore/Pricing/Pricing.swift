/// Why a usage cannot be priced by an entry, in the order the checks run.
public enum PricingRefusal: Error, Equatable, Sendable {
    /// The model answers with at most `limit` tokens in `field` (input or output).
    case contextWindowExceeded(field: String, tokens: Int64, limit: Int64)
    /// The catalog has no price for the tier (priority needs its own input and output prices;
    /// flex and batch are priced only where the entry's provider sells them), with the entry's
    /// provider for a flex or batch usage when it has one.
    case noPriceForTier(ServiceTier, provider: String? = nil)
    /// The usage has tokens of a class billed apart (1-hour cache writes, audio, images) that
    /// the entry gives no rate for in the tier: billing them at another class's rate would be wrong.
    case noPriceForClass(TokenClass, tier: ServiceTier)

    /// What `no_price_for_tier` says: the tier the book has no prices for and, when the entry
    /// names its provider, that the provider does not sell it.
    public static func noPriceMessage(model: String, tier: ServiceTier, provider: String?) -> String {
        let missing = "the price book has no \(tier.rawValue) prices for '\(model)'"
        guard let provider else { return missing }
        return missing + " (\(provider) does not sell the \(tier.rawValue) tier for it)"
    }

    /// What `no_price_for_class` says: the class the book has no rate for, and how to add one.
    public static func noClassPriceMessage(model: String, tokenClass: TokenClass, tier: ServiceTier) -> String {
        let inTier = tier == .default ? "" : " in the \(tier.rawValue) tier"
        return "the price book has no \(tokenClass.rawValue) price for '\(model)'\(inTier), and the usage has \(tokenClass.noun) tokens, "
            + "which are billed at their own rate; add it (`tokenledger prices set \(model) --\(String(tokenClass.rawValue.map { $0 == "_" ? "-" : $0 })) …`, "
            + "or a catalog that has it)"
    }
}

/// The exact cost of one usage: what each token class cost before rounding, and the total
/// rounded once to nanodollars, half to even.
public struct Cost: Hashable, Sendable {
    public var rates: ResolvedRates
    public var band: PriceBand
    /// Each class's exact cost in femtodollars (1e-15 USD): uncached input, cached, cache write, output.
    public var uncachedInputFemtos: Int128
    public var cachedInputFemtos: Int128
    public var cacheWriteFemtos: Int128
    public var outputFemtos: Int128
    /// The exact cost of each class billed apart that the usage has tokens of (empty for text usage).
    public var breakdownFemtos: [TokenClass: Int128]
    /// The charge: the sum of the classes rounded once to nanodollars.
    public var total: Money

    /// The unrounded sum in femtodollars.
    public var exactFemtos: Int128 { uncachedInputFemtos + cachedInputFemtos + cacheWriteFemtos + outputFemtos + breakdownFemtos.values.reduce(0, +) }
}

extension PriceEntry {
    /// Femtodollars (1e-15 USD) in one nanodollar: costs are rounded by this divisor.
    public static let femtosPerNano: Int128 = 1_000_000

    /// Prices `usage` in `tier`: uncached input at the input price, cached and cache-write tokens
    /// at theirs, output at the output price, the long-context band above its threshold.
    ///
    /// `usage` may add up `requests` requests (a provider's aggregated row): the context window
    /// and the long-context threshold then apply to its average request, so a day of many
    /// short requests is neither refused nor billed as long context for its total.
    ///
    /// Refuses tiers without a price (``PricingRefusal/noPriceForTier(_:provider:)``), and tokens
    /// of a class billed apart that the tier gives no rate for
    /// (``PricingRefusal/noPriceForClass(_:tier:)``). Usage beyond the
    /// model's context window is priced like any other (it happened: the catalog's window can be
    /// wrong, as for a 1M-token beta); whether it is refused is the caller's rule
    /// (``windowExcess(of:requests:)``).
    public func cost(of usage: TokenUsage, tier: ServiceTier, requests: Int64 = 1) throws(PricingRefusal) -> Cost {
        let band = band(for: usage, requests: requests)
        guard let rates = resolvedRates(tier: tier, band: band) else {
            // Flex and batch are priced by who sells them: the refusal names the provider that does not.
            throw .noPriceForTier(tier, provider: tier == .flex || tier == .batch ? provider : nil)
        }
        if !usage.breakdown.isEmpty {
            for tokenClass in BreakdownRates.classes where tokenClass.tokens(in: usage) > 0 && rates.breakdown[tokenClass] == nil {
                throw .noPriceForClass(tokenClass, tier: tier)
            }
        }
        return Cost.of(usage, at: rates, band: band)
    }
}

extension PriceEntry {
    /// How `usage` (of `requests` requests, judged by its average) passes the model's context
    /// window: input first, then output; nil when it fits. Charging refuses it before the fact
    /// (reservations, enforced charges) and flags it after (`over_context_window`).
    public func windowExcess(of usage: TokenUsage, requests: Int64 = 1) -> PricingRefusal? {
        if let limit = maxInputTokens, usage.inputTokens > PriceEntry.perRequest(limit, requests: requests) {
            return .contextWindowExceeded(field: "input", tokens: usage.inputTokens, limit: PriceEntry.perRequest(limit, requests: requests))
        }
        if let limit = maxOutputTokens, usage.outputTokens > PriceEntry.perRequest(limit, requests: requests) {
            return .contextWindowExceeded(field: "output", tokens: usage.outputTokens, limit: PriceEntry.perRequest(limit, requests: requests))
        }
        return nil
    }
}

extension Cost {
    /// The cost of `usage` at resolved `rates`: exact per class, rounded once. A class billed
    /// apart without a rate costs nothing here: ``PriceEntry/cost(of:tier:requests:)`` refuses
    /// such usage before it is priced.
    public static func of(_ usage: TokenUsage, at rates: ResolvedRates, band: PriceBand = .standard) -> Cost {
        let uncached = Int128(usage.uncachedInputTokens) * Int128(rates.input)
        let cached = Int128(usage.cachedTokens) * Int128(rates.cachedInput)
        let cacheWrite = Int128(usage.cacheWriteTokens) * Int128(rates.cacheWrite)
        let output = Int128(usage.textOutputTokens) * Int128(rates.output)
        var breakdown: [TokenClass: Int128] = [:]
        var exact = uncached + cached + cacheWrite + output
        if !usage.breakdown.isEmpty {
            for tokenClass in BreakdownRates.classes {
                let tokens = tokenClass.tokens(in: usage)
                guard tokens > 0 else { continue }
                let femtos = Int128(tokens) * Int128(rates.breakdown[tokenClass] ?? 0)
                breakdown[tokenClass] = femtos
                exact += femtos
            }
        }
        let nanos = Rounding.halfToEven(exact, dividedBy: PriceEntry.femtosPerNano)
        // The classes' tokens add up to at most input + output (each at most TokenUsage.maximumTokens),
        // so the sum is bounded by 2 × TokenUsage.maximumTokens × PriceEntry.maximumRateNanosPerMillion < Int64.max nanodollars.
        return Cost(
            rates: rates, band: band, uncachedInputFemtos: uncached, cachedInputFemtos: cached,
            cacheWriteFemtos: cacheWrite, outputFemtos: output, breakdownFemtos: breakdown, total: Money(nanos: Int64(nanos)))
    }
}
