import Foundation
import GRDB
import Testing
import TokenLedger
import TokenLedgerCore

// Shared fixtures of the store's tests: every test works on a real SQLite file in a temporary
// directory of its own, which is removed when the test ends.

/// A fresh directory under the system's temporary directory, for one test.
struct ScratchDirectory {
    let url: URL

    /// The path of `name` inside the directory.
    func path(_ name: String = "ledger.sqlite") -> String { url.appendingPathComponent(name).path }
}

/// Runs `body` with a new, empty temporary directory and removes the directory afterwards,
/// whatever `body` does.
func withScratchDirectory<T>(_ body: (ScratchDirectory) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("TokenLedgerTests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(ScratchDirectory(url: url))
}

/// A second, independent connection to a ledger file, for what the library does not offer:
/// raw SQL, dumps of every table, row counts.
struct RawDatabase {
    let queue: DatabaseQueue

    init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        queue = try DatabaseQueue(path: path, configuration: configuration)
    }

    /// Executes `sql` in a transaction of its own.
    func execute(_ sql: String, _ arguments: StatementArguments = []) throws {
        try queue.write { db in try db.execute(sql: sql, arguments: arguments) }
    }

    func int(_ sql: String, _ arguments: StatementArguments = []) throws -> Int64 {
        try queue.read { db in try Int64.fetchOne(db, sql: sql, arguments: arguments) ?? 0 }
    }

    /// SQLite's `data_version` as this connection sees it: it changes exactly when another
    /// connection (the ledger's) commits a change to the file.
    func dataVersion() throws -> Int64 {
        try queue.read { db in try Int64.fetchOne(db, sql: "PRAGMA data_version") ?? 0 }
    }

    /// The names of the ledger's tables (GRDB's `grdb_migrations` included), sorted.
    func tableNames() throws -> [String] {
        try queue.read { db in
            try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        }
    }

    /// Every table's row count.
    func rowCounts() throws -> [String: Int] {
        let tables = try tableNames()
        let sql = "SELECT " + tables.map { "(SELECT count(*) FROM \($0.quotedDatabaseIdentifier))" }.joined(separator: ", ")
        return try queue.read { db in
            let row = try Row.fetchOne(db, sql: sql)!
            return Dictionary(uniqueKeysWithValues: tables.enumerated().map { ($1, row[$0] as Int) })
        }
    }

    /// The whole content of the file as text: the schema, the header fields a ledger sets, and
    /// every row of every table (each row as SQL literals, rows sorted). Two dumps are equal
    /// exactly when the databases hold the same data.
    func dump() throws -> String {
        try queue.read { db in
            var lines: [String] = []
            lines.append("application_id=\(try Int64.fetchOne(db, sql: "PRAGMA application_id") ?? 0)")
            lines.append("user_version=\(try Int64.fetchOne(db, sql: "PRAGMA user_version") ?? 0)")
            lines += try String.fetchAll(db, sql: "SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master ORDER BY type, name")
            let tables = try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            for table in tables {
                let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(\(table.quotedDatabaseIdentifier))").map { $0["name"] as String }
                let line = columns.map { "quote(\($0.quotedDatabaseIdentifier))" }.joined(separator: " || ',' || ")
                // One string per table, built by SQLite: the rows in order, one a line.
                let rows = try String.fetchOne(
                    db, sql: "SELECT group_concat(line, char(10)) FROM (SELECT \(line) AS line FROM \(table.quotedDatabaseIdentifier) ORDER BY 1)")
                lines.append("## \(table)\n\(rows ?? "")")
            }
            return lines.joined(separator: "\n")
        }
    }
}

/// A new ledger in its own temporary directory, with a raw connection beside it.
struct LedgerFixture {
    let directory: ScratchDirectory
    let path: String
    let ledger: Ledger
    let raw: RawDatabase
}

/// Runs `body` with a newly created ledger (with the default price book unless told otherwise).
func withLedger<T>(defaultPrices: Bool = true, _ body: (LedgerFixture) throws -> T) throws -> T {
    try withScratchDirectory { directory in
        let path = directory.path()
        let ledger = try Ledger.open(at: path, create: true)
        if defaultPrices { try ledger.loadDefaultPrices() }
        return try body(LedgerFixture(directory: directory, path: path, ledger: ledger, raw: try RawDatabase(path: path)))
    }
}

/// What an operation did, as one comparable word: `ok`, the refusal's stable code, or
/// `error: …` for anything else (an operating error where a refusal was expected fails the test).
func outcome(_ body: () throws -> Void) -> String {
    do {
        try body()
        return "ok"
    } catch let refusal as any Refusal {
        return refusal.code
    } catch {
        return "error: \(error)"
    }
}

/// The UTC instant of a calendar date and time.
func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0) -> Timestamp {
    Timestamp(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
}

extension Money {
    /// Dollars and cents, for readable test amounts: `.usd(12, 50)` is $12.50.
    static func usd(_ dollars: Int64, _ cents: Int64 = 0) -> Money { Money(nanos: dollars * Money.nanosPerDollar + cents * Money.nanosPerCent) }
}

extension Timestamp {
    func plus(days: Int64 = 0, hours: Int64 = 0, minutes: Int64 = 0, milliseconds: Int64 = 0) -> Timestamp {
        Timestamp(milliseconds: self.milliseconds + ((days * 24 + hours) * 60 + minutes) * 60_000 + milliseconds)
    }
}

/// Sets up `name` with the default limits and an optional first purchase.
@discardableResult
func makeAccount(
    _ ledger: any LedgerBooks, _ name: String, at time: Timestamp, purchase: Money? = nil, maximumPurchase: Money = Credits.defaultMaximumPurchase,
    overdraft: Money = .zero
) throws -> Account {
    let account = try ledger.createAccount(NewAccount(name: name, maximumPurchase: maximumPurchase, overdraftAllowance: overdraft, at: time))
    if let purchase { _ = try ledger.purchase(PurchaseRequest(account: name, amount: purchase, at: time, id: "setup-\(name)")) }
    return account
}

/// A model priced at exactly one cent per input or output token ($10,000 per million, the
/// highest price accepted), so a charge of N tokens costs exactly N cents.
let centModel = "cent-per-token"

func addCentModel(_ ledger: any LedgerBooks, from time: Timestamp = utc(2020, 1, 1)) throws {
    let rate = PriceEntry.maximumRateNanosPerMillion
    try ledger.setPrice(PriceEntry(model: centModel, effectiveFrom: time, rates: [RateKey(.default): TokenRates(input: rate, output: rate)]))
}

/// Charges `cents` to `account` through ``centModel``.
@discardableResult
func chargeCents(_ ledger: any LedgerBooks, _ account: String, _ cents: Int64, at time: Timestamp, id: String? = nil) throws -> ChargeReceipt {
    try ledger.charge(ChargeRequest(account: account, model: centModel, input: cents, output: 0, requestID: id, at: time))
}

/// SplitMix64 (Steele, Lea and Flood): a small, fast, seedable generator, so a random test
/// replays the same operations on every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

// The library's receipts have no public initializers: tests compare them through these
// plain copies of their fields.

/// Every field of a ``CreditReceipt``.
struct CreditFields: Equatable {
    var id: String
    var kind: LotKind
    var account: String
    var amount: Money
    var balance: Money
    var repaid: Money
    var at: Timestamp
    var expiresAt: Timestamp
    var duplicate: Bool
}

extension CreditReceipt {
    var fields: CreditFields {
        CreditFields(
            id: id, kind: kind, account: account, amount: amount, balance: balance, repaid: repaid, at: at, expiresAt: expiresAt, duplicate: duplicate)
    }
}

/// Every field of a ``ChargeReceipt``.
struct ChargeFields: Equatable {
    var id: String
    var account: String
    var model: String
    var tier: ServiceTier
    var band: PriceBand
    var usage: TokenUsage
    var cost: Money
    var balance: Money
    var overdraft: Money
    var priceEffectiveFrom: Timestamp
    var at: Timestamp
    var duplicate: Bool
}

extension ChargeReceipt {
    var fields: ChargeFields {
        ChargeFields(
            id: id, account: account, model: model, tier: tier, band: band, usage: usage, cost: cost, balance: balance, overdraft: overdraft,
            priceEffectiveFrom: priceEffectiveFrom, at: at, duplicate: duplicate)
    }
}

/// Every field of an ``ExpiryRecord``.
struct ExpiryFields: Hashable {
    var account: String
    var lotKind: LotKind
    var amount: Money
    var expiredAt: Timestamp
}

extension ExpiryRecord {
    var fields: ExpiryFields { ExpiryFields(account: account, lotKind: lotKind, amount: amount, expiredAt: expiredAt) }
}
