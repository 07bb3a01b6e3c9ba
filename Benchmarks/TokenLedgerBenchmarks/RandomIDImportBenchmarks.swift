import Benchmark
import Foundation
import GRDB
import TokenLedger
import TokenLedgerCore

/// Issue 12: an import whose request ids are random (as providers' are), so that every row
/// lands at a random place of the `request_id` index rather than at its end.
///
/// - `Import: N CSV rows, random ids`: `Ledger.importUsage` of a `csv` file of N time-ordered
///   rows with 24-hex-digit random request ids into a fresh on-disk WAL ledger: at least
///   150,000 charges/s and 0.8 × `Raw SQLite: N rows, random ids` at a million rows, at least
///   100,000 charges/s under 100 MB at ten million.
/// - `Raw SQLite: N rows, random ids`: the same rows (usage rows with their unique request id
///   index, the rollup, the balances) as plain prepared INSERTs in one transaction, on a
///   connection with the ledger's own settings (``RandomIDRows/rawConfiguration``).
///
/// N is 1,000,000 unless `TOKENLEDGER_BENCHMARK_RANDOM_ROWS` says otherwise. The file is
/// generated once and kept in the temp folder, keyed by N.
func randomIDImportBenchmarks() {
    let count = RandomIDRows.count
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, chargesPerSecond, .peakMemoryResident], warmupIterations: count > 2_000_000 ? 0 : 1, maxDuration: .seconds(60),
        maxIterations: count > 2_000_000 ? 1 : 5)
    Benchmark("Import: \(count) CSV rows, random ids", configuration: configuration) { benchmark in
        let file = try RandomIDRows.file(count: count)
        let ledger = try RandomIDRows.freshLedger(count: count)
        let clock = ContinuousClock()
        benchmark.startMeasurement()
        let started = clock.now
        let summary = try ledger.importUsage(file: file, format: .csv, options: UsageImportOptions(account: BenchmarkFixture.account))
        let elapsed = clock.now - started
        benchmark.stopMeasurement()
        precondition(summary.charged == count, "charged \(summary.charged) of \(count)")
        benchmark.measurement(chargesPerSecond, perSecond(count, elapsed))
        try BenchmarkFixture.remove(ledger)
    }
    Benchmark("Raw SQLite: \(count) rows, random ids", configuration: configuration) { benchmark in
        let file = try RandomIDRows.file(count: count)
        let ledger = try RandomIDRows.freshLedger(count: count)
        let raw = try RawRandomInserts(path: ledger.path, file: file)
        let clock = ContinuousClock()
        benchmark.startMeasurement()
        let started = clock.now
        try raw.insertAll()
        let elapsed = clock.now - started
        benchmark.stopMeasurement()
        benchmark.measurement(chargesPerSecond, perSecond(count, elapsed))
        try BenchmarkFixture.remove(ledger)
    }
}

/// The random-id CSV file and the ledger it is imported into.
enum RandomIDRows {
    /// Rows per file: `TOKENLEDGER_BENCHMARK_RANDOM_ROWS`, else a million.
    static let count = ProcessInfo.processInfo.environment["TOKENLEDGER_BENCHMARK_RANDOM_ROWS"].flatMap { Int($0) } ?? 1_000_000
    /// The models rows name, from the default price book.
    static let models = ["gpt-4o", "gpt-4o-mini", "gpt-4o", "gpt-4o-mini", "gpt-4o"]
    /// A row every 250 ms from 2026-01-01: ten million rows stay within January.
    static let stepMilliseconds: Int64 = 250
    static let header = "time,model,input_tokens,cached_tokens,output_tokens,request_id"

    /// The CSV file of `count` rows in the temp folder, written the first time.
    static func file(count: Int) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-bench-random-ids-\(count).csv").path
        if FileManager.default.fileExists(atPath: path) { return path }
        let partial = path + ".partial-\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: partial, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: partial))
        var text = header + "\n"
        for row in Rows(count: count) {
            text += row.line
            text += "\n"
            if text.utf8.count > 1 << 20 {
                try handle.write(contentsOf: Data(text.utf8))
                text = ""
            }
        }
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
        try FileManager.default.moveItem(atPath: partial, toPath: path)
        return path
    }

    /// A fresh on-disk ledger with the default prices and the benchmark's account, holding a
    /// cent of credit per row (paid 40 days before the first row, so the account is in the top
    /// usage tier, whose monthly limit the rows stay under).
    static func freshLedger(count: Int) throws -> Ledger {
        let ledger = try Ledger.open(at: BenchmarkFixture.newPath(), create: true)
        try ledger.loadDefaultPrices()
        let before = Timestamp(milliseconds: BenchmarkFixture.startMilliseconds - 40 * 86_400_000)
        let credit = Money(nanos: Int64(count) * 10_000_000)
        try ledger.createAccount(NewAccount(name: BenchmarkFixture.account, maximumPurchase: credit, at: before))
        _ = try ledger.purchase(PurchaseRequest(account: BenchmarkFixture.account, amount: credit, at: before, id: "bench-credit"))
        return ledger
    }

    /// One row of the file.
    struct Row {
        var at: Int64
        var model: String
        var input: Int64
        var cached: Int64
        var output: Int64
        var requestID: String

        var line: String {
            "\(Timestamp(milliseconds: at).iso8601),\(model),\(input),\(cached),\(output),\(requestID)"
        }
    }

    /// The rows, generated from a fixed seed: time-ordered, random 24-hex-digit ids.
    struct Rows: Sequence, IteratorProtocol {
        let count: Int
        private var index = 0
        private var generator = SplitMix64(seed: 12)

        init(count: Int) { self.count = count }

        mutating func next() -> Row? {
            guard index < count else { return nil }
            defer { index += 1 }
            let input = Int64(100 + generator.next() % 4_000)
            let cached = generator.next() % 3 == 0 ? input / 2 : 0
            let output = Int64(10 + generator.next() % 1_000)
            let high = String(generator.next() >> 32, radix: 16)
            let low = String(generator.next(), radix: 16)
            let id = String(repeating: "0", count: 8 - high.count) + high + String(repeating: "0", count: 16 - low.count) + low
            return Row(
                at: BenchmarkFixture.startMilliseconds + Int64(index) * stepMilliseconds, model: models[Int(generator.next() % UInt64(models.count))],
                input: input, cached: cached, output: output, requestID: id)
        }
    }
}
