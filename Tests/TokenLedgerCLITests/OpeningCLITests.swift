import Foundation
import GRDB
import Testing

/// `--db` naming what is not a ledger file (a FIFO, a device, a dangling link, special names),
/// a ledger that may only be read, a half-initialized file, and `demo` on a real ledger.
@Suite("CLI: opening the ledger file")
struct OpeningCLITests {
    /// Runs the binary, killing it after `seconds`; nil when it had to be killed.
    static func run(_ arguments: [String], within seconds: Double, environment: [String: String] = [:]) throws -> CLI.Result? {
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        merged["TOKENLEDGER_DB"] = nil
        merged.merge(environment) { $1 }
        process.environment = merged
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-out-\(UUID().uuidString)")
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: output)
            try? FileManager.default.removeItem(at: errors)
        }
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            return nil
        }
        return CLI.Result(
            status: process.terminationStatus, stdout: String(decoding: try Data(contentsOf: output), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: errors), as: UTF8.self))
    }

    /// `path` is refused as `not_a_ledger` with `words` by every command, at once.
    static func expectNotALedger(_ path: String, words: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for command in [["init"], ["balance", "acme"], ["verify"], ["account", "list"], ["purchase", "acme", "10"]] {
            let result = try run(command + ["--db", path], within: 20, environment: ["TOKENLEDGER_BUSY_TIMEOUT_MS": "200"])
            guard let result else {
                Issue.record("tokenledger \(command.joined(separator: " ")) --db \(path) hung", sourceLocation: sourceLocation)
                continue
            }
            #expect(result.status == 4, "\(command): \(result.stderr)", sourceLocation: sourceLocation)
            #expect(result.stderr.hasPrefix("error: not_a_ledger: "), "\(command): \(result.stderr)", sourceLocation: sourceLocation)
            #expect(result.stderr.contains(words), "\(command): \(result.stderr)", sourceLocation: sourceLocation)
        }
    }

    @Test("a FIFO, a socket's kin, is refused as not_a_ledger at once, and nothing is made beside it")
    func fifo() throws {
        let folder = try ScratchFolder("opening")
        let path = folder.path("ledger.sqlite")
        #expect(mkfifo(path, 0o600) == 0)
        try Self.expectNotALedger(path, words: "FIFO")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path) == ["ledger.sqlite"])
    }

    @Test("/dev/null, an empty name and ':memory:' are refused as not_a_ledger, and no file is made")
    func specialNames() throws {
        let folder = try ScratchFolder("opening")
        try Self.expectNotALedger("/dev/null", words: "device")
        #expect(!FileManager.default.fileExists(atPath: "/dev/null-journal"))
        #expect(!FileManager.default.fileExists(atPath: "/dev/null-wal"))
        try Self.expectNotALedger("", words: "the name is empty")
        // Relative names are the working folder's: run where a stray ':memory:' file would show.
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = ["init", "--db", ":memory:"]
        process.currentDirectoryURL = folder.url
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 4)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).isEmpty)
        try Self.expectNotALedger(":memory:", words: "in-memory")
    }

    @Test("a symbolic link to nothing is refused as not_a_ledger, naming the link, not 'File exists'")
    func danglingSymbolicLink() throws {
        let folder = try ScratchFolder("opening")
        let path = folder.path("ledger.sqlite")
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: folder.path("moved.sqlite"))
        try Self.expectNotALedger(path, words: "symbolic link to a missing file")
        let result = try CLI.run(["init", "--db", path])
        #expect(!result.stderr.contains("File exists"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path) == ["ledger.sqlite"])
    }

    @Test("init on an existing empty file makes it and its -wal and -shm owner-only (0600)")
    func initAdoptsEmptyFileOwnerOnly() throws {
        let folder = try ScratchFolder("opening")
        let path = folder.path("ledger.sqlite")
        #expect(FileManager.default.createFile(atPath: path, contents: Data(), attributes: [.posixPermissions: 0o666]))
        try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: path)
        try CLI.succeed(["init"], database: path)
        // A command that keeps the file open while another looks at its -wal and -shm.
        let queue = try DatabaseQueue(path: path)
        try queue.read { db in _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM account") }
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.url.path) {
            let permissions = (try FileManager.default.attributesOfItem(atPath: folder.path(file))[.posixPermissions] as? NSNumber)?.intValue
            #expect(permissions == 0o600, "\(file) has permissions \(String(permissions ?? -1, radix: 8))")
        }
        try queue.close()
    }

    @Test("init interrupted by a full disk: later commands say to run init, and init completes the file")
    func halfInitialized() throws {
        let folder = try ScratchFolder("opening")
        let path = folder.path("ledger.sqlite")
        let full = try CLI.run(["init", "--db", path], environment: ["TOKENLEDGER_MAX_PAGE_COUNT": "4"])
        #expect(full.status == 4)
        #expect(full.stderr.hasPrefix("error: disk_full: "), "\(full.stderr)")
        let balance = try CLI.run(["account", "list", "--db", path])
        #expect(balance.status == 4)
        #expect(balance.stderr.contains("tokenledger init"), "\(balance.stderr)")
        try CLI.succeed(["init"], database: path)
        try CLI.succeed(["account", "create", "acme"], database: path)
        #expect(try CLI.succeed(["verify"], database: path).contains("OK"))
    }

    @Test(
        "a ledger this user may only read: reads work, writes exit 4 read_only, nothing is written",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")))
    func readOnlyLedger() throws {
        let folder = try ScratchFolder("opening")
        let database = try FaultCLITests.makeLedger(in: folder)
        try CLI.succeed(["charge", "acme", "--model", "gpt-4o", "--input", "1000", "--output", "10", "--at", "2026-01-02"], database: database)
        // Root reads and writes any file, so the commands run as `nobody` (when the test runs as
        // root), on a file its owner (root) may write and others read, in a folder only its owner
        // may write; as another user, on a file and in a folder nobody may write.
        let asNobody = getuid() == 0 ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : []
        try FileManager.default.setAttributes([.posixPermissions: getuid() == 0 ? 0o644 : 0o444], ofItemAtPath: database)
        try FileManager.default.setAttributes([.posixPermissions: getuid() == 0 ? 0o755 : 0o555], ofItemAtPath: folder.url.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.url.path) }
        let before = FileManager.default.contents(atPath: database)
        for command in [
            ["balance", "acme", "--at", "2026-03-01"], ["verify"], ["account", "list"], ["report", "monthly", "--month", "2026-01"],
            ["statement", "acme", "--month", "2026-01"],
        ] {
            let result = try CLI.run(command + ["--db", database], prefix: asNobody)
            #expect(result.status == 0, "\(command): \(result.stderr)")
        }
        let verify = try CLI.run(["verify", "--db", database], prefix: asNobody)
        #expect(verify.stdout.contains("OK"), "\(verify.stdout)")
        try FaultCLITests.expectRefused(
            ["purchase", "acme", "10", "--id", "pay-2"], database: database, code: "read_only", words: "cannot be written", prefix: asNobody)
        #expect(FileManager.default.contents(atPath: database) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path) == ["ledger.sqlite"])
    }

    @Test("demo refuses a ledger it did not make, and writes nothing to it")
    func demoRefusesRealLedger() throws {
        let folder = try ScratchFolder("opening")
        let database = try FaultCLITests.makeLedger(in: folder)
        let rows = try FaultCLITests.rows(database)
        let result = try CLI.run(["demo", "--db", database])
        #expect(result.status == 4, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("error: not_a_demo_ledger: "), "\(result.stderr)")
        #expect(try FaultCLITests.rows(database) == rows)
    }
}
