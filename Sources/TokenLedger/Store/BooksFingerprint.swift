import GRDB

/// The figures that make two ledgers the same books, read alike from either store: every
/// account's balance and settings, every lot, every transfer of the journal, the usage of each
/// account (charges, requests, tokens and cost), the daily rollup that reports and statements
/// read, reservations, limits, alerts, recharges, corrections and events. Two ledgers with equal
/// figures give equal balances, lots, reports and statements.
package enum BooksFingerprint {
    /// One figure of the books: a query's rows, each as text.
    package struct Figure: Equatable {
        var name: String
        var rows: [String]
    }

    /// (name, columns, the rest of the query): each read in a stable order.
    static let queries: [(String, [String], String)] = [
        ("balances", ["id", "name", "kind", "balance_nanos"], "FROM account_balance ORDER BY id"),
        (
            "accounts", ["id", "max_purchase_nanos", "overdraft_allowance_nanos", "created_at_ms", "usage_month_ms", "usage_month_nanos"],
            "FROM account ORDER BY id"
        ),
        (
            "lots", ["id", "account_id", "kind", "transfer_id", "original_nanos", "remaining_nanos", "created_at_ms", "expires_at_ms"],
            "FROM lot ORDER BY id"
        ),
        (
            "transfers",
            ["id", "reference", "kind", "debit_account_id", "credit_account_id", "amount_nanos", "occurred_at_ms", "balance_after_nanos"],
            "FROM transfer ORDER BY id"
        ),
        ("allocations", ["transfer_id", "lot_id", "amount_nanos"], "FROM allocation ORDER BY transfer_id, lot_id"),
        ("returns", ["transfer_id", "lot_id", "amount_nanos"], "FROM lot_return ORDER BY transfer_id, lot_id"),
        (
            "usage by account",
            ["account_id", "charges", "requests", "cost", "input", "output", "lot_paid", "last_id"],
            """
            FROM (SELECT account_id, count(*) AS charges, CAST(sum(requests) AS BIGINT) AS requests, CAST(sum(cost_nanos) AS BIGINT) AS cost,
                         CAST(sum(input_tokens) AS BIGINT) AS input, CAST(sum(output_tokens) AS BIGINT) AS output,
                         CAST(sum(coalesce(lot_nanos, 0)) AS BIGINT) AS lot_paid, max(id) AS last_id
                  FROM usage GROUP BY account_id) AS figures ORDER BY account_id
            """
        ),
        ("usage drawn", ["usage_id", "lot_id", "amount_nanos"], "FROM usage_allocation ORDER BY usage_id, lot_id"),
        (
            "daily rollup",
            [
                "account_id", "day_ms", "model", "service_tier", "band", "project", "api_key", "end_user", "provider", "charges", "requests",
                "input_tokens", "cached_tokens", "cache_write_tokens", "output_tokens", "cost_nanos",
            ],
            "FROM usage_daily ORDER BY account_id, day_ms, model, service_tier, band, project, api_key, end_user, provider"
        ),
        (
            "reservations", ["id", "reference", "account_id", "status", "hold_nanos", "expires_at_ms", "closed_at_ms", "usage_id"],
            "FROM reservation ORDER BY id"
        ),
        ("limits", ["account_id", "project", "soft_nanos", "hard_nanos"], "FROM spend_limit ORDER BY account_id, project"),
        ("alerts", ["id", "account_id", "project", "kind", "month_ms", "spend_nanos", "usage_id"], "FROM spend_alert ORDER BY id"),
        ("recharges", ["id", "account_id", "usage_id", "amount_nanos", "status", "transfer_id"], "FROM recharge_attempt ORDER BY id"),
        ("auto-recharge", ["account_id", "threshold_nanos", "restore_to_nanos", "monthly_cap_nanos"], "FROM auto_recharge ORDER BY account_id"),
        ("corrections", ["transfer_id", "kind", "reason", "lot_id", "usage_id"], "FROM correction ORDER BY transfer_id"),
        ("events", ["seq", "account_id", "kind", "occurred_at_ms", "payload"], "FROM event ORDER BY seq"),
        ("prices", ["id", "model", "effective_from_ms", "source", "provider"], "FROM price_entry ORDER BY id"),
        ("tiers", ["rank", "name", "minimum_paid_nanos", "minimum_days", "monthly_usage_limit_nanos"], "FROM usage_tier ORDER BY rank"),
        ("keys", ["id", "public_id", "role", "account_id", "revoked_at_ms"], "FROM api_key ORDER BY id"),
    ]

    package static func figures(of db: some BooksReader) throws -> [Figure] {
        try queries.map { name, columns, rest in
            let rows = try db.select("SELECT \(columns.joined(separator: ", ")) \(rest)")
            return Figure(name: name, rows: rows.map { row in columns.map { (row[$0] as DatabaseValue).description }.joined(separator: " | ") })
        }
    }

    /// Where `a` and `b` first differ, said for people; nil when they are the same.
    package static func firstDifference(_ a: [Figure], _ b: [Figure]) -> String? {
        for (left, right) in zip(a, b) where left != right {
            if left.rows.count != right.rows.count {
                return "\(left.name): \(left.rows.count) rows in the original, \(right.rows.count) in the copy"
            }
            for (one, other) in zip(left.rows, right.rows) where one != other {
                return "\(left.name): '\(one)' in the original, '\(other)' in the copy"
            }
        }
        return a.count == b.count ? nil : "the figures compared differ in number"
    }
}
