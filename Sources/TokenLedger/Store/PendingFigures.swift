import GRDB
import TokenLedgerCore

/// The figures that usage rows change and that are written later than the rows themselves:
/// account balances (the customer's down, `@usage` up), lot remainders, each account's month
/// counter, and the daily rollup (`usage_daily`).
///
/// One writer of a usage row's effects on figures, whoever recorded the row: a ``ChargeBatch``
/// adds each charge it records and writes them at its flush; ``UsageTail/fold(_:)`` adds the
/// rows of a tail left by another process and writes them the same way.
package struct PendingFigures {
    /// How much each customer account's balance goes down (every account with a row is here,
    /// at zero for free usage, so that its month counter is written).
    private var debits: [Int64: Int64] = [:]
    /// How much `@usage` goes up.
    package private(set) var usageTotal: Int64 = 0
    /// How much each lot goes down.
    private var draws: [Int64: Int64] = [:]
    /// Each account's month counter after the rows.
    private var counters: [Int64: MonthCounter] = [:]
    /// Usage not yet added to `usage_daily`.
    package var rollup = DailyRollup()
    /// Usage rows added since the last write.
    package private(set) var rows = 0

    /// Whether the rollup has written sums since this was last cleared (a one-charge
    /// transaction that wrote part of the rollup must write everything).
    var rollupWrote: Bool { rollup.wrote }

    /// The debit and the draw of the last rows, while they name the same account and lot (an
    /// import's rows mostly do): added up here, without hashing, until another comes.
    private var lastDebit: (accountID: Int64, nanos: Int64)?
    private var lastDraw: (lotID: Int64, nanos: Int64)?

    package init() {}

    /// Adds one usage row: its account, cost, the lot it drew from first (further lots go to
    /// ``addDraws(_:)``), and its rollup key. The month counter is set apart, by
    /// ``setCounter(_:accountID:)``.
    package mutating func add(
        _ request: ChargeRequest, usage: TokenUsage, accountID: Int64, band: PriceBand, cost: Money, firstDraw: Allocation?, db: some BooksWriter
    ) throws {
        rows += 1
        usageTotal += cost.nanos
        if let last = lastDebit, last.accountID == accountID {
            lastDebit = (accountID, last.nanos + cost.nanos)
        } else {
            settleLastDebit()
            lastDebit = (accountID, cost.nanos)
        }
        if let draw = firstDraw {
            if let last = lastDraw, last.lotID == draw.lotID {
                lastDraw = (last.lotID, last.nanos + draw.amount.nanos)
            } else {
                settleLastDraw()
                lastDraw = (draw.lotID, draw.amount.nanos)
            }
        }
        try rollup.add(request, usage: usage, accountID: accountID, band: band, cost: cost, db: db)
        if rollup.count >= DailyRollup.flushThreshold { try rollup.flush(db: db) }
    }

    /// Adds draws on further lots of rows already added.
    package mutating func addDraws(_ lotDraws: [Allocation]) {
        for draw in lotDraws { draws[draw.lotID, default: 0] += draw.amount.nanos }
    }

    private mutating func settleLastDebit() {
        if let last = lastDebit { debits[last.accountID, default: 0] += last.nanos }
        lastDebit = nil
    }

    private mutating func settleLastDraw() {
        if let last = lastDraw { draws[last.lotID, default: 0] += last.nanos }
        lastDraw = nil
    }

    /// Sets the account's month counter as it is after the rows added.
    package mutating func setCounter(_ counter: MonthCounter, accountID: Int64) { counters[accountID] = counter }

    /// Every figure held but the rollup's, and forgets them: for a store that writes them its
    /// own way (PostgreSQL's, many at once). Each account debited has its month counter.
    package mutating func take() -> (debits: [Int64: Int64], counters: [Int64: MonthCounter], draws: [Int64: Int64]) {
        settleLastDebit()
        settleLastDraw()
        defer {
            debits.removeAll(keepingCapacity: true)
            counters.removeAll(keepingCapacity: true)
            draws.removeAll(keepingCapacity: true)
            usageTotal = 0
            rows = 0
        }
        return (debits, counters, draws)
    }

    /// Writes every figure held, and forgets it. Accounts and lots are written in key order.
    mutating func write(db: Database) throws {
        settleLastDebit()
        settleLastDraw()
        let account = try DirectStatement(
            cachedIn: db, sql: "UPDATE account SET balance_nanos = balance_nanos - ?, usage_month_ms = ?, usage_month_nanos = ? WHERE id = ?",
            parameterCount: 4)
        for (accountID, debit) in debits.sorted(by: { $0.key < $1.key }) {
            guard let counter = counters[accountID] else { preconditionFailure("usage of an account without its month counter") }
            try account.bind(debit, at: 1)
            try account.bind(counter.startMilliseconds, at: 2)
            try account.bind(counter.usageNanos, at: 3)
            try account.bind(accountID, at: 4)
            _ = try account.step(in: db)
        }
        if usageTotal != 0 {
            let system = try DirectStatement(cachedIn: db, sql: "UPDATE account SET balance_nanos = balance_nanos + ? WHERE id = ?", parameterCount: 2)
            try system.bind(usageTotal, at: 1)
            try system.bind(SystemAccount.usage.rawValue, at: 2)
            _ = try system.step(in: db)
        }
        let lot = try DirectStatement(cachedIn: db, sql: "UPDATE lot SET remaining_nanos = remaining_nanos - ? WHERE id = ?", parameterCount: 2)
        for (lotID, nanos) in draws.sorted(by: { $0.key < $1.key }) where nanos != 0 {
            try lot.bind(nanos, at: 1)
            try lot.bind(lotID, at: 2)
            _ = try lot.step(in: db)
        }
        try rollup.flush(db: db)
        debits.removeAll(keepingCapacity: true)
        counters.removeAll(keepingCapacity: true)
        draws.removeAll(keepingCapacity: true)
        usageTotal = 0
        rows = 0
    }

    /// Starts counting "the rollup wrote" afresh (after a flush that wrote everything).
    mutating func clearRollupWrote() { rollup.wrote = false }
}
