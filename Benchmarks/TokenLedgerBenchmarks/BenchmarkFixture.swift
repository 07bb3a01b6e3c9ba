import Foundation
import GRDB
import Synchronization
import TokenLedger
import TokenLedgerCore
import TokenLedgerDemo

/// The ledgers, accounts and rows the benchmarks share.
enum BenchmarkFixture {
    static let account = "bench"
    static let model = "gpt-4o-mini"
    /// 2026-01-01T00:00:00Z: every charge falls after the price takes effect and before the credit expires.
    static let startMilliseconds = Timestamp(year: 2026, month: 1, day: 1).milliseconds
    static let priceEntry: PriceEntry = DefaultPriceBook.entries.last { $0.model == model }!
    static let importOptions = UsageImportOptions(account: account, model: model, start: Timestamp(milliseconds: startMilliseconds))
    /// The bundled real Azure trace (one hour of conversation requests), parsed once.
    // swift-format-ignore: NeverUseForceTry
    static let trace: [AzureTraceRequest] = try! AzureTrace.parse(AzureTrace.bundledConversationTrace, file: "bundled")

    /// The ledger the durable-charge benchmark charges one request at a time.
    // swift-format-ignore: NeverUseForceTry
    static let chargeLedger: Ledger = try! freshLedger()
    /// A plain SQLite table for one durable commit at a time.
    // swift-format-ignore: NeverUseForceTry
    static let rawCommitDatabase: RawCommits = try! RawCommits(path: newPath())
    private static let chargeCounter = Mutex(0)

    /// `count` consecutive numbers for request ids not used before; returns the first.
    static func nextChargeNumbers(_ count: Int) -> Int {
        chargeCounter.withLock { counter in
            defer { counter += count }
            return counter
        }
    }

    /// A new path in the temporary directory.
    static func newPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-bench-\(UUID().uuidString).sqlite").path
    }

    /// A new on-disk (WAL) ledger with the default prices, the account and $100 of credit.
    static func freshLedger() throws -> Ledger {
        let ledger = try Ledger.open(at: newPath(), create: true)
        try ledger.loadDefaultPrices()
        let before = Timestamp(milliseconds: startMilliseconds - 86_400_000)
        try ledger.createAccount(NewAccount(name: account, at: before))
        _ = try ledger.purchase(PurchaseRequest(account: account, amount: Money(dollars: 100), at: before, id: "bench-credit"))
        return ledger
    }

    /// Deletes a ledger's files.
    static func remove(_ ledger: Ledger) throws {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: ledger.path + suffix) }
    }
}

/// The bundled Azure trace repeated until `count` rows, each repetition an hour and a second
/// after the one before: the rows `import usage --format azure-trace` would read, without a file.
struct RepeatedAzureTrace: UsageRowSource {
    let count: Int
    private var index = 0
    private let spanNanoseconds: Int128

    init(count: Int) {
        self.count = count
        let trace = BenchmarkFixture.trace
        spanNanoseconds = Int128(trace.last!.time.milliseconds - trace.first!.time.milliseconds + 1_000) * 1_000_000
    }

    var format: UsageImportFormat { .azureTrace }
    var file: String { "repeated-azure-trace" }
    var bytesRead: Int64 { Int64(index) }
    var totalBytes: Int64 { Int64(count) }
    var namesModels: Bool { false }

    mutating func next() throws -> UsageRowResult? {
        guard index < count else { return nil }
        defer { index += 1 }
        let trace = BenchmarkFixture.trace
        let request = trace[index % trace.count]
        let time = Int128(request.time.milliseconds) * 1_000_000 + Int128(request.subMillisecondNanoseconds)
        return .row(
            UsageRow(
                line: index + 2, timeNanoseconds: time + Int128(index / trace.count) * spanNanoseconds, model: nil,
                input: request.contextTokens, output: request.generatedTokens))
    }
}

/// One durable commit per insert into a plain table of an on-disk WAL database, opened as the
/// ledger opens its file (a GRDB `DatabasePool`: WAL, `synchronous = NORMAL`): what the disk
/// and SQLite allow, beside the library's one charge per transaction.
final class RawCommits: Sendable {
    private let pool: DatabasePool

    init(path: String) throws {
        pool = try DatabasePool(path: path)
        try pool.write { db in try db.execute(sql: "CREATE TABLE IF NOT EXISTS item (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)") }
    }

    /// Inserts `count` rows, each in its own transaction.
    func commitEach(count: Int) throws {
        for value in 0..<count {
            try pool.write { db in try db.cachedStatement(sql: "INSERT INTO item (value) VALUES (?)").execute(arguments: [value]) }
        }
    }
}
