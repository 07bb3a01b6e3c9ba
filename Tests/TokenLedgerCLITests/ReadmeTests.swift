import Foundation
import Testing
import TokenLedgerTestSupport

/// The README's examples, run: every ```` ```console ```` block of `README.md` is a session a
/// reader could type. Each block runs in a fresh temporary folder (the working directory, so the
/// default `./tokenledger.sqlite` is the block's own), its `$ ` lines through `/bin/sh` with the
/// built `tokenledger` first on `PATH`, and what each prints (standard output and error together)
/// must be the lines that follow it in the README, up to the next `$ ` line.
///
/// The block's conventions, kept few so that the README reads as a terminal would show it:
/// - a last expected line `...` means "and more": the output must begin with the lines above it;
/// - a command must exit 0, unless its line ends with a comment naming its code (`# exit 2`);
/// - an HTML comment right above the block, `<!-- setup: COMMAND; COMMAND -->`, runs commands
///   first that the reader has seen earlier in the README (the walkthrough's account, say), with
///   `$REPO` the repository's folder for the files a block reads (`cp "$REPO/Tests/…" usage.csv`);
///   the setup `BOOKS=postgres` gives the block `$BOOKS`, the URL of a new, empty PostgreSQL
///   database on the tests' server (`PostgresTestServer`).
@Suite("README examples")
struct ReadmeTests {
    struct Example: CustomStringConvertible, Sendable {
        /// The README's line of the block's opening fence.
        var line: Int
        var setup: [String]
        var steps: [Step]
        var description: String { "README.md line \(line)" }
    }

    struct Step: Sendable {
        var line: Int
        var command: String
        var expected: [String]
        var expectedStatus: Int32
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let examples: [Example] = {
        guard let text = try? String(contentsOf: repository.appendingPathComponent("README.md"), encoding: .utf8) else { return [] }
        return parse(text)
    }()

    /// The console blocks of `text`, with their setup comments.
    static func parse(_ text: String) -> [Example] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var examples: [Example] = []
        var index = 0
        while index < lines.count {
            guard lines[index] == "```console" else {
                index += 1
                continue
            }
            let opening = index
            var setup: [String] = []
            if opening > 0, let comment = setupComment(lines[opening - 1]) { setup = comment }
            var steps: [Step] = []
            index += 1
            while index < lines.count, lines[index] != "```" {
                let line = lines[index]
                if line.hasPrefix("$ ") {
                    let command = String(line.dropFirst(2))
                    steps.append(Step(line: index + 1, command: command, expected: [], expectedStatus: expectedStatus(command)))
                } else if !steps.isEmpty {
                    steps[steps.count - 1].expected.append(line)
                }
                index += 1
            }
            for step in steps.indices {
                while steps[step].expected.last == "" { steps[step].expected.removeLast() }
            }
            examples.append(Example(line: opening + 1, setup: setup, steps: steps))
            index += 1
        }
        return examples
    }

    /// `<!-- setup: A; B -->` → `[A, B]`.
    static func setupComment(_ line: String) -> [String]? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("<!-- setup:"), trimmed.hasSuffix("-->") else { return nil }
        let body = trimmed.dropFirst("<!-- setup:".count).dropLast("-->".count)
        return body.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The code a command line's trailing `# exit N` names, else 0.
    static func expectedStatus(_ command: String) -> Int32 {
        guard let range = command.range(of: "# exit ", options: .backwards) else { return 0 }
        return Int32(command[range.upperBound...].prefix { $0.isNumber }) ?? 0
    }

    @Test("the README has console examples, each with commands")
    func found() {
        #expect(Self.examples.count >= 5)
        for example in Self.examples { #expect(!example.steps.isEmpty, "\(example) has no $ line") }
    }

    @Test("a README example prints what the README shows", arguments: examples)
    func example(_ example: Example) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-readme-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var environment: [String: String] = [:]
        for command in example.setup {
            if command == "BOOKS=postgres" {
                environment["BOOKS"] = try PostgresTestServer.freshDatabase()
                continue
            }
            let result = try Self.shell(command, in: folder, environment: environment)
            try #require(result.status == 0, "\(example): setup '\(command)' exited \(result.status): \(result.output)")
        }
        for step in example.steps {
            let result = try Self.shell(step.command, in: folder, environment: environment)
            let location = "README.md line \(step.line): $ \(step.command)"
            #expect(result.status == step.expectedStatus, "\(location) exited \(result.status), not \(step.expectedStatus): \(result.output)")
            var actual = result.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            while actual.last == "" { actual.removeLast() }
            var expected = step.expected
            if expected.last == "..." {
                expected.removeLast()
                actual = Array(actual.prefix(expected.count))
            }
            if actual != expected {
                let first = zip(expected, actual).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(expected.count, actual.count)
                Issue.record(
                    """
                    \(location) printed something else, first at its line \(first + 1):
                    README:  \(first < expected.count ? expected[first] : "(nothing)")
                    printed: \(first < actual.count ? actual[first] : "(nothing)")
                    whole output:
                    \(actual.joined(separator: "\n"))
                    """)
            }
        }
    }

    /// Runs `command` with `/bin/sh -c` in `folder`, the built binary first on `PATH`; standard
    /// output and error together, as a terminal shows them.
    static func shell(_ command: String, in folder: URL, environment added: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exec 2>&1; " + command]
        process.currentDirectoryURL = folder
        var environment = ProcessInfo.processInfo.environment
        environment["TOKENLEDGER_DB"] = nil
        environment["PATH"] = CLI.executable.deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment["REPO"] = repository.path
        environment["COLUMNS"] = nil
        environment.merge(added) { $1 }
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
