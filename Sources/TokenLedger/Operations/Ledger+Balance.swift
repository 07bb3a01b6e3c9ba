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
    /// Usage charged in `at`'s calendar month (UTC) through the end of `at`'s day.
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
    /// The balance of `account` at `time`, after writing off lots expired by then.
    /// Throws ``ChargeRefusal/unknownAccount(_:)`` for an unknown account.
    public func balance(of account: String, at time: Timestamp) throws -> BalanceReport {
        try write { db in
            guard let found = try Account.find(named: account, db: db) else { throw ChargeRefusal.unknownAccount(account) }
            let state = try Ledger.bringUpToDate(found, at: time, db: db)
            let (current, expired) = (state.account, state.expired)
            let lots = state.lots.sorted(by: Credits.spentBefore)
            let monthToDate = try Ledger.monthToDate(accountID: found.id, at: time, db: db)
            let reserved = try Ledger.releaseExpiredReservations(accountID: found.id, at: time, db: db)
            return BalanceReport(
                account: current.name, at: time, balance: current.balance,
                available: Credits.available(balance: current.balance, holds: reserved, overdraftAllowance: current.overdraftAllowance),
                reserved: reserved, overdraftAllowance: current.overdraftAllowance, lots: lots,
                tier: try Ledger.tier(accountID: found.id, at: time, db: db), monthToDate: monthToDate, expiredNow: expired,
                recharge: try Ledger.rechargePolicy(of: found, db: db),
                rechargeAttempts: try Ledger.rechargeAttempts(
                    .account(found.id, fromMilliseconds: time.startOfMonth.milliseconds, beforeMilliseconds: time.milliseconds + 1), db: db),
                limits: try Ledger.limitSettings(of: found, db: db), alerts: try Ledger.alerts(accountID: found.id, month: time.startOfMonth, db: db))
        }
    }

    /// The usage tier of an account at `time`, from its card payments up to then and the
    /// ledger's tier table (``PaymentHistory/tierRank(at:table:)``, as charges find it).
    static func tier(accountID: Int64, at time: Timestamp, db: Database) throws -> UsageTier {
        let table = try usageTiers(db: db)
        return table[try payments(accountID: accountID, db: db).tierRank(at: time, table: table)]
    }

    /// An account's card payments: its purchases and recharges.
    static func payments(accountID: Int64, db: Database) throws -> PaymentHistory {
        let query = try DirectStatement(
            cachedIn: db,
            sql: "SELECT occurred_at_ms, amount_nanos FROM transfer WHERE credit_account_id = ? AND kind IN ('purchase', 'recharge') ORDER BY occurred_at_ms",
            parameterCount: 1)
        try query.bind(accountID, at: 1)
        var payments: [(milliseconds: Int64, nanos: Int64)] = []
        while try query.nextRow(in: db) { payments.append((query.int64(0), query.int64(1))) }
        return PaymentHistory(payments)
    }

    /// Usage charged to an account in `time`'s calendar month (UTC), through the end of `time`'s
    /// day: read from the daily rollup, never from the usage rows. (For an operation at the
    /// present, as every charge and reservation is, that is exactly the month to date.)
    static func monthToDate(accountID: Int64, at time: Timestamp, db: Database) throws -> Money {
        let day = time.milliseconds - time.milliseconds % DailyRollup.dayMilliseconds
        return Money(
            nanos: try rollupCost(
                accountID: accountID, fromDay: time.startOfMonth.milliseconds, beforeDay: day + DailyRollup.dayMilliseconds, project: nil, db: db))
    }

    /// The cost in the daily rollup of an account's usage (of one project when given) on the
    /// days in `[fromDay, beforeDay)`.
    static func rollupCost(accountID: Int64, fromDay: Int64, beforeDay: Int64, project: String?, db: Database) throws -> Int64 {
        try db.value(
            Int64.self,
            "SELECT coalesce(sum(cost_nanos), 0) FROM usage_daily WHERE account_id = ?1 AND day_ms >= ?2 AND day_ms < ?3 AND (?4 IS NULL OR project = ?4)",
            [accountID, fromDay, beforeDay, project]) ?? 0
    }
}
