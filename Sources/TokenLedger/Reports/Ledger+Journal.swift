import GRDB
import TokenLedgerCore

/// One movement of the journal as seen from a customer account: a purchase, grant, recharge,
/// expiry write-off, adjustment, or a charge.
public struct JournalLine: Sendable, Hashable {
    public var kind: TransferKind
    /// Positive when the account was credited, negative when debited.
    public var amount: Money
    public var at: Timestamp
    /// The account's balance right after the entry as it was recorded (in the order entries
    /// were written; a backdated entry's differs from ``runningBalance``).
    public var balanceAfter: Money
    /// The account's balance right after the entry in time order: the balance before the
    /// journal's first line, plus every line up to this one.
    public var runningBalance: Money
    /// The caller's id (purchases, grants) or the request id (usage).
    public var reference: String?
    /// The model a charge was for; nil for transfers.
    public var model: String?
}

/// An account's journal over a time range: the balance before it, every movement in it in time
/// order with the running balance, and the balance after it.
public struct AccountJournal: Sendable, Hashable {
    public var account: String
    /// The range's first instant (inclusive) and its end (exclusive).
    public var from: Timestamp
    public var to: Timestamp
    /// The balance just before `from`.
    public var opening: Money
    public var lines: [JournalLine]
    /// The balance after the last line (`opening` when there is none).
    public var closing: Money { lines.last?.runningBalance ?? opening }
}

extension Ledger {
    /// The journal entries touching `account` (transfers and charges) with times in
    /// `[from, to)`, in time order (transfers before charges of the same millisecond, then in the
    /// order recorded; an auto-recharge right after the charge that caused it), each with the
    /// running balance. Charges are read by the `usage_by_account_time` index (for totals, read
    /// the daily rollup instead); `kinds` without "usage" skips them, and the running balance
    /// then counts only the kinds shown. Throws ``ChargeRefusal/unknownAccount(_:)``.
    public func journal(account: String, from: Timestamp = .earliest, to: Timestamp = .latest, kinds: Set<TransferKind>? = nil) throws -> [JournalLine] {
        try accountJournal(account: account, from: from, to: to, kinds: kinds).lines
    }

    /// `account`'s journal over `[from, to)` with its opening and closing balances, as
    /// ``journal(account:from:to:kinds:)`` lists it; the opening balance is the account's
    /// balance just before `from` (``balance(of:at:)`` as of then), so the running balance of
    /// each line is the balance the account had right after it.
    ///
    /// ```swift
    /// let journal = try ledger.accountJournal(account: "acme", from: january, to: february)
    /// for line in journal.lines { print(line.at, line.kind, line.amount, line.runningBalance) }
    /// ```
    public func accountJournal(account: String, from: Timestamp = .earliest, to: Timestamp = .latest, kinds: Set<TransferKind>? = nil) throws
        -> AccountJournal
    {
        try read { db in try Ledger.accountJournal(account: account, from: from, to: to, kinds: kinds, db: db) }
    }

    /// ``accountJournal(account:from:to:kinds:)`` on either store.
    package static func accountJournal(account: String, from: Timestamp, to: Timestamp, kinds: Set<TransferKind>?, db: some BooksReader) throws
        -> AccountJournal
    {
        guard let found = try Account.find(named: account, db: db) else { throw ChargeRefusal.unknownAccount(account) }
        let opening =
            kinds == nil && from > .earliest
            ? try Ledger.balance(accountID: found.id, through: Timestamp(milliseconds: from.milliseconds - 1), db: db) : .zero
        var running = opening
        let lines = try Ledger.journalRows(accountID: found.id, from: from, to: to, withUsage: kinds?.contains(.usage) ?? true, db: db)
            .compactMap { row -> JournalLine? in
                let kind = try Ledger.transferKind(row["kind"])
                if let kinds, !kinds.contains(kind) { return nil }
                let amount = Money(nanos: row["amount_nanos"])
                let signed = row["credited"] ? amount : -amount
                running += signed
                return JournalLine(
                    kind: kind, amount: signed, at: Timestamp(milliseconds: row["occurred_at_ms"]), balanceAfter: Money(nanos: row["balance_after_nanos"]),
                    runningBalance: running, reference: row["reference"], model: row["model"])
            }
        return AccountJournal(account: found.name, from: from, to: to, opening: opening, lines: lines)
    }

    /// The account's transfers (credited or debited, by their account indexes) and charges (by
    /// `usage_by_account_time`) in `[from, to)`, in the journal's order.
    static func journalRows(accountID: Int64, from: Timestamp, to: Timestamp, withUsage: Bool, db: some BooksReader) throws -> [Row] {
        try db.select(
            """
            SELECT * FROM (
                SELECT 'transfer' AS source, t.id, t.kind, t.reference, t.amount_nanos, 1 AS credited,
                       t.occurred_at_ms, t.balance_after_nanos, r.usage_id AS after_usage_id, NULL AS model
                FROM transfer t LEFT JOIN recharge_attempt r ON r.transfer_id = t.id
                WHERE t.credit_account_id = ?1 AND t.occurred_at_ms >= ?2 AND t.occurred_at_ms < ?3
                UNION ALL
                SELECT 'transfer', t.id, t.kind, t.reference, t.amount_nanos, 0, t.occurred_at_ms, t.balance_after_nanos, r.usage_id, NULL
                FROM transfer t LEFT JOIN recharge_attempt r ON r.transfer_id = t.id
                WHERE t.debit_account_id = ?1 AND t.occurred_at_ms >= ?2 AND t.occurred_at_ms < ?3
                UNION ALL
                SELECT 'usage', id, 'usage', request_id, cost_nanos, 0, occurred_at_ms, balance_after_nanos, NULL, model
                FROM usage WHERE ?4 = 1 AND account_id = ?1 AND occurred_at_ms >= ?2 AND occurred_at_ms < ?3 AND cost_nanos > 0) AS lines
            ORDER BY occurred_at_ms, (source = 'usage' OR after_usage_id IS NOT NULL), coalesce(after_usage_id, id), source = 'transfer'
            """, sqlValues(accountID, from.milliseconds, to.milliseconds, withUsage))
    }
}

extension Ledger {
    /// A kind read from the journal; a kind this version does not know means a damaged file.
    static func transferKind(_ text: String) throws -> TransferKind {
        guard let kind = TransferKind(rawValue: text) else {
            throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "the journal holds an unknown kind '\(text)'")
        }
        return kind
    }
}
