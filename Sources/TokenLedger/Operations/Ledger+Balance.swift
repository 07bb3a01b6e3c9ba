import GRDB
import TokenLedgerCore

/// An account's balance at a time, with its lots.
public struct BalanceReport: Sendable, Hashable {
    public var account: String
    public var at: Timestamp
    /// Credits minus debits: negative is overdraft owed.
    public var balance: Money
    /// What can still be reserved or spent with `--enforce`: the balance minus open holds plus
    /// the overdraft allowance.
    public var available: Money
    /// The holds of reservations open at `at`.
    public var reserved: Money
    public var overdraftAllowance: Money
    /// Lots with credit remaining, in the order they will be spent.
    public var lots: [Lot]
    public var tier: UsageTier
    /// Usage charged in `at`'s calendar month (UTC) up to and including `at`.
    public var monthToDate: Money
    /// What was written off now because lots had expired by `at`.
    public var expiredNow: [ExpiryRecord]
    /// The auto-recharge settings; nil when off.
    public var recharge: AutoRechargePolicy?
    /// The recharges attempted in `at`'s month up to `at`, failed ones included.
    public var rechargeAttempts: [RechargeAttempt]
    /// The limits set on the account and its projects.
    public var limits: [LimitSetting]
    /// The alerts recorded in `at`'s month.
    public var alerts: [LimitAlert]
}

extension Ledger {
    /// The balance of `account` as it stood at `time`, with its lots as they stood then.
    ///
    /// Historical: only the journal's entries at or before `time` count (a later purchase,
    /// charge or expiry write-off does not), lots created after `time` are absent and each
    /// lot's remaining credit is what it was then; the figures equal the statement's closing
    /// balance at the same instant (``statement(of:month:now:)``). Month to date is the usage
    /// from the month's start through `time`; the open holds are those open at `time`.
    ///
    /// It first writes off lots expired by `time` and releases reservations expired by then (facts
    /// dated at their expiry, as any operation at `time` would), and writes nothing when there
    /// are none. Throws ``ChargeRefusal/unknownAccount(_:)`` for an unknown account.
    public func balance(of account: String, at time: Timestamp) throws -> BalanceReport {
        try write { db in
            guard let found = try Account.find(named: account, db: db) else { throw ChargeRefusal.unknownAccount(account) }
            let expired = try Ledger.bringUpToDate(found, at: time, db: db).expired
            return try Ledger.balanceReport(of: found, at: time, expiredNow: expired, db: db)
        }
    }

    /// The rest of ``balance(of:at:)`` once the account's expired lots are written off (on
    /// either store): its expired reservations released, then the figures read.
    package static func balanceReport(of found: Account, at time: Timestamp, expiredNow expired: [ExpiryRecord], db: some BooksWriter) throws
        -> BalanceReport
    {
        _ = try Ledger.releaseExpiredReservations(accountID: found.id, at: time, db: db)
        let balance = try Ledger.balance(accountID: found.id, through: time, db: db)
        let reserved = try Ledger.holds(accountID: found.id, openAt: time, db: db)
        return BalanceReport(
            account: found.name, at: time, balance: balance,
            available: Credits.available(balance: balance, holds: reserved, overdraftAllowance: found.overdraftAllowance),
            reserved: reserved, overdraftAllowance: found.overdraftAllowance,
            lots: try Ledger.lots(accountID: found.id, at: time, db: db).filter { $0.remaining.nanos > 0 }.sorted(by: Credits.spentBefore),
            tier: try Ledger.tier(accountID: found.id, at: time, db: db),
            monthToDate: try Ledger.monthToDate(accountID: found.id, at: time, db: db), expiredNow: expired,
            recharge: try Ledger.rechargePolicy(of: found, db: db),
            rechargeAttempts: try Ledger.rechargeAttempts(
                .account(found.id, fromMilliseconds: time.startOfMonth.milliseconds, beforeMilliseconds: time.milliseconds + 1), db: db),
            limits: try Ledger.limitSettings(of: found, db: db),
            alerts: try Ledger.alerts(accountID: found.id, month: time.startOfMonth, db: db).filter { $0.at <= time })
    }

    /// The usage tier of an account at `time`, from its card payments up to then and the
    /// ledger's tier table (``PaymentHistory/tierRank(at:table:)``, as charges find it).
    static func tier(accountID: Int64, at time: Timestamp, db: some BooksReader) throws -> UsageTier {
        let table = try usageTiers(db: db)
        return table[try payments(accountID: accountID, db: db).tierRank(at: time, table: table)]
    }

    /// An account's card payments: its purchases and recharges.
    package static func payments(accountID: Int64, db: some BooksReader) throws -> PaymentHistory {
        try payments(accountIDs: [accountID], db: db)[accountID] ?? PaymentHistory()
    }

    /// The card payments of each of the accounts `accountIDs` (those with none are absent), in
    /// one statement.
    package static func payments(accountIDs: [Int64], db: some BooksReader) throws -> [Int64: PaymentHistory] {
        guard !accountIDs.isEmpty else { return [:] }
        let rows = try db.select(
            """
            SELECT credit_account_id, occurred_at_ms, amount_nanos FROM transfer
            WHERE credit_account_id IN (\(accountIDs.map { _ in "?" }.joined(separator: ", "))) AND kind IN ('purchase', 'recharge')
            ORDER BY credit_account_id, occurred_at_ms
            """, accountIDs.map(\.databaseValue))
        return Dictionary(grouping: rows) { $0["credit_account_id"] as Int64 }.mapValues { rows in
            PaymentHistory(rows.map { (milliseconds: $0["occurred_at_ms"], nanos: $0["amount_nanos"]) })
        }
    }

    /// Usage charged to an account in `time`'s calendar month (UTC) up to and including `time`:
    /// whole days from the daily rollup, `time`'s own day from its usage rows.
    static func monthToDate(accountID: Int64, at time: Timestamp, db: some BooksReader) throws -> Money {
        try usageCost(accountID: accountID, from: time.startOfMonth, through: time, db: db)
    }

    /// The cost of an account's usage from `from` (a UTC midnight) up to and including `time`:
    /// the daily rollup for the whole days before `time`'s day, the usage rows of that day (read
    /// by the `usage_by_account_time` index).
    static func usageCost(accountID: Int64, from: Timestamp, through time: Timestamp, db: some BooksReader) throws -> Money {
        precondition(from.milliseconds % DailyRollup.dayMilliseconds == 0, "a UTC midnight")
        let day = max(from.milliseconds, time.milliseconds - time.milliseconds % DailyRollup.dayMilliseconds)
        let wholeDays = try rollupCost(accountID: accountID, fromDay: from.milliseconds, beforeDay: day, project: nil, db: db)
        let today = try db.count(
            "SELECT coalesce(sum(cost_nanos), 0) FROM usage WHERE account_id = ? AND occurred_at_ms >= ? AND occurred_at_ms <= ?",
            sqlValues(accountID, day, time.milliseconds))
        return Money(nanos: wholeDays + today)
    }

    /// The account's balance as it stood at `time`: every credit minus every debit at or before
    /// it, usage through ``usageCost(accountID:from:through:db:)``.
    static func balance(accountID: Int64, through time: Timestamp, db: some BooksReader) throws -> Money {
        let transferred =
            try db.count(
                """
                SELECT coalesce((SELECT sum(amount_nanos) FROM transfer WHERE credit_account_id = ?1 AND occurred_at_ms <= ?2), 0)
                     - coalesce((SELECT sum(amount_nanos) FROM transfer WHERE debit_account_id = ?1 AND occurred_at_ms <= ?2), 0)
                """, sqlValues(accountID, time.milliseconds))
        return Money(nanos: transferred) - (try usageCost(accountID: accountID, from: .earliest, through: time, db: db))
    }

    /// The holds of the account's reservations open at `time`: made at or before it, neither
    /// closed nor expired by then.
    static func holds(accountID: Int64, openAt time: Timestamp, db: some BooksReader) throws -> Money {
        Money(
            nanos: try db.count(
                """
                SELECT coalesce(sum(hold_nanos), 0) FROM reservation WHERE account_id = ?1 AND created_at_ms <= ?2 AND expires_at_ms > ?2
                  AND (closed_at_ms IS NULL OR closed_at_ms > ?2)
                """, sqlValues(accountID, time.milliseconds)))
    }

    /// The account's lots created at or before `time` that expire after `expiringAfter` (by
    /// default `time`: those live then), soonest expiry first, each with what remained of it at
    /// `time`: what remains now plus what was drawn from it after `time` (by transfers and by
    /// charges), less what corrections gave back to it after `time`. Lots with nothing left are
    /// included.
    static func lots(accountID: Int64, at time: Timestamp, expiringAfter: Timestamp? = nil, db: some BooksReader) throws -> [Lot] {
        // One pass over the charges after `time` (none for the present), not one per lot.
        try db.select(
            """
            WITH drawn_by_usage AS MATERIALIZED (
                SELECT lot_id, sum(lot_nanos) AS nanos FROM usage
                WHERE account_id = ?1 AND occurred_at_ms > ?2 AND lot_id IS NOT NULL GROUP BY lot_id)
            SELECT l.id, l.kind, l.original_nanos, l.created_at_ms, l.expires_at_ms, l.remaining_nanos
                 + coalesce((SELECT sum(x.amount_nanos) FROM allocation x JOIN transfer t ON t.id = x.transfer_id
                             WHERE x.lot_id = l.id AND t.occurred_at_ms > ?2), 0)
                 + coalesce((SELECT nanos FROM drawn_by_usage d WHERE d.lot_id = l.id), 0)
                 + coalesce((SELECT sum(x.amount_nanos) FROM usage_allocation x JOIN usage u ON u.id = x.usage_id
                             WHERE x.lot_id = l.id AND u.occurred_at_ms > ?2), 0)
                 - coalesce((SELECT sum(r.amount_nanos) FROM lot_return r JOIN transfer t ON t.id = r.transfer_id
                             WHERE r.lot_id = l.id AND t.occurred_at_ms > ?2), 0) AS remaining_nanos
            FROM lot l WHERE l.account_id = ?1 AND l.created_at_ms <= ?2 AND l.expires_at_ms > ?3
            ORDER BY l.expires_at_ms, l.id
            """, sqlValues(accountID, time.milliseconds, (expiringAfter ?? time).milliseconds)
        ).map(Lot.init(row:))
    }

    /// The cost in the daily rollup of an account's usage (of one project when given) on the
    /// days in `[fromDay, beforeDay)`.
    package static func rollupCost(accountID: Int64, fromDay: Int64, beforeDay: Int64, project: String?, db: some BooksReader) throws -> Int64 {
        // Two statements rather than `?4 IS NULL OR …`: PostgreSQL cannot type a parameter that is only ever NULL.
        let sql = "SELECT CAST(coalesce(sum(cost_nanos), 0) AS BIGINT) FROM usage_daily WHERE account_id = ? AND day_ms >= ? AND day_ms < ?"
        guard let project else { return try db.count(sql, sqlValues(accountID, fromDay, beforeDay)) }
        return try db.count(sql + " AND project = ?", sqlValues(accountID, fromDay, beforeDay, project))
    }
}
