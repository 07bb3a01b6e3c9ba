import Foundation
import Testing
import TokenLedgerCore

/// The crash test: imports and loops of charges through the CLI, killed with SIGKILL at seeded
/// random moments (at least ``minimumKills`` times), `verify` after every kill, then each run
/// again to completion; the books must then equal those of an uninterrupted run on another
/// file, to the nanodollar. Set `TOKENLEDGER_CRASH_SEED` to try another seed.
@Suite("CLI: killed at random moments")
struct CrashTests {
    static let minimumKills = 100
    static let importRows = 3_000
    static let charges = 60
    static let gatewayCharges = 2_000

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
        var loop = "set -e\n"
        for index in 0..<charges {
            let model = ["gpt-4o", "gpt-4o-mini", "o3"][index % 3]
            loop += "'\(binary)' charge acme --model \(model) --input \(500 + index * 37) --cached \(index % 4 * 50) --output \(100 + index * 11)"
            loop +=
                " --project p-\(index % 3) --user u-\(index % 5) --id charge-\(index) --at 2026-01-20T\(String(format: "%02d", index % 24)):\(String(format: "%02d", index % 60)):00Z"
            loop += " --db '\(database)' >/dev/null\n"
        }
        return [
            Workload(
                name: "import", script: "exec '\(binary)' import usage '\(usage)' --account acme --input-format csv --db '\(database)' >/dev/null",
                maximumDelayMilliseconds: 400),
            Workload(name: "charges", script: loop, maximumDelayMilliseconds: 1_500),
            // One process charging one request per transaction: after its first, each commits
            // only its usage row, and a kill leaves that tail for the next command to fold in.
            Workload(
                name: "gateway",
                script:
                    "exec '\(binary)' stress-charge acme --model gpt-4o-mini --input 700 --output 90 --count \(gatewayCharges) --worker gw --at 2026-01-21T00:00:00Z --db '\(database)' >/dev/null",
                maximumDelayMilliseconds: 600),
        ]
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
    }

    /// What must be equal: verify's counts, the balance with its lots, and the month's FOCUS rows.
    static func books(_ database: String) throws -> [String] {
        [
            try CLI.succeed(["verify", "--format", "json"], database: database),
            try CLI.succeed(["balance", "acme", "--at", "2026-02-01", "--format", "json"], database: database),
            try CLI.succeed(["export", "focus", "--account", "acme", "--month", "2026-01"], database: database),
        ]
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
        let work = try Self.workloads(folder: folder, database: killed)
        while kills < Self.minimumKills, rounds < 10 * Self.minimumKills {
            let workload = work[rounds % work.count]
            rounds += 1
            let process = try Self.start(workload)
            usleep(useconds_t(Int.random(in: 0...workload.maximumDelayMilliseconds, using: &random) * 1000))
            if process.isRunning {
                kill(-process.processIdentifier, SIGKILL)
                kills += 1
            }
            process.waitUntilExit()
            let verify = try CLI.run(["verify", "--db", killed])
            #expect(verify.status == 0, "after kill \(kills) (seed \(seed), \(workload.name)): \(verify.stdout)\(verify.stderr)")
            if verify.status != 0 { return }
        }
        #expect(kills >= Self.minimumKills, "only \(kills) kills in \(rounds) rounds")

        for (killedWork, referenceWork) in zip(work, try Self.workloads(folder: folder, database: reference)) {
            for (workload, database) in [(killedWork, killed), (referenceWork, reference)] {
                let process = try Self.start(workload)
                process.waitUntilExit()
                #expect(process.terminationStatus == 0, "\(workload.name) on \(database)")
            }
        }
        let expected = try Self.books(reference)
        #expect(expected[0].contains("\"charges\": \(Self.importRows + Self.charges + Self.gatewayCharges)"), "\(expected[0])")
        #expect(try Self.books(killed) == expected, "seed \(seed)")
    }
}
