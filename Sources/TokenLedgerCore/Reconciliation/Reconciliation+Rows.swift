/// The amounts of each row while a reconciliation adds them up, and how a row is judged and explained.
struct RowTable {
    let granularity: ReconciliationGranularity
    private(set) var keys: Set<RowKey> = []
    private var providerPicos: [RowKey: Int128] = [:]
    private var ledger: [RowKey: Money] = [:]
    private var shifted: [RowKey: Money] = [:]
    /// The provider's texts of line items read as `other`, for the row's note.
    private var otherTexts: [RowKey: Set<String>] = [:]

    init(granularity: ReconciliationGranularity) { self.granularity = granularity }

    func key(_ day: CalendarDay, _ item: LineItem) -> RowKey { RowKey(day: day, item: granularity == .day ? nil : item) }

    mutating func touch(_ key: RowKey) { keys.insert(key) }

    mutating func addProvider(_ cost: ProviderCost) {
        let key = key(cost.day, cost.item)
        providerPicos[key, default: 0] += cost.amountPicos
        if cost.item == .other, granularity == .lineItem { otherTexts[key, default: []].insert(cost.text.map { "'\($0)'" } ?? "(no line item)") }
        keys.insert(key)
    }

    mutating func addLedger(_ cost: LedgerCost) {
        let key = key(cost.day, cost.item)
        ledger[key, default: .zero] += cost.amount
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

    /// The row of `key`, judged with `tolerance` and explained.
    func row(_ key: RowKey, tolerance: Money, shifts: [Shift], tokens: TokenComparison?) -> ReconciliationRow {
        var row = ReconciliationRow(
            day: key.day, item: key.item, provider: Reconciliation.nanos(providerPicos[key] ?? 0), ledger: ledger[key] ?? .zero,
            shifted: shifted[key] ?? .zero, status: .match, note: "")
        row.status = status(of: row, tolerance: tolerance)
        var notes: [String] = []
        if row.shifted != .zero { notes += shiftNotes(key, shifts: shifts) }
        notes.append(amountNote(row))
        if let texts = otherTexts[key], !texts.isEmpty { notes.append("not read as tokens: " + texts.sorted().joined(separator: ", ")) }
        if !row.status.isReconciled, let tokenNote = tokens?.note(for: key) { notes.append(tokenNote) }
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

    /// The comparison for a row: the day's classes, or the line item's class (all bands).
    func note(for key: RowKey) -> String? {
        var counts: [(TokenClass, (ledger: Int64, provider: Int64))]
        switch key.item {
        case .other: return nil
        case nil: counts = TokenClass.allCases.map { ($0, byDay[key.day]?[$0] ?? (0, 0)) }
        case .tokens(let model, let tier, _, let tokenClass):
            counts = [(tokenClass, byItem[TokenCountKey(day: key.day, model: model, tier: tier, tokenClass: tokenClass)] ?? (0, 0))]
        }
        counts = counts.filter { $0.1.ledger != 0 || $0.1.provider != 0 }
        if counts.isEmpty { return "no tokens in the ledger or the provider's usage report" }
        if counts.allSatisfy({ $0.1.ledger == $0.1.provider }) {
            let listed = counts.map { "\($0.0.lineItemName) \($0.1.ledger)" }.joined(separator: ", ")
            return "tokens agree with the provider's usage report (\(listed)): the prices differ"
        }
        let listed = counts.filter { $0.1.ledger != $0.1.provider }
            .map { "\($0.0.lineItemName) \($0.1.ledger) in the ledger, \($0.1.provider) reported" }.joined(separator: ", ")
        return "tokens differ from the provider's usage report: " + listed
    }
}
