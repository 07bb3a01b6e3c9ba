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
    /// - every lot's remaining equals its original minus its allocations, within 0...original,
    ///   and its original equals the transfer that created it;
    /// - every debit transfer of a customer is allocated no more than its amount, and every
    ///   customer's balance equals its lots' remaining minus its outstanding overdraft, with
    ///   no lot left unspent while overdraft is owed;
    /// - every usage costs what its price entry says for its tokens, and matches its transfer;
    /// - SQLite's own integrity and foreign-key checks pass.
    public func verify() throws -> VerifyReport {
        try read { db in
            var problems: [String] = []
            problems += try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }.map { "integrity: \($0)" }
            let foreignKeyProblems = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check")
            problems += foreignKeyProblems.map { "foreign key: \($0)" }
            problems += try Ledger.checkBalances(db)
            problems += try Ledger.checkLots(db)
            problems += try Ledger.checkOverdraft(db)
            problems += try Ledger.checkUsage(db)
            return VerifyReport(
                transfers: try Int.fetchOne(db, sql: "SELECT count(*) FROM transfer") ?? 0,
                accounts: try Int.fetchOne(db, sql: "SELECT count(*) FROM account WHERE kind = 'customer'") ?? 0,
                usages: try Int.fetchOne(db, sql: "SELECT count(*) FROM usage") ?? 0, problems: problems)
        }
    }

    private static func checkBalances(_ db: Database) throws -> [String] {
        var problems: [String] = []
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT a.name, a.balance_nanos,
                       coalesce((SELECT sum(amount_nanos) FROM transfer WHERE credit_account_id = a.id), 0)
                     - coalesce((SELECT sum(amount_nanos) FROM transfer WHERE debit_account_id = a.id), 0) AS folded
                FROM account a ORDER BY a.id
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

    private static func checkLots(_ db: Database) throws -> [String] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT l.id, a.name, l.original_nanos, l.remaining_nanos, t.amount_nanos AS credited, t.credit_account_id = l.account_id AS same_account,
                       coalesce((SELECT sum(amount_nanos) FROM allocation x WHERE x.lot_id = l.id), 0) AS allocated
                FROM lot l JOIN account a ON a.id = l.account_id JOIN transfer t ON t.id = l.transfer_id
                """)
        var problems: [String] = []
        for row in rows {
            let id: Int64 = row["id"]
            let original: Int64 = row["original_nanos"], remaining: Int64 = row["remaining_nanos"], allocated: Int64 = row["allocated"]
            let name: String = row["name"]
            if remaining != original - allocated {
                problems.append("lot \(id) of '\(name)': remaining \(Money(nanos: remaining)) is not original \(Money(nanos: original)) minus allocations \(Money(nanos: allocated))")
            }
            if remaining < 0 || remaining > original { problems.append("lot \(id) of '\(name)': remaining \(Money(nanos: remaining)) outside 0...original") }
            if original != row["credited"] as Int64 || !(row["same_account"] as Bool) {
                problems.append("lot \(id) of '\(name)': does not match the transfer that created it")
            }
        }
        let overAllocated = try Row.fetchAll(
            db,
            sql: """
                SELECT t.id, t.amount_nanos, sum(x.amount_nanos) AS allocated FROM transfer t JOIN allocation x ON x.transfer_id = t.id
                GROUP BY t.id HAVING sum(x.amount_nanos) > t.amount_nanos
                """)
        problems += overAllocated.map { "transfer \($0["id"] as Int64): allocations exceed its amount" }
        return problems
    }

    /// balance = Σ remaining − overdraft owed, where overdraft owed = the debits no lot paid
    /// minus the repayments; and overdraft is never owed while a lot has credit left.
    private static func checkOverdraft(_ db: Database) throws -> [String] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT a.name, a.balance_nanos,
                    coalesce((SELECT sum(remaining_nanos) FROM lot WHERE account_id = a.id), 0) AS remaining,
                    coalesce((SELECT sum(t.amount_nanos - coalesce((SELECT sum(amount_nanos) FROM allocation x WHERE x.transfer_id = t.id), 0))
                              FROM transfer t WHERE t.debit_account_id = a.id), 0) AS unpaid,
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
                problems.append("account '\(name)': balance \(Money(nanos: balance)) is not lots \(Money(nanos: remaining)) minus overdraft \(Money(nanos: owed))")
            }
            if owed > 0 && remaining > 0 { problems.append("account '\(name)': owes overdraft while lots have credit left") }
        }
        return problems
    }

    private static func checkUsage(_ db: Database) throws -> [String] {
        var problems: [String] = []
        var entries: [Int64: PriceEntry] = [:]
        let cursor = try Row.fetchCursor(
            db,
            sql: """
                SELECT u.*, t.amount_nanos AS transferred, t.debit_account_id, t.kind AS transfer_kind
                FROM usage u LEFT JOIN transfer t ON t.id = u.transfer_id
                """)
        while let row = try cursor.next() {
            let requestID: String = row["request_id"]
            let entryID: Int64 = row["price_entry_id"]
            if entries[entryID] == nil, let entryRow = try Row.fetchOne(db, sql: "SELECT * FROM price_entry WHERE id = ?", arguments: [entryID]) {
                entries[entryID] = try PriceStore.entry(row: entryRow, db: db)
            }
            let cost: Int64 = row["cost_nanos"]
            if let transferred: Int64 = row["transferred"] {
                if transferred != cost || row["debit_account_id"] as Int64 != row["account_id"] as Int64 || row["transfer_kind"] as String != "usage" {
                    problems.append("usage '\(requestID)': its transfer does not match its cost and account")
                }
            }
            guard let entry = entries[entryID], let tier = ServiceTier(rawValue: row["service_tier"]),
                  let usage = try? TokenUsage.validated(
                    input: row["input_tokens"], cached: row["cached_tokens"], cacheWrite: row["cache_write_tokens"], output: row["output_tokens"]),
                  let repriced = try? entry.cost(of: usage, tier: tier)
            else {
                problems.append("usage '\(requestID)': cannot be repriced by its price entry")
                continue
            }
            if repriced.total.nanos != cost {
                problems.append("usage '\(requestID)': recorded cost \(Money(nanos: cost)) but its prices give \(repriced.total)")
            }
        }
        return problems
    }
}
