/// A usage tier: reached by the amount paid (purchases, not grants) and the days since the
/// first payment; it sets the monthly usage limit.
public struct UsageTier: Hashable, Sendable {
    public var name: String
    public var minimumPaid: Money
    public var minimumDaysSinceFirstPayment: Int
    public var monthlyUsageLimit: Money

    public init(name: String, minimumPaid: Money, minimumDaysSinceFirstPayment: Int, monthlyUsageLimit: Money) {
        self.name = name
        self.minimumPaid = minimumPaid
        self.minimumDaysSinceFirstPayment = minimumDaysSinceFirstPayment
        self.monthlyUsageLimit = monthlyUsageLimit
    }

    /// The default table (DOMAIN.md), lowest first.
    public static let defaultTable: [UsageTier] = [
        UsageTier(name: "free", minimumPaid: .zero, minimumDaysSinceFirstPayment: 0, monthlyUsageLimit: Money(dollars: 100)),
        UsageTier(name: "1", minimumPaid: Money(dollars: 5), minimumDaysSinceFirstPayment: 0, monthlyUsageLimit: Money(dollars: 100)),
        UsageTier(name: "2", minimumPaid: Money(dollars: 50), minimumDaysSinceFirstPayment: 7, monthlyUsageLimit: Money(dollars: 500)),
        UsageTier(name: "3", minimumPaid: Money(dollars: 100), minimumDaysSinceFirstPayment: 7, monthlyUsageLimit: Money(dollars: 1_000)),
        UsageTier(name: "4", minimumPaid: Money(dollars: 250), minimumDaysSinceFirstPayment: 14, monthlyUsageLimit: Money(dollars: 5_000)),
        UsageTier(name: "5", minimumPaid: Money(dollars: 1_000), minimumDaysSinceFirstPayment: 30, monthlyUsageLimit: Money(dollars: 200_000)),
    ]

    /// The highest tier of `table` reached with `paid` in total and the first payment at
    /// `firstPayment` (nil: never paid), at `time`.
    public static func reached(paid: Money, firstPayment: Timestamp?, at time: Timestamp, table: [UsageTier] = defaultTable) -> UsageTier {
        table[reachedRank(paid: paid, firstPayment: firstPayment, at: time, table: table)]
    }

    /// The position in `table` of the tier ``reached(paid:firstPayment:at:table:)`` gives.
    public static func reachedRank(paid: Money, firstPayment: Timestamp?, at time: Timestamp, table: [UsageTier] = defaultTable) -> Int {
        let days = firstPayment.map { Int(max(0, time.milliseconds - $0.milliseconds) / 86_400_000) } ?? 0
        return table.lastIndex { paid >= $0.minimumPaid && days >= $0.minimumDaysSinceFirstPayment } ?? 0
    }
}

extension UsageTier {
    /// The longest tier name accepted.
    public static let maximumNameLength = 32

    /// The first problem with a tier table, if any: it must start with a tier needing no payment
    /// and no days, have unique names of 1 to 32 characters, at most 100 tiers, and each tier must
    /// need at least what the one below it needs (payment and days), with non-negative amounts.
    public static func tableProblem(_ table: [UsageTier]) -> UsageTierRefusal? {
        guard let first = table.first else { return .invalidTable("the table is empty") }
        if table.count > 100 { return .invalidTable("at most 100 tiers") }
        if first.minimumPaid != .zero || first.minimumDaysSinceFirstPayment != 0 {
            return .invalidTable("the lowest tier ('\(first.name)') must need no payment and no days")
        }
        var names: Set<String> = []
        for (index, tier) in table.enumerated() {
            if Names.problem(tier.name, maximumLength: maximumNameLength) != nil || tier.name.trimmingASCIIWhitespace() != tier.name {
                return .invalidTable("tier names are 1 to \(maximumNameLength) characters without surrounding space or NUL (got '\(tier.name)')")
            }
            if !names.insert(tier.name).inserted { return .invalidTable("the tier '\(tier.name)' is listed twice") }
            if tier.minimumPaid.nanos < 0 || tier.minimumPaid > Credits.ceiling || tier.monthlyUsageLimit.nanos < 0
                || !(0...36_500).contains(tier.minimumDaysSinceFirstPayment)
            {
                return .invalidTable("the tier '\(tier.name)' has an amount or a number of days out of range")
            }
            if index > 0 {
                let below = table[index - 1]
                if tier.minimumPaid < below.minimumPaid || tier.minimumDaysSinceFirstPayment < below.minimumDaysSinceFirstPayment {
                    return .invalidTable("the tier '\(tier.name)' needs less than the tier '\(below.name)' below it")
                }
            }
        }
        return nil
    }

    /// The position of the tier named `name` in `table` (0: the lowest), or nil.
    public static func rank(of name: String, in table: [UsageTier]) -> Int? { table.firstIndex { $0.name == name } }
}

/// Why a usage-tier table or a model's minimum tier cannot be set.
public enum UsageTierRefusal: Refusal, Equatable {
    case invalidTable(String)
    case unknownTier(String)
    case requiredByModel(tier: String, model: String)

    public var code: String {
        switch self {
        case .invalidTable: "invalid_tier_table"
        case .unknownTier: "unknown_tier"
        case .requiredByModel: "tier_in_use"
        }
    }

    public var message: String {
        switch self {
        case .invalidTable(let reason): "invalid usage-tier table: \(reason)"
        case .unknownTier(let name): "no usage tier named '\(name)'"
        case .requiredByModel(let tier, let model): "the tier '\(tier)' is the minimum tier of '\(model)'; change that first"
        }
    }

    public var isBadInput: Bool {
        if case .requiredByModel = self { return false }
        return true
    }
}
