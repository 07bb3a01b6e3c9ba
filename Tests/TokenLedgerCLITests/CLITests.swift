import Foundation
import Testing

/// Runs the built `tokenledger` binary on temporary ledgers and compares what it prints and
/// its exit codes with the transcripts saved in `Expected/`. To accept a deliberate change of
/// output, run with `TOKENLEDGER_UPDATE_EXPECTED=1` and review the diff.
@Suite("CLI transcripts")
struct CLITests {
    /// A scenario: command lines run in order on one fresh ledger (`$DB`) in a temp folder (`$TMP`).
    struct Scenario: CustomStringConvertible, Sendable {
        var name: String
        var commands: [String]
        var description: String { name }
    }

    static let scenarios: [Scenario] = [
        Scenario(
            name: "walkthrough",
            commands: [
                "init",
                "init",
                "account create acme --at 2026-01-01",
                "account create team-b --max-purchase 500 --overdraft 10 --at 2026-01-01",
                "account list",
                "purchase acme 20 --at 2026-01-02 --id pay-1",
                "grant acme 5 --expires-at 2026-02-01 --at 2026-01-02 --id welcome",
                "charge acme --model gpt-4o --input 1200 --cached 200 --output 300 --id req-1 --at 2026-01-03T10:00:00Z",
                "charge acme --model o3 --tier flex --input 10000 --output 2000 --project search --user u-7 --id req-2 --at 2026-01-03T11:00:00Z",
                "balance acme --at 2026-01-04",
                "account show acme",
                "verify",
            ]),
        Scenario(
            name: "json",
            commands: [
                "init --format json",
                "account create acme --at 2026-01-01 --format json",
                "purchase acme 12.50 --at 2026-01-02 --id pay-1 --format json",
                "grant acme 1 --at 2026-01-02 --id g-1 --format json",
                "charge acme --model gpt-4o-mini --input 5000 --output 700 --id req-1 --at 2026-01-03 --format json",
                "balance acme --at 2026-01-04 --format json",
                "balance acme --at 2026-01-04 --format csv",
                "account list --format csv",
                "verify --format json",
            ]),
        Scenario(
            name: "idempotency",
            commands: [
                "init",
                "account create acme --at 2026-01-01",
                "purchase acme 20 --at 2026-01-02 --id pay-1",
                "purchase acme 20 --at 2026-01-05 --id pay-1",
                "purchase acme 30 --at 2026-01-02 --id pay-1",
                "grant acme 20 --at 2026-01-02 --id pay-1",
                "charge acme --model gpt-4 --input 1000 --output 100 --id req-1 --at 2026-01-03",
                "charge acme --model gpt-4 --input 1000 --output 100 --id req-1 --at 2026-01-09 --format json",
                "charge acme --model gpt-4 --input 1000 --output 101 --id req-1 --at 2026-01-03",
                "balance acme --at 2026-01-10",
                "verify",
            ]),
        Scenario(
            name: "refusals",
            commands: [
                "init",
                "account create acme --at 2026-01-01",
                "account create acme --at 2026-01-01",
                "account create @system --at 2026-01-01",
                "account create big --max-purchase 4 --at 2026-01-01",
                "purchase acme 4.99 --at 2026-01-02",
                "purchase acme 5.001 --at 2026-01-02",
                "purchase acme 0.0000000001 --at 2026-01-02",
                "purchase acme 100.01 --at 2026-01-02",
                "purchase acme 0 --at 2026-01-02",
                "purchase nobody 10 --at 2026-01-02",
                "purchase acme ten --at 2026-01-02",
                "purchase acme 10 --at 2026-02-30",
                "grant acme 5 --at 2026-01-02 --expires-at 2026-01-01",
                "charge acme --model gpt-5-turbo-ultra --input 10 --output 10 --at 2026-01-03",
                "charge acme --model o3 --input 10 --output 10 --at 2025-01-01",
                "charge acme --model gpt-4 --input=-5 --output 10 --at 2026-01-03",
                "charge acme --model gpt-4 --input 100 --cached 80 --cache-write 30 --output 10 --at 2026-01-03",
                "charge acme --model gpt-4 --input 9000 --output 10 --at 2026-01-03 --enforce",
                "charge acme --model gpt-4 --input 9000 --output 10 --id beyond-window --at 2026-01-03",
                "charge acme --model gpt-4 --input 100 --output 10 --tier priority --at 2026-01-03",
                "charge acme --model gpt-4 --input 100 --output 10 --tier turbo --at 2026-01-03",
                "charge acme --model gpt-4 --input 100000000000000 --output 10 --at 2026-01-03",
                "charge acme --model gpt-4 --input 100000 --output 4000 --enforce --at 2026-01-03",
                "charge acme --model gpt-4 --input 100 --output 10 --enforce --at 2026-01-03 --format json",
                "verify",
            ]),
        Scenario(
            name: "overdraft-and-expiry",
            commands: [
                "init",
                "account create acme --at 2025-01-01",
                "grant acme 1 --at 2025-01-01 --expires-at 2025-02-01 --id promo",
                "purchase acme 5 --at 2025-01-01 --id pay-1",
                "charge acme --model gpt-4-32k --input 30000 --output 4000 --id big-1 --at 2025-01-10",
                "charge acme --model gpt-4-32k --input 30000 --output 4000 --id big-2 --at 2025-01-11",
                "charge acme --model gpt-4-32k --input 30000 --output 4000 --id big-3 --at 2025-01-11T12:00:00Z",
                "balance acme --at 2025-01-12",
                "charge acme --model gpt-4 --input 100 --output 10 --enforce --at 2025-01-12",
                "purchase acme 10 --at 2025-01-15 --id pay-2",
                "grant acme 3 --at 2025-01-16 --expires-at 2025-01-20 --id short",
                "balance acme --at 2025-01-21",
                "expire --at 2026-06-01",
                "balance acme --at 2026-06-01",
                "verify",
            ]),
        Scenario(
            name: "prices",
            commands: [
                "init",
                "prices list --at 2025-05-01",
                "prices list --model o3 --all",
                "prices list --model o3 --all --format csv",
                "prices set my-model --input 1.25 --cached 0.125 --output 10 --effective-from 2026-01-01 --max-input-tokens 100000",
                "prices set my-model --input 1.25 --cached 0.125 --output 10 --effective-from 2026-01-01 --max-input-tokens 100000",
                "prices set my-model --input 2 --output 10 --effective-from 2026-01-01",
                "prices set my-model --input 0.8 --output 8 --effective-from 2026-03-01 --format json",
                "account create acme --at 2026-01-01",
                "charge acme --model my-model --input 1000000 --output 1000000 --id before --at 2026-02-28T23:59:59Z",
                "charge acme --model my-model --input 1000000 --output 1000000 --id after --at 2026-03-01",
                "prices list --model my-model --at 2026-02-01 --format json",
                "prices set bad --input -1 --output 1",
                "prices resolve openai/gpt-4o-mini-2024-07-18 --at 2025-05-01",
                "prices resolve us.anthropic.gpt-4o-v1:0 --at 2025-05-01 --format json",
                "prices resolve my-azure-deployment",
                "models aliases",
                "models alias my-azure-deployment no-such-model",
                "models alias my-azure-deployment gpt-4o",
                "models alias my-azure-deployment gpt-4o",
                "models aliases --format json",
                "prices resolve my-azure-deployment --at 2025-05-01",
                "charge acme --model my-azure-deployment --input 1000 --output 100 --id sent-1 --at 2026-03-02",
                "charge acme --model my-azure-deployment --input 1000 --output 100 --id sent-1 --at 2026-03-02 --format json",
                "charge acme --model gpt-4o --input 1000 --output 100 --id sent-1 --at 2026-03-02",
                "charges show sent-1",
                "models unalias my-azure-deployment",
                "models unalias my-azure-deployment",
                "charges list --account acme --format csv",
                // Classes billed apart: their prices, their tokens, a refusal where the entry has no rate.
                "prices set voice-1 --input 2 --output 8 --cache-write-1h 4 --input-audio 40 --input-image 10 --output-audio 80 --output-image 32 --effective-from 2026-01-01 --provider openai",
                "prices list --model voice-1 --format json",
                "charge acme --model voice-1 --input 10000 --input-audio 3000 --input-image 1000 --cache-write-1h 500 --output 2000 --output-audio 700 --output-image 300 --id media-1 --at 2026-03-03",
                "charge acme --model voice-1 --input 10000 --input-audio 3000 --input-image 1000 --cache-write-1h 500 --output 2000 --output-audio 700 --output-image 300 --id media-1 --at 2026-03-03 --format json",
                "charge acme --model voice-1 --input 10000 --input-audio 3000 --output 2000 --id media-1 --at 2026-03-03",
                "charge acme --model voice-1 --input 100 --input-audio 101 --output 2 --at 2026-03-03",
                "charge acme --model my-model --input 100 --output-audio 1 --output 2 --at 2026-03-03",
                "charges show media-1",
                "charges list --account acme --model voice-1 --format csv",
                "verify",
            ]),
        Scenario(
            name: "reports",
            commands: [
                "init",
                "account create acme --at 2026-01-01",
                "account create beta --at 2026-01-01",
                "purchase acme 20 --at 2026-01-02 --id pay-1",
                "grant acme 5 --expires-at 2026-01-20 --at 2026-01-02 --id welcome",
                "charge acme --model gpt-4o --input 1200 --cached 200 --output 300 --project search --api-key k-1 --id r-1 --at 2026-01-03T10:00:00Z",
                "charge acme --model o3 --tier flex --input 10000 --output 2000 --project a|b --user u-7 --id r-2 --at 2026-01-15T11:00:00Z",
                "charge beta --model gpt-4o-mini --input 5000 --output 700 --id r-3 --at 2026-01-31T23:59:59Z",
                "charge acme --model gpt-4o --input 1000 --output 100 --id r-4 --at 2026-02-01T00:00:00Z",
                "report monthly --month 2026-01",
                "report monthly --account acme --month 2026-01 --by model,project",
                "report monthly --month 2026-01 --by day --by user --format json",
                "report monthly --month 2026-01 --by project,api-key --format csv",
                "report monthly --month 2026-01 --by project --format markdown",
                "report monthly --month 2026-03 --account beta",
                "report monthly --month 2026-01 --by colour",
                "report monthly --month 2026-01 --by model,model",
                "report monthly --month 2026-13",
                "report monthly --account nobody --month 2026-01",
                "report monthly --month 2026-01 --chart $TMP/chart.png",
                "statement acme --month 2026-01 --at 2026-02-10",
                "statement acme --month 2026-02 --at 2026-02-10 --format json",
                "statement beta --month 2026-01 --at 2026-02-10 --format csv",
                "statement nobody --month 2026-01 --at 2026-02-10",
                "verify",
            ]),
        Scenario(
            name: "controls",
            commands: [
                "init",
                "account create acme --at 2026-01-01",
                "purchase acme 10 --at 2026-01-01 --id pay-1",
                "prices set cent --input 10000 --output 10000 --effective-from 2025-01-01",
                "recharge acme --threshold 5 --restore-to 20 --monthly-cap 30 --at 2026-01-01",
                "recharge acme",
                "recharge acme --threshold 5 --restore-to 200",
                "recharge acme --threshold 5",
                "charge acme --model cent --input 300 --output 0 --id c1 --at 2026-01-02",
                "charge acme --model cent --input 300 --output 0 --id c2 --at 2026-01-02T01:00:00Z --format json",
                "charge acme --model cent --input 1500 --output 0 --id c3 --at 2026-01-02T02:00:00Z",
                "limit acme --soft 25 --hard 30",
                "limit acme --project search --hard 1",
                "limit acme --soft 40",
                "limit acme",
                "charge acme --model cent --input 500 --output 0 --id c4 --at 2026-01-03 --format json",
                "reserve acme --model cent --input 100 --max-output 100 --id r1 --at 2026-01-03T01:00:00Z",
                "reserve acme --model cent --input 100 --max-output 100 --id r2 --project search --at 2026-01-03T01:00:00Z",
                "settle r1 --input 100 --output 150 --at 2026-01-03T01:01:00Z --format json",
                "settle r1 --input 100 --output 150 --at 2026-01-03T01:05:00Z",
                "settle r1 --input 100 --output 151 --at 2026-01-03T01:05:00Z",
                "settle r1 --input 100 --output 150 --id another --at 2026-01-03T01:05:00Z",
                "reserve acme --model cent --input 50 --max-output 50 --id r3 --at 2026-01-03T02:00:00Z",
                "settle r3 --input 50 --input-audio 10 --output 5 --at 2026-01-03T02:00:30Z",
                "void r3 --id void-3 --at 2026-01-03T02:01:00Z",
                "void r3 --id void-3 --at 2026-01-03T02:03:00Z --format json",
                "void r3 --at 2026-01-03T02:03:00Z",
                "settle r3 --input 1 --output 1 --id void-3 --at 2026-01-03T02:02:00Z",
                "settle r3 --input 1 --output 1 --at 2026-01-03T02:02:00Z",
                "charge acme --model cent --input 200 --output 0 --id c5 --at 2026-01-03T03:00:00Z",
                "reserve acme --model cent --input 1 --max-output 1 --id r4 --at 2026-01-03T04:00:00Z",
                "charge acme --model cent --input 1 --output 0 --id c6 --enforce --at 2026-01-03T04:00:00Z",
                "charge acme --model cent --input 100 --output 0 --id c7 --at 2026-01-03T05:00:00Z --format json",
                "reserve acme --model cent --input 200000000000 --max-output 1 --at 2026-01-03T05:00:00Z",
                "tiers --require cent --tier 4",
                "reserve acme --model cent --input 1 --max-output 1 --at 2026-02-01",
                "balance acme --at 2026-01-04",
                "balance acme --at 2026-01-04 --format json",
                "statement acme --month 2026-01 --at 2026-01-04",
                "recharge acme --off",
                "verify",
            ]),
        Scenario(
            name: "charges",
            commands: [
                "init",
                "account create acme --at 2026-01-01",
                "account create beta --at 2026-01-01",
                "purchase acme 20 --at 2026-01-02 --id pay-1",
                "grant acme 5 --expires-at 2026-02-01 --at 2026-01-02 --id welcome",
                "purchase beta 5 --at 2026-01-02 --id pay-b",
                "prices set cent --input 10000 --output 10000 --effective-from 2025-01-01",
                "charge acme --model gpt-4o --input 1200 --cached 200 --output 300 --project search --id req-1 --at 2026-01-03T10:00:00Z",
                "charge acme --model o3 --tier flex --input 10000 --output 2000 --project search --user u-7 --id req-2 --at 2026-01-03T11:00:00Z",
                "charge beta --model gpt-4o-mini --input 5000 --output 700 --api-key k-1 --user u-7 --id req-3 --at 2026-01-04",
                "charge beta --model cent --input 600 --output 0 --id req-4 --at 2026-01-05",
                "charges list",
                "charges list --account acme --sort cost --desc --format json",
                "charges search --user u-7 --format csv",
                "charges list --limit 2",
                "charges list --limit 2 --after req-2",
                "charges list --from 2026-01-03T10:30:00Z --to 2026-01-05 --format markdown",
                "charges list --model gpt-4o --tier default --project search --api-key none",
                "charges list --id req-3",
                "charges list --account nobody",
                "charges list --after nope",
                "charges list --limit 0",
                "charges list --from 2026-01-05 --to 2026-01-04",
                "charges show req-1",
                "charges show req-4",
                "charges show req-2 --format json",
                "charges show nope",
                "journal acme",
                "journal beta --from 2026-01-04 --to 2026-01-06 --format json",
                "journal acme --format csv",
                "journal nobody",
                "balance acme --at 2026-01-03T10:30:00Z",
                "balance acme --at 2026-01-01",
                "balance acme --at 2026-01-04 --format csv",
                "balance beta --at 2026-01-06 --format csv",
                "balance acme --at 2026-01-04 --format markdown",
                "export journal --help",
                "charges nonsense",
                "verify",
            ]),
        Scenario(
            name: "corrections",
            commands: [
                "init",
                "account create acme --overdraft 2 --at 2026-01-01",
                "purchase acme 20 --at 2026-01-02 --id pay-1",
                "grant acme 5 --expires-at 2026-03-01 --at 2026-01-02 --id welcome",
                "charge acme --model gpt-4o --input 100000 --output 10000 --id wrong --at 2026-01-03",
                "reverse wrong --reason duplicate --id fix-1 --at 2026-01-04",
                "reverse wrong --reason duplicate --id fix-1 --at 2026-01-05 --format json",
                "reverse wrong --id fix-2 --at 2026-01-05",
                "reverse nope --at 2026-01-05",
                "adjust acme 1.50 --reason goodwill --id adj-1 --at 2026-01-06",
                "adjust acme -3 --reason billing-error --id adj-2 --at 2026-01-06",
                "adjust acme -100 --reason too-much --at 2026-01-06",
                "adjust acme 0 --reason nothing --at 2026-01-06",
                "adjust acme 1 --at 2026-01-06",
                "adjust acme 2 --reason other --id adj-1 --at 2026-01-06",
                "refund pay-1 5 --id ref-1 --at 2026-01-07",
                "refund pay-1 500 --at 2026-01-07",
                "refund welcome --at 2026-01-07",
                "refund pay-1 --id ref-2 --at 2026-01-07 --format json",
                "purchase acme 20 --at 2026-01-08 --id ref-2",
                "statement acme --month 2026-01 --at 2026-02-01",
                "verify",
            ]),
        Scenario(
            name: "database-errors",
            commands: [
                "balance acme",
                "account list --db $TMP/missing.sqlite",
                "account list --db $TMP/not-a-ledger.txt",
                "--db $DB --create account list",
                "--db $DB --format json verify",
                "nonsense",
            ]),
    ]

    @Test(arguments: scenarios)
    func transcript(_ scenario: Scenario) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("just some text\n".utf8).write(to: folder.appendingPathComponent("not-a-ledger.txt"))
        let database = folder.appendingPathComponent("ledger.sqlite").path
        try CLI.compare(try CLI.transcript(scenario.commands, folder: folder, database: database), withExpected: scenario.name)
    }

    @Test("every command has help text")
    func help() throws {
        for command in [
            "", "init", "demo", "account create", "purchase", "grant", "charge", "balance", "prices list", "prices set", "expire", "verify",
            "report monthly", "statement", "recharge", "limit", "reserve", "settle", "void", "tiers", "charges list", "charges search",
            "charges show", "journal", "adjust", "refund", "reverse",
        ] {
            let result = try CLI.run(command.split(separator: " ").map(String.init) + ["--help"])
            #expect(result.status == 0, "help for '\(command)'")
            #expect(result.stdout.contains("USAGE: tokenledger"), "help for '\(command)'")
        }
    }

    @Test("the demo bills the bundled trace, balances, and writes nothing when run again")
    func demo() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("demo.sqlite").path
        let first = try CLI.run(["demo", "--db", database, "--format", "json"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("\"requests\": 19366"))
        #expect(first.stdout.contains("\"duplicates\": 0"))
        #expect(first.stdout.contains("\"verify_ok\": true"))
        let second = try CLI.run(["demo", "--db", database, "--format", "json"])
        #expect(second.stdout.contains("\"duplicates\": 19366"))
        #expect(first.stdout.replacingOccurrences(of: "\"duplicates\": 0", with: "\"duplicates\": 19366") == second.stdout)
        let table = try CLI.run(["demo", "--db", database])
        #expect(table.stdout.contains("verify: OK"))
    }
}

/// Runs the binary and compares transcripts.
enum CLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `tokenledger` executable (the product of the `TokenLedgerCLI` target) built beside
    /// this test bundle: the nearest folder above it holding an executable file of that name.
    static var executable: URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !isExecutableFile(directory.appendingPathComponent("tokenledger")), directory.path != "/" {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("tokenledger")
    }

    private static func isExecutableFile(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && !isDirectory.boolValue
            && FileManager.default.isExecutableFile(atPath: url.path)
    }

    /// Runs the binary with `arguments`, and `environment` added to this process's (less
    /// `TOKENLEDGER_DB`); `prefix` runs it through another program (`setpriv …`).
    static func run(_ arguments: [String], environment added: [String: String] = [:], prefix: [String] = []) throws -> Result {
        let process = Process()
        process.executableURL = prefix.isEmpty ? executable : URL(fileURLWithPath: prefix[0])
        process.arguments = prefix.isEmpty ? arguments : Array(prefix.dropFirst()) + [executable.path] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["TOKENLEDGER_DB"] = nil
        environment.merge(added) { $1 }
        process.environment = environment
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Runs `commands` in order on the ledger `database` (each gets `--db` unless it names one;
    /// `$TMP` and `$DB` stand for the folder and the ledger) and writes down what each printed,
    /// with standard error marked `! ` and the exit code, the folder's path shown as `$TMP` and
    /// the newest schema's name as `$SCHEMA` (so a new migration does not rewrite every file).
    static func transcript(_ commands: [String], folder: URL, database: String) throws -> String {
        var transcript = ""
        for command in commands {
            var arguments = command.split(separator: " ").map {
                String($0).replacingOccurrences(of: "$TMP", with: folder.path).replacingOccurrences(of: "$DB", with: database)
            }
            if !command.contains("--db") { arguments += ["--db", database] }
            let result = try run(arguments)
            transcript += "$ tokenledger \(command)\n" + result.stdout
            if !result.stderr.isEmpty {
                transcript += result.stderr.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : "! " + $0 }.joined(separator: "\n")
            }
            transcript += "[exit \(result.status)]\n\n"
        }
        return transcript.replacingOccurrences(of: folder.path, with: "$TMP").replacingOccurrences(of: try latestSchema(), with: "$SCHEMA")
    }

    /// The name of the newest migration in `migrations/`.
    static func latestSchema() throws -> String {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("migrations")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("v") && $0.hasSuffix(".sql") }
        return String(names.sorted().last!.dropLast(4))
    }

    static func compare(_ transcript: String, withExpected name: String) throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Expected/\(name).txt")
        if ProcessInfo.processInfo.environment["TOKENLEDGER_UPDATE_EXPECTED"] == "1" {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(transcript.utf8).write(to: file)
            return
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        if expected != transcript {
            let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let actualLines = transcript.split(separator: "\n", omittingEmptySubsequences: false)
            let first =
                zip(expectedLines, actualLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(expectedLines.count, actualLines.count)
            Issue.record(
                """
                \(name): output differs from Expected/\(name).txt at line \(first + 1)
                expected: \(first < expectedLines.count ? String(expectedLines[first]) : "<end>")
                actual:   \(first < actualLines.count ? String(actualLines[first]) : "<end>")
                """)
        }
    }
}
