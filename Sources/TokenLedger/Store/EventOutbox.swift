import GRDB
import TokenLedgerCore

/// The events the books record (the outbox) and the rule that fires `low_balance`, written once
/// for both stores (``BooksWriter``): each event appended with its payload's keys sorted, and
/// queued for every webhook endpoint that wants it.
package enum EventOutbox {
    /// Appends an event and queues it for the endpoints that want it (not removed; of its
    /// account or of every account; of its kind or of every kind); returns its sequence number.
    @discardableResult
    package static func insert(_ kind: LedgerEventKind, accountID: Int64, at time: Timestamp, payload: [(String, JSONOutput)], db: some BooksWriter) throws
        -> Int64
    {
        let body = JSONOutput.object(payload.sorted { $0.0 < $1.0 }).compact
        try db.willAppendEvent()
        let seq: Int64 = try db.select(
            "INSERT INTO event (account_id, kind, occurred_at_ms, payload) VALUES (?, ?, ?, ?) RETURNING seq",
            sqlValues(accountID, kind.rawValue, time.milliseconds, body))[0]["seq"]
        let endpoints = try db.select(
            "SELECT id, kinds FROM webhook_endpoint WHERE removed_at_ms IS NULL AND (account_id IS NULL OR account_id = ?) ORDER BY id",
            sqlValues(accountID))
        for endpoint in endpoints {
            // `kinds` lists the kinds an endpoint wants as ",kind,kind,"; NULL: every kind.
            let kinds: String? = endpoint["kinds"]
            guard kinds.map({ $0.contains("," + kind.rawValue + ",") }) ?? true else { continue }
            try db.perform(
                "INSERT INTO webhook_delivery (endpoint_id, event_seq, account_id, status, next_attempt_at_ms) VALUES (?, ?, ?, 'pending', 0)",
                sqlValues(endpoint["id"] as Int64, seq, accountID))
        }
        return seq
    }

    /// Records the write-off of an expired lot's remaining credit as a `lot_expired` event.
    package static func insertWriteOff(_ writeOff: WriteOff, accountID: Int64, db: some BooksWriter) throws {
        try insert(
            .lotExpired, accountID: accountID, at: writeOff.expiredAt,
            payload: [
                ("amount_usd", .money(writeOff.amount)), ("balance_usd", .money(writeOff.balanceAfter)), ("lot_id", .int(writeOff.lotID)),
                ("lot_kind", .string(writeOff.lotKind.rawValue)),
            ], db: db)
    }

    /// Applies the low-balance rule (``LowBalanceWatch/after(credit:)``) to an account that an
    /// operation left with `account`'s figures: stores the watch when it changes and records a
    /// `low_balance` event when it fires. Returns the watch after.
    package static func watchBalance(of account: AccountFigures, at time: Timestamp, db: some BooksWriter) throws -> LowBalanceWatch? {
        guard let watch = account.lowBalance else { return nil }
        let (after, fires) = watch.after(credit: account.credit)
        if after.armed != watch.armed {
            try db.perform("UPDATE low_balance_watch SET armed = ? WHERE account_id = ?", sqlValues(after.armed ? 1 : 0, account.id))
        }
        if fires {
            try insert(
                .lowBalance, accountID: account.id, at: time,
                payload: [
                    ("available_usd", .money(account.credit)), ("balance_usd", .money(account.balance)), ("threshold_usd", .money(watch.threshold)),
                ], db: db)
        }
        return after
    }
}
