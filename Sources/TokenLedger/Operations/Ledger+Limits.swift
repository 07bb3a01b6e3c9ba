import GRDB
import TokenLedgerCore

/// The limits set on an account or one of its projects.
public struct LimitSetting: Sendable, Hashable {
    public var account: String
    public var scope: LimitScope
    public var limits: SpendLimits
}

extension Ledger {
    /// Sets the monthly soft and hard limits of `account` (or of one of its projects): the
    /// ones given replace the ones set, the others stay; `clear` removes both first.
    ///
    /// Refuses ``LimitRefusal`` (a limit not positive or above $1,000,000, soft above hard once
    /// combined with what is set, an invalid project name, an unknown account).
    @discardableResult
    public func setLimits(account: String, scope: LimitScope = .account, soft: Money? = nil, hard: Money? = nil, clear: Bool = false) throws -> LimitSetting {
        if let refusal = LimitRefusal.check(SpendLimits(soft: soft, hard: hard), scope: scope) { throw refusal }
        return try write { db in try Ledger.setLimits(account: account, scope: scope, soft: soft, hard: hard, clear: clear, db: db) }
    }

    /// ``setLimits(account:scope:soft:hard:clear:)`` inside the store's transaction (the given
    /// limits already checked alone): the account's row locked while the limits set are merged.
    package static func setLimits(
        account: String, scope: LimitScope, soft: Money?, hard: Money?, clear: Bool, db: some BooksWriter
    ) throws -> LimitSetting {
        guard let found = try Account.locked(named: account, db: db) else { throw LimitRefusal.unknownAccount(account) }
        let project = scope.project ?? ""
        var limits = clear ? SpendLimits() : try Ledger.limits(accountID: found.id, project: project, db: db)
        if let soft { limits.soft = soft }
        if let hard { limits.hard = hard }
        if let refusal = LimitRefusal.check(limits, scope: scope) { throw refusal }
        if limits.isEmpty {
            try db.perform("DELETE FROM spend_limit WHERE account_id = ? AND project = ?", sqlValues(found.id, project))
        } else {
            try db.perform(
                """
                INSERT INTO spend_limit (account_id, project, soft_nanos, hard_nanos) VALUES (?, ?, ?, ?)
                ON CONFLICT (account_id, project) DO UPDATE SET soft_nanos = excluded.soft_nanos, hard_nanos = excluded.hard_nanos
                """, sqlValues(found.id, project, limits.soft?.nanos, limits.hard?.nanos))
        }
        return LimitSetting(account: found.name, scope: scope, limits: limits)
    }

    /// Every limit set on `account` and its projects (the account's first, then by project).
    /// Refuses ``LimitRefusal/unknownAccount(_:)``.
    public func limits(account: String) throws -> [LimitSetting] {
        try read { db in try Ledger.limits(account: account, db: db) }
    }

    /// ``limits(account:)`` over either store.
    package static func limits(account: String, db: some BooksReader) throws -> [LimitSetting] {
        guard let found = try Account.find(named: account, db: db) else { throw LimitRefusal.unknownAccount(account) }
        return try limitSettings(of: found, db: db)
    }

    static func limitSettings(of account: Account, db: some BooksReader) throws -> [LimitSetting] {
        try db.select("SELECT project, soft_nanos, hard_nanos FROM spend_limit WHERE account_id = ? ORDER BY project", sqlValues(account.id)).map { row in
            let project: String = row["project"]
            return LimitSetting(
                account: account.name, scope: project.isEmpty ? .account : .project(project),
                limits: SpendLimits(soft: (row["soft_nanos"] as Int64?).map(Money.init(nanos:)), hard: (row["hard_nanos"] as Int64?).map(Money.init(nanos:))))
        }
    }

    static func limits(accountID: Int64, project: String, db: some BooksReader) throws -> SpendLimits {
        guard let row = try db.first("SELECT soft_nanos, hard_nanos FROM spend_limit WHERE account_id = ? AND project = ?", sqlValues(accountID, project))
        else { return SpendLimits() }
        return SpendLimits(soft: (row["soft_nanos"] as Int64?).map(Money.init(nanos:)), hard: (row["hard_nanos"] as Int64?).map(Money.init(nanos:)))
    }

    /// The alerts recorded for `account` in the calendar month (UTC) that contains `month`, in
    /// the order they were recorded: for `balance` and statements. Refuses
    /// ``ChargeRefusal/unknownAccount(_:)``.
    public func alerts(account: String, month: Timestamp) throws -> [LimitAlert] {
        try read { db in try Ledger.alerts(account: account, month: month, db: db) }
    }

    /// ``alerts(account:month:)`` on either store.
    package static func alerts(account: String, month: Timestamp, db: some BooksReader) throws -> [LimitAlert] {
        guard let found = try Account.find(named: account, db: db) else { throw ChargeRefusal.unknownAccount(account) }
        return try Ledger.alerts(accountID: found.id, month: month.startOfMonth, db: db)
    }

    static func alerts(accountID: Int64, month: Timestamp, db: some BooksReader) throws -> [LimitAlert] {
        try db.select(
            """
            SELECT s.kind, s.project, s.limit_nanos, s.spend_nanos, s.occurred_at_ms, u.request_id
            FROM spend_alert s JOIN usage u ON u.id = s.usage_id WHERE s.account_id = ? AND s.month_ms = ? ORDER BY s.id
            """, sqlValues(accountID, month.milliseconds)
        ).map { row in
            let project: String = row["project"]
            return LimitAlert(
                kind: LimitAlertKind(rawValue: row["kind"])!, scope: project.isEmpty ? .account : .project(project),
                limit: Money(nanos: row["limit_nanos"]), monthToDate: Money(nanos: row["spend_nanos"]), at: Timestamp(milliseconds: row["occurred_at_ms"]),
                requestID: row["request_id"])
        }
    }
}
