import GRDB
import TokenLedgerCore

/// The figures a finance team watches, read from the books for `GET /metrics`: balances and
/// credit of the largest accounts and in total, auto-recharges by status, events by kind and
/// webhook deliveries by state. Counts come from the file, so they survive restarts.
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
        return try read { db in
            let top = try db.rows(
                """
                SELECT name, balance_nanos, balance_nanos + overdraft_allowance_nanos AS available FROM account
                WHERE kind = 'customer' ORDER BY balance_nanos DESC, name LIMIT ?
                """, [top]
            ).map { FinanceFigures.AccountFigure(account: $0["name"], balance: Money(nanos: $0["balance_nanos"]), available: Money(nanos: $0["available"])) }
            func counts(_ sql: String) throws -> [String: Int64] {
                Dictionary(uniqueKeysWithValues: try db.rows(sql).map { ($0[0] as String, $0[1] as Int64) })
            }
            return FinanceFigures(
                topAccounts: top, accounts: try Int.fetchOne(db, sql: "SELECT count(*) FROM account WHERE kind = 'customer'") ?? 0,
                totalBalance: Money(nanos: try Int64.fetchOne(db, sql: "SELECT coalesce(sum(balance_nanos), 0) FROM account WHERE kind = 'customer'") ?? 0),
                totalAvailable: Money(
                    nanos: try Int64.fetchOne(
                        db, sql: "SELECT coalesce(sum(balance_nanos + overdraft_allowance_nanos), 0) FROM account WHERE kind = 'customer'") ?? 0),
                recharges: try counts("SELECT status, count(*) FROM recharge_attempt GROUP BY status"),
                events: try counts("SELECT kind, count(*) FROM event GROUP BY kind"),
                deliveries: try counts("SELECT status, count(*) FROM webhook_delivery GROUP BY status"))
        }
    }
}
