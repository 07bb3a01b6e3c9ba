import GRDB
import TokenLedgerCore

extension Ledger {
    /// The usage of `account` (every account when nil) with times in `[from, to)`, added up for
    /// a FOCUS export: by UTC day, account, project, provider, model, tier, band, price entry and
    /// token class, each class's share of the recorded charges split as by ``Cost/split(recorded:)``.
    /// Classes without tokens are left out. Ordered by day, account, project, model, tier, band,
    /// price and class. Throws ``ChargeRefusal/unknownAccount(_:)`` for an unknown account.
    public func focusUsage(account: String?, from: Timestamp, to: Timestamp) throws -> [FocusUsageGroup] {
        try read { db in try Ledger.focusUsage(account: account, from: from, to: to, db: db) }
    }

    /// ``focusUsage(account:from:to:)`` over either store.
    static func focusUsage(account: String?, from: Timestamp, to: Timestamp, db: some BooksReader) throws -> [FocusUsageGroup] {
        var groups: [FocusGroupKey: FocusUsageGroup] = [:]
        try forEachSplitUsage(account: account, from: from, to: to, db: db) { split in
            for tokenClass in TokenClass.allCases {
                let tokens = tokenClass.tokens(in: split.usage)
                let amount = split.amounts[tokenClass] ?? .zero
                guard tokens > 0 || amount != .zero else { continue }
                let key = FocusGroupKey(
                    day: CalendarDay(split.at), account: split.account, project: split.project, provider: split.provider, model: split.model,
                    tier: split.tier, band: split.band, priceEntryID: split.priceEntryID, tokenClass: tokenClass)
                let rate = split.rates.flatMap(tokenClass.rate(in:)) ?? 0
                groups[
                    key,
                    default: FocusUsageGroup(
                        day: key.day, account: key.account, project: key.project, model: key.model, tier: key.tier, band: key.band,
                        tokenClass: tokenClass, priceEffectiveFrom: split.priceEffectiveFrom, rateNanosPerMillion: rate, provider: split.provider,
                        publisher: Providers.publisher(model: split.model, entryProvider: split.entryProvider))
                ].tokens += tokens
                groups[key]!.billed += amount
            }
        }
        return groups.sorted { $0.key < $1.key }.map(\.value)
    }
}

/// What a FOCUS row adds up over.
private struct FocusGroupKey: Hashable, Comparable {
    var day: CalendarDay
    var account: String
    var project: String?
    var provider: String?
    var model: String
    var tier: ServiceTier
    var band: PriceBand
    var priceEntryID: Int64
    var tokenClass: TokenClass

    static func < (lhs: FocusGroupKey, rhs: FocusGroupKey) -> Bool {
        let left = LineItem.tokens(model: lhs.model, tier: lhs.tier, band: lhs.band, tokenClass: lhs.tokenClass)
        let right = LineItem.tokens(model: rhs.model, tier: rhs.tier, band: rhs.band, tokenClass: rhs.tokenClass)
        if lhs.day != rhs.day { return lhs.day < rhs.day }
        if lhs.account != rhs.account { return lhs.account < rhs.account }
        if lhs.project != rhs.project { return (lhs.project ?? "") < (rhs.project ?? "") }
        if lhs.provider != rhs.provider { return (lhs.provider ?? "") < (rhs.provider ?? "") }
        if left != right { return left < right }
        return lhs.priceEntryID < rhs.priceEntryID
    }
}

extension Ledger {
    /// The FOCUS export of the calendar month starting at `month` (UTC), for `account` (every
    /// account when nil): ``FocusReport/rows(_:periodStart:periodEnd:provider:)`` over
    /// ``focusUsage(account:from:to:)``, one row per ``FocusReport/columns``.
    /// `provider` names the provider of rows whose charges recorded none (charges made before
    /// providers were). Throws ``ChargeRefusal/unknownAccount(_:)`` for an unknown account, and
    /// ``InputError`` (field `provider`) for an empty provider name (FOCUS requires `ProviderName`).
    public func focusRows(account: String?, month: Timestamp, provider: String) throws -> [[String?]] {
        try Ledger.checkFocusProvider(provider)
        return try read { db in try Ledger.focusRows(account: account, month: month, provider: provider, db: db) }
    }

    /// Refuses an empty provider name (``InputError``, field `provider`): FOCUS requires `ProviderName`.
    package static func checkFocusProvider(_ provider: String) throws {
        guard !provider.isEmpty else { throw InputError(field: "provider", reason: "the provider's name is empty (FOCUS requires ProviderName)") }
    }

    /// ``focusRows(account:month:provider:)`` over either store (the provider checked).
    package static func focusRows(account: String?, month: Timestamp, provider: String, db: some BooksReader) throws -> [[String?]] {
        let groups = try focusUsage(account: account, from: month, to: month.startOfNextMonth, db: db)
        return FocusReport.rows(groups, periodStart: month, periodEnd: month.startOfNextMonth, provider: provider)
    }
}
