/// What one of a provider's cost line items is for: a model's token class in a service tier and
/// price band, or something else (tool calls, storage, an item without a name).
///
/// Its ``description`` is the line item as providers write it, so the ledger's own amounts are
/// labelled the way the bill is: `gpt-4o-2024-08-06, cached input`,
/// `priority | gpt-5, output, long context`, `other`.
public enum LineItem: Hashable, Comparable, Sendable, CustomStringConvertible {
    case tokens(model: String, tier: ServiceTier, band: PriceBand, tokenClass: TokenClass)
    /// A line item that names no model's tokens (or could not be read as one).
    case other

    public var description: String {
        switch self {
        case .other: return "other"
        case .tokens(let model, let tier, let band, let tokenClass):
            var text = tier == .default ? "" : tier.rawValue + " | "
            text += model + ", " + tokenClass.lineItemName
            if band == .longContext { text += ", long context" }
            return text
        }
    }

    /// By model, then tier, band and class; `other` last.
    public static func < (lhs: LineItem, rhs: LineItem) -> Bool {
        switch (lhs, rhs) {
        case (.other, _): return false
        case (.tokens, .other): return true
        case (.tokens(let model1, let tier1, let band1, let class1), .tokens(let model2, let tier2, let band2, let class2)):
            if model1 != model2 { return model1 < model2 }
            if tier1 != tier2 { return RateKey(tier1) < RateKey(tier2) }
            if band1 != band2 { return band1 == .standard }
            return class1 < class2
        }
    }
}
