import Foundation
import GRDB
import Testing

/// A child process whose standard output and error go to temporary files (no pipe to fill),
/// killed if it is still running when the value goes.
final class ChildProcess {
    let process = Process()
    private let output = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-child-out-\(UUID().uuidString)")
    private let errors = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-child-err-\(UUID().uuidString)")
    private var started = false

    /// Starts `executable` with `arguments` (and this process's environment less `TOKENLEDGER_DB`).
    init(_ executable: URL, _ arguments: [String]) throws {
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["TOKENLEDGER_DB"] = nil
        process.environment = environment
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        started = true
    }

    deinit {
        if started {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: output)
        try? FileManager.default.removeItem(at: errors)
    }

    /// What it wrote so far.
    var stdout: String { String(decoding: stdoutData, as: UTF8.self) }
    var stdoutData: Data { (try? Data(contentsOf: output)) ?? Data() }
    var stderr: String { String(decoding: (try? Data(contentsOf: errors)) ?? Data(), as: UTF8.self) }

    /// Waits for it to end, at most `seconds`; false (and it is killed) if it had to be killed.
    func ends(within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        let ended = !process.isRunning
        if !ended { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return ended
    }

    /// The exit status, or 128 + the signal that ended it (as a shell shows it).
    var status: Int32 { process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus }
}

/// A `tokenledger serve` process on loopback: started, read until it prints the port it
/// listens on, then signalled (SIGTERM, SIGINT, SIGKILL) and waited for.
final class ServeProcess {
    let child: ChildProcess
    /// The port it printed in `tokenledger serve: listening on http://127.0.0.1:PORT (ledger …)`.
    let port: Int

    var stderr: String { child.stderr }
    var isRunning: Bool { child.process.isRunning }

    /// Starts `tokenledger serve --db database --port port` and returns once it listens.
    /// Throws ``ServeFailure`` when it exits first (its status and standard error) or does not
    /// listen within `seconds`.
    init(database: String, port: Int = 0, arguments: [String] = [], within seconds: Double = 60) throws {
        child = try ChildProcess(CLI.executable, Self.arguments(database: database, port: port) + arguments)
        let prefix = "tokenledger serve: listening on http://127.0.0.1:"
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let line = child.stdout.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }),
                let port = Int(line.dropFirst(prefix.count).prefix { $0.isNumber })
            {
                self.port = port
                return
            }
            if !child.process.isRunning {
                child.process.waitUntilExit()
                throw ServeFailure(status: child.status, stderr: child.stderr)
            }
            usleep(5_000)
        }
        throw ServeFailure(status: -1, stderr: "did not listen within \(seconds) s")
    }

    static func arguments(database: String, port: Int) -> [String] {
        ["serve", "--db", database, "--host", "127.0.0.1", "--port", "\(port)"]
    }

    /// Runs `serve` and waits for it to end by itself (a refusal): its status and output.
    static func refused(database: String, within seconds: Double = 30) throws -> CLI.Result {
        let child = try ChildProcess(CLI.executable, arguments(database: database, port: 0))
        _ = child.ends(within: seconds)
        return CLI.Result(status: child.status, stdout: child.stdout, stderr: child.stderr)
    }

    func signal(_ signal: Int32) { kill(child.process.processIdentifier, signal) }

    /// The exit status once the process has ended, or nil (and it is killed) if it is still
    /// running after `seconds`.
    func exitStatus(within seconds: Double) -> Int32? { child.ends(within: seconds) ? child.status : nil }

    /// SIGKILL, and waits for the process to be gone.
    func killNow() {
        signal(SIGKILL)
        child.process.waitUntilExit()
    }
}

/// `serve` ended before it listened.
struct ServeFailure: Error, CustomStringConvertible {
    var status: Int32
    var stderr: String
    var description: String { "tokenledger serve ended with status \(status): \(stderr)" }
}

/// A ledger for the service's process tests: an account `acme` (with `purchaseDollars` bought),
/// the price `milli` ($0.0001 a token, in and out) and a key of `role`.
struct ServedLedger {
    let database: String
    let key: String

    init(in folder: ScratchFolder, role: String = "gateway", purchaseDollars: String = "100", setUp extra: [[String]] = []) throws {
        database = folder.path("ledger.sqlite")
        for command in [
            ["init"], ["account", "create", "acme", "--max-purchase", "10000", "--at", "2026-01-01"],
            ["purchase", "acme", purchaseDollars, "--at", "2026-01-01", "--id", "pay-1"],
            ["prices", "set", "milli", "--input", "100", "--output", "100", "--effective-from", "2025-01-01"],
        ] + extra {
            try CLI.succeed(command, database: database)
        }
        let created = try CLI.succeed(["keys", "create", "--role", role, "--format", "json"], database: database)
        let json = try JSONSerialization.jsonObject(with: Data(created.utf8)) as? [String: Any]
        key = try #require(json?["secret"] as? String, "keys create printed \(created)")
    }

    /// `tokenledger verify --format json`, decoded; records an issue unless it exits 0.
    func verify(_ context: @autoclosure () -> String = "", sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let result = try CLI.run(["verify", "--db", database, "--format", "json"])
        #expect(result.status == 0, "verify \(context()): \(result.stdout)\(result.stderr)", sourceLocation: sourceLocation)
        return (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
    }

    /// `tokenledger balance acme --format json`, decoded.
    func balance() throws -> [String: Any] {
        let text = try CLI.succeed(["balance", "acme", "--at", "2026-01-03", "--format", "json"], database: database)
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }
}

/// What `retrying` clients (`ServiceClients/service_client.py`) were told was written: each charge's
/// and settled reservation's id with its cost, and how often they had to retry.
struct AcknowledgedWrites {
    var costs: [String: Int64] = [:]
    var settled: Set<String> = []
    var retries = 0

    /// Read from the clients' summaries; records an issue for anything a client did not expect.
    init(_ summaries: [[String: Any]], seed: UInt64, sourceLocation: SourceLocation = #_sourceLocation) {
        for (worker, summary) in summaries.enumerated() {
            let unexpected = summary["unexpected"] as? [String]
            #expect(unexpected?.isEmpty == true, "client \(worker + 1), seed \(seed): \(unexpected?.prefix(5) ?? [])", sourceLocation: sourceLocation)
            for (id, cost) in summary["charges"] as? [String: Int] ?? [:] { costs[id] = Int64(cost) }
            for (id, cost) in summary["reservations"] as? [String: Int] ?? [:] {
                costs[id] = Int64(cost)
                settled.insert(id)
            }
            retries += summary["retries"] as? Int ?? 0
        }
    }

    /// The ledger file against the acknowledgements: every acknowledged charge (a settle's charge
    /// has its reservation's id) and reservation once, nothing else, the balance what was bought
    /// less what was charged (none doubled), nothing held, and `verify` passing.
    func expectExactly(in ledger: ServedLedger, purchasedNanos: Int64, seed: UInt64, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let queue = try DatabaseQueue(path: ledger.database)
        let (usages, reservations) = try queue.read { db in
            (
                try String.fetchAll(db, sql: "SELECT request_id FROM usage"),
                try Row.fetchAll(db, sql: "SELECT reference, status FROM reservation")
            )
        }
        try queue.close()
        #expect(usages.count == Set(usages).count, sourceLocation: sourceLocation)
        let missing = Set(costs.keys).subtracting(usages), unacknowledged = Set(usages).subtracting(costs.keys)
        #expect(missing.isEmpty, "acknowledged but not in the books (seed \(seed)): \(missing.sorted().prefix(20))", sourceLocation: sourceLocation)
        #expect(
            unacknowledged.isEmpty, "in the books but never acknowledged (seed \(seed)): \(unacknowledged.sorted().prefix(20))",
            sourceLocation: sourceLocation)
        #expect(Set(reservations.map { $0["reference"] as String }) == settled, "seed \(seed)", sourceLocation: sourceLocation)
        #expect(reservations.allSatisfy { ($0["status"] as String) == "settled" }, "seed \(seed)", sourceLocation: sourceLocation)
        let balance = try ledger.balance()
        #expect(nanos(balance["balance_usd"]) == purchasedNanos - costs.values.reduce(0, +), "none doubled (seed \(seed))", sourceLocation: sourceLocation)
        #expect(nanos(balance["reserved_usd"]) == 0, sourceLocation: sourceLocation)
        let verify = try ledger.verify("after the last stop", sourceLocation: sourceLocation)
        #expect(verify["ok"] as? Bool == true && verify["charges"] as? Int == costs.count, "\(verify)", sourceLocation: sourceLocation)
    }
}

/// Money in a JSON answer, `"19.996500000"`, as integer nanodollars.
func nanos(_ value: Any?) -> Int64? {
    guard let text = value as? String else { return nil }
    let negative = text.hasPrefix("-")
    let parts = text.drop { $0 == "-" }.split(separator: ".", omittingEmptySubsequences: false)
    guard let whole = Int64(parts[0]) else { return nil }
    let fraction = parts.count > 1 ? String(parts[1]) : ""
    guard let digits = Int64((fraction + "000000000").prefix(9)) else { return nil }
    let value = whole * 1_000_000_000 + digits
    return negative ? -value : value
}
