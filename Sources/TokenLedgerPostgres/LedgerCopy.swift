import Foundation
import GRDB
import PostgresNIO
import TokenLedger

/// What a copy of the books moved, table by table, and what proved the two sides equal.
public struct LedgerCopyReport: Sendable, Hashable {
    /// Rows copied, by table, in the order they were copied.
    public var rows: [(table: String, count: Int)]
    /// `verify` on the source, then on the copy.
    public var sourceVerify: VerifyReport
    public var copyVerify: VerifyReport
    /// How many figures (``BooksFingerprint``) were compared, all equal.
    public var comparedFigures: Int

    public var total: Int { rows.reduce(0) { $0 + $1.count } }

    public static func == (a: Self, b: Self) -> Bool {
        a.rows.map(\.table) == b.rows.map(\.table) && a.rows.map(\.count) == b.rows.map(\.count) && a.sourceVerify == b.sourceVerify
            && a.copyVerify == b.copyVerify && a.comparedFigures == b.comparedFigures
    }

    public func hash(into hasher: inout Hasher) {
        for row in rows {
            hasher.combine(row.table)
            hasher.combine(row.count)
        }
        hasher.combine(comparedFigures)
    }
}

/// Progress of a copy: the table being copied and the rows copied so far in all.
public struct LedgerCopyProgress: Sendable {
    public var table: String
    public var copied: Int
    public var total: Int
}

/// Copies the books between the two stores, whole, in one transaction of the target, then
/// proves them equal: `verify` on both sides and every figure of ``BooksFingerprint`` compared.
enum LedgerCopy {
    /// The tables both schemas hold, in an order where every row's references come before it.
    static let tables = [
        "account", "setting", "usage_tier", "model_alias", "model_requirement", "price_entry", "price_rate", "api_key", "transfer", "lot",
        "usage", "allocation", "lot_return", "usage_allocation", "correction", "recharge_attempt", "reservation", "spend_limit",
        "spend_alert", "auto_recharge", "low_balance_watch", "usage_daily", "event", "webhook_endpoint", "webhook_delivery",
        "webhook_attempt",
    ]

    /// Tables of one store only: SQLite's mechanics of the unfolded tail, and PostgreSQL's shares
    /// of the system accounts' balances (computed from the journal when copying into it).
    static let sqliteOnly: Set<String> = ["usage_fold", "grdb_migrations", "sqlite_sequence"]
    static let postgresOnly: Set<String> = ["system_balance", "tokenledger_migrations"]

    /// What PostgreSQL's columns that SQLite lacks are, in SQLite's terms: the customer account
    /// a row belongs to (every transfer is between one customer account and one system
    /// account), and a system account's stored balance, which PostgreSQL keeps as shares.
    static let derivedInSQLite: [String: [String: String]] = [
        "account": ["balance_nanos": "CASE WHEN kind = 'system' THEN 0 ELSE balance_nanos END"],
        "transfer": ["account_id": customerOfTransfer("transfer.id")],
        "allocation": ["account_id": customerOfTransfer("allocation.transfer_id")],
        "lot_return": ["account_id": customerOfTransfer("lot_return.transfer_id")],
        "correction": ["account_id": customerOfTransfer("correction.transfer_id")],
        "usage_allocation": ["account_id": "(SELECT u.account_id FROM usage u WHERE u.id = usage_allocation.usage_id)"],
    ]

    private static func customerOfTransfer(_ transferID: String) -> String {
        """
        (SELECT CASE WHEN d.kind = 'customer' THEN t.debit_account_id ELSE t.credit_account_id END
         FROM transfer t JOIN account d ON d.id = t.debit_account_id WHERE t.id = \(transferID))
        """
    }

    /// The most parameters one PostgreSQL statement takes.
    static let parameterLimit = 65_535

    /// Copies `source` (a SQLite ledger, its tail folded) into `target`, which must hold no
    /// books yet (only what a new ledger holds), in one PostgreSQL transaction: a copy that
    /// fails leaves the target as it was.
    static func copy(from source: Ledger, to target: PostgresLedger, progress: (@Sendable (LedgerCopyProgress) -> Void)?) throws -> LedgerCopyReport {
        try target.withSession { session in
            try session.transaction {
                try refuseNonEmpty(target: session, description: target.location.description)
                let targetTables = Set(
                    try session.select("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").map { $0["tablename"] as String })
                // One snapshot of the source for the whole copy, read as a stream.
                let counts = try source.read { db -> [(table: String, count: Int)] in
                    let sourceTables = Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'"))
                    let unknown = sourceTables.subtracting(sqliteOnly).symmetricDifference(targetTables.subtracting(postgresOnly)).union(
                        Set(tables).subtracting(sourceTables.intersection(targetTables)))
                    guard unknown.isEmpty else {
                        throw LedgerError(
                            .database, path: target.location.description,
                            detail: "the two schemas differ in tables this version does not know how to copy: \(unknown.sorted().joined(separator: ", "))")
                    }
                    // What the new ledger was made with (the system accounts, the tiers) is replaced by the source's.
                    for table in tables.reversed() { try session.execute("DELETE FROM \(table)") }
                    try session.execute("DELETE FROM system_balance")
                    let total = try tables.reduce(0) { $0 + (try Int.fetchOne(db, sql: "SELECT count(*) FROM \(Self.table(named: $1))") ?? 0) }
                    var counts: [(table: String, count: Int)] = []
                    var copied = 0
                    for table in tables {
                        let before = copied
                        let count = try copyTable(table, from: db, to: session) { done in
                            progress?(LedgerCopyProgress(table: table, copied: before + done, total: total))
                        }
                        copied += count
                        counts.append((table, count))
                    }
                    return counts
                }
                try session.execute(
                    """
                    INSERT INTO system_balance (account_id, system_account_id, balance_nanos)
                    SELECT account_id, system_account_id, sum(delta) FROM (
                        SELECT account_id, credit_account_id AS system_account_id, amount_nanos AS delta FROM transfer WHERE credit_account_id <> account_id
                        UNION ALL SELECT account_id, debit_account_id, -amount_nanos FROM transfer WHERE debit_account_id <> account_id
                        UNION ALL SELECT account_id, 3, cost_nanos FROM usage) AS shares
                    GROUP BY account_id, system_account_id
                    """)
                try resetIdentities(session)
                // Proved before it is committed: a copy that differs is rolled back.
                return try prove(source: source, copy: session, rows: counts)
            }
        }
    }

    /// A table's name as SQLite reads it (`usage` is quoted in the schema: keep it so).
    private static func table(named name: String) -> String { "\"\(name)\"" }

    private static func refuseNonEmpty(target session: PostgresSession, description: String) throws {
        let held = try session.count(
            """
            SELECT (SELECT count(*) FROM account WHERE kind = 'customer') + (SELECT count(*) FROM transfer) + (SELECT count(*) FROM usage)
                + (SELECT count(*) FROM price_entry) + (SELECT count(*) FROM api_key)
            """)
        if held > 0 {
            throw LedgerError(
                .database, path: description,
                detail: "the target already holds books (accounts, prices, keys or entries): copy into a new database or a new schema")
        }
    }

    /// Copies one table's rows from SQLite into PostgreSQL, in statements of as many rows as
    /// the parameter limit allows; returns how many.
    private static func copyTable(
        _ table: String, from db: Database, to session: PostgresSession, progress: (Int) -> Void
    ) throws -> Int {
        let targetColumns = try session.select(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
            sqlValues(table)
        ).map { $0["column_name"] as String }
        let sourceColumns = Set(try db.columns(in: table).map(\.name))
        let derived = derivedInSQLite[table] ?? [:]
        var expressions: [String] = []
        for column in targetColumns {
            if let expression = derived[column] {
                expressions.append("\(expression) AS \(column)")
            } else if sourceColumns.contains(column) {
                expressions.append("\(Self.table(named: table)).\(column)")
            } else {
                throw LedgerError(.database, path: session.location.description, detail: "no source in SQLite for \(table).\(column)")
            }
        }
        let perStatement = max(1, min(1_000, parameterLimit / targetColumns.count))
        let prefix = "INSERT INTO \(table) (\(targetColumns.joined(separator: ", "))) VALUES "
        let cursor = try Row.fetchCursor(db, sql: "SELECT \(expressions.joined(separator: ", ")) FROM \(Self.table(named: table))")
        var copied = 0
        var pending = 0
        var sql = prefix
        var bindings = PostgresBindings(capacity: perStatement * targetColumns.count)
        func flush() throws {
            guard pending > 0 else { return }
            try session.query(PostgresQuery(unsafeSQL: sql, binds: bindings))
            copied += pending
            pending = 0
            sql = prefix
            bindings = PostgresBindings(capacity: perStatement * targetColumns.count)
            progress(copied)
        }
        while let row = try cursor.next() {
            sql += pending == 0 ? "(" : ", ("
            for (position, column) in targetColumns.enumerated() {
                sql += position == 0 ? "$\(bindings.count + 1)" : ", $\(bindings.count + 1)"
                try PostgresSession.bind(row[column] as DatabaseValue, to: &bindings)
            }
            sql += ")"
            pending += 1
            if pending == perStatement { try flush() }
        }
        try flush()
        return copied
    }

    /// Sets every identity column's next value past the largest id copied.
    private static func resetIdentities(_ session: PostgresSession) throws {
        let identities = try session.select(
            """
            SELECT table_name, column_name FROM information_schema.columns
            WHERE table_schema = current_schema() AND is_identity = 'YES'
            """)
        for row in identities {
            let table: String = row["table_name"], column: String = row["column_name"]
            try session.execute(
                """
                SELECT setval(pg_get_serial_sequence('\(PostgresSchema.namespace).\(table)', '\(column)'),
                              coalesce((SELECT max(\(column)) FROM \(table)), 0) + 1, false)
                """)
        }
    }

    /// `verify` on both sides, then every figure of the books compared (the copy read inside
    /// its transaction).
    static func prove(source: Ledger, copy session: PostgresSession, rows: [(table: String, count: Int)]) throws -> LedgerCopyReport {
        let sourceVerify = try source.verify()
        let copyVerify = try Ledger.verify(books: session)
        let sourceFigures = try source.read { db in try BooksFingerprint.figures(of: db) }
        let copyFigures = try BooksFingerprint.figures(of: session)
        if let difference = BooksFingerprint.firstDifference(sourceFigures, copyFigures) {
            throw LedgerError(.database, path: session.location.description, detail: "the copy differs from the original: \(difference)")
        }
        return LedgerCopyReport(rows: rows, sourceVerify: sourceVerify, copyVerify: copyVerify, comparedFigures: sourceFigures.count)
    }
}

extension LedgerCopy {
    /// What SQLite's columns that PostgreSQL keeps otherwise are, in PostgreSQL's terms: a
    /// system account's balance is the sum of its shares.
    static let derivedInPostgres: [String: [String: String]] = [
        "account": ["balance_nanos": "(SELECT b.balance_nanos FROM account_balance b WHERE b.id = account.id)"]
    ]

    /// Copies the PostgreSQL ledger `source` (one consistent snapshot) into a new SQLite file at
    /// `path`, in one transaction, and proves the two equal before it commits. The file is
    /// removed again when the copy fails or differs.
    static func copy(from source: PostgresLedger, intoNewFile path: String, progress: (@Sendable (LedgerCopyProgress) -> Void)?) throws
        -> LedgerCopyReport
    {
        let target = try Ledger.open(at: path, create: true)
        do {
            return try source.reading { session in
                try target.write { db in
                    let sourceTables = Set(
                        try session.select("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").map { $0["tablename"] as String })
                    let targetTables = Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'"))
                    let unknown = targetTables.subtracting(sqliteOnly).symmetricDifference(sourceTables.subtracting(postgresOnly)).union(
                        Set(tables).subtracting(sourceTables.intersection(targetTables)))
                    guard unknown.isEmpty else {
                        throw LedgerError(
                            .database, path: path,
                            detail: "the two schemas differ in tables this version does not know how to copy: \(unknown.sorted().joined(separator: ", "))")
                    }
                    for table in tables.reversed() { try db.execute(sql: "DELETE FROM \(Self.table(named: table))") }
                    var total = 0
                    for table in tables { total += Int(try session.count("SELECT count(*) FROM \(table)")) }
                    var counts: [(table: String, count: Int)] = []
                    var copied = 0
                    for table in tables {
                        let before = copied
                        let count = try copyTable(table, from: session, to: db) { done in
                            progress?(LedgerCopyProgress(table: table, copied: before + done, total: total))
                        }
                        copied += count
                        counts.append((table, count))
                    }
                    // Every charge copied is folded: balances, lots and the rollup came with it.
                    try db.execute(sql: "INSERT OR REPLACE INTO usage_fold (id, usage_id) VALUES (1, (SELECT coalesce(max(id), 0) FROM usage))")
                    db.add(function: Ledger.monthStartFunction)
                    db.add(function: Ledger.nextMonthStartFunction)
                    let copyVerify = try Ledger.verify(books: db)
                    let sourceVerify = try Ledger.verify(books: session)
                    let sourceFigures = try BooksFingerprint.figures(of: session)
                    let copyFigures = try BooksFingerprint.figures(of: db)
                    if let difference = BooksFingerprint.firstDifference(sourceFigures, copyFigures) {
                        throw LedgerError(.database, path: path, detail: "the copy differs from the original: \(difference)")
                    }
                    return LedgerCopyReport(rows: counts, sourceVerify: sourceVerify, copyVerify: copyVerify, comparedFigures: sourceFigures.count)
                }
            }
        } catch {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            throw error
        }
    }

    /// Copies one table's rows from PostgreSQL (a cursor, a few thousand rows at a time) into SQLite.
    private static func copyTable(_ table: String, from session: PostgresSession, to db: Database, progress: (Int) -> Void) throws -> Int {
        let targetColumns = try db.columns(in: table).map(\.name)
        let sourceColumns = Set(
            try session.select(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?", sqlValues(table)
            ).map { $0["column_name"] as String })
        let derived = derivedInPostgres[table] ?? [:]
        var expressions: [String] = []
        for column in targetColumns {
            if let expression = derived[column] {
                expressions.append("\(expression) AS \(column)")
            } else if sourceColumns.contains(column) {
                expressions.append("\(table).\(column)")
            } else {
                throw LedgerError(.database, path: session.location.description, detail: "no source in PostgreSQL for \(table).\(column)")
            }
        }
        let insert = try db.makeStatement(
            sql:
                "INSERT INTO \(Self.table(named: table)) (\(targetColumns.joined(separator: ", "))) VALUES (\(targetColumns.map { _ in "?" }.joined(separator: ", ")))"
        )
        try session.execute("DECLARE tokenledger_copy NO SCROLL CURSOR FOR SELECT \(expressions.joined(separator: ", ")) FROM \(table)")
        var copied = 0
        while true {
            let rows = try session.select("FETCH FORWARD 5000 FROM tokenledger_copy")
            if rows.isEmpty { break }
            for row in rows {
                try insert.execute(arguments: StatementArguments(targetColumns.map { row[$0] as DatabaseValue }))
            }
            copied += rows.count
            progress(copied)
        }
        try session.execute("CLOSE tokenledger_copy")
        return copied
    }
}
