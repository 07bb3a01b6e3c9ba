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
        let days = firstPayment.map { Int(max(0, time.milliseconds - $0.milliseconds) / 86_400_000) } ?? 0
        return table.last { paid >= $0.minimumPaid && days >= $0.minimumDaysSinceFirstPayment } ?? table[0]
    }
}
