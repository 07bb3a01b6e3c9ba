import Foundation

// What the test targets share: the PostgreSQL server their tests run against.

/// The PostgreSQL server the PostgreSQL store's tests use: `$TOKENLEDGER_TEST_POSTGRES` (a URL,
/// set by `.ci/run`, which starts one), else a server this test process starts with
/// `scripts/postgres-server` in a temporary folder and stops when it exits. Either way a real
/// server: a test that cannot reach one fails, it never skips.
public enum PostgresTestServer {
    /// The server's URL (its maintenance database), or why there is none: found or started
    /// once, by the first test that asks (under a lock, not in a static's initializer, where
    /// Foundation's `Process` never sees its child exit).
    public static var base: Result<String, PostgresServerUnavailable> {
        lock.lock()
        defer { lock.unlock() }
        if let found { return found }
        let result: Result<String, PostgresServerUnavailable>
        if let given = ProcessInfo.processInfo.environment["TOKENLEDGER_TEST_POSTGRES"], !given.isEmpty {
            result = .success(given)
        } else {
            result = startOwnServer()
        }
        found = result
        return result
    }
    private static let lock = NSLock()
    nonisolated(unsafe) private static var found: Result<String, PostgresServerUnavailable>?

    /// A new, empty database on the server, for one test (made by `psql`); returns its URL.
    public static func freshDatabase() throws -> String {
        let url = try base.get()
        let name = "tl_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let made = run(psqlPath, [url, "--quiet", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "-c", "CREATE DATABASE \(name)"])
        guard made.status == 0 else {
            throw PostgresServerUnavailable(reason: "psql could not create a database (\(made.status)): \(made.errors)")
        }
        return replacingDatabase(of: url, with: name)
    }

    /// PostgreSQL's client, `psql`, from PATH.
    static var psqlPath: String {
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init) + ["/usr/bin"]
        return folders.map { $0 + "/psql" }.first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/psql"
    }

    /// `url` naming the database `name` instead.
    public static func replacingDatabase(of url: String, with name: String) -> String {
        var components = URLComponents(string: url)!
        components.path = "/" + name
        return components.string!
    }

    private static func startOwnServer() -> Result<String, PostgresServerUnavailable> {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-pg-\(getpid())").path
        let started = run(scriptPath, ["start", folder])
        let url = started.output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard started.status == 0, !url.isEmpty else {
            return .failure(PostgresServerUnavailable(reason: "scripts/postgres-server start failed (\(started.status)): \(started.errors)"))
        }
        ownServerFolder = folder
        atexit {
            guard let folder = PostgresTestServer.ownServerFolder else { return }
            _ = PostgresTestServer.run(PostgresTestServer.scriptPath, ["stop", folder])
            try? FileManager.default.removeItem(atPath: folder)
        }
        return .success(url)
    }

    /// Runs a program to its end: its exit status and what it wrote. By posix_spawn and waitpid:
    /// in this test process Foundation's `Process` never sees a child exit (it stays a zombie).
    public static func run(_ program: String, _ arguments: [String]) -> (status: Int32, output: String, errors: String) {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-run-\(UUID().uuidString)").path
        let outputPath = scratch + ".out", errorsPath = scratch + ".err"
        defer {
            try? FileManager.default.removeItem(atPath: outputPath)
            try? FileManager.default.removeItem(atPath: errorsPath)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errorsPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, program, &actions, nil, argv, environ)
        guard spawned == 0 else { return (-1, "", "cannot run \(program): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let errors = (try? String(contentsOfFile: errorsPath, encoding: .utf8)) ?? ""
        // Exited normally: its exit code; killed: 128 + the signal, as a shell says.
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (code, output, errors)
    }

    nonisolated(unsafe) static var ownServerFolder: String?
    public static let scriptPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/postgres-server").path
}

public struct PostgresServerUnavailable: Error, CustomStringConvertible {
    public var reason: String
    public var description: String {
        "no PostgreSQL server for the tests (set TOKENLEDGER_TEST_POSTGRES to a server's URL, or install PostgreSQL: "
            + "apt-get install -y postgresql): \(reason)"
    }
}

/// Runs `body` on a thread of its own, waiting for it without holding one of Swift concurrency's
/// threads (as many as the machine has cores: two here): for a long test that blocks (on a
/// database or a process), so that the async tests running beside it (an HTTP server and its
/// clients) are not starved of threads.
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}
