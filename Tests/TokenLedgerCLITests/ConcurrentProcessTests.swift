import Foundation
import Testing
import TokenLedgerTestSupport

/// Several `tokenledger` processes reserving and settling against one ledger file at once.
///
/// Each worker is one process running 1,000 reserve/settle cycles in a loop (the hidden
/// `stress-reserve` command), so the test measures the ledger's locking rather than process
/// start-up: 4 × 1,000 cycles take seconds.
@Suite("Processes at once")
struct ConcurrentProcessTests {
    @Test("4 processes × 1,000 reserve/settle cycles: the books balance, nothing is double-spent, admitted = what the balance allows")
    func fourProcesses() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-procs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("ledger.sqlite").path
        for command in [
            ["init"], ["account", "create", "acme", "--at", "2026-01-01"], ["purchase", "acme", "50", "--at", "2026-01-01"],
            ["prices", "set", "cent", "--input", "10000", "--output", "10000", "--effective-from", "2025-01-01"],
        ] {
            #expect(try CLI.run(command + ["--db", database]).status == 0)
        }
        // Each cycle holds and settles 30 tokens at a cent each: $50 allows 166 of the 4,000.
        let results = try Self.runAtOnce(
            (1...4).map { worker in
                [
                    "stress-reserve", "acme", "--model", "cent", "--input", "10", "--output", "20", "--cycles", "1000", "--worker", "w\(worker)",
                    "--at", "2026-01-02", "--db", database, "--format", "json",
                ]
            })
        var admitted: Int64 = 0
        var refused: Int64 = 0
        for json in results {
            admitted += (json["admitted"] as? NSNumber)?.int64Value ?? -1
            let codes = json["refused"] as? [String: NSNumber] ?? [:]
            #expect(Set(codes.keys).isSubset(of: ["insufficient_balance"]), "\(codes)")
            refused += codes.values.reduce(0) { $0 + $1.int64Value }
        }
        #expect(admitted == 166)
        #expect(admitted + refused == 4_000)
        let balance = try CLI.run(["balance", "acme", "--at", "2026-01-03", "--db", database, "--format", "json"])
        #expect(balance.stdout.contains("\"balance_usd\": \"0.200000000\""))
        #expect(balance.stdout.contains("\"reserved_usd\": \"0.000000000\""))
        #expect(balance.stdout.contains("\"month_to_date_usd\": \"49.800000000\""))
        let verify = try CLI.run(["verify", "--db", database, "--format", "json"])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(verify.stdout.contains("\"charges\": 166"))
    }

    /// Runs one `tokenledger` process per argument list, all at once; their JSON outputs, in order.
    static func runAtOnce(_ argumentLists: [[String]]) throws -> [[String: Any]] {
        let processes = argumentLists.map { arguments in
            let process = Process()
            process.executableURL = CLI.executable
            process.arguments = arguments
            let output = Pipe(), errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            return (process, output, errors)
        }
        for (process, _, _) in processes { try process.run() }
        var results: [[String: Any]] = []
        for (process, output, errors) in processes {
            let stdout = output.fileHandleForReading.readDataToEndOfFile()
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(stderr)")
            #expect(stderr.isEmpty, "\(stderr)")
            results.append(try #require(try JSONSerialization.jsonObject(with: stdout) as? [String: Any]))
        }
        return results
    }

    /// `stress-charge` workers charging the same 1,500 requests each (by worker name) at once.
    static func charging(_ workers: [String], count: Int, database: String) throws -> [[String: Any]] {
        try runAtOnce(
            workers.map { worker in
                [
                    "stress-charge", "acme", "--model", "gpt-4o-mini", "--input", "900", "--output", "120", "--count", "\(count)", "--worker", worker,
                    "--at", "2026-01-02", "--db", database, "--format", "json",
                ]
            })
    }

    /// Each process keeps its batch between its charges while nobody else writes; every other
    /// process's commit makes it read the account again (and fold the others' tails).
    @Test(
        "3 processes × 1,500 one-transaction charges (300 on PostgreSQL), one of them retrying another's ids: the books equal charging them one process after another",
        arguments: [false, true])
    func chargingProcesses(onPostgres: Bool) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-procs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // On PostgreSQL, the processes charge the database at once; the same charges one process
        // after another go to a file, whose books must read the same.
        let concurrent = onPostgres ? try PostgresTestServer.freshDatabase() : folder.appendingPathComponent("concurrent.sqlite").path
        let sequential = folder.appendingPathComponent("sequential.sqlite").path
        for database in [concurrent, sequential] {
            for command in [["init"], ["account", "create", "acme", "--at", "2026-01-01"], ["purchase", "acme", "50", "--at", "2026-01-01", "--id", "p1"]] {
                #expect(try CLI.run(command + ["--db", database]).status == 0)
            }
        }
        // Fewer on PostgreSQL, where each one-transaction charge is several round trips.
        let count = onPostgres ? 300 : 1_500
        let results = try Self.charging(["w1", "w2", "w1"], count: count, database: concurrent)
        let charged = results.reduce(0) { $0 + (($1["charged"] as? NSNumber)?.intValue ?? 0) }
        let duplicates = results.reduce(0) { $0 + (($1["duplicates"] as? NSNumber)?.intValue ?? 0) }
        #expect(charged == 2 * count)
        #expect(duplicates == count)
        for worker in ["w1", "w2"] { _ = try Self.charging([worker], count: count, database: sequential) }
        for database in [concurrent, sequential] {
            let verify = try CLI.run(["verify", "--db", database, "--format", "json"])
            #expect(verify.status == 0, "\(verify.stdout)")
            #expect(verify.stdout.contains("\"charges\": \(2 * count)"), "\(verify.stdout)")
        }
        let balance = ["balance", "acme", "--at", "2026-02-01", "--format", "json", "--db"]
        #expect(try CLI.run(balance + [concurrent]).stdout == CLI.run(balance + [sequential]).stdout)
        let report = ["report", "monthly", "--month", "2026-01", "--format", "json", "--db"]
        #expect(try CLI.run(report + [concurrent]).stdout == CLI.run(report + [sequential]).stdout)
    }
}
