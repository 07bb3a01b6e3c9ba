import Foundation
import Testing

/// The files a command writes on request (`--html`, `--chart`): never the ledger, its `-wal` or
/// `-shm`, a directory or a special file; written whole to a temporary file and renamed.
@Suite("CLI: output files")
struct OutputFileCLITests {
    /// A ledger with an account, a purchase, a grant that expires in February and a charge.
    static func makeLedger(in folder: ScratchFolder) throws -> String {
        let database = try FaultCLITests.makeLedger(in: folder, name: "books.sqlite")
        try CLI.succeed(["grant", "acme", "5", "--expires-at", "2026-02-01", "--at", "2026-01-02", "--id", "g-1"], database: database)
        try CLI.succeed(["charge", "acme", "--model", "gpt-4o", "--input", "1000", "--output", "100", "--at", "2026-01-03", "--id", "c-1"], database: database)
        return database
    }

    /// Runs the command, expects exit 1 with `words` in the message, and every ledger file as it was.
    static func expectRefused(_ arguments: [String], database: String, words: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let files = ["", "-wal", "-shm"].map { database + $0 }
        let before = files.map { FileManager.default.contents(atPath: $0) }
        let result = try CLI.run(arguments + ["--db", database])
        #expect(result.status == 1, "\(arguments.joined(separator: " ")): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(words), "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, sourceLocation: sourceLocation)
        #expect(files.map { FileManager.default.contents(atPath: $0) } == before, "a ledger file changed", sourceLocation: sourceLocation)
    }

    @Test("--html and --chart naming the ledger, its -wal or -shm (by any path, or a link to it) are refused before anything is written")
    func theLedgerIsNeverAnOutput() throws {
        let folder = try ScratchFolder("outputs")
        let database = try Self.makeLedger(in: folder)
        // Keep the write-ahead log and shared memory files in place, as a running gateway would.
        try FileManager.default.createDirectory(atPath: folder.path("sub"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: folder.path("link.svg"), withDestinationPath: database)
        try FileManager.default.linkItem(atPath: database, toPath: folder.path("hard.html"))
        let statement = ["statement", "acme", "--month", "2026-01", "--at", "2026-03-01"]
        let report = ["report", "monthly", "--month", "2026-01"]
        try Self.expectRefused(statement + ["--html", database], database: database, words: "is the ledger")
        try Self.expectRefused(report + ["--html", database], database: database, words: "is the ledger")
        try Self.expectRefused(report + ["--html", folder.path("sub/../books.sqlite")], database: database, words: "is the ledger")
        try Self.expectRefused(statement + ["--html", database + "-wal"], database: database, words: "is the ledger's -wal file")
        try Self.expectRefused(report + ["--html", database + "-shm"], database: database, words: "is the ledger's -shm file")
        try Self.expectRefused(statement + ["--chart", folder.path("link.svg")], database: database, words: "is the ledger")
        try Self.expectRefused(report + ["--html", folder.path("hard.html")], database: database, words: "is the ledger")
        try Self.expectRefused(report + ["--html", folder.path("sub")], database: database, words: "is a directory")
        try Self.expectRefused(report + ["--html", "/dev/null"], database: database, words: "is not a regular file")
        // A statement at March writes off the grant that expired in February first; refused, it
        // wrote nothing (the files' bytes above), and the books are whole.
        #expect(try CLI.succeed(["verify"], database: database).contains("OK"))
    }

    @Test("an output is replaced whole by a rename, never truncated in place; its permissions are kept")
    func replacedByRename() throws {
        let folder = try ScratchFolder("outputs")
        let database = try Self.makeLedger(in: folder)
        let page = try folder.write("page.html", "old page")
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: page)
        // A second name for the old file: a write in place would change it too.
        try FileManager.default.linkItem(atPath: page, toPath: folder.path("old.html"))
        try CLI.succeed(["report", "monthly", "--month", "2026-01", "--html", page, "--chart", folder.path("daily.svg")], database: database)
        let written = try String(contentsOfFile: page, encoding: .utf8)
        #expect(written.hasPrefix("<!DOCTYPE html>"))
        #expect(try String(contentsOfFile: folder.path("old.html"), encoding: .utf8) == "old page")
        #expect(try String(contentsOfFile: folder.path("daily.svg"), encoding: .utf8).hasPrefix("<?xml"))
        #expect((try FileManager.default.attributesOfItem(atPath: page)[.posixPermissions] as? NSNumber)?.intValue == 0o640)
        // Nothing is left behind: the folder holds the ledger's files and the outputs only.
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.url.path).filter { !$0.hasPrefix("books.sqlite") }.sorted()
        #expect(names == ["daily.svg", "old.html", "page.html"])
    }
}
