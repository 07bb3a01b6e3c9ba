import GRDB
import TokenLedgerCore

extension Ledger {
    /// The statement of `account` for the calendar month (UTC) of `month`: opening balance,
    /// purchases, grants, recharges, adjustments, usage, expiry write-offs and closing balance,
    /// with the month's entries, its lots and the balance at the end of each day.
    ///
    /// The opening and closing balances are each the sum of the account's whole journal before
    /// the month's start and end (usage from the daily rollup, the rest from the transfers), so
    /// `opening + purchases + grants + recharges + adjustments − usage − expired = closing`
    /// holds exactly (``AccountStatement/balances``). Like ``balance(of:at:)`` it first writes off the
    /// lots expired by `now` (or by the month's end, if earlier), so that a statement never
    /// shows expired credit as live. Throws ``ChargeRefusal/unknownAccount(_:)``.
    ///
    /// It also lists the month's failed auto-recharges (from ``rechargeAttempts(account:from:to:)``)
    /// and the alerts of limits reached (``alerts(account:month:)``).
    public func statement(of account: String, month: Timestamp, now: Timestamp) throws -> AccountStatement {
        try write { db in
            guard let found = try Account.find(named: account, db: db) else { throw ChargeRefusal.unknownAccount(account) }
            _ = try Ledger.bringUpToDate(found, at: Ledger.statementTime(month: month, now: now), db: db)
            return try Ledger.statement(of: found, month: month, now: now, db: db)
        }
    }

    /// The instant up to which a statement of `month` written at `now` writes off expired lots:
    /// `now`, or the month's last millisecond if earlier.
    package static func statementTime(month: Timestamp, now: Timestamp) -> Timestamp {
        min(now, Timestamp(milliseconds: month.startOfNextMonth.milliseconds - 1))
    }

    /// The rest of ``statement(of:month:now:)`` once the account's expired lots are written off
    /// (on either store): the figures, entries, lots, failed recharges and alerts, read.
    package static func statement(of found: Account, month: Timestamp, now: Timestamp, db: some BooksReader) throws -> AccountStatement {
        let start = month.startOfMonth, end = month.startOfNextMonth
        let opening = try Ledger.balance(accountID: found.id, before: start, db: db)
        let closing = try Ledger.balance(accountID: found.id, before: end, db: db)
        let dailyUsage = try Ledger.dailyUsage(accountID: found.id, from: start, to: end, db: db)
        let entries = try Ledger.statementEntries(accountID: found.id, from: start, to: end, opening: opening, dailyUsage: dailyUsage, db: db)
        func total(_ kind: TransferKind) -> Money { entries.filter { $0.kind == kind }.reduce(.zero) { $0 + $1.amount } }
        let lastDay = min(CalendarDay(Timestamp(milliseconds: end.milliseconds - 1)), max(CalendarDay(now), CalendarDay(start)))
        var statement = AccountStatement(
            account: found.name, month: start, opening: opening, purchases: total(.purchase), grants: total(.grant),
            recharges: total(.recharge), adjustments: total(.adjustment), usage: dailyUsage.values.reduce(.zero, +), expired: -total(.expiry),
            closing: closing, entries: entries, lots: try Ledger.statementLots(accountID: found.id, from: start, to: end, db: db),
            dailyClosing: Ledger.dailyClosing(opening: opening, entries: entries, dailyUsage: dailyUsage, from: CalendarDay(start), through: lastDay))
        statement.failedRecharges = try Ledger.rechargeAttempts(
            .account(found.id, fromMilliseconds: start.milliseconds, beforeMilliseconds: end.milliseconds), db: db
        ).filter { $0.status == .failed }.map { FailedRecharge(at: $0.at, amount: $0.amount, failure: $0.failure ?? "", requestID: $0.requestID) }
        statement.alerts = try Ledger.alerts(accountID: found.id, month: start, db: db)
        return statement
    }

    /// The account's balance just before `time` (a UTC midnight): every credit minus every
    /// debit before it, usage from the daily rollup.
    static func balance(accountID: Int64, before time: Timestamp, db: some BooksReader) throws -> Money {
        precondition(time.milliseconds % DailyRollup.dayMilliseconds == 0, "a UTC midnight")
        let nanos = try db.count(
            """
            SELECT CAST(coalesce((SELECT sum(amount_nanos) FROM transfer WHERE credit_account_id = ?1 AND occurred_at_ms < ?2), 0)
                 - coalesce((SELECT sum(amount_nanos) FROM transfer WHERE debit_account_id = ?1 AND occurred_at_ms < ?2), 0)
                 - coalesce((SELECT sum(cost_nanos) FROM usage_daily WHERE account_id = ?1 AND day_ms < ?2), 0) AS BIGINT)
            """, sqlValues(accountID, time.milliseconds))
        return Money(nanos: nanos)
    }

    /// Usage cost per UTC day of `[from, to)`, from the daily rollup (days without usage absent).
    static func dailyUsage(accountID: Int64, from: Timestamp, to: Timestamp, db: some BooksReader) throws -> [CalendarDay: Money] {
        var result: [CalendarDay: Money] = [:]
        for row in try db.select(
            "SELECT day_ms, CAST(sum(cost_nanos) AS BIGINT) AS cost_nanos FROM usage_daily WHERE account_id = ? AND day_ms >= ? AND day_ms < ? GROUP BY day_ms",
            sqlValues(accountID, from.milliseconds, to.milliseconds))
        {
            result[CalendarDay(Timestamp(milliseconds: row["day_ms"]))] = Money(nanos: row["cost_nanos"])
        }
        return result
    }

    /// The account's transfers in `[from, to)` in time order, each with the balance just before
    /// and after it: `opening`, plus the transfers before it, minus the usage before its time
    /// (whole days from `dailyUsage`, its own day from the usage rows).
    static func statementEntries(
        accountID: Int64, from: Timestamp, to: Timestamp, opening: Money, dailyUsage: [CalendarDay: Money], db: some BooksReader
    ) throws -> [StatementEntry] {
        let rows = try db.select(
            """
            SELECT t.kind, t.reference, t.amount_nanos, t.credit_account_id = ?1 AS credited, t.occurred_at_ms,
                   coalesce((SELECT r.usage_id FROM recharge_attempt r WHERE r.transfer_id = t.id), 0) AS after_usage_id
            FROM transfer t
            WHERE (t.credit_account_id = ?1 OR t.debit_account_id = ?1) AND t.occurred_at_ms >= ?2 AND t.occurred_at_ms < ?3
            ORDER BY t.occurred_at_ms, t.id
            """, sqlValues(accountID, from.milliseconds, to.milliseconds))
        var transferred = Money.zero
        var entries: [StatementEntry] = []
        for row in rows {
            let at = Timestamp(milliseconds: row["occurred_at_ms"])
            let day = CalendarDay(at)
            let usedWholeDays = dailyUsage.filter { $0.key < day }.values.reduce(.zero, +)
            let usedToday = try db.count(
                // A recharge comes right after the charge that caused it, in the same millisecond.
                """
                SELECT CAST(coalesce(sum(cost_nanos), 0) AS BIGINT) FROM usage
                WHERE account_id = ? AND occurred_at_ms >= ? AND (occurred_at_ms < ? OR (occurred_at_ms = ? AND id <= ?))
                """,
                sqlValues(accountID, day.start.milliseconds, at.milliseconds, at.milliseconds, row["after_usage_id"] as Int64))
            let before = opening + transferred - usedWholeDays - Money(nanos: usedToday)
            let amount = Money(nanos: row["amount_nanos"])
            let signed = row["credited"] ? amount : -amount
            transferred += signed
            entries.append(
                StatementEntry(
                    kind: try Ledger.transferKind(row["kind"]), reference: row["reference"], amount: signed, at: at, balanceBefore: before,
                    balanceAfter: before + signed))
        }
        return entries
    }

    /// The balance at the end of each day from `first` through `last`.
    static func dailyClosing(
        opening: Money, entries: [StatementEntry], dailyUsage: [CalendarDay: Money], from first: CalendarDay, through last: CalendarDay
    ) -> [(day: CalendarDay, balance: Money)] {
        var balance = opening
        var result: [(day: CalendarDay, balance: Money)] = []
        var next = entries.startIndex
        var day = first
        while day <= last {
            while next < entries.endIndex, entries[next].at < day.end {
                balance += entries[next].amount
                next += 1
            }
            balance -= dailyUsage[day] ?? .zero
            result.append((day, balance))
            day = day.next
        }
        return result
    }

    /// The account's lots created before `to` that were live at some time in `[from, to)` or
    /// still hold credit, with what remained of each at `to` (``lots(accountID:at:expiringAfter:db:)``
    /// just before it). Soonest expiry first.
    static func statementLots(accountID: Int64, from: Timestamp, to: Timestamp, db: some BooksReader) throws -> [StatementLot] {
        try lots(accountID: accountID, at: Timestamp(milliseconds: to.milliseconds - 1), expiringAfter: from, db: db).compactMap { lot in
            let lot = StatementLot(kind: lot.kind, original: lot.original, remaining: lot.remaining, createdAt: lot.createdAt, expiresAt: lot.expiresAt)
            let touchedThisMonth = lot.createdAt >= from || lot.expiresAt <= to
            return lot.remaining.nanos > 0 || touchedThisMonth ? lot : nil
        }
    }
}
