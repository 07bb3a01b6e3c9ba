import GRDB
import TokenLedgerCore

/// The figures a finance team watches, read from the books for `GET /metrics`: balances and
/// credit of the largest accounts and in total, auto-recharges by status, events by kind and
/// webhook deliveries by state. Counts come from the books, so they survive restarts.
public struct FinanceFigures: Sendable, Hashable {
    public struct AccountFigure: Sendable, Hashable {
        public var account: String
        public var balance: Money
        /// Balance plus overdraft allowance (open holds aside).
        public var available: Money
    }

    /// The accounts with the largest balances, largest first (at most the `top` asked for).
    public var topAccounts: [AccountFigure]
    public var accounts: Int
    public var totalBalance: Money
    public var totalAvailable: Money
    public var recharges: [String: Int64]
    public var events: [String: Int64]
    public var deliveries: [String: Int64]
}

extension Ledger {
    /// The finance figures, with the `top` accounts by balance (bounded, whatever the number of
    /// accounts).
    public func financeFigures(top: Int = 20) throws -> FinanceFigures {
        precondition(top >= 0)
        return try read { db in try Ledger.financeFigures(top: top, db: db) }
    }

    /// The finance figures as either store holds them (customer accounts' balances are stored
    /// as they are on both).
    package static func financeFigures(top: Int, db: some BooksReader) throws -> FinanceFigures {
        let top = try db.select(
            """
            SELECT name, balance_nanos, balance_nanos + overdraft_allowance_nanos AS available FROM account
            WHERE kind = 'customer' ORDER BY balance_nanos DESC, name LIMIT ?
            """, sqlValues(Int64(top))
        ).map { FinanceFigures.AccountFigure(account: $0["name"], balance: Money(nanos: $0["balance_nanos"]), available: Money(nanos: $0["available"])) }
        func counts(_ key: String, of table: String) throws -> [String: Int64] {
            Dictionary(
                uniqueKeysWithValues: try db.select("SELECT \(key) AS key, count(*) AS count FROM \(table) GROUP BY \(key)").map {
                    ($0["key"] as String, $0["count"] as Int64)
                })
        }
        let totals = try db.first(
            """
            SELECT count(*) AS accounts, CAST(coalesce(sum(balance_nanos), 0) AS BIGINT) AS balance,
                   CAST(coalesce(sum(balance_nanos + overdraft_allowance_nanos), 0) AS BIGINT) AS available
            FROM account WHERE kind = 'customer'
            """)
        return FinanceFigures(
            topAccounts: top, accounts: Int(totals?["accounts"] as Int64? ?? 0), totalBalance: Money(nanos: totals?["balance"] as Int64? ?? 0),
            totalAvailable: Money(nanos: totals?["available"] as Int64? ?? 0), recharges: try counts("status", of: "recharge_attempt"),
            events: try counts("kind", of: "event"), deliveries: try counts("status", of: "webhook_delivery"))
    }
}
