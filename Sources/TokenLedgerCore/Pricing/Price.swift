/// Which band of a model's prices applies: the standard one, or the long-context one that
/// applies when a request's input tokens exceed the model's threshold (e.g. 272k).
public enum PriceBand: String, CaseIterable, Hashable, Sendable {
    case standard
    case longContext = "long_context"
}

/// The rates of the classes that lie within a usage's input or output and are billed apart
/// (``TokenBreakdown``): 1-hour cache writes, audio and image input and output, in nanodollars
/// per million tokens; nil where the price book gives none (such tokens are then refused).
public struct BreakdownRates: Hashable, Sendable {
    public var cacheWrite1h: Int64?
    public var inputAudio: Int64?
    public var inputImage: Int64?
    public var outputAudio: Int64?
    public var outputImage: Int64?

    public init(cacheWrite1h: Int64? = nil, inputAudio: Int64? = nil, inputImage: Int64? = nil, outputAudio: Int64? = nil, outputImage: Int64? = nil) {
        self.cacheWrite1h = cacheWrite1h
        self.inputAudio = inputAudio
        self.inputImage = inputImage
        self.outputAudio = outputAudio
        self.outputImage = outputImage
    }

    /// Every class at no cost.
    public static let zero = BreakdownRates(cacheWrite1h: 0, inputAudio: 0, inputImage: 0, outputAudio: 0, outputImage: 0)

    /// The classes this holds, in ``TokenClass`` order.
    public static let classes: [TokenClass] = [.cacheWrite1h, .inputAudio, .inputImage, .outputAudio, .outputImage]

    /// The rate of one of ``classes``; nil for a class not given, or not one of them.
    public subscript(tokenClass: TokenClass) -> Int64? {
        get {
            switch tokenClass {
            case .cacheWrite1h: cacheWrite1h
            case .inputAudio: inputAudio
            case .inputImage: inputImage
            case .outputAudio: outputAudio
            case .outputImage: outputImage
            default: nil
            }
        }
        set {
            switch tokenClass {
            case .cacheWrite1h: cacheWrite1h = newValue
            case .inputAudio: inputAudio = newValue
            case .inputImage: inputImage = newValue
            case .outputAudio: outputAudio = newValue
            case .outputImage: outputImage = newValue
            default: preconditionFailure("\(tokenClass) is not billed apart from the input or output")
            }
        }
    }

    /// Each rate filled from `fallback` where not given.
    func filled(from fallback: BreakdownRates?) -> BreakdownRates {
        guard let fallback else { return self }
        var rates = self
        for tokenClass in Self.classes where rates[tokenClass] == nil { rates[tokenClass] = fallback[tokenClass] }
        return rates
    }
}

/// Prices of each token class, in nanodollars per million tokens; nil where the catalog gives none.
public struct TokenRates: Hashable, Sendable {
    public var input: Int64?
    public var cachedInput: Int64?
    public var cacheWrite: Int64?
    public var output: Int64?
    /// The rates of the classes billed apart (1-hour cache writes, audio, images), where given.
    public var breakdown: BreakdownRates

    public init(
        input: Int64?, cachedInput: Int64? = nil, cacheWrite: Int64? = nil, output: Int64?, breakdown: BreakdownRates = BreakdownRates()
    ) {
        self.input = input
        self.cachedInput = cachedInput
        self.cacheWrite = cacheWrite
        self.output = output
        self.breakdown = breakdown
    }

    /// The rate of one class.
    public subscript(tokenClass: TokenClass) -> Int64? {
        get {
            switch tokenClass {
            case .input: input
            case .cachedInput: cachedInput
            case .cacheWrite: cacheWrite
            case .output: output
            default: breakdown[tokenClass]
            }
        }
        set {
            switch tokenClass {
            case .input: input = newValue
            case .cachedInput: cachedInput = newValue
            case .cacheWrite: cacheWrite = newValue
            case .output: output = newValue
            default: breakdown[tokenClass] = newValue
            }
        }
    }

    /// The rates as a list of (class name, value), in ``TokenClass`` order, for checks and display.
    public var classes: [(name: String, value: Int64?)] {
        TokenClass.allCases.map { ($0.rawValue, self[$0]) }
    }
}

/// A (service tier, band) pair that a price entry may give rates for.
public struct RateKey: Hashable, Sendable, Comparable {
    public var tier: ServiceTier
    public var band: PriceBand

    public init(_ tier: ServiceTier, _ band: PriceBand = .standard) {
        self.tier = tier
        self.band = band
    }

    public static func < (lhs: RateKey, rhs: RateKey) -> Bool {
        let order = ServiceTier.allCases
        let left = (order.firstIndex(of: lhs.tier)!, PriceBand.allCases.firstIndex(of: lhs.band)!)
        let right = (order.firstIndex(of: rhs.tier)!, PriceBand.allCases.firstIndex(of: rhs.band)!)
        return left < right
    }
}

/// The rates that apply to one usage: every class resolved to a price, but those billed apart
/// (``BreakdownRates``), which are nil where the price book gives none.
public struct ResolvedRates: Hashable, Sendable {
    public var input: Int64
    public var cachedInput: Int64
    public var cacheWrite: Int64
    public var output: Int64
    public var breakdown: BreakdownRates

    public init(input: Int64, cachedInput: Int64, cacheWrite: Int64, output: Int64, breakdown: BreakdownRates = BreakdownRates()) {
        self.input = input
        self.cachedInput = cachedInput
        self.cacheWrite = cacheWrite
        self.output = output
        self.breakdown = breakdown
    }
}

/// One model's prices from an instant on: the entry with the latest `effectiveFrom` not after a
/// request's time prices it, so a price change never reprices history.
///
/// Rates are nanodollars per million tokens. The default tier's standard rates must give input
/// and output; everything else is optional and resolved by ``resolvedRates(tier:band:)``.
public struct PriceEntry: Hashable, Sendable {
    public var model: String
    public var effectiveFrom: Timestamp
    public var rates: [RateKey: TokenRates]
    public var maxInputTokens: Int64?
    public var maxOutputTokens: Int64?
    public var longContextThresholdTokens: Int64?
    /// The publisher or seller whose price this is (`openai`, `anthropic`, `google`…): it
    /// decides which tiers the entry prices (``Providers/halfPriceTiers(of:)``). Nil for an
    /// entry recorded before providers were.
    public var provider: String?

    /// The highest price TokenLedger accepts: $10,000 per million tokens. With
    /// ``TokenUsage/maximumTokens`` it keeps every cost within `Int64` nanodollars.
    public static let maximumRateNanosPerMillion: Int64 = 10_000 * Money.nanosPerDollar
    /// The longest model name accepted.
    public static let maximumModelNameLength = 256

    public init(
        model: String, effectiveFrom: Timestamp, rates: [RateKey: TokenRates],
        maxInputTokens: Int64? = nil, maxOutputTokens: Int64? = nil, longContextThresholdTokens: Int64? = nil, provider: String? = nil
    ) {
        self.model = model
        self.effectiveFrom = effectiveFrom
        self.rates = rates
        self.maxInputTokens = maxInputTokens
        self.maxOutputTokens = maxOutputTokens
        self.longContextThresholdTokens = longContextThresholdTokens
        self.provider = provider
    }

    /// The first problem with this entry, if any: a missing model name or default price, a
    /// negative or absurd rate, a non-positive window.
    public var problem: String? {
        if let problem = Names.problem(model, maximumLength: PriceEntry.maximumModelNameLength) { return "the model name " + problem }
        if let provider, let problem = Providers.problem(provider) { return "the provider " + problem }
        guard let standard = rates[RateKey(.default)], standard.input != nil, standard.output != nil else {
            return "the default input and output prices are required"
        }
        for key in rates.keys.sorted() {
            for (name, value) in rates[key]!.classes {
                guard let value else { continue }
                if value < 0 { return "the \(key.tier.rawValue) \(name) price is negative" }
                if value > PriceEntry.maximumRateNanosPerMillion {
                    return "the \(key.tier.rawValue) \(name) price is above $10,000 per million tokens"
                }
            }
        }
        for (name, value) in [
            ("max_input_tokens", maxInputTokens), ("max_output_tokens", maxOutputTokens),
            ("long_context_threshold_tokens", longContextThresholdTokens),
        ] {
            if let value, value <= 0 || value > TokenUsage.maximumTokens { return "\(name) must be between 1 and \(TokenUsage.maximumTokens)" }
        }
        return nil
    }

    /// The rates a usage in `tier` and `band` is billed at, or nil when the tier has no price.
    ///
    /// Default: the catalog's rates; cached input and cache write cost the input price where
    /// not given; 1-hour cache writes, audio and images have a rate only where given. Flex and batch: where the entry's provider sells the tier at half price
    /// (``Providers/halfPriceTiers(of:)``), the catalog's rate for each class where given, else
    /// half of the default rate (half to even); otherwise only the catalog's own rates for the
    /// tier. Priority: only the catalog's own priority prices. The long-context band falls back
    /// to the standard band where the catalog gives none.
    public func resolvedRates(tier: ServiceTier, band: PriceBand = .standard) -> ResolvedRates? {
        if Providers.halfPriceTiers(of: provider).contains(tier) {
            guard let base = resolvedRates(tier: .default, band: band) else { return nil }
            let given = explicit(tier, band)
            func half(_ value: Int64) -> Int64 { Int64(Rounding.halfToEven(Int128(value), dividedBy: 2)) }
            let input = given?.input ?? half(base.input)
            var breakdown = given?.breakdown ?? BreakdownRates()
            for tokenClass in BreakdownRates.classes where breakdown[tokenClass] == nil {
                breakdown[tokenClass] = base.breakdown[tokenClass].map(half)
            }
            return ResolvedRates(
                input: input,
                cachedInput: given?.cachedInput ?? half(base.cachedInput),
                cacheWrite: given?.cacheWrite ?? half(base.cacheWrite),
                output: given?.output ?? half(base.output), breakdown: breakdown)
        }
        guard let given = explicit(tier, band), let input = given.input, let output = given.output else { return nil }
        return ResolvedRates(
            input: input, cachedInput: given.cachedInput ?? input, cacheWrite: given.cacheWrite ?? input, output: output, breakdown: given.breakdown)
    }

    /// The catalog's own rates for a tier and band; the long-context band falls back to standard.
    private func explicit(_ tier: ServiceTier, _ band: PriceBand) -> TokenRates? {
        if band == .longContext {
            // Half-price flex and batch take the catalog's own long-context rates, else half of default's.
            guard !Providers.halfPriceTiers(of: provider).contains(tier) else { return rates[RateKey(tier, .longContext)] }
            guard let rates = rates[RateKey(tier, .longContext)] else { return self.rates[RateKey(tier)] }
            // Classes missing from the long-context band cost what the standard band says.
            let standard = self.rates[RateKey(tier)]
            return TokenRates(
                input: rates.input ?? standard?.input, cachedInput: rates.cachedInput ?? standard?.cachedInput,
                cacheWrite: rates.cacheWrite ?? standard?.cacheWrite, output: rates.output ?? standard?.output,
                breakdown: rates.breakdown.filled(from: standard?.breakdown))
        }
        return rates[RateKey(tier)]
    }

    /// The band a usage falls in: long-context when its input exceeds the threshold.
    public func band(for usage: TokenUsage, requests: Int64 = 1) -> PriceBand {
        guard let threshold = longContextThresholdTokens, usage.inputTokens > PriceEntry.perRequest(threshold, requests: requests) else {
            return .standard
        }
        return .longContext
    }

    /// A per-request token limit scaled to `requests` requests (an aggregated usage row is
    /// judged by its average request), saturating rather than overflowing.
    static func perRequest(_ limit: Int64, requests: Int64) -> Int64 {
        precondition(requests >= 1)
        let (product, overflow) = limit.multipliedReportingOverflow(by: requests)
        return overflow ? Int64.max : product
    }
}
