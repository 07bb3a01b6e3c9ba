/// What a monthly report groups usage by (`report monthly --by`).
public enum ReportKey: String, CaseIterable, Sendable, Hashable {
    case model
    case project
    case apiKey = "api-key"
    case user
    case day
    /// Who served and billed the usage (`openai`, `anthropic`…; none for usage recorded before providers were).
    case provider

    /// The JSON field and CSV column of the key: `model`, `project`, `api_key`, `user`, `day`, `provider`.
    public var fieldName: String {
        switch self {
        case .model: "model"
        case .project: "project"
        case .apiKey: "api_key"
        case .user: "user"
        case .day: "day"
        case .provider: "provider"
        }
    }
}

/// Usage added up: requests, tokens by class and cost, exactly (integers, nanodollars).
public struct UsageSums: Sendable, Hashable {
    /// Usage rows (charges) recorded.
    public var charges: Int64 = 0
    /// Requests they stand for (an aggregated row stands for several).
    public var requests: Int64 = 0
    public var inputTokens: Int64 = 0
    public var cachedTokens: Int64 = 0
    public var cacheWriteTokens: Int64 = 0
    public var outputTokens: Int64 = 0
    /// The tokens within the input and output billed at rates of their own.
    public var breakdown: TokenBreakdown = .none
    public var cost: Money = .zero

    public init(
        charges: Int64 = 0, requests: Int64 = 0, inputTokens: Int64 = 0, cachedTokens: Int64 = 0, cacheWriteTokens: Int64 = 0,
        outputTokens: Int64 = 0, breakdown: TokenBreakdown = .none, cost: Money = .zero
    ) {
        self.charges = charges
        self.requests = requests
        self.inputTokens = inputTokens
        self.cachedTokens = cachedTokens
        self.cacheWriteTokens = cacheWriteTokens
        self.outputTokens = outputTokens
        self.breakdown = breakdown
        self.cost = cost
    }

    public static func += (lhs: inout UsageSums, rhs: UsageSums) {
        lhs.charges += rhs.charges
        lhs.requests += rhs.requests
        lhs.inputTokens += rhs.inputTokens
        lhs.cachedTokens += rhs.cachedTokens
        lhs.cacheWriteTokens += rhs.cacheWriteTokens
        lhs.outputTokens += rhs.outputTokens
        lhs.breakdown = lhs.breakdown.adding(rhs.breakdown)
        lhs.cost += rhs.cost
    }
}

/// Usage of one UTC day and one combination of attribution, as the store reads it from its
/// daily rollup: what a ``MonthlyReport`` folds. Attribution the report does not group by is nil.
public struct UsageGroup: Sendable, Hashable {
    public var day: CalendarDay
    public var model: String?
    /// nil when the usage has no project (or the report does not group by it); likewise below.
    public var project: String?
    public var apiKey: String?
    public var user: String?
    public var provider: String?
    public var sums: UsageSums

    public init(day: CalendarDay, model: String?, project: String?, apiKey: String?, user: String?, provider: String? = nil, sums: UsageSums) {
        self.day = day
        self.model = model
        self.project = project
        self.apiKey = apiKey
        self.user = user
        self.provider = provider
        self.sums = sums
    }

    /// The group's value for `key`: `2026-01-05` for the day.
    public func value(of key: ReportKey) -> String? {
        switch key {
        case .model: model
        case .project: project
        case .apiKey: apiKey
        case .user: user
        case .day: day.description
        case .provider: provider
        }
    }
}

/// One row of a monthly report: the values of its keys (nil where usage had none) and its sums.
public struct MonthlyReportRow: Sendable, Hashable {
    /// One value per key of the report, in the report's key order.
    public var values: [String?]
    public var sums: UsageSums
}

/// A month of usage grouped by one or more keys, with totals: a pure fold of daily usage groups.
///
/// The rows add up to the total exactly (every sum is an integer), and the total is the
/// month's usage whatever the keys.
///
/// ```swift
/// let report = MonthlyReport(groups: groups, month: Timestamp(year: 2026, month: 1, day: 1), account: "acme", keys: [.model])
/// report.rows.first?.values   // ["gpt-4o"]
/// ```
public struct MonthlyReport: Sendable {
    /// 00:00 UTC on the month's first day.
    public var month: Timestamp
    /// The account reported on; nil for every account.
    public var account: String?
    public var keys: [ReportKey]
    /// Costliest first (ties by values); with `day` among the keys, in day order first.
    public var rows: [MonthlyReportRow]
    public var total: UsageSums
    /// What the chart stacks each day's spend by: the keys other than `day`, or the model.
    public var stackKeys: [ReportKey]
    /// Each day of the month (every day, in order) with its cost per stack label.
    public var daily: [(day: CalendarDay, costs: [String: Money])]

    /// The month as `2026-01`.
    public var monthText: String { String(month.dateString.prefix(7)) }

    /// The keys the store must group by so that this report can be folded: the day and the
    /// stack keys (which include every other key asked for).
    public static func stackKeys(for keys: [ReportKey]) -> [ReportKey] {
        let others = keys.filter { $0 != .day }
        return others.isEmpty ? [.model] : others
    }

    /// Folds `groups` (the month's, grouped at least by day and ``stackKeys(for:)``) by `keys`.
    public init(groups: [UsageGroup], month: Timestamp, account: String?, keys: [ReportKey]) {
        precondition(!keys.isEmpty && Set(keys).count == keys.count, "one or more distinct keys")
        self.month = month
        self.account = account
        self.keys = keys
        self.stackKeys = Self.stackKeys(for: keys)
        var sums: [[String?]: UsageSums] = [:]
        var total = UsageSums()
        var byDay: [CalendarDay: [String: Money]] = [:]
        for group in groups {
            sums[keys.map(group.value(of:)), default: UsageSums()] += group.sums
            total += group.sums
            byDay[group.day, default: [:]][Self.label(stackKeys.map(group.value(of:))), default: .zero] += group.sums.cost
        }
        self.total = total
        let byDayFirst = keys.contains(.day)
        let dayIndex = keys.firstIndex(of: .day)
        rows = sums.map { MonthlyReportRow(values: $0.key, sums: $0.value) }.sorted { left, right in
            if byDayFirst, let dayIndex, left.values[dayIndex] != right.values[dayIndex] {
                return (left.values[dayIndex] ?? "") < (right.values[dayIndex] ?? "")
            }
            if left.sums.cost != right.sums.cost { return left.sums.cost > right.sums.cost }
            return Self.precedes(left.values, right.values)
        }
        var days: [(CalendarDay, [String: Money])] = []
        var day = CalendarDay(month)
        while day.start < month.startOfNextMonth {
            days.append((day, byDay[day] ?? [:]))
            day = day.next
        }
        daily = days
    }

    /// How a combination of values is shown: joined by ` / `, `(none)` for a missing one.
    public static func label(_ values: [String?]) -> String {
        values.map { $0 ?? "(none)" }.joined(separator: " / ")
    }

    /// Values in order, a missing value after any present one.
    private static func precedes(_ left: [String?], _ right: [String?]) -> Bool {
        for (a, b) in zip(left, right) where a != b {
            guard let a else { return false }
            guard let b else { return true }
            return a < b
        }
        return false
    }
}
