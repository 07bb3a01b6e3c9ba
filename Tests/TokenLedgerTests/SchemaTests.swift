import Foundation
import GRDB
import Testing
import TokenLedger
import TokenLedgerCore

/// This test folder, found from this file's path: the test target declares no resources, so
/// saved files are read from the source tree.
private let testsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
let packageFolder = testsFolder.deletingLastPathComponent().deletingLastPathComponent()
private let goldenSchemaURL = testsFolder.appendingPathComponent("schema.golden.sql")

@Suite("The schema")
struct SchemaTests {
    /// The schema of a new ledger as text: every table, index and trigger with its SQL.
    static func schemaText(path: String) throws -> String {
        let rows = try RawDatabase(path: path).queue.read { db in
            try Row.fetchAll(
                db, sql: "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
        }
        var text = """
            -- The schema of a newly created TokenLedger ledger, as SQLite keeps it:
            -- SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name
            -- Compared by SchemaTests.goldenSchema. A new migration changes it on purpose: regenerate with
            -- TOKENLEDGER_RECORD_GOLDEN=1 swift test --filter SchemaTests, and review the difference.


            """
        for row in rows {
            let type: String = row["type"], name: String = row["name"], table: String = row["tbl_name"]
            let sql: String? = row["sql"]
            text += "-- \(type) \(name) on \(table)\n\(sql ?? "-- (no SQL)");\n\n"
        }
        return text
    }

    @Test("a new ledger's schema is the golden copy")
    func goldenSchema() throws {
        try withScratchDirectory { directory in
            let path = directory.path()
            _ = try Ledger.open(at: path, create: true)
            let actual = try Self.schemaText(path: path)
            if ProcessInfo.processInfo.environment["TOKENLEDGER_RECORD_GOLDEN"] == "1" {
                try Data(actual.utf8).write(to: goldenSchemaURL)
            }
            let golden = try String(contentsOf: goldenSchemaURL, encoding: .utf8)
            #expect(actual == golden, "the schema differs from \(goldenSchemaURL.path)")
        }
    }

    /// The migration files in `migrations/` (SQLite's, `v*.sql`) or `migrations/postgres/`
    /// (PostgreSQL's, `pg*.sql`), sorted, without their `.sql`.
    static func migrationFileIdentifiers(postgres: Bool = false) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: packageFolder.appendingPathComponent(postgres ? "migrations/postgres" : "migrations").path)
            .filter { $0.hasPrefix(postgres ? "pg" : "v") && $0.hasSuffix(".sql") }
            .map { String($0.dropLast(4)) }
            .sorted()
    }

    @Test("every migrations/v*.sql and migrations/postgres/pg*.sql file is listed in SchemaMigrations", arguments: [false, true])
    func everyMigrationFileIsListed(postgres: Bool) throws {
        let identifiers = try Self.migrationFileIdentifiers(postgres: postgres)
        try #require(!identifiers.isEmpty)
        let source = try String(contentsOf: packageFolder.appendingPathComponent("migrations/Migrations.swift"), encoding: .utf8)
        for identifier in identifiers {
            #expect(source.contains("identifier: \"\(identifier)\""), "\(identifier).sql is not listed in Migrations.swift")
            #expect(source.contains("PackageResources.\(identifier)_sql"), "\(identifier).sql's embedded SQL is not used in Migrations.swift")
        }
    }

    @Test("migration files are numbered without gaps and open with a comment naming themselves", arguments: [false, true])
    func migrationFilesAreWellFormed(postgres: Bool) throws {
        let identifiers = try Self.migrationFileIdentifiers(postgres: postgres)
        for (index, identifier) in identifiers.enumerated() {
            let number = String(identifier.dropFirst(postgres ? 2 : 1).prefix(4))
            #expect(number == String(format: "%04d", index + 1), "\(identifier) should be numbered \(index + 1)")
            let folder = postgres ? "migrations/postgres" : "migrations"
            let sql = try String(contentsOf: packageFolder.appendingPathComponent("\(folder)/\(identifier).sql"), encoding: .utf8)
            #expect(sql.hasPrefix("-- \(identifier)"), "\(identifier).sql should open with a comment naming it")
        }
    }

    @Test("a new ledger has applied exactly the migration files, in order")
    func appliedMigrationsAreTheFiles() throws {
        try withScratchDirectory { directory in
            let ledger = try Ledger.open(at: directory.path(), create: true)
            #expect(try ledger.schemaVersion() == Self.migrationFileIdentifiers())
        }
    }
}

/// Statements that break a rule of the books, each refused by the schema on its own (run
/// through a raw connection, not the library), and the kind of constraint that refuses it.
struct ForbiddenStatement: Sendable, CustomTestStringConvertible {
    var rule: String
    var violates: ResultCode
    var sql: String
    var testDescription: String { rule }
}

@Suite("The schema enforces the rules by itself")
struct SchemaConstraintTests {
    static let insertTransfer = "INSERT INTO transfer (kind, debit_account_id, credit_account_id, amount_nanos, occurred_at_ms, balance_after_nanos) VALUES "

    static let statements: [ForbiddenStatement] = [
        ForbiddenStatement(
            rule: "transfers are never updated", violates: .SQLITE_CONSTRAINT_TRIGGER, sql: "UPDATE transfer SET amount_nanos = amount_nanos + 1"),
        ForbiddenStatement(
            rule: "transfers are never updated, not even to the same value", violates: .SQLITE_CONSTRAINT_TRIGGER, sql: "UPDATE transfer SET kind = kind"),
        ForbiddenStatement(rule: "transfers are never deleted", violates: .SQLITE_CONSTRAINT_TRIGGER, sql: "DELETE FROM transfer"),
        ForbiddenStatement(rule: "a transfer of zero", violates: .SQLITE_CONSTRAINT_CHECK, sql: insertTransfer + "('adjustment', 5, 6, 0, 0, 0)"),
        ForbiddenStatement(rule: "a negative transfer", violates: .SQLITE_CONSTRAINT_CHECK, sql: insertTransfer + "('adjustment', 5, 6, -1, 0, 0)"),
        ForbiddenStatement(
            rule: "a transfer from an account to itself", violates: .SQLITE_CONSTRAINT_CHECK, sql: insertTransfer + "('adjustment', 6, 6, 1, 0, 0)"),
        ForbiddenStatement(
            rule: "a transfer to an account that does not exist", violates: .SQLITE_CONSTRAINT_FOREIGNKEY,
            sql: insertTransfer + "('adjustment', 5, 999, 1, 0, 0)"),
        ForbiddenStatement(rule: "a transfer of an unknown kind", violates: .SQLITE_CONSTRAINT_CHECK, sql: insertTransfer + "('gift', 5, 6, 1, 0, 0)"),
        ForbiddenStatement(
            rule: "a second transfer with one reference", violates: .SQLITE_CONSTRAINT_UNIQUE,
            sql:
                "INSERT INTO transfer (reference, kind, debit_account_id, credit_account_id, amount_nanos, occurred_at_ms, balance_after_nanos) VALUES ('setup-acme', 'adjustment', 5, 6, 1, 0, 0)"
        ),
        ForbiddenStatement(
            rule: "STRICT: text in an integer column of transfer", violates: .SQLITE_CONSTRAINT_DATATYPE,
            sql: insertTransfer + "('adjustment', 5, 6, 'ten dollars', 0, 0)"),
        ForbiddenStatement(
            rule: "STRICT: text in an account's balance", violates: .SQLITE_CONSTRAINT_DATATYPE,
            sql: "UPDATE account SET balance_nanos = 'lots' WHERE name = 'acme'"),
        ForbiddenStatement(
            rule: "STRICT: a real in an account's balance", violates: .SQLITE_CONSTRAINT_DATATYPE,
            sql: "UPDATE account SET balance_nanos = 1.5 WHERE name = 'acme'"),
        ForbiddenStatement(
            rule: "a lot's remaining above its original", violates: .SQLITE_CONSTRAINT_CHECK, sql: "UPDATE lot SET remaining_nanos = original_nanos + 1"),
        ForbiddenStatement(rule: "a lot's remaining below zero", violates: .SQLITE_CONSTRAINT_CHECK, sql: "UPDATE lot SET remaining_nanos = -1"),
        ForbiddenStatement(rule: "a lot expiring when it is created", violates: .SQLITE_CONSTRAINT_CHECK, sql: "UPDATE lot SET expires_at_ms = created_at_ms"),
        ForbiddenStatement(
            rule: "a second lot for one transfer", violates: .SQLITE_CONSTRAINT_UNIQUE,
            sql:
                "INSERT INTO lot (account_id, kind, transfer_id, original_nanos, remaining_nanos, created_at_ms, expires_at_ms) SELECT account_id, kind, transfer_id, 1, 1, 0, 1 FROM lot"
        ),
        ForbiddenStatement(rule: "an allocation of zero", violates: .SQLITE_CONSTRAINT_CHECK, sql: "UPDATE allocation SET amount_nanos = 0"),
        ForbiddenStatement(
            rule: "an allocation from a lot that does not exist", violates: .SQLITE_CONSTRAINT_FOREIGNKEY, sql: "UPDATE allocation SET lot_id = 999"),
        ForbiddenStatement(
            rule: "a customer account named like a system account", violates: .SQLITE_CONSTRAINT_CHECK,
            sql: "INSERT INTO account (name, kind, created_at_ms) VALUES ('@mine', 'customer', 0)"),
        ForbiddenStatement(
            rule: "two accounts with one name", violates: .SQLITE_CONSTRAINT_UNIQUE,
            sql: "INSERT INTO account (name, kind, created_at_ms) VALUES ('acme', 'customer', 0)"),
        ForbiddenStatement(
            rule: "a maximum purchase below $5", violates: .SQLITE_CONSTRAINT_CHECK,
            sql: "UPDATE account SET max_purchase_nanos = 4990000000 WHERE name = 'acme'"),
        ForbiddenStatement(
            rule: "a maximum purchase not in whole cents", violates: .SQLITE_CONSTRAINT_CHECK,
            sql: "UPDATE account SET max_purchase_nanos = 5000000001 WHERE name = 'acme'"),
        ForbiddenStatement(
            rule: "a negative overdraft allowance", violates: .SQLITE_CONSTRAINT_CHECK,
            sql: "UPDATE account SET overdraft_allowance_nanos = -1 WHERE name = 'acme'"),
        ForbiddenStatement(
            rule: "two price entries of a model at one time", violates: .SQLITE_CONSTRAINT_UNIQUE,
            sql: "UPDATE price_entry SET effective_from_ms = (SELECT min(effective_from_ms) FROM price_entry WHERE model = 'o3') WHERE model = 'o3'"),
        ForbiddenStatement(rule: "a negative price", violates: .SQLITE_CONSTRAINT_CHECK, sql: "UPDATE price_rate SET input_nanos_per_million = -1"),
        ForbiddenStatement(rule: "a price of an unknown tier", violates: .SQLITE_CONSTRAINT_CHECK, sql: "UPDATE price_rate SET service_tier = 'turbo'"),
        ForbiddenStatement(rule: "usage is never updated", violates: .SQLITE_CONSTRAINT_TRIGGER, sql: "UPDATE usage SET cost_nanos = cost_nanos + 1"),
        ForbiddenStatement(
            rule: "usage is never updated, not even to the same value", violates: .SQLITE_CONSTRAINT_TRIGGER, sql: "UPDATE usage SET model = model"),
        ForbiddenStatement(rule: "usage is never deleted", violates: .SQLITE_CONSTRAINT_TRIGGER, sql: "DELETE FROM usage"),
        ForbiddenStatement(
            rule: "a usage's further allocations are never updated", violates: .SQLITE_CONSTRAINT_TRIGGER,
            sql: "UPDATE usage_allocation SET amount_nanos = amount_nanos + 1"),
        ForbiddenStatement(
            rule: "a usage's further allocations are never deleted", violates: .SQLITE_CONSTRAINT_TRIGGER, sql: "DELETE FROM usage_allocation"),
        ForbiddenStatement(
            rule: "a usage transfer (usage rows are the usage entries)", violates: .SQLITE_CONSTRAINT_TRIGGER,
            sql: insertTransfer + "('usage', 6, 3, 1, 0, 0)"),
        ForbiddenStatement(
            rule: "STRICT: text in a usage's token count", violates: .SQLITE_CONSTRAINT_DATATYPE,
            sql: copyOfUsage(replacing: ["output_tokens": "'many'"])),
        ForbiddenStatement(
            rule: "cached tokens above the input tokens", violates: .SQLITE_CONSTRAINT_CHECK,
            sql: copyOfUsage(replacing: ["cached_tokens": "input_tokens + 1"])),
        ForbiddenStatement(
            rule: "a usage's first lot without its amount", violates: .SQLITE_CONSTRAINT_CHECK, sql: copyOfUsage(replacing: ["lot_nanos": "NULL"])),
        ForbiddenStatement(
            rule: "a usage's first lot paying more than its cost", violates: .SQLITE_CONSTRAINT_CHECK,
            sql: copyOfUsage(replacing: ["lot_nanos": "cost_nanos + 1"])),
        ForbiddenStatement(
            rule: "a usage paid by a lot that does not exist", violates: .SQLITE_CONSTRAINT_FOREIGNKEY, sql: copyOfUsage(replacing: ["lot_id": "999"])),
        ForbiddenStatement(
            rule: "two usages with one request id", violates: .SQLITE_CONSTRAINT_UNIQUE, sql: copyOfUsage(replacing: ["request_id": "'r2'"])),
        ForbiddenStatement(
            rule: "a further allocation of zero", violates: .SQLITE_CONSTRAINT_CHECK,
            sql: "INSERT INTO usage_allocation (usage_id, lot_id, amount_nanos) SELECT usage_id, (SELECT min(id) FROM lot), 0 FROM usage_allocation"),
        ForbiddenStatement(
            rule: "a rollup day that does not start at midnight", violates: .SQLITE_CONSTRAINT_CHECK, sql: "UPDATE usage_daily SET day_ms = day_ms + 1"),
        ForbiddenStatement(
            rule: "STRICT: a real in a rollup's cost", violates: .SQLITE_CONSTRAINT_DATATYPE, sql: "UPDATE usage_daily SET cost_nanos = 0.5"),
        ForbiddenStatement(
            rule: "a usage's provider outside lowercase letters, digits, _ . -", violates: .SQLITE_CONSTRAINT_CHECK,
            sql: copyOfUsage(replacing: ["provider": "'Open AI'"])),
        ForbiddenStatement(
            rule: "a usage's provider longer than 64 characters", violates: .SQLITE_CONSTRAINT_CHECK,
            sql: copyOfUsage(replacing: ["provider": "'\(String(repeating: "a", count: 65))'"])),
        ForbiddenStatement(
            rule: "an empty price entry provider", violates: .SQLITE_CONSTRAINT_CHECK,
            sql: "INSERT INTO price_entry (model, effective_from_ms, source, provider) VALUES ('m', 0, 'manual', '')"),
    ]

    static let usageColumns = [
        "request_id", "account_id", "price_entry_id", "model", "service_tier", "band", "input_tokens", "cached_tokens", "cache_write_tokens",
        "output_tokens", "requests", "cost_nanos", "occurred_at_ms", "balance_after_nanos", "lot_id", "lot_nanos", "provider",
    ]

    /// An INSERT of a copy of usage 'r1' under the id 'r9', with some columns replaced.
    static func copyOfUsage(replacing replacements: [String: String]) -> String {
        let values = usageColumns.map { column in replacements[column] ?? (column == "request_id" ? "'r9'" : column) }
        return "INSERT INTO usage (\(usageColumns.joined(separator: ", "))) SELECT \(values.joined(separator: ", ")) FROM usage WHERE request_id = 'r1'"
    }

    /// acme (account 6) has every kind of row: a grant expired and written off (an allocation),
    /// a purchase, a small grant, then two charges, the second drawing on two lots (a further
    /// allocation), and their daily rollup.
    static func setUp(_ fixture: LedgerFixture) throws {
        try makeAccount(fixture.ledger, "acme", at: utc(2025, 7, 1), purchase: .usd(20))
        _ = try fixture.ledger.grant(GrantRequest(account: "acme", amount: .usd(1), at: utc(2025, 7, 1), expiresAt: utc(2025, 7, 1, 12)))
        _ = try fixture.ledger.grant(GrantRequest(account: "acme", amount: Money(cents: 1), at: utc(2025, 7, 1, 13)))
        // o3 at $2 / $8 per million: $0.006 each, so the second takes $0.004 of the grant and $0.002 of the purchase.
        for id in ["r1", "r2"] {
            _ = try fixture.ledger.charge(ChargeRequest(account: "acme", model: "o3", input: 1_000, output: 500, requestID: id, at: utc(2025, 7, 2)))
        }
        let counts = try fixture.raw.rowCounts()
        try #require(
            ["transfer", "lot", "allocation", "usage", "usage_allocation", "usage_daily", "price_entry", "price_rate"].allSatisfy {
                counts[$0, default: 0] > 0
            })
    }
    @Test("a raw statement that breaks a rule fails on that constraint and changes nothing", arguments: statements)
    func forbidden(_ statement: ForbiddenStatement) throws {
        try withLedger { fixture in
            try Self.setUp(fixture)
            let before = try fixture.raw.dump()
            let error = #expect(throws: DatabaseError.self) { try fixture.raw.execute(statement.sql) }
            #expect(error?.extendedResultCode == statement.violates, "\(error.map { "\($0)" } ?? "no error")")
            #expect(try fixture.raw.dump() == before)
        }
    }

    @Test("the append-only triggers say why")
    func appendOnlyMessage() throws {
        try withLedger { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2025, 7, 1), purchase: .usd(20))
            let update = #expect(throws: DatabaseError.self) { try fixture.raw.execute("UPDATE transfer SET occurred_at_ms = 0") }
            #expect(update?.message?.contains("append-only") == true)
            let delete = #expect(throws: DatabaseError.self) { try fixture.raw.execute("DELETE FROM transfer") }
            #expect(delete?.message?.contains("append-only") == true)
        }
    }

    @Test("the same statements are accepted when they keep the rules (the constraints are not just broken SQL)")
    func allowedCounterparts() throws {
        try withLedger { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2025, 7, 1), purchase: .usd(20))
            try fixture.raw.execute(
                "INSERT INTO transfer (kind, debit_account_id, credit_account_id, amount_nanos, occurred_at_ms, balance_after_nanos) VALUES ('adjustment', 5, 6, 1, 0, 0)"
            )
            try fixture.raw.execute("UPDATE lot SET remaining_nanos = original_nanos - 1")
            try fixture.raw.execute("UPDATE account SET max_purchase_nanos = 5000000000, overdraft_allowance_nanos = 0 WHERE name = 'acme'")
            #expect(try fixture.raw.int("SELECT count(*) FROM transfer") == 2)
        }
    }
}
