import Foundation
import GRDB
import Testing
import TokenLedger
import TokenLedgerCore

@Suite("Opening a ledger file")
struct OpeningTests {
    @Test("a missing file without create is .missing, and no file is made")
    func missingWithoutCreate() throws {
        try withScratchDirectory { directory in
            let path = directory.path()
            let error = #expect(throws: LedgerError.self) { try Ledger.open(at: path) }
            #expect(error?.kind == .missing)
            #expect(error?.path == path)
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test("create makes a migrated ledger readable by its owner only")
    func createNew() throws {
        try withScratchDirectory { directory in
            let path = directory.path()
            let ledger = try Ledger.open(at: path, create: true)
            #expect(try ledger.schemaVersion() == SchemaTests.migrationFileIdentifiers())
            #expect(try ledger.accounts().isEmpty)
            #expect(try ledger.verify().ok)
            let raw = try RawDatabase(path: path)
            #expect(try raw.int("PRAGMA application_id") == Int64(Ledger.applicationID))
            #expect(try raw.int("SELECT count(*) FROM account WHERE kind = 'system'") == 5)
            // The file and SQLite's companion files (-wal, -shm) are the owner's alone.
            let files = try FileManager.default.contentsOfDirectory(atPath: directory.url.path).filter { $0.hasPrefix("ledger.sqlite") }
            #expect(files.contains("ledger.sqlite"))
            for file in files {
                let attributes = try FileManager.default.attributesOfItem(atPath: directory.path(file))
                let permissions = (attributes[.posixPermissions] as? NSNumber)?.intValue
                #expect(permissions == 0o600, "\(file) has permissions \(String(permissions ?? -1, radix: 8))")
            }
        }
    }

    @Test("a file that is not SQLite is .notALedger and left byte for byte", arguments: [false, true])
    func textFile(create: Bool) throws {
        try withScratchDirectory { directory in
            let path = directory.path("notes.txt")
            let text = String(repeating: "Shopping list: milk, eggs, a new ledger.\n", count: 40)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            let error = #expect(throws: LedgerError.self) { try Ledger.open(at: path, create: create) }
            #expect(error?.kind == .notALedger)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path) == ["notes.txt"])
        }
    }

    @Test("another application's SQLite file is .notALedger and left byte for byte", arguments: [false, true])
    func otherApplicationsDatabase(create: Bool) throws {
        try withScratchDirectory { directory in
            let path = directory.path("photos.sqlite")
            do {
                let queue = try DatabaseQueue(path: path)
                try queue.write { db in
                    try db.execute(sql: "CREATE TABLE photo (id INTEGER PRIMARY KEY, title TEXT NOT NULL)")
                    try db.execute(sql: "INSERT INTO photo (title) VALUES ('sunset'), ('harbour')")
                }
                try queue.close()
            }
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            let error = #expect(throws: LedgerError.self) { try Ledger.open(at: path, create: create) }
            #expect(error?.kind == .notALedger)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
            let queue = try DatabaseQueue(path: path)
            #expect(try queue.read { db in try db.tableExists("grdb_migrations") } == false)
            #expect(try queue.read { db in try String.fetchAll(db, sql: "SELECT title FROM photo ORDER BY id") } == ["sunset", "harbour"])
        }
    }

    @Test("a ledger written by a newer version is .newerSchema and not migrated")
    func newerSchema() throws {
        try withScratchDirectory { directory in
            let path = directory.path()
            do {
                let ledger = try Ledger.open(at: path, create: true)
                try makeAccount(ledger, "acme", at: utc(2025, 1, 1), purchase: .usd(20))
            }
            let raw = try RawDatabase(path: path)
            try raw.execute("INSERT INTO grdb_migrations (identifier) VALUES ('v9999_future')")
            let before = try raw.dump()
            let error = #expect(throws: LedgerError.self) { try Ledger.open(at: path) }
            #expect(error?.kind == .newerSchema)
            #expect(error?.detail.contains("v9999_future") == true)
            #expect(try raw.dump() == before)
        }
    }

    @Test("reopening keeps everything, migrates nothing twice and needs no create")
    func reopen() throws {
        try withScratchDirectory { directory in
            let path = directory.path()
            do {
                let ledger = try Ledger.open(at: path, create: true)
                #expect(try ledger.loadDefaultPrices() == DefaultPriceBook.entries.count)
                try makeAccount(ledger, "acme", at: utc(2025, 1, 1), purchase: .usd(20))
            }
            let dumpAfterCreate = try RawDatabase(path: path).dump()
            for create in [false, true] {
                let ledger = try Ledger.open(at: path, create: create)
                #expect(try ledger.schemaVersion() == SchemaTests.migrationFileIdentifiers())
                #expect(try ledger.account(named: "acme")?.balance == .usd(20))
                #expect(try ledger.loadDefaultPrices() == 0)
                #expect(try ledger.verify().ok)
            }
            #expect(try RawDatabase(path: path).dump() == dumpAfterCreate)
        }
    }

    @Test("an empty file is .missing without create and becomes a ledger with it")
    func emptyFile() throws {
        try withScratchDirectory { directory in
            let path = directory.path()
            #expect(FileManager.default.createFile(atPath: path, contents: Data()))
            let error = #expect(throws: LedgerError.self) { try Ledger.open(at: path) }
            #expect(error?.kind == .missing)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)).isEmpty)
            let ledger = try Ledger.open(at: path, create: true)
            #expect(try ledger.schemaVersion() == SchemaTests.migrationFileIdentifiers())
        }
    }

    @Test("a ledger cannot be created in a directory that does not exist")
    func createInMissingDirectory() throws {
        try withScratchDirectory { directory in
            let path = directory.path("no/such/dir/ledger.sqlite")
            let error = #expect(throws: LedgerError.self) { try Ledger.open(at: path, create: true) }
            #expect(error?.kind == .readOnly)
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }
}
