/// The amounts of each row while a reconciliation adds them up, and how a row is judged and explained.
struct RowTable {
    let granularity: ReconciliationGranularity
    private(set) var keys: Set<RowKey> = []
    private var providerPicos: [RowKey: Int128] = [:]
    private var ledger: [RowKey: Money] = [:]
    private var shifted: [RowKey: Money] = [:]
    /// Charges behind each line item's ledger amount (by day, the context's count is used).
    private var charges: [RowKey: Int] = [:]
    /// The provider's texts of line items read as `other`, for the row's note.
    private var otherTexts: [RowKey: Set<String>] = [:]
    /// By day: what the provider billed for line items that are not tokens, and their texts;
    /// and the days whose amounts are whole-day totals (no line items).
    private var notTokens: [RowKey: (picos: Int128, texts: Set<String>)] = [:]
    private var dayTotals: Set<RowKey> = []

    init(granularity: ReconciliationGranularity) { self.granularity = granularity }

    func key(_ day: CalendarDay, _ item: LineItem) -> RowKey { RowKey(day: day, item: granularity == .day ? nil : item) }

    mutating func touch(_ key: RowKey) { keys.insert(key) }

    mutating func addProvider(_ cost: ProviderCost) {
        let key = key(cost.day, cost.item)
        providerPicos[key, default: 0] += cost.amountPicos
        if cost.item == .other, granularity == .lineItem { otherTexts[key, default: []].insert(cost.text.map { "'\($0)'" } ?? "(no line item)") }
        if granularity == .day, cost.isDayTotal { dayTotals.insert(key) }
        if granularity == .day, cost.item == .other, !cost.isDayTotal, let text = cost.text {
            notTokens[key, default: (0, [])].picos += cost.amountPicos
            notTokens[key, default: (0, [])].texts.insert("'\(text)'")
        }
        keys.insert(key)
    }

    mutating func addLedger(_ cost: LedgerCost) {
        let key = key(cost.day, cost.item)
        ledger[key, default: .zero] += cost.amount
        charges[key, default: 0] += cost.charges
        keys.insert(key)
    }

    /// Moves the shifted requests' amounts from their day's rows to the neighbour's.
    mutating func apply(_ shift: Shift) {
        for usage in shift.usages {
            for (item, amount) in usage.amounts where amount != .zero {
                shifted[key(shift.from, item), default: .zero] -= amount
                shifted[key(shift.to, item), default: .zero] += amount
                keys.insert(key(shift.from, item))
                keys.insert(key(shift.to, item))
            }
        }
    }

    /// The row of `key`, judged with the context's tolerance and explained.
    func row(_ key: RowKey, context: RowContext) -> ReconciliationRow {
        var row = ReconciliationRow(
            day: key.day, item: key.item, provider: Reconciliation.nanos(providerPicos[key] ?? 0), ledger: ledger[key] ?? .zero,
            shifted: shifted[key] ?? .zero, status: .match, note: "")
        row.charges = key.item == nil ? context.chargesByDay[key.day] ?? 0 : charges[key] ?? 0
        row.status = status(of: row, tolerance: context.tolerance)
        var notes: [String] = []
        if row.shifted != .zero { notes += shiftNotes(key, shifts: context.shifts) }
        notes.append(amountNote(row))
        if let texts = otherTexts[key], !texts.isEmpty { notes.append("not read as tokens: " + texts.sorted().joined(separator: ", ")) }
        let notTokens = notTokens[key].map { (amount: Reconciliation.nanos($0.picos), texts: $0.texts.sorted().joined(separator: ", ")) }
        if !row.status.isReconciled, let notTokens, notTokens.amount != .zero {
            notes.append("the provider's amount includes \(notTokens.amount.displayString) not for tokens (\(notTokens.texts))")
        }
        if !row.status.isReconciled, let comparison = context.tokens?.comparison(for: key) {
            let agreeing = "tokens agree with the provider's usage report (\(comparison.counts)): "
            if !comparison.agrees {
                notes.append(comparison.note)
            } else if let notTokens, notTokens.amount != .zero, row.unexplained.distance(to: notTokens.amount) <= context.tolerance {
                notes.append(agreeing + "the difference is what was billed for other than tokens")
            } else if let elsewhere = context.billedElsewhere(row) {
                notes.append(agreeing + elsewhere)
            } else if dayTotals.contains(key) {
                notes.append(agreeing + "the prices differ, or the provider billed for something other than tokens (the file has no line items)")
            } else {
                notes.append(comparison.note)
            }
        }
        row.note = notes.filter { !$0.isEmpty }.joined(separator: "; ")
        return row
    }

    private func status(of row: ReconciliationRow, tolerance: Money) -> ReconciliationStatus {
        if row.shifted != .zero, row.unexplained.magnitude <= tolerance { return .shifted }
        if row.difference.magnitude <= tolerance { return .match }
        if row.shifted != .zero { return .mismatch }
        if row.ledger == .zero { return .missingInLedger }
        if row.provider == .zero { return .missingAtProvider }
        return .mismatch
    }

    /// What the amounts say: exact, within tolerance, or which side has how much more.
    private func amountNote(_ row: ReconciliationRow) -> String {
        switch row.status {
        case .match: return row.difference == .zero ? "exact" : "within tolerance (difference \(row.difference.displayString))"
        case .shifted: return ""
        case .missingInLedger: return "the ledger has no usage for it"
        case .missingAtProvider: return "the provider billed nothing for it"
        case .mismatch:
            let unexplained = row.unexplained
            let amount = unexplained.magnitude.displayString
            let direction = unexplained > .zero ? "the provider billed \(amount) more" : "the ledger recorded \(amount) more"
            return row.shifted == .zero ? direction : "\(direction) beyond that (unexplained)"
        }
    }

    /// Which requests moved into or out of the row, and between which days.
    private func shiftNotes(_ key: RowKey, shifts: [Shift]) -> [String] {
        var notes: [String] = []
        for shift in shifts where shift.from == key.day || shift.to == key.day {
            let requests = describe(shift.usages, item: key.item)
            guard !requests.isEmpty else { continue }
            if shift.from == key.day {
                notes.append("\(requests) recorded on \(shift.from), billed by the provider on \(shift.to)")
            } else {
                notes.append("includes \(requests) recorded by the ledger on \(shift.from)")
            }
        }
        return notes
    }

    /// `req-1 ($0.01 at 2026-01-05T23:59:58Z)`, or a count and a time span for many requests;
    /// only the requests with an amount in `item` (every request when comparing days).
    private func describe(_ usages: [BoundaryUsage], item: LineItem?) -> String {
        let parts = usages.compactMap { usage -> (BoundaryUsage, Money)? in
            let amount = item.map { usage.amounts[$0] ?? .zero } ?? usage.total
            return amount == .zero ? nil : (usage, amount)
        }
        guard !parts.isEmpty else { return "" }
        if parts.count <= 3 {
            return parts.map { "\($0.0.requestID) (\($0.1.displayString) at \($0.0.at.iso8601))" }.joined(separator: ", ")
        }
        let total = parts.reduce(Money.zero) { $0 + $1.1 }
        let times = parts.map(\.0.at)
        return "\(parts.count) requests (\(total.displayString), \(times.min()!.iso8601) to \(times.max()!.iso8601))"
    }
}

/// Token counts of the ledger against the provider's usage report, to tell a price difference
/// (the same tokens) from missing or extra usage (different tokens).
struct TokenComparison {
    private var byDay: [CalendarDay: [TokenClass: (ledger: Int64, provider: Int64)]] = [:]
    private var byItem: [TokenCountKey: (ledger: Int64, provider: Int64)] = [:]

    init(provider: [TokenCountKey: Int64], ledger: [TokenCountKey: Int64]) {
        for (key, count) in ledger {
            byDay[key.day, default: [:]][key.tokenClass, default: (0, 0)].ledger += count
            byItem[key, default: (0, 0)].ledger += count
        }
        for (key, count) in provider {
            byDay[key.day, default: [:]][key.tokenClass, default: (0, 0)].provider += count
            byItem[key, default: (0, 0)].provider += count
        }
    }

    /// The comparison for a row: the day's classes, or the line item's class (all bands); nil
    /// for `other`.
    func comparison(for key: RowKey) -> TokenAgreement? {
        var counts: [(TokenClass, (ledger: Int64, provider: Int64))]
        switch key.item {
        case .other: return nil
        case nil: counts = TokenClass.allCases.map { ($0, byDay[key.day]?[$0] ?? (0, 0)) }
        case .tokens(let model, let tier, _, let tokenClass):
            counts = [(tokenClass, byItem[TokenCountKey(day: key.day, model: model, tier: tier, tokenClass: tokenClass)] ?? (0, 0))]
        }
        counts = counts.filter { $0.1.ledger != 0 || $0.1.provider != 0 }
        if counts.isEmpty { return TokenAgreement(agrees: false, counts: "", note: "no tokens in the ledger or the provider's usage report") }
        if counts.allSatisfy({ $0.1.ledger == $0.1.provider }) {
            let listed = counts.map { "\($0.0.lineItemName) \($0.1.ledger)" }.joined(separator: ", ")
            return TokenAgreement(agrees: true, counts: listed, note: "tokens agree with the provider's usage report (\(listed)): the prices differ")
        }
        let listed = counts.filter { $0.1.ledger != $0.1.provider }
            .map { "\($0.0.lineItemName) \($0.1.ledger) in the ledger, \($0.1.provider) reported" }.joined(separator: ", ")
        return TokenAgreement(agrees: false, counts: listed, note: "tokens differ from the provider's usage report: " + listed)
    }
}

/// What the token counts say about a row.
struct TokenAgreement {
    var agrees: Bool
    /// The counts compared (`input 1000, output 20`), or the classes that differ.
    var counts: String
    var note: String
}

/// What every row is judged and explained with.
struct RowContext {
    var tolerance: Money
    var shifts: [Shift]
    var tokens: TokenComparison?
    /// The ledger's requests near each day's midnights, by the day they were recorded on.
    var boundary: [CalendarDay: [BoundaryUsage]]
    var chargesByDay: [CalendarDay: Int]

    /// When the tokens agree but the amounts do not, whether requests near one of the row's
    /// midnights add up to the difference: the provider billed them on the other side of it
    /// (the usage report counts them where the ledger does). Names them, or nil.
    func billedElsewhere(_ row: ReconciliationRow) -> String? {
        let unexplained = row.unexplained
        for neighbour in [row.day.next, row.day.previous] {
            // The ledger recorded more: its own requests near midnight, billed on the neighbour;
            // the provider billed more: the neighbour's requests near midnight, billed on this day.
            let (from, to) = unexplained < .zero ? (row.day, neighbour) : (neighbour, row.day)
            let near = Reconciliation.nearMidnight(boundary[from] ?? [], of: from, toward: to)
            var sum = Money.zero
            var taken: [BoundaryUsage] = []
            for usage in near {
                let amount = row.item.map { usage.amounts[$0] ?? .zero } ?? usage.total
                guard amount != .zero else { continue }
                sum += amount
                taken.append(usage)
                if sum > unexplained.magnitude + tolerance { break }
                if sum.distance(to: unexplained.magnitude) <= tolerance {
                    let names = taken.count <= 3 ? taken.map(\.requestID).joined(separator: ", ") : "\(taken.count) requests"
                    return "\(names) (\(sum.displayString)) recorded on \(from) near midnight: billed on another day (\(to))"
                }
            }
        }
        return nil
    }
}
