import Foundation
import GRDB
import Testing
import TokenLedgerCore

/// The crash test: imports, loops of charges, of reservations (reserve, settle, void, expiry)
/// and of grants and charges that expire lots and trigger auto-recharges, through the CLI,
/// killed with SIGKILL at seeded random moments (at least ``minimumKills`` times, spread over
/// the workloads), `verify` after every kill, then each run again to completion; the books must
/// then equal those of an uninterrupted run on another file, to the nanodollar. Set
/// `TOKENLEDGER_CRASH_SEED` to try another seed.
@Suite("CLI: killed at random moments")
struct CrashTests {
    static let minimumKills = 100
    static let importRows = 3_000
    static let charges = 60
    static let gatewayCharges = 2_000
    static let reservations = 16
    static let rechargeCycles = 16

    /// Reservation `index`'s fate: settled (even), voided (odd), or left to expire (every
    /// fourth), released by the next reservation an hour later.
    static func settles(_ index: Int) -> Bool { index % 2 == 0 && index % 4 != 3 }
    static func voids(_ index: Int) -> Bool { index % 2 == 1 && index % 4 != 3 }

    /// One piece of work, run by a shell as its own process group (so one kill stops it all).
    struct Workload {
        var name: String
        var script: String
        /// The longest delay before a kill, in milliseconds: about the work's full length.
        var maximumDelayMilliseconds: Int
    }

    static func workloads(folder: ScratchFolder, database: String) throws -> [Workload] {
        let usage = try folder.write("usage.csv", CLI.usageCSV(rows: importRows))
        let binary = CLI.executable.path
        let charging = (0..<charges).map { index in
            let model = ["gpt-4o", "gpt-4o-mini", "o3"][index % 3]
            let time = "2026-01-20T\(String(format: "%02d", index % 24)):\(String(format: "%02d", index % 60)):00Z"
            return "charge acme --model \(model) --input \(500 + index * 37) --cached \(index % 4 * 50) --output \(100 + index * 11)"
                + " --project p-\(index % 3) --user u-\(index % 5) --id charge-\(index) --at \(time)"
        }
        return [
            Workload(name: "reservations", script: loop(reservationCommands(), binary: binary, database: database), maximumDelayMilliseconds: 700),
            Workload(name: "recharges", script: loop(rechargeCommands(), binary: binary, database: database), maximumDelayMilliseconds: 800),
            Workload(
                name: "import", script: "exec '\(binary)' import usage '\(usage)' --account acme --input-format csv --db '\(database)' >/dev/null",
                maximumDelayMilliseconds: 400),
            Workload(name: "charges", script: loop(charging, binary: binary, database: database), maximumDelayMilliseconds: 1_500),
            // One process charging one request per transaction: after its first, each commits
            // only its usage row, and a kill leaves that tail for the next command to fold in.
            Workload(
                name: "gateway",
                script:
                    "exec '\(binary)' stress-charge acme --model gpt-4o-mini --input 700 --output 90 --count \(gatewayCharges) --worker gw --at 2026-01-21T00:00:00Z --db '\(database)' >/dev/null",
                maximumDelayMilliseconds: 600),
        ]
    }

    /// A shell script running `commands` (each a `tokenledger` command line without `--db`) one
    /// after another on `database`, stopping at the first that fails.
    static func loop(_ commands: [String], binary: String, database: String) -> String {
        "set -e\n" + commands.map { "'\(binary)' \($0) --db '\(database)' >/dev/null\n" }.joined()
    }

    /// Reserve, then settle or void (each with its own id), or leave open until the next
    /// reservation, an hour later, releases it: a rerun retries every step, which must answer
    /// as the first time did (a retried settle or void is not refused).
    static func reservationCommands() -> [String] {
        (0..<reservations).flatMap { index in
            let hour = String(format: "2026-01-22T%02d", index)
            var commands = [
                "reserve gate --model cent --input 50 --max-output 100 --project p-\(index % 3) --id rsv-\(index) --expires-in 600 --at \(hour):00:00Z"
            ]
            if settles(index) {
                commands.append("settle rsv-\(index) --input 50 --output \(10 + index * 7) --id settle-\(index) --at \(hour):01:00Z")
            } else if voids(index) {
                commands.append("void rsv-\(index) --id void-\(index) --at \(hour):01:00Z")
            }
            return commands
        }
    }

    /// A grant that expires unspent, then a $4 charge that writes it off and, every few
    /// charges, brings the balance below the auto-recharge threshold.
    static func rechargeCommands() -> [String] {
        (0..<rechargeCycles).flatMap { index in
            let hour = String(format: "2026-01-23T%02d", index)
            return [
                "grant auto 1 --expires-at \(hour):10:00Z --at \(hour):00:00Z --id grant-\(index)",
                "charge auto --model cent --input 400 --output 0 --id auto-\(index) --at \(hour):30:00Z",
            ]
        }
    }

    static func start(_ workload: Workload) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", workload.script]
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Sets up a ledger with an account and credit (never killed: the kills are for the workloads).
    static func setUp(_ database: String) throws {
        try CLI.succeed(["init"], database: database)
        try CLI.succeed(["account", "create", "acme", "--max-purchase", "1000", "--at", "2026-01-01"], database: database)
        try CLI.succeed(["purchase", "acme", "500", "--at", "2026-01-01", "--id", "pay-1"], database: database)
        try CLI.succeed(["prices", "set", "cent", "--input", "10000", "--output", "10000", "--effective-from", "2025-01-01"], database: database)
        try CLI.succeed(["account", "create", "gate", "--at", "2026-01-01"], database: database)
        try CLI.succeed(["purchase", "gate", "100", "--at", "2026-01-01", "--id", "pay-gate"], database: database)
        try CLI.succeed(["account", "create", "auto", "--at", "2026-01-01"], database: database)
        try CLI.succeed(["purchase", "auto", "30", "--at", "2026-01-01", "--id", "pay-auto"], database: database)
        try CLI.succeed(["recharge", "auto", "--threshold", "20", "--restore-to", "50", "--at", "2026-01-01"], database: database)
    }

    /// What must be equal: verify's counts, each account's balance with its lots, the month's
    /// FOCUS rows, the recharged account's statement, and every reservation's state.
    static func books(_ database: String) throws -> [String] {
        var books = [try CLI.succeed(["verify", "--format", "json"], database: database)]
        for account in ["acme", "gate", "auto"] {
            books.append(try CLI.succeed(["balance", account, "--at", "2026-02-01", "--format", "json"], database: database))
        }
        books.append(try CLI.succeed(["export", "focus", "--month", "2026-01"], database: database))
        books.append(try CLI.succeed(["statement", "auto", "--month", "2026-01", "--at", "2026-02-10", "--format", "json"], database: database))
        let queue = try DatabaseQueue(path: database)
        defer { try? queue.close() }
        books.append(
            try queue.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT reference, status, close_reference, closed_at_ms, hold_nanos, usage_id IS NULL FROM reservation ORDER BY reference"
                )
                .map(\.description).joined(separator: "\n")
            })
        return books
    }

    @Test("at least 100 SIGKILLs, then runs to completion: verify passes, books equal an uninterrupted run's")
    func killedAndRerun() throws {
        let seed = UInt64(ProcessInfo.processInfo.environment["TOKENLEDGER_CRASH_SEED"] ?? "") ?? 20_261_001
        var random = SplitMix64(seed: seed)
        let folder = try ScratchFolder("crash")
        let killed = folder.path("killed.sqlite"), reference = folder.path("reference.sqlite")
        try Self.setUp(killed)
        try Self.setUp(reference)

        var kills = 0, rounds = 0
        var killsByWorkload: [String: Int] = [:]
        let work = try Self.workloads(folder: folder, database: killed)
        while kills < Self.minimumKills, rounds < 10 * Self.minimumKills {
            let workload = work[rounds % work.count]
            rounds += 1
            let process = try Self.start(workload)
            usleep(useconds_t(Int.random(in: 0...workload.maximumDelayMilliseconds, using: &random) * 1000))
            if process.isRunning {
                kill(-process.processIdentifier, SIGKILL)
                kills += 1
                killsByWorkload[workload.name, default: 0] += 1
            }
            process.waitUntilExit()
            let verify = try CLI.run(["verify", "--db", killed])
            #expect(verify.status == 0, "after kill \(kills) (seed \(seed), \(workload.name)): \(verify.stdout)\(verify.stderr)")
            if verify.status != 0 { return }
        }
        #expect(kills >= Self.minimumKills, "only \(kills) kills in \(rounds) rounds")
        // The kills are split between the workloads (none is left to chance).
        #expect(work.allSatisfy { killsByWorkload[$0.name, default: 0] >= Self.minimumKills / work.count / 3 }, "\(killsByWorkload)")

        for (killedWork, referenceWork) in zip(work, try Self.workloads(folder: folder, database: reference)) {
            for (workload, database) in [(killedWork, killed), (referenceWork, reference)] {
                let process = try Self.start(workload)
                process.waitUntilExit()
                #expect(process.terminationStatus == 0, "\(workload.name) on \(database)")
            }
        }
        let expected = try Self.books(reference)
        let settled = (0..<Self.reservations).filter(Self.settles).count
        let charges = Self.importRows + Self.charges + Self.gatewayCharges + settled + Self.rechargeCycles
        #expect(expected[0].contains("\"charges\": \(charges)"), "\(expected[0])")
        // The loops did what they are for: lots expired, recharges, every way a hold ends.
        #expect(
            expected[5].contains("\"expired_usd\": \"\(Self.rechargeCycles).000000000\"") && !expected[5].contains("\"recharges_usd\": \"0.000000000\""),
            "\(expected[5])")
        #expect(["settled", "voided", "expired"].allSatisfy { expected[6].contains("status:\"\($0)\"") }, "\(expected[6])")
        #expect(try Self.books(killed) == expected, "seed \(seed)")
    }
}
