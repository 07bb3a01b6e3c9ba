/// Usage of one token class added up for a FOCUS row: one UTC day, account, project, provider,
/// model, tier, band and price entry (so one unit price).
public struct FocusUsageGroup: Sendable, Hashable {
    public var day: CalendarDay
    public var account: String
    public var project: String?
    public var model: String
    public var tier: ServiceTier
    public var band: PriceBand
    public var tokenClass: TokenClass
    /// When the price entry that priced the usage took effect.
    public var priceEffectiveFrom: Timestamp
    /// The class's rate, nanodollars per million tokens.
    public var rateNanosPerMillion: Int64
    public var tokens: Int64
    /// The recorded charges' shares of this class (``ClassApportionment``).
    public var billed: Money
    /// Who served and billed the usage (nil for charges recorded before providers were).
    public var provider: String?
    /// Who made the model (``Providers/publisher(model:entryProvider:)``), as FOCUS names it.
    public var publisher: String?

    public init(
        day: CalendarDay, account: String, project: String?, model: String, tier: ServiceTier, band: PriceBand, tokenClass: TokenClass,
        priceEffectiveFrom: Timestamp, rateNanosPerMillion: Int64, tokens: Int64 = 0, billed: Money = .zero, provider: String? = nil,
        publisher: String? = nil
    ) {
        self.day = day
        self.account = account
        self.project = project
        self.model = model
        self.tier = tier
        self.band = band
        self.tokenClass = tokenClass
        self.priceEffectiveFrom = priceEffectiveFrom
        self.rateNanosPerMillion = rateNanosPerMillion
        self.tokens = tokens
        self.billed = billed
        self.provider = provider
        self.publisher = publisher
    }
}

/// The ledger's usage as a FinOps FOCUS dataset (FOCUS 1.1 columns): one `Usage` row per day,
/// account, project, model, tier, band, price and token class.
///
/// Money is exact: `BilledCost` and `EffectiveCost` are the recorded charges' shares (nine
/// decimals; they add up to the ledger's charges exactly); `ListCost` and `ContractedCost` are
/// `PricingQuantity × ListUnitPrice` exactly (fifteen decimals), as FOCUS requires, so they
/// differ from `BilledCost` only by each charge's rounding to the nanodollar. Prices are per
/// `1000000 Tokens`. There are no commitments or negotiated discounts: list, contracted and
/// effective prices are the price book's.
public enum FocusReport {
    /// The columns, FOCUS's in alphabetical order, then TokenLedger's own (`x_`).
    public static let columns = [
        "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory",
        "ChargeClass", "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart", "ConsumedQuantity", "ConsumedUnit",
        "ContractedCost", "ContractedUnitPrice", "EffectiveCost", "InvoiceIssuerName", "ListCost", "ListUnitPrice", "PricingCategory",
        "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "ServiceCategory", "ServiceName", "ServiceSubcategory", "SkuId",
        "SkuPriceId", "SubAccountId", "SubAccountName", "x_Model", "x_ServiceTier", "x_PriceBand", "x_TokenClass", "x_PriceEffectiveFrom",
    ]

    /// The provider an export names for usage that recorded none, when it is given none.
    public static let defaultProvider = "OpenAI"

    /// The unit prices are quoted per.
    public static let pricingUnit = "1000000 Tokens"

    /// The rows of `groups` for the billing period `[periodStart, periodEnd)`, each a value per
    /// column (nil for null).
    ///
    /// `ProviderName` and `InvoiceIssuerName` name who served and billed the usage (its recorded
    /// provider: `AWS` for Bedrock, `Microsoft` for Azure, ``Providers/focusName(_:)``);
    /// `PublisherName` who made the model (`Anthropic` for Claude on Bedrock), else the provider.
    /// `provider` stands in for usage that recorded no provider (charges made before providers were).
    public static func rows(_ groups: [FocusUsageGroup], periodStart: Timestamp, periodEnd: Timestamp, provider fallback: String) -> [[String?]] {
        groups.map { group in
            let provider = group.provider.map(Providers.focusName) ?? fallback
            let publisher = group.publisher ?? provider
            let quantity = exactDecimal(Int128(group.tokens), scale: 6)
            let unitPrice = Money(nanos: group.rateNanosPerMillion).decimalString
            let listCost = exactDecimal(Int128(group.tokens) * Int128(group.rateNanosPerMillion), scale: 15)
            let sku = "\(group.model):\(group.tier.rawValue):\(group.band.rawValue):\(group.tokenClass.rawValue)"
            let values: [String?] = [
                group.billed.decimalString, group.account, group.account, "USD", periodEnd.iso8601, periodStart.iso8601, "Usage",
                nil, description(group), "Usage-Based", group.day.end.iso8601, group.day.start.iso8601, String(group.tokens), "Tokens",
                listCost, unitPrice, group.billed.decimalString, provider, listCost, unitPrice, "Standard",
                quantity, pricingUnit, provider, publisher, "AI and Machine Learning", serviceName(group.provider, provider: provider), "Generative AI", sku,
                sku + "@" + group.priceEffectiveFrom.iso8601, group.project, group.project, group.model, group.tier.rawValue, group.band.rawValue,
                group.tokenClass.rawValue, group.priceEffectiveFrom.iso8601,
            ]
            assert(values.count == columns.count, "one value per column")
            return values
        }
    }

    /// FOCUS's `ServiceName`: the provider's service (`Amazon Bedrock`, `Azure OpenAI`,
    /// `Vertex AI`), else `<provider> API`.
    static func serviceName(_ recorded: String?, provider: String) -> String {
        switch recorded {
        case "bedrock": "Amazon Bedrock"
        case "azure": "Azure OpenAI"
        case "vertex_ai": "Vertex AI"
        default: "\(provider) API"
        }
    }

    /// `gpt-4o cached input tokens, default tier, at $1.25 per 1M tokens`.
    static func description(_ group: FocusUsageGroup) -> String {
        var text = "\(group.model) \(group.tokenClass.lineItemName) tokens, \(group.tier.rawValue) tier"
        if group.band == .longContext { text += ", long context" }
        return text + ", at \(Money(nanos: group.rateNanosPerMillion).displayString) per 1M tokens"
    }

    /// `value` × 10^-`scale` as a decimal with exactly `scale` decimals: (1200, 6) → `0.001200`.
    public static func exactDecimal(_ value: Int128, scale: Int) -> String {
        let digits = String(value.magnitude)
        let padded = digits.count <= scale ? String(repeating: "0", count: scale - digits.count + 1) + digits : digits
        let split = padded.index(padded.endIndex, offsetBy: -scale)
        return (value < 0 ? "-" : "") + padded[..<split] + (scale > 0 ? "." + padded[split...] : "")
    }
}
