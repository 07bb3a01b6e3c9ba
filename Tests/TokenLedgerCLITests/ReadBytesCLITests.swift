import Foundation
import Testing

/// Reads leave the file as it was: a command that only reads (when no charge waits to be folded)
/// and a write that a rule refuses leave every byte of the ledger file unchanged, the header's
/// change counter and schema cookie included.
@Suite("Reads leave the file as it was")
struct ReadBytesCLITests {
    /// The commands that read, and the writes that are refused, with their exit codes.
    static let commands: [(arguments: [String], status: Int32)] = [
        (["balance", "acme", "--at", "2026-01-04"], 0),
        (["balance", "acme", "--at", "2026-01-03T10:30:00Z", "--format", "json"], 0),
        (["verify"], 0),
        (["account", "list"], 0),
        (["account", "show", "acme"], 0),
        (["report", "monthly", "--month", "2026-01", "--by", "model,day"], 0),
        (["statement", "acme", "--month", "2026-01", "--at", "2026-01-20"], 0),
        (["charges", "list", "--account", "acme", "--sort", "cost"], 0),
        (["charges", "show", "req-1"], 0),
        (["journal", "acme", "--from", "2026-01-03"], 0),
        (["prices", "list", "--model", "gpt-4o"], 0),
        (["purchase", "acme", "4.99", "--at", "2026-01-05"], 2),
        (["charge", "acme", "--model", "no-such-model", "--input", "1", "--output", "1", "--at", "2026-01-05"], 2),
        (["account", "create", "acme", "--at", "2026-01-05"], 2),
        (["charges", "show", "nope"], 2),
    ]

    @Test("read-only commands and refused writes leave the ledger's bytes as they were")
    func unchanged() throws {
        let folder = try ScratchFolder("read-bytes")
        let database = folder.path("ledger.sqlite")
        try CLI.succeed(["init"], database: database)
        try CLI.succeed(["account", "create", "acme", "--at", "2026-01-01"], database: database)
        try CLI.succeed(["purchase", "acme", "20", "--at", "2026-01-02", "--id", "pay-1"], database: database)
        try CLI.succeed(["grant", "acme", "5", "--at", "2026-01-02", "--expires-at", "2099-01-01", "--id", "welcome"], database: database)
        try CLI.succeed(
            ["charge", "acme", "--model", "gpt-4o", "--input", "1200", "--output", "300", "--id", "req-1", "--at", "2026-01-03T10:00:00Z"], database: database)
        for (arguments, status) in Self.commands {
            let before = try #require(FileManager.default.contents(atPath: database))
            let result = try CLI.run(arguments + ["--db", database])
            #expect(result.status == status, "tokenledger \(arguments.joined(separator: " ")): \(result.stderr)")
            let after = try #require(FileManager.default.contents(atPath: database))
            #expect(after == before, "tokenledger \(arguments.joined(separator: " ")) changed the file")
            #expect(after.prefix(100) == before.prefix(100), "tokenledger \(arguments.joined(separator: " ")) changed the header")
        }
    }
}
