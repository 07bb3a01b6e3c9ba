import GRDB
import TokenLedgerCore

/// One transfer of the journal as seen from a customer account.
public struct JournalLine: Sendable, Hashable {
    public var kind: TransferKind
    /// Positive when the account was credited, negative when debited.
    public var amount: Money
    public var at: Timestamp
    public var balanceAfter: Money
    /// The caller's id (purchases, grants) or the request id (usage).
    public var reference: String?
}

extension Ledger {
    /// The journal entries touching `account` (transfers and charges) with times in
    /// `[from, to)`, in time order (transfers before charges of the same millisecond, then in the
    /// order recorded; an auto-recharge right after the charge that caused it). Charges are
    /// found by scanning the usage rows (for totals, read the daily rollup instead); `kinds`
    /// without "usage" skips them.
    public func journal(account: String, from: Timestamp = .earliest, to: Timestamp = .latest, kinds: Set<TransferKind>? = nil) throws -> [JournalLine] {
        try read { db in
            guard let found = try Account.find(named: account, db: db) else { throw ChargeRefusal.unknownAccount(account) }
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT kind, amount_nanos, credit_account_id = ?1 AS credited, occurred_at_ms, balance_after_nanos, reference
                    FROM journal WHERE (debit_account_id = ?1 OR credit_account_id = ?1) AND occurred_at_ms >= ?2 AND occurred_at_ms < ?3
                      AND (?4 OR source = 'transfer')
                    ORDER BY occurred_at_ms, (source = 'usage' OR after_usage_id IS NOT NULL), coalesce(after_usage_id, id), source = 'transfer'
                    """, arguments: [found.id, from.milliseconds, to.milliseconds, kinds?.contains(.usage) ?? true]
            ).compactMap { row in
                let kind = try Ledger.transferKind(row["kind"])
                if let kinds, !kinds.contains(kind) { return nil }
                let amount = Money(nanos: row["amount_nanos"])
                return JournalLine(
                    kind: kind, amount: row["credited"] ? amount : -amount, at: Timestamp(milliseconds: row["occurred_at_ms"]),
                    balanceAfter: Money(nanos: row["balance_after_nanos"]), reference: row["reference"])
            }
        }
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
