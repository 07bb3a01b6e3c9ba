/// How finely a reconciliation compares: whole UTC days, or each day's line items.
public enum ReconciliationGranularity: String, CaseIterable, Sendable {
    case day
    case lineItem = "line-item"
}

/// What a reconciliation says about one day (or one line item of a day).
public enum ReconciliationStatus: String, CaseIterable, Sendable {
    /// Provider and ledger agree within the tolerance.
    case match
    /// Both have amounts and they differ beyond the tolerance.
    case mismatch
    /// The provider billed an amount the ledger has no usage for.
    case missingInLedger = "missing_in_ledger"
    /// The ledger recorded usage the provider billed nothing for.
    case missingAtProvider = "missing_at_provider"
    /// The difference is ledger usage the provider billed on the neighbouring day; what remains agrees.
    case shifted

    /// Whether the row agrees or is explained.
    public var isReconciled: Bool { self == .match || self == .shifted }
}

/// An amount a provider billed: one line item of one day's bucket, exactly as read, in
/// picodollars (1e-12 USD; providers print float amounts with more digits than nanodollars).
public struct ProviderCost: Sendable, Hashable {
    public var day: CalendarDay
    public var item: LineItem
    /// The line item as the provider wrote it (nil when it gave none), named in notes on `other`.
    public var text: String?
    public var amountPicos: Int128
    /// Who billed it, when the cost data says (`Anthropic`, FOCUS's `ProviderName`). Amounts are
    /// matched by day and model today (the ledger records no provider); this is what a match by
    /// provider will key on.
    public var provider: String?

    public init(day: CalendarDay, item: LineItem, text: String?, amountPicos: Int128, provider: String? = nil) {
        self.day = day
        self.item = item
        self.text = text
        self.amountPicos = amountPicos
        self.provider = provider
    }

    /// Whether the amount is a whole day's total (a cost export without line items): it holds the
    /// day's tokens as well as anything else, unlike a line item that names no model's tokens.
    public var isDayTotal: Bool { item == .other && (text ?? "").isEmpty }
}

/// What the ledger recorded for one line item of one day: its charges' shares of that class.
public struct LedgerCost: Sendable, Hashable {
    public var day: CalendarDay
    public var item: LineItem
    public var amount: Money
    /// How many charges have tokens or an amount in the line item.
    public var charges: Int

    public init(day: CalendarDay, item: LineItem, amount: Money, charges: Int = 0) {
        self.day = day
        self.item = item
        self.amount = amount
        self.charges = charges
    }
}

/// A recorded request close to midnight, which a provider may have billed on the neighbouring day.
public struct BoundaryUsage: Sendable, Hashable {
    public var requestID: String
    public var at: Timestamp
    /// The charge split by line item (by token class, see ``ClassApportionment``).
    public var amounts: [LineItem: Money]
    /// Its tokens, keyed with its own day: moved with it when a shift is found, and the evidence
    /// for one when the provider's usage report counts them on the neighbouring day.
    public var tokens: [TokenCountKey: Int64]

    public init(requestID: String, at: Timestamp, amounts: [LineItem: Money], tokens: [TokenCountKey: Int64] = [:]) {
        self.requestID = requestID
        self.at = at
        self.amounts = amounts
        self.tokens = tokens
    }

    public var day: CalendarDay { CalendarDay(at) }
    public var total: Money { amounts.values.reduce(.zero, +) }
}

/// Tokens of one class, model and tier on one day: what the ledger recorded or what the
/// provider's usage report says, compared to tell a price difference from missing usage.
public struct TokenCountKey: Hashable, Sendable {
    public var day: CalendarDay
    public var model: String
    public var tier: ServiceTier
    public var tokenClass: TokenClass

    public init(day: CalendarDay, model: String, tier: ServiceTier, tokenClass: TokenClass) {
        self.day = day
        self.model = model
        self.tier = tier
        self.tokenClass = tokenClass
    }
}

/// Both sides of a reconciliation, as plain values.
public struct ReconciliationInput: Sendable {
    /// The provider's amounts, and the days its cost data covers (empty days included).
    public var provider: [ProviderCost]
    public var days: Set<CalendarDay>
    /// The ledger's amounts for those days, and its requests near each midnight.
    public var ledger: [LedgerCost]
    public var boundaryUsages: [BoundaryUsage]
    /// Token counts from the provider's usage report (nil without one) and from the ledger.
    public var providerTokens: [TokenCountKey: Int64]?
    public var ledgerTokens: [TokenCountKey: Int64]
    /// How many charges the ledger recorded on each day.
    public var ledgerCharges: [CalendarDay: Int]

    public init(
        provider: [ProviderCost], days: Set<CalendarDay>, ledger: [LedgerCost], boundaryUsages: [BoundaryUsage] = [],
        providerTokens: [TokenCountKey: Int64]? = nil, ledgerTokens: [TokenCountKey: Int64] = [:], ledgerCharges: [CalendarDay: Int] = [:]
    ) {
        self.provider = provider
        self.days = days
        self.ledger = ledger
        self.boundaryUsages = boundaryUsages
        self.providerTokens = providerTokens
        self.ledgerTokens = ledgerTokens
        self.ledgerCharges = ledgerCharges
    }
}

/// One compared day, or one line item of a day.
public struct ReconciliationRow: Sendable, Hashable {
    public var day: CalendarDay
    /// The line item; nil when comparing whole days.
    public var item: LineItem?
    public var provider: Money
    public var ledger: Money
    /// Ledger usage moved here (+) or away (−) because the provider billed it on the neighbouring day.
    public var shifted: Money
    public var status: ReconciliationStatus
    public var note: String
    /// How many charges the ledger recorded in the row (on the day; by line item, with tokens in
    /// the item), before any shift: what `charges list` lists for it.
    public var charges: Int = 0

    /// What the provider billed minus what the ledger recorded.
    public var difference: Money { provider - ledger }
    /// The difference that no shift explains.
    public var unexplained: Money { provider - ledger - shifted }
}

/// Totals of a reconciliation: how much agreed, how much did not and in which direction.
public struct ReconciliationSummary: Sendable, Hashable {
    /// Rows that match or are explained by a shift, and the others.
    public var matched = 0
    public var mismatched = 0
    public var providerTotal = Money.zero
    public var ledgerTotal = Money.zero
    /// What the provider billed on the rows that agree or are explained.
    public var matchedAmount = Money.zero
    /// Ledger usage explained as billed on the neighbouring day.
    public var shiftedAmount = Money.zero
    /// Unexplained differences on the other rows: the provider billed more, or the ledger recorded more.
    public var providerOver = Money.zero
    public var ledgerOver = Money.zero

    /// Whether everything matches or is explained.
    public var isReconciled: Bool { mismatched == 0 }
}

/// A provider's charge that is not usage (FOCUS's `ChargeCategory` `Tax`, `Credit`,
/// `Adjustment`, `Purchase`): listed beside the rows, never matched with the ledger's usage.
public struct SeparateCharge: Sendable, Hashable {
    public var day: CalendarDay
    /// The charge's category as the file names it (`Tax`).
    public var category: String
    public var provider: String?
    public var description: String?
    public var amount: Money

    public init(day: CalendarDay, category: String, provider: String?, description: String?, amount: Money) {
        self.day = day
        self.category = category
        self.provider = provider
        self.description = description
        self.amount = amount
    }
}

/// The rows, in order of day then line item, and their summary.
public struct ReconciliationReport: Sendable {
    public var granularity: ReconciliationGranularity
    public var tolerance: Money
    public var rows: [ReconciliationRow]
    public var summary: ReconciliationSummary
    /// The provider's charges other than usage, by day: reported, not matched (nor in the summary).
    public var separate: [SeparateCharge] = []
    /// The providers whose charges the ledger's side holds (with the charges recorded without a
    /// provider); nil when every charge is compared.
    public var providers: Set<String>?
}

/// Reconciliation: the provider's bill against the ledger's records, per UTC day or per line
/// item, with day-boundary shifts found and explained. Pure: both sides come in as values.
public enum Reconciliation {
    /// The default tolerance: a millionth of a dollar.
    public static let defaultTolerance = Money(nanos: 1_000)
    /// How close to midnight a request must be to be taken as billed on the neighbouring day.
    public static let shiftWindowMilliseconds: Int64 = 3_600_000
    /// The most requests on each side of a midnight tried as an explanation.
    public static let maximumShiftCandidates = 1_000
    /// Picodollars in a nanodollar: provider amounts are rounded by this, once per row.
    public static let picosPerNano: Int128 = 1_000

    /// Compares `input` by day or by line item.
    ///
    /// Per row: `match` when the difference is within `tolerance`; otherwise `missing_in_ledger`
    /// when the ledger has nothing, `missing_at_provider` when the provider billed nothing, else
    /// `mismatch`. Before that, a day where the ledger recorded more than was billed is checked
    /// against its neighbours: when the requests nearest the shared midnight add up to the
    /// difference and the neighbour was billed at least that much more than the ledger has, the
    /// requests are taken as billed there; rows they touch are `shifted` when what remains agrees.
    public static func reconcile(_ input: ReconciliationInput, by granularity: ReconciliationGranularity, tolerance: Money) -> ReconciliationReport {
        precondition(tolerance >= .zero, "the tolerance is not negative")
        var table = RowTable(granularity: granularity)
        for cost in input.provider { table.addProvider(cost) }
        for cost in input.ledger { table.addLedger(cost) }
        if granularity == .day { for day in input.days { table.touch(RowKey(day: day, item: nil)) } }
        let shifts = findShifts(input, tolerance: tolerance)
        for shift in shifts { table.apply(shift) }
        let tokens = input.providerTokens.map { TokenComparison(provider: $0, ledger: movedTokens(input.ledgerTokens, by: shifts)) }
        let context = RowContext(
            tolerance: tolerance, shifts: shifts, tokens: tokens, boundary: Dictionary(grouping: input.boundaryUsages, by: \.day),
            chargesByDay: input.ledgerCharges)
        var rows: [ReconciliationRow] = []
        var summary = ReconciliationSummary()
        for key in table.keys.sorted() {
            let row = table.row(key, context: context)
            summary.add(row)
            rows.append(row)
        }
        return ReconciliationReport(granularity: granularity, tolerance: tolerance, rows: rows, summary: summary)
    }

    /// Ledger requests the provider billed on the neighbouring day, found day by day on the
    /// days' token amounts (line items of tokens, or whole-day totals when the cost data has no
    /// line items), and on the provider's token counts when its usage report is given.
    static func findShifts(_ input: ReconciliationInput, tolerance: Money) -> [Shift] {
        var difference: [CalendarDay: Money] = [:]
        var providerPicos: [CalendarDay: Int128] = [:]
        // Items that are not tokens (tool calls) are never the ledger's usage: they neither hide nor
        // explain a shift. A day's total (no line items) holds its tokens, so it takes part.
        for cost in input.provider where cost.item != .other || cost.isDayTotal { providerPicos[cost.day, default: 0] += cost.amountPicos }
        for (day, picos) in providerPicos { difference[day] = nanos(picos) }
        for cost in input.ledger { difference[cost.day, default: .zero] -= cost.amount }
        var tokens = input.providerTokens.map { TokenDifferences(provider: $0, ledger: input.ledgerTokens) }
        let candidates = Dictionary(grouping: input.boundaryUsages, by: \.day)
        var shifts: [Shift] = []
        for day in input.days.sorted() {
            for neighbour in [day.next, day.previous] where input.days.contains(neighbour) {
                let near = nearMidnight(candidates[day] ?? [], of: day, toward: neighbour)
                guard let shift = shift(from: day, to: neighbour, near: near, difference: difference, tokens: tokens, tolerance: tolerance)
                else { continue }
                difference[day, default: .zero] += shift.amount
                difference[neighbour, default: .zero] -= shift.amount
                for usage in shift.usages { tokens?.move(usage, to: neighbour) }
                shifts.append(shift)
            }
        }
        return shifts
    }

    /// `day`'s requests within the shift window of its midnight shared with `neighbour`, nearest first.
    static func nearMidnight(_ candidates: [BoundaryUsage], of day: CalendarDay, toward neighbour: CalendarDay) -> ArraySlice<BoundaryUsage> {
        let later = neighbour > day
        let midnight = later ? day.end : day.start
        return candidates.filter { abs($0.at.milliseconds - midnight.milliseconds) <= shiftWindowMilliseconds }
            .sorted { later ? ($0.at, $0.requestID) > ($1.at, $1.requestID) : ($0.at, $0.requestID) < ($1.at, $1.requestID) }
            .prefix(maximumShiftCandidates)
    }

    /// The fewest requests nearest the midnight between `day` and `neighbour` whose move to the
    /// neighbour explains one of the two days and leaves them closer together: after the move
    /// one day's difference is within the tolerance (what remains on the other is a real
    /// difference, shown as one), or, with the provider's usage report, one day's token counts
    /// agree with it exactly.
    private static func shift(
        from day: CalendarDay, to neighbour: CalendarDay, near: ArraySlice<BoundaryUsage>, difference: [CalendarDay: Money],
        tokens: TokenDifferences?, tolerance: Money
    ) -> Shift? {
        let here = difference[day] ?? .zero
        let there = difference[neighbour] ?? .zero
        let before = here.magnitude + there.magnitude
        var sum = Money.zero
        var taken: [BoundaryUsage] = []
        var moved = tokens
        for usage in near {
            sum += usage.total
            taken.append(usage)
            // Past both differences together, no larger move can bring the days closer.
            if sum > before + tolerance { return nil }
            moved?.move(usage, to: neighbour)
            let afterHere = here + sum
            let afterThere = there - sum
            let explains = afterHere.magnitude <= tolerance || afterThere.magnitude <= tolerance
            let closer = before - (afterHere.magnitude + afterThere.magnitude) > tolerance
            let counted = moved?.explains(day, neighbour, comparedTo: tokens!) ?? false
            if sum > .zero, (explains && closer) || counted { return Shift(from: day, to: neighbour, usages: taken, amount: sum) }
        }
        return nil
    }

    /// The ledger's token counts with each shifted request counted on the day it was billed.
    static func movedTokens(_ tokens: [TokenCountKey: Int64], by shifts: [Shift]) -> [TokenCountKey: Int64] {
        var tokens = tokens
        for shift in shifts {
            for usage in shift.usages {
                for (key, count) in usage.tokens {
                    tokens[key, default: 0] -= count
                    var there = key
                    there.day = shift.to
                    tokens[there, default: 0] += count
                }
            }
        }
        return tokens
    }

    /// Picodollars rounded once to nanodollars, half to even.
    static func nanos(_ picos: Int128) -> Money { Money(nanos: Int64(Rounding.halfToEven(picos, dividedBy: picosPerNano))) }
}

/// Requests the ledger recorded on `from` that the provider billed on `to`.
struct Shift: Sendable, Hashable {
    var from: CalendarDay
    var to: CalendarDay
    var usages: [BoundaryUsage]
    var amount: Money
}

/// The provider's token counts minus the ledger's, by day and class, as shifts move requests.
struct TokenDifferences {
    private var byDay: [CalendarDay: [TokenClass: Int64]] = [:]

    init(provider: [TokenCountKey: Int64], ledger: [TokenCountKey: Int64]) {
        for (key, count) in provider { byDay[key.day, default: [:]][key.tokenClass, default: 0] += count }
        for (key, count) in ledger { byDay[key.day, default: [:]][key.tokenClass, default: 0] -= count }
    }

    /// Counts `usage`'s tokens on `day` instead of its own day.
    mutating func move(_ usage: BoundaryUsage, to day: CalendarDay) {
        for (key, count) in usage.tokens {
            byDay[key.day, default: [:]][key.tokenClass, default: 0] += count
            byDay[day, default: [:]][key.tokenClass, default: 0] -= count
        }
    }

    func agrees(on day: CalendarDay) -> Bool { (byDay[day] ?? [:]).values.allSatisfy { $0 == 0 } }

    func apart(_ days: [CalendarDay]) -> Int64 { days.reduce(0) { $0 + (byDay[$1] ?? [:]).values.reduce(0) { $0 + abs($1) } } }

    /// Whether, compared with `before`, one of the two days now agrees with the usage report
    /// where it did not, and the two are closer to it together.
    func explains(_ day: CalendarDay, _ neighbour: CalendarDay, comparedTo before: TokenDifferences) -> Bool {
        let nowAgrees = (agrees(on: day) && !before.agrees(on: day)) || (agrees(on: neighbour) && !before.agrees(on: neighbour))
        return nowAgrees && apart([day, neighbour]) < before.apart([day, neighbour])
    }
}

/// A row's identity: its day and, by line item, its line item.
struct RowKey: Hashable, Comparable {
    var day: CalendarDay
    var item: LineItem?

    static func < (lhs: RowKey, rhs: RowKey) -> Bool {
        if lhs.day != rhs.day { return lhs.day < rhs.day }
        switch (lhs.item, rhs.item) {
        case (nil, nil), (.some, nil): return false
        case (nil, .some): return true
        case (.some(let left), .some(let right)): return left < right
        }
    }
}

extension Money {
    /// The absolute difference.
    func distance(to other: Money) -> Money { self > other ? self - other : other - self }
    var magnitude: Money { self < .zero ? -self : self }
}

extension ReconciliationSummary {
    mutating func add(_ row: ReconciliationRow) {
        providerTotal += row.provider
        ledgerTotal += row.ledger
        if row.shifted > .zero { shiftedAmount += row.shifted }
        if row.status.isReconciled {
            matched += 1
            matchedAmount += row.provider
        } else {
            mismatched += 1
            if row.unexplained > .zero { providerOver += row.unexplained } else { ledgerOver -= row.unexplained }
        }
    }
}
