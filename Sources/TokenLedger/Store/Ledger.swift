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
    /// The group transaction (``group(_:)``) running on the writer, and the thread running it.
    let groupTransaction = Locked<GroupTransaction?>(nil)

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

    /// Whether this process may write the file, and how SQLite reads it when not.
    let access: Access
    /// For a file opened `immutable`: what it was when opened (each read checks it is unchanged).
    let stamp: FileStamp?

    private init(path: String, pool: DatabasePool, paymentMethod: any PaymentMethod, access: Access, stamp: FileStamp?) {
        self.path = path
        self.pool = pool
        self.paymentMethod = paymentMethod
        self.access = access
        self.stamp = stamp
    }

    /// Opens the ledger at `path`, migrating an older schema to this version.
    ///
    /// With `create`, a missing file is created (readable and writable by its owner only) and
    /// migrated; an existing empty file, or one whose first `init` was cut short (by a full
    /// disk), is made owner-only and migrated. A file this user may read but not write is opened
    /// for reading: reads work, writes throw `.readOnly`. Throws ``LedgerError``: `.missing`
    /// without `create`, `.notALedger` for another SQLite file, a file that is not SQLite, or a
    /// path that names no regular file (a FIFO, a socket, a device, a directory, a link to
    /// nothing, `:memory:`, an empty name: refused before SQLite opens anything), `.newerSchema`
    /// for a file from a newer version, `.corrupt` for a file shorter than its header says,
    /// `.locked`, `.readOnly`, `.diskFull`. A file that fails to open is left as it was.
    /// `paymentMethod` takes the payments of auto-recharges (by default every one succeeds).
    public static func open(
        at path: String, create: Bool = false, options: Options = .standard, paymentMethod: any PaymentMethod = AcceptingPaymentMethod()
    ) throws -> Ledger {
        var access = Access.readWrite
        var stamp: FileStamp?
        var isLedger = false
        if try examine(path: path) == .absent {
            guard create else { throw LedgerError(.missing, path: path, detail: "no such file") }
            try createOwnerOnlyFile(at: path)
        } else {
            access = Self.access(toExisting: path)
            stamp = access == .immutable ? FileStamp(path: path) : nil
            isLedger = try inspect(path: path, create: create, options: options, access: access) == .ledger
            if !isLedger {
                guard access == .readWrite else {
                    throw LedgerError(.readOnly, path: path, detail: "this user may not write it, so init cannot make it a ledger")
                }
                try makeOwnerOnly(path)
            }
        }
        do {
            let name = sqliteName(path, access: access)
            // Held open until the pool is: the log it wrote must outlive the pool's opening.
            let log = access == .readWrite && isLedger ? try keepLog(path: path, name: name, options: options) : nil
            var pool = try DatabasePool(path: name, configuration: configuration(options, readOnly: access != .readWrite))
            try log?.close()
            if try migrate(pool, path: path, access: access) {
                // A connection keeps the table definitions it parsed before a migration rewrote
                // one in place (v0004 does): new connections read them all afresh.
                try pool.close()
                pool = try DatabasePool(path: name, configuration: configuration(options))
            }
            return Ledger(path: path, pool: pool, paymentMethod: paymentMethod, access: access, stamp: stamp)
        } catch let error as DatabaseError {
            throw LedgerError.from(error, path: path)
        }
    }

    /// Makes sure a ledger (of any version) in WAL mode has a write-ahead log that is not empty before GRDB opens
    /// its pool, without changing the file; returns the connection that wrote it (nil when there
    /// was nothing to do), which must stay open until the pool is.
    ///
    /// Why: GRDB makes a missing or empty log by creating and dropping a table, which changes
    /// the file's schema cookie, and the log is copied into the file when the last connection
    /// closes; as the last connection also deletes the log, every command, reads included, left
    /// the file's bytes changed. Here the log gets one page whose content is what it was: a row
    /// of `account` changed and changed back in one transaction, taken under the write lock
    /// only when the log is still empty then. Copied back, it changes nothing.
    private static func keepLog(path: String, name: String, options: Options) throws -> DatabaseQueue? {
        guard isInWALMode(path), logIsEmpty(path) else { return nil }
        let queue = try DatabaseQueue(path: name, configuration: configuration(options))
        do {
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                do {
                    if logIsEmpty(path) {
                        try db.execute(sql: "UPDATE account SET created_at_ms = created_at_ms + 1 WHERE id = 1")
                        try db.execute(sql: "UPDATE account SET created_at_ms = created_at_ms - 1 WHERE id = 1")
                    }
                    try db.execute(sql: "COMMIT")
                } catch {
                    try? db.execute(sql: "ROLLBACK")
                    throw error
                }
            }
        } catch {
            try? queue.close()
            throw error
        }
        return queue
    }

    /// Whether the SQLite file at `path` is in WAL mode (its header's read and write versions are 2).
    private static func isInWALMode(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let header = try? handle.read(upToCount: 20), header.count == 20 else { return false }
        return header[header.startIndex + 18] == 2 && header[header.startIndex + 19] == 2
    }

    /// Whether the write-ahead log of `path` is missing or empty.
    private static func logIsEmpty(_ path: String) -> Bool {
        ((try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? NSNumber)?.intValue ?? 0) == 0
    }

    static func configuration(_ options: Options = .standard, readOnly: Bool = false) -> Configuration {
        var configuration = Configuration()
        configuration.readonly = readOnly
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

    /// What an existing file holds: a ledger (of this version or older), nothing (an empty
    /// file), or only GRDB's empty table of migrations (an `init` cut short, by a full disk).
    enum Contents: Equatable { case ledger, empty, halfInitialized }

    /// Looks at an existing file read-only, so that a file that is not a ledger is left as it
    /// was. An empty or half-initialized file is `.missing` without `create`.
    private static func inspect(path: String, create: Bool, options: Options, access: Access) throws -> Contents {
        try checkLength(path: path)
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(Double(options.busyTimeoutMilliseconds) / 1000)
        do {
            let queue = try DatabaseQueue(path: sqliteName(path, access: access == .readWrite ? .readOnly : access), configuration: configuration)
            let (applicationID, objects, applied) = try queue.read { db in
                (
                    try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0,
                    try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_autoindex_%' ORDER BY name"),
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
                return .ledger
            }
            if objects.isEmpty {
                if create { return .empty }
                throw LedgerError(.missing, path: path, detail: "the file is empty")
            }
            if objects == ["grdb_migrations"] && applied.isEmpty {
                if create { return .halfInitialized }
                throw LedgerError(.missing, path: path, detail: "its first `init` did not finish")
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

    /// Migrates the file to this version's schema; whether it applied any migration. A file
    /// opened for reading only must need none.
    private static func migrate(_ pool: DatabasePool, path: String, access: Access) throws -> Bool {
        var migrator = DatabaseMigrator()
        for migration in SchemaMigrations.all {
            migrator.registerMigration(migration.identifier) { db in try db.execute(sql: migration.sql) }
        }
        // A newer schema was refused by `inspect` before the file was opened.
        if try pool.read(migrator.hasCompletedMigrations) { return false }
        guard access == .readWrite else {
            throw LedgerError(.readOnly, path: path, detail: "it needs an upgrade to this version's schema, and this user may only read it")
        }
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
    ///
    /// On a file this user may only read, `body` runs in a read transaction instead: a command
    /// that would write nothing (a balance with no lot to expire) works, one that writes throws
    /// `.readOnly`.
    package func write<T>(_ body: (Database) throws -> T) throws -> T {
        guard access == .readWrite else { return try readingOnly(body) }
        return try transaction { db in
            // The body may change what a kept charge batch holds; the tail is folded from the file.
            self.chargeState.drop()
            try UsageTail.fold(db)
            return try body(db)
        }
    }

    /// `body` in a read transaction of a file opened for reading only (see ``write(_:)``).
    private func readingOnly<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            let result = try pool.writeWithoutTransaction { db -> T in
                try db.execute(sql: "BEGIN DEFERRED")
                defer { try? db.execute(sql: "ROLLBACK") }
                if try UsageTail.exists(db) { throw foldNeeded }
                return try body(db)
            }
            try checkUnchanged()
            return result
        } catch let error as DatabaseError where error.resultCode.primaryResultCode == .SQLITE_READONLY {
            throw LedgerError(.readOnly, path: path, detail: "this user may read the file (or its folder) but not write it, and this command writes")
        } catch let error as DatabaseError {
            throw LedgerError.from(error, path: path)
        }
    }

    /// What reading a file opened for reading only meets when charges wait to be folded.
    private var foldNeeded: LedgerError {
        LedgerError(
            .readOnly, path: path,
            detail: "charges wait to be folded into balances before it can be read, and this user may only read it; "
                + "run any command once as a user who may write it")
    }

    /// For a file opened `immutable`: throws `.locked` when another process wrote it since it was opened.
    private func checkUnchanged() throws {
        if let stamp, FileStamp(path: path) != stamp {
            throw LedgerError(.locked, path: path, detail: "another process wrote the file while it was being read; run the command again")
        }
    }

    /// `BEGIN IMMEDIATE`, `body`, `COMMIT` (or `ROLLBACK` when it throws), then `committed` with
    /// the result, still on the writer: the bare transaction ``write(_:)`` and the charge path
    /// build on.
    func transaction<T>(
        _ body: (Database) throws -> T, committed: (Database, T) throws -> Void = { _, _ in }
    ) throws -> T {
        guard access == .readWrite else { throw LedgerError(.readOnly, path: path, detail: "this user may read the file (or its folder) but not write it") }
        if let group = groupTransaction.withLock({ $0 }), pthread_equal(group.thread, pthread_self()) != 0 {
            return try group.nested(body, committed: committed, path: path)
        }
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
    package func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
        // Inside a group (``group(_:)``), a read sees what the group's operations wrote so far.
        if let group = groupTransaction.withLock({ $0 }), pthread_equal(group.thread, pthread_self()) != 0 {
            return try write(body)
        }
        let outcome: ReadOutcome<T>
        do {
            outcome = try pool.read { db in try UsageTail.exists(db) ? .tail : .done(try body(db)) }
        } catch let error as DatabaseError {
            throw LedgerError.from(error, path: path)
        }
        switch outcome {
        case .done(let result):
            try checkUnchanged()
            return result
        case .tail:
            guard access == .readWrite else { throw foldNeeded }
            return try foldingRead(body)
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
    package static func generatedID(_ prefix: String) -> String {
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

extension Ledger {
    /// Runs `operations` (each a write on this ledger: a charge, purchase, grant, reservation,
    /// settle, void, account…) in one SQLite transaction: group commit. Each operation is decided
    /// on what the ones before it wrote, and each answers on its own: a refused one
    /// (``Refusal``, ``InputError``, ``BatchRefusal``) is rolled back to where it began and
    /// answers its refusal, while the others are written. An error of the file (disk full, an
    /// I/O error) rolls the whole group back and is thrown: none of them is written.
    ///
    /// Why: a service answering many requests at once commits them together, many per
    /// transaction, so the commit's cost is shared, and answers each only once the group has
    /// committed (`tokenledger serve` does this). Each operation is exactly what it is alone, so
    /// the group changes nothing of the rules, the ids or the receipts.
    ///
    /// ```swift
    /// let results = try ledger.group(requests.map { request in { ledger in try ledger.charge(request) } })
    /// ```
    public func group<T>(_ operations: [(Ledger) throws -> T]) throws -> [Result<T, any Error>] {
        do {
            return try transaction { db in
                let group = GroupTransaction(db: db, thread: pthread_self())
                groupTransaction.withLock { $0 = group }
                defer { groupTransaction.withLock { $0 = nil } }
                return try GroupTransaction.run(operations, on: self)
            }
        } catch {
            // What the operations kept in memory (the charge batch) may hold what was rolled back.
            chargeState.drop()
            throw error
        }
    }
}

/// The transaction of a ``Ledger/group(_:)``: the writer's connection, and the thread running
/// it (a write from that thread is one of the group's operations; any other thread waits).
package final class GroupTransaction: @unchecked Sendable {
    let db: Database
    let thread: pthread_t

    init(db: Database, thread: pthread_t) {
        self.db = db
        self.thread = thread
    }

    /// Runs each operation on `books` in the group's transaction: its result, or its refusal
    /// (which wrote nothing); any other error stops the group (its transaction is rolled back).
    package static func run<Books, T>(_ operations: [(Books) throws -> T], on books: Books) throws -> [Result<T, any Error>] {
        var results: [Result<T, any Error>] = []
        results.reserveCapacity(operations.count)
        for operation in operations {
            do {
                results.append(.success(try operation(books)))
            } catch let error where answersAlone(error) {
                results.append(.failure(error))
            }
        }
        return results
    }

    /// Whether an operation's error is its own answer (it wrote nothing) rather than the file's.
    package static func answersAlone(_ error: any Error) -> Bool {
        error is any Refusal || error is InputError || error is BatchRefusal
    }

    /// An operation of the group: `body` inside a savepoint, rolled back to it when it throws.
    /// `committed` runs when the operation is done (the group commits later, or rolls back and
    /// drops what was kept).
    func nested<T>(_ body: (Database) throws -> T, committed: (Database, T) throws -> Void, path: String) throws -> T {
        // One name serves: operations do not nest (a nested write is not an operation of its own).
        do {
            try db.cachedStatement(sql: "SAVEPOINT operation").execute()
            let result: T
            do {
                result = try body(db)
                try db.cachedStatement(sql: "RELEASE operation").execute()
            } catch {
                try db.cachedStatement(sql: "ROLLBACK TO operation").execute()
                try db.cachedStatement(sql: "RELEASE operation").execute()
                throw error
            }
            try committed(db, result)
            return result
        } catch let error as DatabaseError {
            throw LedgerError.from(error, path: path)
        }
    }
}
