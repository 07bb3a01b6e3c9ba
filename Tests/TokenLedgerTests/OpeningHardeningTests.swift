import Foundation
import GRDB
import Testing
import TokenLedger
import TokenLedgerCore

/// Files that are not ledgers and must be refused before SQLite opens them, and files `init`
/// adopts: an empty file (made owner-only) and one left half-initialized by a full disk.
@Suite("Opening a ledger file: special files, adopted files")
struct OpeningHardeningTests {
    /// The refusal of `path`, expected to be `.notALedger`, whether or not `create` is given.
    static func expectNotALedger(_ path: String, words: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for create in [false, true] {
            let error = #expect(throws: LedgerError.self, sourceLocation: sourceLocation) { try Ledger.open(at: path, create: create) }
            #expect(error?.kind == .notALedger, "\(String(describing: error))", sourceLocation: sourceLocation)
            #expect(error?.description.contains(words) == true, "\(String(describing: error))", sourceLocation: sourceLocation)
        }
    }

    @Test("a device, /dev/null, is .notALedger, and SQLite makes no journal beside it")
    func device() {
        Self.expectNotALedger("/dev/null", words: "device")
        for suffix in ["-journal", "-wal", "-shm"] {
            #expect(!FileManager.default.fileExists(atPath: "/dev/null" + suffix), "/dev/null\(suffix) was made")
        }
    }

    @Test("an empty name and ':memory:' are .notALedger, and no file of that name is made")
    func specialNames() throws {
        let memoryExisted = FileManager.default.fileExists(atPath: ":memory:")
        Self.expectNotALedger("", words: "empty")
        Self.expectNotALedger(":memory:", words: "in-memory")
        if !memoryExisted {
            #expect(!FileManager.default.fileExists(atPath: ":memory:"), "a file named ':memory:' was made")
            try? FileManager.default.removeItem(atPath: ":memory:")
        }
    }

    @Test("a symbolic link to nothing is .notALedger, not .readOnly, and nothing is made")
    func danglingSymbolicLink() throws {
        try withScratchDirectory { directory in
            let path = directory.path()
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: directory.path("gone.sqlite"))
            Self.expectNotALedger(path, words: "symbolic link")
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path) == ["ledger.sqlite"])
        }
    }

    @Test("an existing empty file that init adopts is made readable and writable by its owner only, with -wal and -shm")
    func adoptedEmptyFileIsOwnerOnly() throws {
        try withScratchDirectory { directory in
            let path = directory.path()
            #expect(FileManager.default.createFile(atPath: path, contents: Data()))
            try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: path)
            let ledger = try Ledger.open(at: path, create: true)
            #expect(try ledger.accounts().isEmpty)
            let files = try FileManager.default.contentsOfDirectory(atPath: directory.url.path)
            #expect(files.contains("ledger.sqlite-wal"))
            for file in files {
                let permissions = (try FileManager.default.attributesOfItem(atPath: directory.path(file))[.posixPermissions] as? NSNumber)?.intValue
                #expect(permissions == 0o600, "\(file) has permissions \(String(permissions ?? -1, radix: 8))")
            }
        }
    }

    @Test("a file left half-initialized by a full disk says to run init, and init completes it")
    func halfInitialized() throws {
        try withScratchDirectory { directory in
            let path = directory.path()
            // Room for GRDB's migrations table, not for the first migration.
            let error = #expect(throws: LedgerError.self) { try Ledger.open(at: path, create: true, options: .init(maximumPageCount: 4)) }
            #expect(error?.kind == .diskFull)
            #expect(try RawDatabase(path: path).tableNames() == ["grdb_migrations"])
            let refusal = #expect(throws: LedgerError.self) { try Ledger.open(at: path) }
            #expect(refusal?.kind == .missing, "\(String(describing: refusal))")
            #expect(refusal?.description.contains("tokenledger init") == true)
            let ledger = try Ledger.open(at: path, create: true)
            #expect(try ledger.schemaVersion() == SchemaTests.migrationFileIdentifiers())
            #expect(try ledger.loadDefaultPrices() == DefaultPriceBook.entries.count)
            #expect(try ledger.verify().ok)
        }
    }
}
