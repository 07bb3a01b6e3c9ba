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
                account: current.name, at: time, balance: current.balance, available: current.balance - reserved + current.overdraftAllowance,
                reserved: reserved, overdraftAllowance: current.overdraftAllowance, lots: lots,
                tier: try Ledger.tier(accountID: found.id, at: time, db: db), monthToDate: monthToDate, expiredNow: expired,
                recharge: try Ledger.rechargePolicy(of: found, db: db),
                rechargeAttempts: try Ledger.rechargeAttempts(
                    "r.account_id = ? AND r.occurred_at_ms >= ? AND r.occurred_at_ms <= ?", [found.id, time.startOfMonth.milliseconds, time.milliseconds],
                    db: db),
                limits: try Ledger.limitSettings(of: found, db: db), alerts: try Ledger.alerts(accountID: found.id, month: time.startOfMonth, db: db))
        }
    }

    /// The usage tier of an account at `time`, from its card payments up to then and the
    /// ledger's tier table.
    static func tier(accountID: Int64, at time: Timestamp, db: Database) throws -> UsageTier {
        let row = try db.row("""
                SELECT coalesce(sum(amount_nanos), 0) AS paid, min(occurred_at_ms) AS first FROM transfer
                WHERE credit_account_id = ? AND kind IN ('purchase', 'recharge') AND occurred_at_ms <= ?
                """, [accountID, time.milliseconds])!
        let first: Int64? = row["first"]
        return UsageTier.reached(
            paid: Money(nanos: row["paid"]), firstPayment: first.map(Timestamp.init(milliseconds:)), at: time, table: try usageTiers(db: db))
    }

    /// Usage charged to an account in `time`'s calendar month (UTC), through the end of `time`'s
    /// day: read from the daily rollup, never from the usage rows. (For an operation at the
    /// present, as every charge and reservation is, that is exactly the month to date.)
    static func monthToDate(accountID: Int64, at time: Timestamp, db: Database) throws -> Money {
        let day = time.milliseconds - time.milliseconds % DailyRollup.dayMilliseconds
        let nanos = try db.value(
            Int64.self, "SELECT coalesce(sum(cost_nanos), 0) FROM usage_daily WHERE account_id = ? AND day_ms >= ? AND day_ms <= ?",
            [accountID, time.startOfMonth.milliseconds, day])
        return Money(nanos: nanos ?? 0)
    }
}
