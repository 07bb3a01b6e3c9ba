import Foundation
import GRDB
import TokenLedgerCore
import TokenLedgerMigrations

/// A TokenLedger ledger: one SQLite file holding accounts, credit lots, the double-entry
/// journal, usage and prices. The only type that talks to SQLite.
///
/// Every operation is one SQLite transaction (`BEGIN IMMEDIATE` for writes): it is done whole
/// or, when refused or failed, leaves the file exactly as it was.
///
/// ```swift
/// let ledger = try Ledger.open(at: "books.sqlite", create: true)
/// try ledger.createAccount(NewAccount(name: "acme", at: now))
/// try ledger.purchase(PurchaseRequest(account: "acme", amount: Money(dollars: 20), at: now))
/// let receipt = try ledger.charge(ChargeRequest(account: "acme", model: "gpt-4o",
///                                               input: 1_200, output: 300, at: now))
/// print(receipt.cost)   // $0.006
/// ```
public final class Ledger: Sendable {
    /// The file's path.
    public let path: String
    let pool: DatabasePool
    let priceCache = PriceCache()
    /// The charge batch kept between one-charge transactions.
    let chargeState = ChargeState()
    /// Takes the payments of auto-recharges.
    let paymentMethod: any PaymentMethod

    /// SQLite's `application_id` for TokenLedger files ('TkLd').
    public static let applicationID: Int32 = 1_416_315_236

    /// The page cache of each connection, in KiB.
    static let pageCacheKibibytes = 8_192

    /// How long a write waits for another process's write before giving up.
    public static let busyTimeoutSeconds: Double = 10

    /// How a ledger file is opened: how long to wait for a lock and how large the file may grow.
    ///
    /// The defaults suit every use; tests shorten the wait and cap the size to reach the
    /// `locked` and `disk_full` errors quickly (the CLI reads them from
    /// `TOKENLEDGER_BUSY_TIMEOUT_MS` and `TOKENLEDGER_MAX_PAGE_COUNT`).
    public struct Options: Sendable, Hashable {
        /// How long an operation waits for another process's write, in milliseconds.
        public var busyTimeoutMilliseconds: Int
        /// The most pages (4 KiB each) the file may hold; a write past it fails as `disk_full`.
        /// `nil`: SQLite's own limit. A cap below the file's size is raised to it by SQLite.
        public var maximumPageCount: Int?

        public init(busyTimeoutMilliseconds: Int = Int(Ledger.busyTimeoutSeconds * 1000), maximumPageCount: Int? = nil) {
            precondition(busyTimeoutMilliseconds >= 0, "a negative busy timeout")
            precondition(maximumPageCount.map { $0 > 0 } ?? true, "a page cap must be positive")
            self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
            self.maximumPageCount = maximumPageCount
        }

        /// The defaults: a 10 s busy timeout and no cap.
        public static let standard = Options()
    }

    private init(path: String, pool: DatabasePool, paymentMethod: any PaymentMethod) {
        self.path = path
        self.pool = pool
        self.paymentMethod = paymentMethod
    }

    /// Opens the ledger at `path`, migrating an older schema to this version.
    ///
    /// With `create`, a missing file is created (readable and writable by its owner only) and
    /// migrated. Throws ``LedgerError``: `.missing` without `create`, `.notALedger` for another
    /// SQLite file or a file that is not SQLite, `.newerSchema` for a file from a newer version,
    /// `.corrupt` for a file shorter than its header says, `.locked`, `.readOnly`, `.diskFull`.
    /// A file that fails to open is left as it was.
    /// `paymentMethod` takes the payments of auto-recharges (by default every one succeeds).
    public static func open(
        at path: String, create: Bool = false, options: Options = .standard, paymentMethod: any PaymentMethod = AcceptingPaymentMethod()
    ) throws -> Ledger {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        if isDirectory.boolValue { throw LedgerError(.notALedger, path: path, detail: "it is a directory") }
        if !exists {
            guard create else { throw LedgerError(.missing, path: path, detail: "no such file") }
            try createOwnerOnlyFile(at: path)
        } else {
            try inspect(path: path, create: create, options: options)
        }
        do {
            var pool = try DatabasePool(path: path, configuration: configuration(options))
            if try migrate(pool) {
                // A connection keeps the table definitions it parsed before a migration rewrote
                // one in place (v0004 does): new connections read them all afresh.
                try pool.close()
                pool = try DatabasePool(path: path, configuration: configuration(options))
            }
            return Ledger(path: path, pool: pool, paymentMethod: paymentMethod)
        } catch let error as DatabaseError {
            throw LedgerError.from(error, path: path)
        }
    }

    static func configuration(_ options: Options = .standard) -> Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(Double(options.busyTimeoutMilliseconds) / 1000)
        configuration.foreignKeysEnabled = true
        configuration.label = "TokenLedger"
        configuration.prepareDatabase { db in
            // 8 MiB of page cache per connection (SQLite's default is 2 MiB): an import's
            // indexes stay in memory instead of going back and forth to the file.
            try db.execute(sql: "PRAGMA cache_size = -\(pageCacheKibibytes)")
            if let maximumPageCount = options.maximumPageCount {
                try db.execute(sql: "PRAGMA max_page_count = \(maximumPageCount)")
            }
        }
        return configuration
    }

    /// Looks at an existing file read-only, so that a file that is not a ledger is left as it was.
    private static func inspect(path: String, create: Bool, options: Options) throws {
        try checkLength(path: path)
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(Double(options.busyTimeoutMilliseconds) / 1000)
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            let (applicationID, objects, applied) = try queue.read { db in
                (
                    try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0,
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0,
                    try db.tableExists("grdb_migrations") ? try String.fetchSet(db, sql: "SELECT identifier FROM grdb_migrations") : []
                )
            }
            try queue.close()
            if applicationID == Ledger.applicationID {
                // A newer schema is refused here, before the file is opened for writing.
                let unknown = applied.subtracting(SchemaMigrations.all.map(\.identifier)).sorted()
                guard unknown.isEmpty else {
                    throw LedgerError(
                        .newerSchema, path: path, detail: "schema \(unknown.joined(separator: ", ")); this binary knows up to \(SchemaMigrations.latest)")
                }
                return
            }
            if objects == 0 {
                if create { return }
                throw LedgerError(.missing, path: path, detail: "the file is empty")
            }
            throw LedgerError(.notALedger, path: path, detail: "it is a SQLite database of another application")
        } catch let error as DatabaseError {
            if error.resultCode.primaryResultCode == .SQLITE_NOTADB {
                throw LedgerError(.notALedger, path: path, detail: "it is not a SQLite database")
            }
            throw LedgerError.from(error, path: path)
        }
    }

    /// Refuses a SQLite file shorter than its header says (a truncated copy) as `.corrupt`,
    /// before SQLite reads zeros in place of the missing pages. Only without a write-ahead log:
    /// a checkpoint cut short leaves the file short and its log whole, and SQLite recovers it.
    private static func checkLength(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        guard let header = try? handle.read(upToCount: 100), header.count == 100,
            header.starts(with: Data("SQLite format 3\u{0}".utf8)),
            let length = try? handle.seekToEnd()
        else { return }
        let log = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? NSNumber)?.intValue ?? 0
        guard log == 0 else { return }
        let bytes = [UInt8](header)
        // The header's page count is valid only while its change counter matches (SQLite's file format, 1.3.7).
        guard bytes[24..<28] == bytes[92..<96] else { return }
        let pageSize = bytes[16] == 0 && bytes[17] == 1 ? 65_536 : Int(bytes[16]) << 8 | Int(bytes[17])
        let pages = Int(bytes[28]) << 24 | Int(bytes[29]) << 16 | Int(bytes[30]) << 8 | Int(bytes[31])
        if UInt64(pageSize * pages) > length {
            throw LedgerError(.corrupt, path: path, detail: "the file is truncated: \(length) bytes where its header says \(pageSize * pages)")
        }
    }

    private static func createOwnerOnlyFile(at path: String) throws {
        let descriptor = Foundation.open(path, O_CREAT | O_EXCL | O_WRONLY, 0o600)
        guard descriptor >= 0 else {
            throw LedgerError(.readOnly, path: path, detail: "cannot create the file: \(String(cString: strerror(errno)))")
        }
        close(descriptor)
    }

    /// Migrates the file to this version's schema; whether it applied any migration.
    private static func migrate(_ pool: DatabasePool) throws -> Bool {
        var migrator = DatabaseMigrator()
        for migration in SchemaMigrations.all {
            migrator.registerMigration(migration.identifier) { db in try db.execute(sql: migration.sql) }
        }
        // A newer schema was refused by `inspect` before the file was opened.
        if try pool.read(migrator.hasCompletedMigrations) { return false }
        try migrator.migrate(pool)
        return true
    }

    /// The schema migrations applied to this file, oldest first.
    public func schemaVersion() throws -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier") }
    }

    /// How many times a write tries to begin when other processes keep the file's write lock
    /// past the busy timeout (each try waits up to ``busyTimeoutSeconds``).
    static let beginAttempts = 3

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction; a thrown error rolls everything back.
    ///
    /// Several processes may write one file: `BEGIN IMMEDIATE` takes the write lock before
    /// anything is read, so every check runs on data no other writer can change before the
    /// commit; it waits for the lock up to the busy timeout, and tries again (nothing has run
    /// yet, so that is safe) up to ``beginAttempts`` times before `database is locked` reaches
    /// the caller.
    ///
    /// The BEGIN, COMMIT and ROLLBACK statements are the connection's cached ones: preparing
    /// them anew for every transaction, as `DatabasePool.write` does, cost a tenth of a
    /// one-charge transaction.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try transaction { db in
            // The body may change what a kept charge batch holds; the tail is folded from the file.
            self.chargeState.drop()
            try UsageTail.fold(db)
            return try body(db)
        }
    }

    /// `BEGIN IMMEDIATE`, `body`, `COMMIT` (or `ROLLBACK` when it throws), then `committed` with
    /// the result, still on the writer: the bare transaction ``write(_:)`` and the charge path
    /// build on.
    func transaction<T>(
        _ body: (Database) throws -> T, committed: (Database, T) throws -> Void = { _, _ in }
    ) throws -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                try Ledger.begin(db)
                let result: T
                do {
                    result = try body(db)
                    try db.cachedStatement(sql: "COMMIT").execute()
                } catch {
                    if db.isInsideTransaction { try? db.cachedStatement(sql: "ROLLBACK").execute() }
                    throw error
                }
                try committed(db, result)
                return result
            }
        } catch let error as DatabaseError {
            throw LedgerError.from(error, path: path)
        }
    }

    /// `BEGIN IMMEDIATE`, tried again while another process holds the write lock.
    private static func begin(_ db: Database) throws {
        for attempt in 1...beginAttempts {
            do {
                return try db.cachedStatement(sql: "BEGIN IMMEDIATE").execute()
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && attempt < beginAttempts {
                continue
            }
        }
    }

    /// Runs `body` on a consistent snapshot with every charge folded in (``UsageTail``): when
    /// charges wait to be folded, it folds them and runs `body` inside that write transaction.
    func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
        let outcome: ReadOutcome<T>
        do {
            outcome = try pool.read { db in try UsageTail.exists(db) ? .tail : .done(try body(db)) }
        } catch let error as DatabaseError {
            throw LedgerError.from(error, path: path)
        }
        switch outcome {
        case .done(let result): return result
        case .tail: return try foldingRead(body)
        }
    }

    /// `body` after folding the tail, in a write transaction: from the kept charge batch's
    /// memory when it is still right (and it stays kept), else from the file.
    private func foldingRead<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
        try transaction { db -> (T, ChargeState.Kept?) in
            if let kept = try self.chargeState.take(for: db) {
                try kept.batch.flush()
                return (try body(db), try self.chargeState.stamped(kept.batch, db: db))
            }
            try UsageTail.fold(db)
            return (try body(db), nil)
        } committed: { _, outcome in
            if let kept = outcome.1 { self.chargeState.keep(kept) }
        }.0
    }

    /// Loads the default price book (entries not yet present); returns how many were added.
    /// `tokenledger init` calls it; running it again adds nothing.
    @discardableResult
    public func loadDefaultPrices() throws -> Int {
        try write { db in
            var added = 0
            for entry in DefaultPriceBook.entries where try PriceStore.insertIfAbsent(entry, source: "default", db: db) {
                added += 1
            }
            return added
        }
    }

    /// A new random id with a prefix, for operations the caller gave no id: `chg_3f9a…`.
    static func generatedID(_ prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let hex = String(value, radix: 16)
        return prefix + "_" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// What a snapshot read found: the result, or a tail to fold first.
private enum ReadOutcome<T: Sendable>: Sendable {
    case done(T)
    case tail
}
