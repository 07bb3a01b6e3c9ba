import PostgresNIO
import TokenLedger
import TokenLedgerMigrations

/// The PostgreSQL ledger's schema: the migrations of `migrations/postgres/`, applied in order,
/// each in a transaction of its own, recorded in `tokenledger_migrations`.
///
/// Every table lives in the PostgreSQL schema `tokenledger` (the connection's `search_path`), so
/// a database may hold other applications' tables beside the ledger's.
enum PostgresSchema {
    /// The PostgreSQL schema (namespace) holding the ledger's tables.
    static let namespace = "tokenledger"

    /// The key of the advisory lock that makes two processes migrating one database take turns.
    static let migrationLockKey: Int64 = 0x546B_4C64_4D69_6772  // "TkLdMigr"

    /// What the database holds.
    enum State: Equatable {
        /// No ledger: the `tokenledger` schema or its table of migrations is missing.
        case absent
        /// A ledger with these migrations applied, oldest first.
        case ledger([String])
    }

    static func state(of session: PostgresSession) throws -> State {
        let rows = try session.query(
            "SELECT to_regclass(\(namespace + ".tokenledger_migrations")) IS NOT NULL")
        guard try rows.first?.decode(Bool.self) == true else { return .absent }
        let applied = try session.query("SELECT identifier FROM tokenledger_migrations ORDER BY identifier")
        return .ledger(try applied.map { try $0.decode(String.self) })
    }

    /// Brings the database to this version's schema: creates it when `create` (else an absent
    /// ledger is `.missing`), applies what is pending, refuses a database a newer TokenLedger
    /// migrated (`.newerSchema`). Returns whether it applied anything.
    @discardableResult
    static func migrate(_ session: PostgresSession, create: Bool) throws -> Bool {
        let known = SchemaMigrations.postgres.map(\.identifier)
        // A quick look first: most opens find the schema current and take no lock.
        if case .ledger(let applied) = try state(of: session), applied == known { return false }
        try session.execute("SELECT pg_advisory_lock(\(migrationLockKey))")
        defer { try? session.execute("SELECT pg_advisory_unlock(\(migrationLockKey))") }
        let applied: [String]
        switch try state(of: session) {
        case .absent:
            guard create else {
                throw LedgerError(.missing, path: session.location.description, detail: "the database holds no TokenLedger schema")
            }
            try session.execute(
                """
                CREATE SCHEMA IF NOT EXISTS \(namespace);
                CREATE TABLE IF NOT EXISTS \(namespace).tokenledger_migrations (
                    identifier text PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now()
                );
                """)
            applied = []
        case .ledger(let identifiers):
            applied = identifiers
        }
        if let unknown = applied.first(where: { !known.contains($0) }) {
            throw LedgerError(.newerSchema, path: session.location.description, detail: "schema \(unknown)")
        }
        var changed = false
        for migration in SchemaMigrations.postgres where !applied.contains(migration.identifier) {
            try session.transaction {
                try session.execute(migration.sql)
                try session.query("INSERT INTO tokenledger_migrations (identifier) VALUES (\(migration.identifier))")
            }
            changed = true
        }
        return changed
    }
}
