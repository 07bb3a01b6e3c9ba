import Foundation
import GRDB
import PostgresNIO
import TokenLedger
import TokenLedgerCore

/// A TokenLedger ledger kept in PostgreSQL (`--db postgres://…`): the same tables, columns and
/// constraints as the SQLite file's (``PostgresSchema``), keyed by account for many writers.
///
/// ```swift
/// let books = try PostgresLedger.open(url: "postgres://ledger@db.internal/books", create: true)
/// let report = try books.verify()
/// ```
public final class PostgresLedger: @unchecked Sendable {
    /// Where it is (its URL without the password).
    public let location: PostgresLocation
    let session: PostgresSession
    /// How auto-recharges are paid.
    let paymentMethod: any PaymentMethod
    /// Price entries read so far (an entry is never changed).
    let priceCache = PriceCache()
    /// Keys for usage rows drawn from the sequence and not used yet (``UsageKeys``).
    let usageKeys = UsageKeys()
    /// Accounts' keys and the models priced lately, shared by the ledger's transactions.
    let known = KnownRows()
    /// One operation at a time on the connection.
    private let lock = NSLock()
    /// The store of the transaction running (under ``lock``, or on the group's thread).
    private var transactionStore: PostgresStore?
    /// The thread running a group (``commit(group:locking:)``), whose operations run in the
    /// group's transaction, on the connection it holds.
    private let groupThread = Locked<pthread_t?>(nil)
    /// What ``importRowsPerWrite`` reads.
    let rowsPerWrite = Locked(PostgresLedger.defaultImportRowsPerWrite)

    private init(location: PostgresLocation, session: PostgresSession, paymentMethod: any PaymentMethod) {
        self.location = location
        self.session = session
        self.paymentMethod = paymentMethod
    }

    /// Connects to the database `url` names and brings its schema to this version: with
    /// `create`, a database holding no ledger gets one (the tables, the system accounts and the
    /// default usage tiers; prices are loaded by ``loadDefaultPrices()``). Throws
    /// ``InputError`` for a malformed URL, ``LedgerError`` `.unavailable` when the server cannot
    /// be reached or refuses the login, `.missing` without `create` for a database with no
    /// ledger, `.newerSchema` for one a newer TokenLedger migrated. `paymentMethod` takes the
    /// payments of auto-recharges (by default every one succeeds), as ``Ledger``'s does.
    public static func open(
        url: String, create: Bool = false, environment: [String: String] = ProcessInfo.processInfo.environment,
        paymentMethod: any PaymentMethod = AcceptingPaymentMethod()
    ) throws -> PostgresLedger {
        let location = try PostgresLocation(url: url, environment: environment)
        let session = try PostgresSession.connect(to: location)
        do {
            try PostgresSchema.migrate(session, create: create)
        } catch {
            session.close()
            throw error
        }
        return PostgresLedger(location: location, session: session, paymentMethod: paymentMethod)
    }

    /// Whether the database `url` names holds a TokenLedger schema (of any version).
    public static func holdsLedger(url: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Bool {
        let session = try PostgresSession.connect(to: try PostgresLocation(url: url, environment: environment))
        defer { session.close() }
        return try PostgresSchema.state(of: session) != .absent
    }

    /// The migrations applied to the database, oldest first.
    public func schemaVersion() throws -> [String] {
        try withSession { session in
            guard case .ledger(let applied) = try PostgresSchema.state(of: session) else { return [] }
            return applied
        }
    }

    /// Closes the connection; the ledger may not be used after.
    public func close() {
        lock.withLock { session.close() }
    }

    /// Runs `body` on the connection, one operation at a time.
    func withSession<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        try lock.withLock { try body(session) }
    }

    /// Whether this thread runs a group, in whose transaction its operations run.
    var inGroup: Bool {
        groupThread.withLock { thread in thread.map { pthread_equal($0, pthread_self()) != 0 } ?? false }
    }

    /// Runs `body` in one transaction of its own, repeatable-read: a consistent snapshot (in a
    /// group: in the group's transaction, which sees what the group wrote, what its charges
    /// hold written first).
    func reading<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        if inGroup {
            try transactionStore?.flush()
            return try body(session)
        }
        return try withSession { session in
            try session.transaction(isolation: "REPEATABLE READ, READ ONLY") { try body(session) }
        }
    }

    /// Loads the default price book (entries not yet present); returns how many were added.
    @discardableResult
    public func loadDefaultPrices() throws -> Int {
        try withSession { session in
            try session.transaction {
                var added = 0
                for entry in DefaultPriceBook.entries where try PriceStore.insertIfAbsent(entry, source: "default", db: session) {
                    added += 1
                }
                return added
            }
        }
    }

    /// Proves the books as ``Ledger/verify()`` does, with the same checks (each balance against
    /// the journal re-folded, lots, overdraft, every charge repriced, the rollup, controls,
    /// corrections, events), on one consistent snapshot. Reads only.
    public func verify() throws -> VerifyReport {
        try reading { session in try Ledger.verify(books: session) }
    }

    /// The store of the transaction running, for an operation other than charges: what the
    /// transaction's charges hold is written first, and the operation writes as it goes.
    func store(_ session: PostgresSession) throws -> PostgresStore {
        guard let store = transactionStore else { preconditionFailure("a store outside a transaction") }
        try store.flush()
        store.buffering = false
        return store
    }

    /// The store of the transaction running, for charges: it holds their writes until the
    /// transaction ends or another operation needs them (``PostgresStore/flush()``).
    func chargeStore() -> PostgresStore {
        guard let store = transactionStore else { preconditionFailure("a store outside a transaction") }
        store.buffering = true
        return store
    }

    /// Runs `body` in one read-committed transaction of its own, with a store
    /// (``PostgresStore``) whose held writes are written before it commits; a refusal or error
    /// rolls it back (in a group: in the group's transaction). A transaction that lost a race on
    /// a unique id (two writers recording the same request id or reference at once) runs again,
    /// when the other's is committed, so that a retry is answered as a retry.
    func writing<T>(charges: Bool = false, _ body: (PostgresSession) throws -> T) throws -> T {
        if inGroup {
            if !charges { try transactionStore?.flush() }
            return try body(session)
        }
        return try withSession { session in
            try Self.repeating(at: location) { recordedElsewhere in
                try session.transaction {
                    let store = PostgresStore(
                        session: session, paymentMethod: paymentMethod, prices: priceCache, usageKeys: usageKeys, known: known,
                        recordedElsewhere: recordedElsewhere)
                    transactionStore = store
                    defer { transactionStore = nil }
                    let value = try body(session)
                    try store.flush(committing: true)
                    return value
                }
            }
        }
    }

    /// Runs `transaction` until it is not undone by another writer: once more after a race on a
    /// unique id, a deadlock or a serialization failure, and again (up to twice) when request ids
    /// it held were recorded by another writer meanwhile (given to it, to answer as retries).
    static func repeating<T>(at location: PostgresLocation, _ transaction: (Set<String>) throws -> T) throws -> T {
        var recordedElsewhere: Set<String> = []
        var raced = 0
        var meanwhile = 0
        while true {
            do {
                return try transaction(recordedElsewhere)
            } catch let error as RecordedMeanwhile {
                meanwhile += 1
                guard meanwhile < 3 else {
                    throw LedgerError(.locked, path: location.description, detail: "other writers kept recording the same request ids at once")
                }
                recordedElsewhere.formUnion(error.requestIDs)
            } catch let error as LedgerError where raced < 2 && isRetryable(error) {
                raced += 1
            }
        }
    }

    /// Creates a customer account, as ``Ledger/createAccount(_:)`` does.
    @discardableResult
    public func createAccount(_ request: NewAccount) throws -> Account {
        try request.check()
        return try writing { session in try Account.insert(request, db: session) }
    }

    /// The customer account `name`, if any.
    public func account(named name: String) throws -> Account? {
        try reading { session in try Account.find(named: name, db: session) }
    }

    /// The live API key whose secret this is, as ``Ledger/authenticate(secret:)`` finds it.
    public func authenticate(secret: String) throws -> APIKey? {
        try reading { session in try APIKey.live(secret: secret, db: session) }
    }

    /// Makes an API key, as ``Ledger/createAPIKey(_:)`` does; its secret is shown this once.
    public func createAPIKey(_ request: NewAPIKey) throws -> (key: APIKey, secret: String) {
        try APIKey.checkName(request)
        let secret = APIKeySecret.make()
        return (try writing { session in try APIKey.insert(request, secret: secret, db: session) }, secret)
    }

    /// Every API key, revoked ones included, oldest first; never their secrets.
    public func apiKeys() throws -> [APIKey] {
        try reading { session in try APIKey.all(db: session) }
    }

    /// Revokes the key `id` at `time`, as ``Ledger/revokeAPIKey(id:at:)`` does.
    public func revokeAPIKey(id: String, at time: Timestamp) throws -> APIKeyRevocation {
        try writing { session in try APIKey.revoke(id: id, at: time, db: session) }
    }

    /// Runs `operations` in one transaction, as ``Ledger/group(_:)`` does on a file: each runs
    /// as it would alone (the same checks and answers), a refusal answers alone, and an error of
    /// the database fails them all with nothing written. The accounts in `locking` (and those of
    /// its reservations) are locked first, in the order of their keys, so that groups of many
    /// instances over the same accounts never wait on each other in a circle; a group that lost
    /// a race on a unique id, or that PostgreSQL found deadlocked or could not serialize, runs
    /// again from the start (nothing of it was committed).
    public func commit<T>(group operations: [(any LedgerBooks) throws -> T], locking: GroupLocks) throws -> [Result<T, any Error>] {
        try withSession { session in
            try Self.repeating(at: location) { recordedElsewhere in
                try session.transaction {
                    let store = PostgresStore(
                        session: session, paymentMethod: paymentMethod, prices: priceCache, usageKeys: usageKeys, known: known,
                        recordedElsewhere: recordedElsewhere)
                    transactionStore = store
                    defer { transactionStore = nil }
                    try store.lock(accounts: locking.accounts, reservations: locking.reservations)
                    groupThread.withLock { $0 = pthread_self() }
                    defer { groupThread.withLock { $0 = nil } }
                    let results = try GroupTransaction.run(operations, on: self as any LedgerBooks)
                    try store.flush(committing: true)
                    return results
                }
            }
        }
    }

    /// A transaction that ran into another writer: a unique id taken meanwhile (23505), a
    /// deadlock (40P01), a serialization failure (40001). Run again, it finds what the other wrote.
    static func isRetryable(_ error: LedgerError) -> Bool {
        ["[SQLSTATE 23505]", "[SQLSTATE 40P01]", "[SQLSTATE 40001]"].contains { error.detail.hasSuffix($0) }
    }

    /// A unique id taken (23505).
    static func isUniqueViolation(_ error: LedgerError) -> Bool { error.detail.hasSuffix("[SQLSTATE 23505]") }

    /// Every customer account, by name.
    public func accounts() throws -> [Account] {
        try reading { session in
            try session.select("SELECT * FROM account WHERE kind = 'customer' ORDER BY name").map(Account.init(row:))
        }
    }

    /// Records a card top-up, as ``Ledger/purchase(_:)`` does: the same checks and decision
    /// (``CreditOperation``), the account's row locked while it is decided and written.
    public func purchase(_ request: PurchaseRequest) throws -> CreditReceipt {
        let id = try CreditOperation.purchaseID(request)
        return try writing { session in try CreditOperation.purchase(request, id: id, store: try self.store(session)) }
    }

    /// Records free or promotional credit, as ``Ledger/grant(_:)`` does.
    public func grant(_ request: GrantRequest) throws -> CreditReceipt {
        let id = try CreditOperation.grantID(request)
        return try writing { session in try CreditOperation.grant(request, id: id, store: try self.store(session)) }
    }

    /// A calendar month of usage grouped by `keys`, as ``Ledger/monthlyReport(account:month:by:)``
    /// gives it, by the same query over the daily rollup.
    public func monthlyReport(account: String?, month: Timestamp, by keys: [ReportKey]) throws -> MonthlyReport {
        try reading { session in try Ledger.monthlyReport(account: account, month: month, by: keys, db: session) }
    }

    /// Copies every entry of the SQLite ledger `source` into this one, which must hold no books
    /// yet (a new ledger), in one transaction, then proves the two equal: `verify` on both
    /// sides, and every balance, lot, transfer, charge total, rollup row, reservation, limit,
    /// alert, recharge, correction, event, price and key compared, before it commits. A copy that
    /// fails, or that differs (``LedgerError`` `.database` saying where), leaves this ledger as
    /// it was.
    public func copy(from source: Ledger, progress: (@Sendable (LedgerCopyProgress) -> Void)? = nil) throws -> LedgerCopyReport {
        try LedgerCopy.copy(from: source, to: self, progress: progress)
    }

    /// Copies these books into a new SQLite ledger file at `path` (one consistent snapshot of
    /// this database, one transaction of the file), proved equal as ``copy(from:progress:)``
    /// proves a copy; the file is removed again when the copy fails or differs.
    public func copy(intoNewFile path: String, progress: (@Sendable (LedgerCopyProgress) -> Void)? = nil) throws -> LedgerCopyReport {
        try LedgerCopy.copy(from: self, intoNewFile: path, progress: progress)
    }
}

extension PostgresLedger: LedgerBooks {
    public var place: String { location.description }
}
