import GRDB
import TokenLedgerCore

/// An auto-recharge the ledger attempted after a charge: its amount and whether the payment
/// succeeded. A succeeded recharge is a purchase (a lot that expires a year later, counted
/// towards the usage tier); a failed one added nothing.
public struct RechargeAttempt: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        case succeeded
        case failed
    }

    public var account: String
    public var amount: Money
    public var status: Status
    /// Why the payment failed, as the payment method said; nil when it succeeded.
    public var failure: String?
    public var at: Timestamp
    /// The account's balance right after the recharge (unchanged when it failed).
    public var balance: Money
    /// The part of the recharge that repaid overdraft.
    public var repaid: Money
    /// The request id of the charge that caused it.
    public var requestID: String
}

/// An account's auto-recharge settings (``AutoRechargePolicy``) as the ledger stores them.
public struct AutoRechargeSettings: Sendable, Hashable {
    public var account: String
    /// Nil: auto-recharge is off.
    public var policy: AutoRechargePolicy?
}

extension Ledger {
    /// Turns auto-recharge on for `account` with `threshold`, `restoreTo` and an optional
    /// `monthlyCap`, replacing earlier settings; or off, with `policy` nil.
    ///
    /// Refuses ``AutoRechargeRefusal`` (threshold not positive, restore-to not above it or above
    /// the account's purchase maximum, monthly cap not positive whole cents) and
    /// ``ChargeRefusal/unknownAccount(_:)``.
    @discardableResult
    public func setAutoRecharge(
        account: String, threshold: Money, restoreTo: Money, monthlyCap: Money? = nil, at time: Timestamp
    ) throws -> AutoRechargeSettings {
        try write { db in try Ledger.setAutoRecharge(account: account, threshold: threshold, restoreTo: restoreTo, monthlyCap: monthlyCap, at: time, db: db) }
    }

    /// ``setAutoRecharge(account:threshold:restoreTo:monthlyCap:at:)`` inside the store's
    /// transaction, the account's row locked.
    package static func setAutoRecharge(
        account: String, threshold: Money, restoreTo: Money, monthlyCap: Money?, at time: Timestamp, db: some BooksWriter
    ) throws -> AutoRechargeSettings {
        guard let found = try Account.locked(named: account, db: db) else { throw ChargeRefusal.unknownAccount(account) }
        let policy = try AutoRechargePolicy(threshold: threshold, restoreTo: restoreTo, monthlyCap: monthlyCap, maximumPurchase: found.maximumPurchase)
        try db.perform(
            """
            INSERT INTO auto_recharge (account_id, threshold_nanos, restore_to_nanos, monthly_cap_nanos, updated_at_ms) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (account_id) DO UPDATE SET threshold_nanos = excluded.threshold_nanos, restore_to_nanos = excluded.restore_to_nanos,
                monthly_cap_nanos = excluded.monthly_cap_nanos, updated_at_ms = excluded.updated_at_ms
            """, sqlValues(found.id, threshold.nanos, restoreTo.nanos, monthlyCap?.nanos, time.milliseconds))
        return AutoRechargeSettings(account: found.name, policy: policy)
    }

    /// Turns auto-recharge off for `account`. Refuses ``ChargeRefusal/unknownAccount(_:)``.
    @discardableResult
    public func turnOffAutoRecharge(account: String) throws -> AutoRechargeSettings {
        try write { db in try Ledger.turnOffAutoRecharge(account: account, db: db) }
    }

    /// ``turnOffAutoRecharge(account:)`` inside the store's transaction, the account's row locked.
    package static func turnOffAutoRecharge(account: String, db: some BooksWriter) throws -> AutoRechargeSettings {
        guard let found = try Account.locked(named: account, db: db) else { throw ChargeRefusal.unknownAccount(account) }
        try db.perform("DELETE FROM auto_recharge WHERE account_id = ?", sqlValues(found.id))
        return AutoRechargeSettings(account: found.name, policy: nil)
    }

    /// The auto-recharge settings of `account`. Refuses ``ChargeRefusal/unknownAccount(_:)``.
    public func autoRecharge(account: String) throws -> AutoRechargeSettings {
        try read { db in try Ledger.autoRecharge(account: account, db: db) }
    }

    /// ``autoRecharge(account:)`` over either store.
    package static func autoRecharge(account: String, db: some BooksReader) throws -> AutoRechargeSettings {
        guard let found = try Account.find(named: account, db: db) else { throw ChargeRefusal.unknownAccount(account) }
        return AutoRechargeSettings(account: found.name, policy: try Ledger.rechargePolicy(of: found, db: db))
    }

    static func rechargePolicy(of account: Account, db: some BooksReader) throws -> AutoRechargePolicy? {
        guard let row = try db.first("SELECT * FROM auto_recharge WHERE account_id = ?", sqlValues(account.id)) else { return nil }
        return try? AutoRechargePolicy(
            threshold: Money(nanos: row["threshold_nanos"]), restoreTo: Money(nanos: row["restore_to_nanos"]),
            monthlyCap: (row["monthly_cap_nanos"] as Int64?).map(Money.init(nanos:)), maximumPurchase: account.maximumPurchase)
    }

    /// The recharges attempted for `account` (succeeded and failed) with times in `[from, to)`,
    /// in time order: for statements, which list failed recharges beside the recharges in the
    /// journal. Refuses ``ChargeRefusal/unknownAccount(_:)``.
    public func rechargeAttempts(account: String, from: Timestamp = .earliest, to: Timestamp = .latest) throws -> [RechargeAttempt] {
        try read { db in try Ledger.rechargeAttempts(account: account, from: from, to: to, db: db) }
    }

    /// ``rechargeAttempts(account:from:to:)`` on either store.
    package static func rechargeAttempts(account: String, from: Timestamp, to: Timestamp, db: some BooksReader) throws -> [RechargeAttempt] {
        guard let found = try Account.find(named: account, db: db) else { throw ChargeRefusal.unknownAccount(account) }
        return try Ledger.rechargeAttempts(.account(found.id, fromMilliseconds: from.milliseconds, beforeMilliseconds: to.milliseconds), db: db)
    }

    /// Which recharge attempts to read.
    package enum RechargeAttemptFilter {
        /// The attempt caused by one charge (its usage row).
        case causedBy(usageID: Int64)
        /// An account's attempts with times in `[from, before)`.
        case account(Int64, fromMilliseconds: Int64, beforeMilliseconds: Int64)
    }

    /// What succeeded recharges added to an account with times in `[from, to)`.
    package static func rechargedNanos(accountID: Int64, from: Int64, to: Int64, db: some BooksReader) throws -> Int64 {
        try db.count(
            """
            SELECT CAST(coalesce(sum(amount_nanos), 0) AS BIGINT) FROM recharge_attempt
            WHERE account_id = ? AND status = 'succeeded' AND occurred_at_ms >= ? AND occurred_at_ms < ?
            """, sqlValues(accountID, from, to))
    }

    package static func rechargeAttempts(_ filter: RechargeAttemptFilter, db: some BooksReader) throws -> [RechargeAttempt] {
        let (condition, arguments): (String, [DatabaseValue]) =
            switch filter {
            case .causedBy(let usageID): ("r.usage_id = ?", sqlValues(usageID))
            case .account(let id, let from, let before): ("r.account_id = ? AND r.occurred_at_ms >= ? AND r.occurred_at_ms < ?", sqlValues(id, from, before))
            }
        return try db.select(
            """
            SELECT a.name, r.amount_nanos, r.status, r.failure, r.occurred_at_ms, u.request_id, u.balance_after_nanos,
                   t.balance_after_nanos AS recharged_balance,
                   coalesce((SELECT x.amount_nanos FROM allocation x WHERE x.transfer_id = t.id), 0) AS repaid
            FROM recharge_attempt r JOIN account a ON a.id = r.account_id JOIN usage u ON u.id = r.usage_id
            LEFT JOIN transfer t ON t.id = r.transfer_id
            WHERE \(condition) ORDER BY r.occurred_at_ms, r.id
            """, arguments
        ).map { row in
            let recharged: Int64? = row["recharged_balance"]
            return RechargeAttempt(
                account: row["name"], amount: Money(nanos: row["amount_nanos"]), status: RechargeAttempt.Status(rawValue: row["status"])!,
                failure: row["failure"], at: Timestamp(milliseconds: row["occurred_at_ms"]),
                balance: Money(nanos: recharged ?? row["balance_after_nanos"]), repaid: Money(nanos: row["repaid"]), requestID: row["request_id"])
        }
    }
}
