import Benchmark
import Foundation
import Synchronization
import TokenLedger
import TokenLedgerCore

/// Issue 5's report target: `report monthly` over 10 million recorded charges in under half a
/// second, measured here (by model, by day, and by model, project and API key at once).
///
/// The ledger (a month of the Azure trace's requests spread over four models, five projects
/// and three API keys) is built once by `Ledger.importUsage` and kept in the temporary
/// directory, keyed by its charge count, so reruns reuse it; it takes a couple of minutes.
/// `TOKENLEDGER_BENCHMARK_REPORT_CHARGES` changes the count (default 10,000,000).
func reportBenchmarks() {
    let configuration = Benchmark.Configuration(metrics: [.wallClock, .peakMemoryResident], warmupIterations: 1, maxDuration: .seconds(20), maxIterations: 20)
    let count = ReportFixture.count
    for keys: [ReportKey] in [[.model], [.day], [.model, .project, .apiKey]] {
        let name = keys.map(\.rawValue).joined(separator: ",")
        Benchmark("Report: monthly by \(name), \(count) charges", configuration: configuration) { benchmark in
            let ledger = try ReportFixture.ledger()
            benchmark.startMeasurement()
            let report = try ledger.monthlyReport(account: BenchmarkFixture.account, month: ReportFixture.month, by: keys)
            benchmark.stopMeasurement()
            precondition(report.total.charges == Int64(count), "the report counts every charge")
            blackHole(report)
        }
    }
}

/// The large ledger the report benchmarks read.
enum ReportFixture {
    static let count = ProcessInfo.processInfo.environment["TOKENLEDGER_BENCHMARK_REPORT_CHARGES"].flatMap { Int($0) } ?? 10_000_000
    static let month = Timestamp(year: 2026, month: 1, day: 1)
    static let path = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-report-bench-\(count).sqlite").path
    private static let opened = Mutex<Ledger?>(nil)

    /// The ledger, built on first use unless a complete one is already in the temporary directory.
    static func ledger() throws -> Ledger {
        try opened.withLock { ledger in
            if let ledger { return ledger }
            let done = path + ".done"
            if !FileManager.default.fileExists(atPath: done) {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
                try build()
                try Data("\(count)\n".utf8).write(to: URL(fileURLWithPath: done))
            }
            let built = try Ledger.open(at: path)
            ledger = built
            return built
        }
    }

    private static func build() throws {
        let ledger = try Ledger.open(at: path, create: true)
        try ledger.loadDefaultPrices()
        let before = Timestamp(milliseconds: month.milliseconds - 86_400_000)
        try ledger.createAccount(NewAccount(name: BenchmarkFixture.account, at: before))
        _ = try ledger.purchase(PurchaseRequest(account: BenchmarkFixture.account, amount: Money(dollars: 100), at: before, id: "bench-credit"))
        var rows = MonthOfUsage(count: count, month: month)
        let summary = try ledger.importUsage(&rows, options: UsageImportOptions(account: BenchmarkFixture.account))
        precondition(summary.charged == count, "every row charged")
    }
}

/// `count` requests of the Azure trace spread evenly over a month, each attributed to one of
/// four models, five projects and three API keys.
struct MonthOfUsage: UsageRowSource {
    static let models = ["gpt-4o-mini", "gpt-4o", "o4-mini", "o3"]
    static let projects = ["search", "chat", "support", "batch-jobs", "research"]
    static let apiKeys = ["key-prod", "key-staging", "key-ci"]

    let count: Int
    let startNanoseconds: Int128
    let stepNanoseconds: Int128
    private var index = 0

    init(count: Int, month: Timestamp) {
        self.count = count
        startNanoseconds = Int128(month.milliseconds) * 1_000_000
        stepNanoseconds = Int128(month.startOfNextMonth.milliseconds - month.milliseconds) * 1_000_000 / Int128(max(count, 1))
    }

    var format: UsageImportFormat { .csv }
    var file: String { "month-of-usage" }
    var bytesRead: Int64 { Int64(index) }
    var totalBytes: Int64 { Int64(count) }
    var namesModels: Bool { true }

    mutating func next() throws -> UsageRowResult? {
        guard index < count else { return nil }
        defer { index += 1 }
        let trace = BenchmarkFixture.trace
        let request = trace[index % trace.count]
        return .row(
            UsageRow(
                line: index + 2, timeNanoseconds: startNanoseconds + Int128(index) * stepNanoseconds, model: Self.models[index % 4],
                input: request.contextTokens, output: request.generatedTokens, project: Self.projects[index / 4 % 5], apiKey: Self.apiKeys[index / 20 % 3]))
    }
}
