import Foundation
import GRDB
import Testing
import TokenLedgerCore

/// What the CLI does when the ledger file cannot be used: disk full, read-only, locked,
/// truncated or damaged, from a newer version, not a ledger. Each is a clear message and exit
/// code 4, with nothing written: the file's bytes are the same before and after.
@Suite("CLI: faults of the ledger file")
struct FaultCLITests {
    /// A ledger with one account and a purchase, closed (so its write-ahead log is folded in).
    static func makeLedger(in folder: ScratchFolder, name: String = "ledger.sqlite") throws -> String {
        let database = folder.path(name)
        try CLI.succeed(["init"], database: database)
        try CLI.succeed(["account", "create", "acme", "--at", "2026-01-01"], database: database)
        try CLI.succeed(["purchase", "acme", "100", "--at", "2026-01-01", "--id", "pay-1"], database: database)
        return database
    }

    /// What stays the same when a command fails: the file's bytes, or (once SQLite has opened
    /// the file for writing, which bumps counters in its header) every row of every table.
    enum Unchanged { case bytes, rows }

    /// Every row of every table of the ledger, as text, read without writing.
    static func rows(_ database: String) throws -> [String] {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: database, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").flatMap { table in
                try Row.fetchAll(db, sql: "SELECT * FROM \(table.quotedDatabaseIdentifier)").map { "\(table): \($0)" }
            }
        }
    }

    /// Runs `arguments` on `database`, expects exit 4 with `code` and `words` in the message,
    /// and the file unchanged.
    static func expectRefused(
        _ arguments: [String], database: String, code: String, words: String, unchanged: Unchanged = .bytes, environment: [String: String] = [:],
        prefix: [String] = [], sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let before = FileManager.default.contents(atPath: database)
        let rowsBefore = unchanged == .rows ? try rows(database) : []
        let result = try CLI.run(arguments + ["--db", database], environment: environment, prefix: prefix)
        #expect(result.status == 4, "\(arguments.joined(separator: " ")): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.hasPrefix("error: \(code): "), "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(words), "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, sourceLocation: sourceLocation)
        switch unchanged {
        case .bytes: #expect(FileManager.default.contents(atPath: database) == before, "the file changed", sourceLocation: sourceLocation)
        case .rows: #expect(try rows(database) == rowsBefore, "the rows changed", sourceLocation: sourceLocation)
        }
    }

    @Test("a ledger created by the CLI is readable and writable by its owner only")
    func ownerOnly() throws {
        let folder = try ScratchFolder("faults")
        let database = try Self.makeLedger(in: folder)
        let permissions = try FileManager.default.attributesOfItem(atPath: database)[.posixPermissions] as? NSNumber
        #expect(permissions?.intValue == 0o600)
    }

    @Test("disk full: an import past the file's size cap exits 4 and writes nothing")
    func diskFull() throws {
        let folder = try ScratchFolder("faults")
        let database = try Self.makeLedger(in: folder)
        let usage = try folder.write("usage.csv", CLI.usageCSV(rows: 5_000))
        let balance = try CLI.succeed(["balance", "acme", "--at", "2026-03-01", "--format", "json"], database: database)
        let pages = (FileManager.default.contents(atPath: database)?.count ?? 0) / 4096
        let cap = ["TOKENLEDGER_MAX_PAGE_COUNT": "\(pages + 4)"]
        try Self.expectRefused(
            ["import", "usage", usage, "--account", "acme", "--input-format", "csv"], database: database, code: "disk_full", words: "the disk is full",
            unchanged: .rows,
            environment: cap)
        #expect(try CLI.succeed(["balance", "acme", "--at", "2026-03-01", "--format", "json"], database: database) == balance)
        #expect(try CLI.succeed(["verify"], database: database).contains("OK"))
    }

    @Test("a read-only file or folder exits 4 and writes nothing", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")))
    func readOnly() throws {
        let folder = try ScratchFolder("faults")
        let database = try Self.makeLedger(in: folder)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.url.path)
        // Root writes any file, so the command runs as `nobody` (when the test runs as root).
        let asNobody = getuid() == 0 ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : []
        // A file its user may only read.
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: database)
        try Self.expectRefused(
            ["purchase", "acme", "10", "--id", "pay-2"], database: database, code: "read_only", words: "cannot be written", prefix: asNobody)
        // A file its user may write, in a folder it may not (SQLite's log cannot be made).
        if getuid() == 0 {
            try FileManager.default.setAttributes([.posixPermissions: 0o600, .ownerAccountID: 65534], ofItemAtPath: database)
        } else {
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: database)
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: folder.url.path)
        }
        try Self.expectRefused(
            ["purchase", "acme", "10", "--id", "pay-2"], database: database, code: "read_only", words: "cannot be written", prefix: asNobody)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.url.path)
    }

    @Test("a ledger locked by another process past the timeout exits 4 and writes nothing")
    func locked() throws {
        let folder = try ScratchFolder("faults")
        let database = try Self.makeLedger(in: folder)
        let balance = try CLI.succeed(["balance", "acme", "--at", "2026-03-01", "--format", "json"], database: database)
        let queue = try DatabaseQueue(path: database)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN EXCLUSIVE")
            let short = ["TOKENLEDGER_BUSY_TIMEOUT_MS": "200"]
            let result = try CLI.run(["purchase", "acme", "10", "--id", "pay-2", "--at", "2026-01-02", "--db", database], environment: short)
            #expect(result.status == 4, "\(result.stderr)")
            #expect(result.stderr.hasPrefix("error: locked: "), "\(result.stderr)")
            #expect(result.stderr.contains("locked by another process"))
            try db.execute(sql: "ROLLBACK")
        }
        try queue.close()
        #expect(try CLI.succeed(["balance", "acme", "--at", "2026-03-01", "--format", "json"], database: database) == balance)
    }

    /// Ways a file can be damaged, each with the error it must give.
    enum Damage: String, CaseIterable {
        case truncated, garbledPages, garbageHeader, newerVersion, otherApplication, textFile, emptyDirectory
    }

    @Test("a damaged, newer or foreign file exits 4 on every command and is left byte for byte", arguments: Damage.allCases)
    func damaged(_ damage: Damage) throws {
        let folder = try ScratchFolder("faults")
        let database = try Self.makeLedger(in: folder)
        try CLI.succeed(
            ["import", "usage", try folder.write("usage.csv", CLI.usageCSV(rows: 2_000)), "--account", "acme", "--input-format", "csv"], database: database)
        var bytes = try #require(FileManager.default.contents(atPath: database))
        let (code, words) = try Self.damage(damage, database: database, bytes: &bytes)
        for command in [["balance", "acme"], ["verify"], ["purchase", "acme", "10", "--id", "pay-2"], ["account", "list"], ["init"]] {
            try Self.expectRefused(command, database: database, code: code, words: words)
        }
    }

    @Test("damage inside the file, past what commands read, is found by verify: exit 4")
    func damageFoundByVerify() throws {
        let folder = try ScratchFolder("faults")
        let database = try Self.makeLedger(in: folder)
        try CLI.succeed(
            ["import", "usage", try folder.write("usage.csv", CLI.usageCSV(rows: 2_000)), "--account", "acme", "--input-format", "csv"], database: database)
        var bytes = try #require(FileManager.default.contents(atPath: database))
        let pages = bytes.count / 4096
        bytes.replaceSubrange(4096 * (pages / 3)..<4096 * (pages - 1), with: Data(count: 4096 * (pages - 1 - pages / 3)))
        try bytes.write(to: URL(fileURLWithPath: database))
        let result = try CLI.run(["verify", "--db", database])
        #expect(result.status == 4, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.hasPrefix("error: corrupt: "), "\(result.stderr)")
        #expect(result.stderr.contains("is damaged"), "\(result.stderr)")
    }

    static func damage(_ damage: Damage, database: String, bytes: inout Data) throws -> (code: String, words: String) {
        let url = URL(fileURLWithPath: database)
        switch damage {
        case .truncated:
            try bytes.prefix(bytes.count / 2).write(to: url)
            return ("corrupt", "is damaged: the file is truncated")
        case .garbledPages:
            // Every page but the first (the schema), so that opening the file meets the damage.
            var random = SplitMix64(seed: 7)
            bytes.replaceSubrange(4096..<bytes.count, with: Data((4096..<bytes.count).map { _ in UInt8.random(in: 0...255, using: &random) }))
            try bytes.write(to: url)
            return ("corrupt", "is damaged")
        case .garbageHeader:
            bytes.replaceSubrange(0..<16, with: Data("NOT A DATABASE!!".utf8))
            try bytes.write(to: url)
            return ("not_a_ledger", "is not a TokenLedger file")
        case .newerVersion:
            let queue = try DatabaseQueue(path: database)
            try queue.write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v9999_future')") }
            try queue.close()
            return ("newer_schema", "was written by a newer TokenLedger")
        case .otherApplication:
            try FileManager.default.removeItem(at: url)
            let queue = try DatabaseQueue(path: database)
            try queue.write { db in try db.execute(sql: "CREATE TABLE photo (id INTEGER PRIMARY KEY, title TEXT); INSERT INTO photo (title) VALUES ('x')") }
            try queue.close()
            return ("not_a_ledger", "another application")
        case .textFile:
            try Data(String(repeating: "just some notes\n", count: 500).utf8).write(to: url)
            return ("not_a_ledger", "not a SQLite database")
        case .emptyDirectory:
            try FileManager.default.removeItem(at: url)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
            return ("not_a_ledger", "is a directory")
        }
    }
}
