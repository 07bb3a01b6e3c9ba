import Foundation
import GRDB
import Testing

/// `tokenledger keys`: a secret is printed by `keys create` and nowhere else, ever.
@Suite("CLI: API keys")
struct KeysCLITests {
    /// Every secret-shaped string in `text`.
    static func secrets(in text: String) -> [String] {
        text.matches(of: /tlk_[A-Za-z0-9_-]{43}/).map { String($0.output) }
    }

    static func object(_ json: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    /// A new ledger (`init`) in a scratch folder, removed when the value goes.
    struct NewLedger {
        let folder: ScratchFolder
        let database: String
    }

    static func newLedger(_ name: String) throws -> NewLedger {
        let folder = try ScratchFolder(name)
        let database = folder.path("ledger.sqlite")
        try CLI.succeed(["init"], database: database)
        return NewLedger(folder: folder, database: database)
    }

    /// Every row of the key table, as text.
    static func keyRows(_ database: String) throws -> [String] {
        let queue = try DatabaseQueue(path: database)
        defer { try? queue.close() }
        return try queue.read { db in try Row.fetchAll(db, sql: "SELECT * FROM api_key ORDER BY id").map(\.description) }
    }

    @Test("create prints the secret once (table and JSON); list, revoke and the file never show it")
    func secretShownOnce() throws {
        let ledger = try Self.newLedger("keys")
        let database = ledger.database
        try CLI.succeed(["account", "create", "acme", "--at", "2026-01-01"], database: database)
        let table = try CLI.succeed(["keys", "create", "--role", "gateway", "--account", "acme", "--name", "gw", "--at", "2026-01-02"], database: database)
        let first = try #require(Self.secrets(in: table).first)
        #expect(Self.secrets(in: table) == [first], "\(table)")
        #expect(table.contains("role     gateway") && table.contains("account  acme") && table.contains("shown this once"), "\(table)")

        let json = try Self.object(try CLI.succeed(["keys", "create", "--role", "admin", "--at", "2026-01-03", "--format", "json"], database: database))
        let second = try #require(json["secret"] as? String)
        #expect(Self.secrets(in: second) == [second] && second != first)
        #expect(json["role"] as? String == "admin" && json["account"] is NSNull && json["revoked_at"] is NSNull)
        let adminID = try #require(json["id"] as? String)

        var shown = ""
        for format in ["table", "json", "csv", "markdown"] {
            shown += try CLI.succeed(["keys", "list", "--format", format], database: database)
        }
        let list = try Self.object(try CLI.succeed(["keys", "list", "--format", "json"], database: database))
        let keys = try #require(list["keys"] as? [[String: Any]])
        #expect(keys.map { $0["id"] as? String }.last == adminID)
        #expect(keys.map { $0["role"] as? String } == ["gateway", "admin"] && keys.allSatisfy { $0["secret"] == nil })
        shown += try CLI.succeed(["keys", "revoke", adminID, "--at", "2026-01-04"], database: database)
        shown += try CLI.succeed(["keys", "revoke", adminID, "--format", "json"], database: database)
        #expect(Self.secrets(in: shown).isEmpty, "\(shown)")
        for secret in [first, second] {
            #expect(!shown.contains(secret.dropFirst(4)))
            for path in [database, database + "-wal"] {
                let bytes = FileManager.default.contents(atPath: path) ?? Data()
                #expect(bytes.range(of: Data(secret.dropFirst(4).utf8)) == nil, "\(path)")
            }
        }
    }

    @Test("revoke: done, then already revoked (exit 0, nothing written), an unknown id refused unknown_key (exit 2)")
    func revoke() throws {
        let ledger = try Self.newLedger("keys-revoke")
        let database = ledger.database
        let created = try Self.object(try CLI.succeed(["keys", "create", "--role", "reader", "--format", "json", "--at", "2026-01-02"], database: database))
        let id = try #require(created["id"] as? String)

        let revoked = try CLI.succeed(["keys", "revoke", id, "--at", "2026-01-03"], database: database)
        #expect(revoked.hasPrefix("Revoked API key \(id).") && revoked.contains("revoked  2026-01-03T00:00:00Z"), "\(revoked)")
        let before = try Self.keyRows(database)
        let again = try Self.object(try CLI.succeed(["keys", "revoke", id, "--at", "2026-02-01", "--format", "json"], database: database))
        #expect(again["already_revoked"] as? Bool == true && again["revoked_at"] as? String == "2026-01-03T00:00:00Z")
        let text = try CLI.succeed(["keys", "revoke", id], database: database)
        #expect(text.contains("already revoked at 2026-01-03T00:00:00Z: nothing written"), "\(text)")
        #expect(try Self.keyRows(database) == before)

        let unknown = try CLI.run(["keys", "revoke", "key_0000000000000000", "--db", database])
        #expect(unknown.status == 2 && unknown.stdout.isEmpty)
        #expect(unknown.stderr.hasPrefix("error: unknown_key: "), "\(unknown.stderr)")
        let list = try Self.object(try CLI.succeed(["keys", "list", "--format", "json"], database: database))
        #expect((list["keys"] as? [[String: Any]])?.count == 1)
    }

    @Test("refusals and bad input: an unknown account (2), an unknown role (1), a bad name (1); nothing written")
    func refusals() throws {
        let ledger = try Self.newLedger("keys-refusals")
        let database = ledger.database
        let empty = try CLI.succeed(["keys", "list"], database: database)
        #expect(empty.hasPrefix("No API keys yet"))
        let cases: [([String], Int32, String)] = [
            (["keys", "create", "--role", "gateway", "--account", "nobody"], 2, "unknown_account"),
            (["keys", "create", "--role", "root"], 1, "'root' is invalid for '--role <role>'"),
            (["keys", "create", "--role", "admin", "--name", " padded"], 1, "invalid_key_name"),
            (["keys", "create"], 1, "Missing expected argument '--role <role>'"),
        ]
        for (arguments, status, message) in cases {
            let result = try CLI.run(arguments + ["--db", database])
            #expect(result.status == status && result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(Self.secrets(in: result.stdout + result.stderr).isEmpty)
        }
        let json = try CLI.run(["keys", "create", "--role", "gateway", "--account", "nobody", "--format", "json", "--db", database])
        #expect(json.stdout.contains("\"code\": \"unknown_account\"") && Self.secrets(in: json.stdout).isEmpty)
        #expect(try CLI.succeed(["keys", "list"], database: database) == empty)
    }
}
