import GRDB
import TokenLedgerCore

/// What `verify` found: whether the books are balanced and consistent, and every problem.
public struct VerifyReport: Sendable, Hashable {
    public var ok: Bool { problems.isEmpty }
    public var transfers: Int
    public var accounts: Int
    public var usages: Int
    public var problems: [String]
}

extension Ledger {
    /// Proves the books: recomputes everything kept for speed from the journal and checks
    /// every invariant. Reads only.
    ///
    /// - every account's stored balance equals the re-fold of the journal, and all balances sum to zero;
    /// - every lot's remaining equals its original minus its allocations (to transfers and to
    ///   usage), within 0...original, and its original equals the transfer that created it;
    /// - every debit of a customer is allocated no more than its amount, from the customer's own
    ///   lots, and every customer's balance equals its lots' remaining minus its outstanding
    ///   overdraft, with no lot left unspent while overdraft is owed;
    /// - every usage costs what its price entry says for its tokens;
    /// - the daily rollup equals the usage rows added up;
    /// - recharges are purchases: each recharge transfer comes from @payments with a purchase lot
    ///   and one succeeded attempt of its amount, caused by a charge of its account;
    /// - each account's latest month's usage equals its usage rows in that month, with none costing
    ///   anything later;
    /// - settled reservations are charged under their id to their account; alerts are of their
    ///   account's charges and reached their limit;
    /// - corrections (``checkCorrections(_:)``): every adjustment transfer is one correction
    ///   between a customer and `@adjustments`; a refund takes exactly its amount from its own
    ///   purchase's lot; a reversal gives its charge's account exactly the charge's cost; credit
    ///   goes back only to the credited account's lots, and returns plus the new lot make the amount;
    /// - SQLite's own integrity and foreign-key checks pass.
    ///
    /// Throws ``LedgerError`` `.corrupt` when SQLite's integrity check finds the file damaged.
    public func verify() throws -> VerifyReport {
        try read { db in
            // A damaged file is an operating error (`.corrupt`, exit 4), not a problem of the books.
            let damage = try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
            if !damage.isEmpty {
                throw LedgerError(.corrupt, path: path, detail: "SQLite's integrity check: " + damage.prefix(3).joined(separator: "; "))
            }
            db.add(function: Ledger.monthStartFunction)
            db.add(function: Ledger.nextMonthStartFunction)
            let foreignKeyProblems = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check")
            var report = try Ledger.verify(books: db)
            report.problems = foreignKeyProblems.map { "foreign key: \($0)" } + report.problems
            return report
        }
    }

    /// The checks of ``verify()`` that both stores run alike, with the counts it reports.
    package static func verify(books db: some BooksReader) throws -> VerifyReport {
        var problems: [String] = []
        problems += try Ledger.checkBalances(db)
        problems += try Ledger.checkLots(db)
        problems += try Ledger.checkOverdraft(db)
        problems += try Ledger.checkUsage(db)
        problems += try Ledger.checkRollup(db)
        problems += try Ledger.checkControls(db)
        problems += try Ledger.checkCorrections(db)
        problems += try Ledger.checkEvents(db)
        return VerifyReport(
            transfers: Int(try db.count("SELECT count(*) FROM journal")),
            accounts: Int(try db.count("SELECT count(*) FROM account WHERE kind = 'customer'")),
            usages: Int(try db.count("SELECT count(*) FROM usage")), problems: problems)
    }

    /// Every account's balance (``account_balance``: a system account's is the sum of its
    /// shares on PostgreSQL) against the journal re-folded.
    private static func checkBalances(_ db: some BooksReader) throws -> [String] {
        var problems: [String] = []
        let rows = try db.select(
            """
            SELECT a.name, a.balance_nanos, coalesce(f.folded, 0) AS folded
            FROM account_balance a LEFT JOIN (
                SELECT account_id, sum(delta) AS folded FROM (
                    SELECT credit_account_id AS account_id, amount_nanos AS delta FROM transfer
                    UNION ALL SELECT debit_account_id, -amount_nanos FROM transfer
                    UNION ALL SELECT account_id, -sum(cost_nanos) FROM usage GROUP BY account_id
                    UNION ALL SELECT 3, sum(cost_nanos) FROM usage) AS deltas
                GROUP BY account_id) f ON f.account_id = a.id
            ORDER BY a.id
            """)
        var total: Int64 = 0
        for row in rows {
            let stored: Int64 = row["balance_nanos"]
            let folded: Int64 = row["folded"]
            total = total &+ stored
            if stored != folded {
                problems.append("account '\(row["name"] as String)': stored balance \(Money(nanos: stored)) differs from the journal's \(Money(nanos: folded))")
            }
        }
        if total != 0 { problems.append("the balances of all accounts sum to \(Money(nanos: total)), not zero") }
        return problems
    }

    private static func checkLots(_ db: some BooksReader) throws -> [String] {
        let rows = try db.select(
            """
            SELECT l.id, a.name, l.original_nanos, l.remaining_nanos,
                   t.amount_nanos - coalesce((SELECT sum(amount_nanos) FROM lot_return r WHERE r.transfer_id = t.id), 0) AS credited,
                   t.credit_account_id = l.account_id AS same_account, coalesce(s.allocated, 0) AS allocated,
                   coalesce((SELECT sum(amount_nanos) FROM lot_return r WHERE r.lot_id = l.id), 0) AS returned
            FROM lot l JOIN account a ON a.id = l.account_id JOIN transfer t ON t.id = l.transfer_id
            LEFT JOIN (
                SELECT lot_id, sum(amount_nanos) AS allocated FROM (
                    SELECT lot_id, amount_nanos FROM allocation
                    UNION ALL SELECT lot_id, lot_nanos FROM usage WHERE lot_id IS NOT NULL
                    UNION ALL SELECT lot_id, amount_nanos FROM usage_allocation) AS drawn
                GROUP BY lot_id) s ON s.lot_id = l.id
            """)
        var problems: [String] = []
        for row in rows {
            let id: Int64 = row["id"]
            let original: Int64 = row["original_nanos"], remaining: Int64 = row["remaining_nanos"], allocated: Int64 = row["allocated"]
            let returned: Int64 = row["returned"]
            let name: String = row["name"]
            if remaining != original - allocated + returned {
                problems.append(
                    "lot \(id) of '\(name)': remaining \(Money(nanos: remaining)) is not original \(Money(nanos: original)) minus allocations \(Money(nanos: allocated)) plus returns \(Money(nanos: returned))"
                )
            }
            if remaining < 0 || remaining > original { problems.append("lot \(id) of '\(name)': remaining \(Money(nanos: remaining)) outside 0...original") }
            if original != row["credited"] as Int64 || !(row["same_account"] as Bool) {
                problems.append("lot \(id) of '\(name)': does not match the transfer that created it")
            }
        }
        let overAllocated = try db.select(
            """
            SELECT t.id, t.amount_nanos, sum(x.amount_nanos) AS allocated FROM transfer t JOIN allocation x ON x.transfer_id = t.id
            GROUP BY t.id HAVING sum(x.amount_nanos) > t.amount_nanos
            """)
        problems += overAllocated.map { "transfer \($0["id"] as Int64): allocations exceed its amount" }
        let badUsage = try db.select(
            """
            SELECT u.request_id, 'its allocations exceed its cost' AS problem FROM usage u JOIN usage_allocation x ON x.usage_id = u.id
            GROUP BY u.id HAVING coalesce(u.lot_nanos, 0) + sum(x.amount_nanos) > u.cost_nanos
            UNION ALL
            SELECT DISTINCT u.request_id, 'it has further allocations but no first lot' FROM usage u JOIN usage_allocation x ON x.usage_id = u.id
            WHERE u.lot_id IS NULL
            UNION ALL
            SELECT u.request_id, 'it was paid by a lot of another account' FROM usage u JOIN lot l ON l.id = u.lot_id
            WHERE l.account_id <> u.account_id
            UNION ALL
            SELECT DISTINCT u.request_id, 'it was paid by a lot of another account' FROM usage_allocation x JOIN usage u ON u.id = x.usage_id
            JOIN lot l ON l.id = x.lot_id WHERE l.account_id <> u.account_id
            """)
        problems += badUsage.map { "usage '\($0["request_id"] as String)': \($0["problem"] as String)" }
        return problems
    }

    /// balance = Σ remaining − overdraft owed, where overdraft owed = the debits no lot paid
    /// minus the repayments; and overdraft is never owed while a lot has credit left.
    private static func checkOverdraft(_ db: some BooksReader) throws -> [String] {
        let rows = try db.select(
            """
            SELECT a.name, a.balance_nanos,
                coalesce((SELECT sum(remaining_nanos) FROM lot WHERE account_id = a.id), 0) AS remaining,
                coalesce((SELECT sum(t.amount_nanos - coalesce((SELECT sum(amount_nanos) FROM allocation x WHERE x.transfer_id = t.id), 0))
                          FROM transfer t WHERE t.debit_account_id = a.id), 0)
                + coalesce((SELECT sum(u.cost_nanos - coalesce(u.lot_nanos, 0)) FROM usage u WHERE u.account_id = a.id), 0)
                - coalesce((SELECT sum(x.amount_nanos) FROM usage_allocation x JOIN usage u ON u.id = x.usage_id
                            WHERE u.account_id = a.id), 0) AS unpaid,
                coalesce((SELECT sum(x.amount_nanos) FROM allocation x JOIN lot l ON l.id = x.lot_id
                          WHERE x.transfer_id = l.transfer_id AND l.account_id = a.id), 0) AS repaid
            FROM account a WHERE a.kind = 'customer'
            """)
        var problems: [String] = []
        for row in rows {
            let name: String = row["name"]
            let balance: Int64 = row["balance_nanos"], remaining: Int64 = row["remaining"]
            let owed: Int64 = (row["unpaid"] as Int64) - (row["repaid"] as Int64)
            if owed < 0 { problems.append("account '\(name)': repaid more overdraft than it owed") }
            if balance != remaining - owed {
                problems.append(
                    "account '\(name)': balance \(Money(nanos: balance)) is not lots \(Money(nanos: remaining)) minus overdraft \(Money(nanos: owed))")
            }
            if owed > 0 && remaining > 0 { problems.append("account '\(name)': owes overdraft while lots have credit left") }
        }
        return problems
    }

    private static func checkUsage(_ db: some BooksReader) throws -> [String] {
        var problems: [String] = []
        var entries: [Int64: PriceEntry] = [:]
        let usageTransfers = try db.count("SELECT count(*) FROM transfer WHERE kind = 'usage'")
        if usageTransfers > 0 { problems.append("\(usageTransfers) usage transfers: usage is journaled by usage rows only") }
        // A page at a time, by id: the usage table may be far larger than memory.
        var after = Int64.min
        while true {
            let page = try db.select("SELECT * FROM usage WHERE id > ? ORDER BY id LIMIT 10000", sqlValues(after))
            guard let last = page.last else { break }
            after = last["id"]
            for row in page {
                let requestID: String = row["request_id"]
                let entryID: Int64 = row["price_entry_id"]
                if entries[entryID] == nil, let entryRow = try db.select("SELECT * FROM price_entry WHERE id = ?", sqlValues(entryID)).first {
                    entries[entryID] = try PriceStore.entry(row: entryRow, db: db)
                }
                let cost: Int64 = row["cost_nanos"]
                guard let entry = entries[entryID], let tier = ServiceTier(rawValue: row["service_tier"]),
                    let usage = TokenUsage.validated(row: row),
                    let repriced = try? entry.cost(of: usage, tier: tier, requests: row["requests"])
                else {
                    problems.append("usage '\(requestID)': cannot be repriced by its price entry")
                    continue
                }
                if repriced.total.nanos != cost {
                    problems.append("usage '\(requestID)': recorded cost \(Money(nanos: cost)) but its prices give \(repriced.total)")
                }
            }
        }
        return problems
    }

    /// `usage_daily` must be the usage rows added up by its key.
    private static func checkRollup(_ db: some BooksReader) throws -> [String] {
        let key = "account_id, day_ms, model, service_tier, band, project, api_key, end_user, provider"
        let figures = """
            charges, requests, input_tokens, cached_tokens, cache_write_tokens, output_tokens, cost_nanos, cache_write_1h_tokens,
            input_audio_tokens, input_image_tokens, output_audio_tokens, output_image_tokens
            """
        let folded = """
            SELECT account_id, occurred_at_ms - occurred_at_ms % 86400000 AS day_ms, model, service_tier, band, coalesce(project, '') AS project,
                   coalesce(api_key, '') AS api_key, coalesce(end_user, '') AS end_user, coalesce(provider, '') AS provider, count(*) AS charges,
                   sum(requests) AS requests, sum(input_tokens) AS input_tokens, sum(cached_tokens) AS cached_tokens,
                   sum(cache_write_tokens) AS cache_write_tokens, sum(output_tokens) AS output_tokens, sum(cost_nanos) AS cost_nanos,
                   sum(cache_write_1h_tokens) AS cache_write_1h_tokens, sum(input_audio_tokens) AS input_audio_tokens,
                   sum(input_image_tokens) AS input_image_tokens, sum(output_audio_tokens) AS output_audio_tokens,
                   sum(output_image_tokens) AS output_image_tokens
            FROM usage GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
            """
        let stored = "SELECT \(key), \(figures) FROM usage_daily"
        let rows = try db.select(
            """
            SELECT 'the rollup lacks or misstates' AS problem, account_id, day_ms, model FROM (\(folded) EXCEPT \(stored)) AS missing
            UNION ALL
            SELECT 'the rollup has no usage for', account_id, day_ms, model FROM (\(stored) EXCEPT \(folded)) AS extra
            LIMIT 20
            """)
        return rows.map { row in
            let day = Timestamp(milliseconds: row["day_ms"]).dateString
            return "usage_daily: \(row["problem"] as String) account \(row["account_id"] as Int64), day \(day), model '\(row["model"] as String)'"
        }
    }

    /// `tokenledger_month_start(ms)`: the first instant of the UTC month that `ms` falls in, by
    /// ``Timestamp`` (SQLite's date functions give NULL past year 9999, where December 9999's
    /// month ends).
    package static let monthStartFunction = DatabaseFunction("tokenledger_month_start", argumentCount: 1, pure: true) { values in
        Int64.fromDatabaseValue(values[0]).map { Timestamp(milliseconds: $0).startOfMonth.milliseconds }
    }

    /// `tokenledger_next_month_start(ms)`: the first instant of the month after the one `ms` falls in.
    package static let nextMonthStartFunction = DatabaseFunction("tokenledger_next_month_start", argumentCount: 1, pure: true) { values in
        Int64.fromDatabaseValue(values[0]).map { Timestamp(milliseconds: $0).startOfNextMonth.milliseconds }
    }

    /// The controls' records against the journal (see ``verify()``).
    private static func checkControls(_ db: some BooksReader) throws -> [String] {
        let checks: [(String, String)] = [
            (
                "recharge transfer %@: not from @payments with a purchase lot and one succeeded attempt of its amount",
                """
                SELECT t.id AS x FROM transfer t LEFT JOIN lot l ON l.transfer_id = t.id LEFT JOIN recharge_attempt r ON r.transfer_id = t.id
                WHERE t.kind = 'recharge' AND (t.debit_account_id <> 1 OR l.kind IS DISTINCT FROM 'purchase' OR r.status IS DISTINCT FROM 'succeeded'
                    OR r.amount_nanos <> t.amount_nanos OR r.account_id <> t.credit_account_id OR l.account_id <> t.credit_account_id)
                """
            ),
            (
                "recharge attempt %@: its transfer is not a recharge, or its charge is another account's",
                """
                SELECT r.id AS x FROM recharge_attempt r JOIN usage u ON u.id = r.usage_id LEFT JOIN transfer t ON t.id = r.transfer_id
                WHERE u.account_id <> r.account_id OR (r.transfer_id IS NOT NULL AND t.kind IS DISTINCT FROM 'recharge')
                """
            ),
            (
                "account %@: its latest month's usage differs from its usage rows, or usage that cost something is recorded after that month",
                """
                SELECT a.name AS x FROM account a WHERE a.kind = 'customer' AND (
                    a.usage_month_nanos <> coalesce((SELECT sum(cost_nanos) FROM usage u WHERE u.account_id = a.id AND u.occurred_at_ms >= a.usage_month_ms
                        AND u.occurred_at_ms < tokenledger_next_month_start(a.usage_month_ms)), 0)
                    OR EXISTS (SELECT 1 FROM usage u WHERE u.account_id = a.id AND u.cost_nanos > 0
                        AND u.occurred_at_ms >= tokenledger_next_month_start(a.usage_month_ms))
                    OR (a.usage_month_ms > 0 AND a.usage_month_ms <> tokenledger_month_start(a.usage_month_ms)))
                """
            ),
            (
                "reservation '%@': settled, but not by a charge of its account under its id",
                """
                SELECT r.reference AS x FROM reservation r LEFT JOIN usage u ON u.id = r.usage_id
                WHERE r.status = 'settled' AND (u.account_id IS DISTINCT FROM r.account_id OR u.request_id IS DISTINCT FROM r.reference)
                """
            ),
            (
                "alert %@: not reached, or not of a charge of its account in its month",
                """
                SELECT s.id AS x FROM spend_alert s JOIN usage u ON u.id = s.usage_id
                WHERE s.spend_nanos < s.limit_nanos OR u.account_id <> s.account_id OR u.occurred_at_ms < s.month_ms
                    OR s.month_ms <> tokenledger_month_start(u.occurred_at_ms)
                """
            ),
        ]
        return try problems(of: checks, db: db)
    }

    /// The corrections against the journal (see ``verify()``): what each `adjustment` transfer
    /// is, and that it moved what its kind says.
    static func checkCorrections(_ db: some BooksReader) throws -> [String] {
        let checks: [(String, String)] = [
            (
                "adjustment transfer %@: not one correction between a customer account and @adjustments",
                """
                SELECT t.id AS x FROM transfer t LEFT JOIN correction c ON c.transfer_id = t.id
                JOIN account d ON d.id = t.debit_account_id JOIN account k ON k.id = t.credit_account_id
                WHERE t.kind = 'adjustment' AND (c.transfer_id IS NULL
                    OR NOT ((d.id = 5 AND k.kind = 'customer') OR (k.id = 5 AND d.kind = 'customer')))
                """
            ),
            (
                "refund '%@': does not take exactly its amount from its own account's purchase lot",
                """
                SELECT t.reference AS x FROM correction c JOIN transfer t ON t.id = c.transfer_id JOIN lot l ON l.id = c.lot_id
                JOIN transfer p ON p.id = l.transfer_id
                WHERE c.kind = 'refund' AND (t.credit_account_id <> 5 OR t.debit_account_id <> l.account_id OR p.kind <> 'purchase'
                    OR (SELECT sum(x.amount_nanos) FROM allocation x WHERE x.transfer_id = t.id AND x.lot_id = l.id) IS DISTINCT FROM t.amount_nanos
                    OR EXISTS (SELECT 1 FROM allocation x WHERE x.transfer_id = t.id AND x.lot_id <> l.id))
                """
            ),
            (
                "reversal '%@': does not give its charge's account exactly the charge's cost",
                """
                SELECT t.reference AS x FROM correction c JOIN transfer t ON t.id = c.transfer_id JOIN usage u ON u.id = c.usage_id
                WHERE c.kind = 'reverse' AND (t.debit_account_id <> 5 OR t.credit_account_id <> u.account_id OR t.amount_nanos <> u.cost_nanos)
                """
            ),
            (
                "correction '%@': gives credit back to a lot of another account, or as a debit",
                """
                SELECT DISTINCT t.reference AS x FROM lot_return r JOIN transfer t ON t.id = r.transfer_id JOIN lot l ON l.id = r.lot_id
                WHERE t.kind <> 'adjustment' OR t.debit_account_id <> 5 OR l.account_id <> t.credit_account_id
                """
            ),
            (
                "correction '%@': its returns and its new lot do not make its amount",
                """
                SELECT t.reference AS x FROM transfer t
                WHERE t.kind = 'adjustment' AND t.debit_account_id = 5 AND t.amount_nanos <>
                    coalesce((SELECT sum(amount_nanos) FROM lot_return r WHERE r.transfer_id = t.id), 0)
                    + coalesce((SELECT original_nanos FROM lot l WHERE l.transfer_id = t.id), 0)
                """
            ),
        ]
        return try problems(of: checks, db: db)
    }

    /// The problems found by `checks`: each a message with `%@` for what is wrong and a query
    /// of the wrong things (`x`), at most 20 of each.
    private static func problems(of checks: [(String, String)], db: some BooksReader) throws -> [String] {
        var problems: [String] = []
        for (problem, sql) in checks {
            problems += try db.select("SELECT CAST(x AS TEXT) AS x FROM (\(sql)) AS wrong LIMIT 20").map {
                problem.replacingOccurrences(of: "%@", with: $0["x"] as String)
            }
        }
        return problems
    }
}
