import Foundation
import Testing

/// `reconcile` and `export focus` through the built binary, end to end: the provider's usage
/// export imported, its cost export reconciled (exit 0), then perturbed copies (exit 3), bad
/// files (exit 1); compared with `Expected/reconcile.txt`.
@Suite("CLI: reconcile and export focus")
struct ReconcileCLITests {
    /// The shared reconciliation fixtures (`Tests/Fixtures/reconcile`).
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/reconcile")
    static let usageExport = (try? String(contentsOf: fixtures.appendingPathComponent("usage-export.csv"), encoding: .utf8)) ?? ""
    static let costExport = (try? String(contentsOf: fixtures.appendingPathComponent("cost-export.csv"), encoding: .utf8)) ?? ""
    static let costHeader = String(costExport.split(separator: "\n")[0])

    static func costs(_ lines: [String]) -> String { ([costHeader] + lines).joined(separator: "\n") + "\n" }

    static let files: [(String, String)] = [
        ("usage.csv", usageExport),
        ("costs.csv", costExport),
        // The late request billed on the 6th; a tool call on the 5th; cached input billed at the input price on the 6th.
        ("perturbed.csv", (try? String(contentsOf: fixtures.appendingPathComponent("cost-export-perturbed.csv"), encoding: .utf8)) ?? ""),
        ("bad.csv", costs(["1767571200,1767657600,0.1455.1,usd,\"gpt-4o-2024-08-06, input\",proj_a,org_1,Alpha,Org"])),
    ]

    static let commands = [
        "init",
        "account create acme --at 2026-01-01",
        "purchase acme 20 --at 2026-01-01 --id pay-1",
        "prices set gpt-4o-2024-08-06 --input 2.50 --cached 1.25 --output 10 --effective-from 2024-08-06",
        "prices set gpt-4o-mini-2024-07-18 --input 0.15 --cached 0.075 --output 0.60 --effective-from 2024-07-18",
        "import usage $TMP/usage.csv --account acme --input-format openai-usage-export",
        "reconcile --costs $TMP/costs.csv --account acme",
        "reconcile --costs $TMP/costs.csv --account acme --by line-item --format csv",
        "charge acme --model gpt-4o-2024-08-06 --input 1000 --output 100 --id req-late --at 2026-01-05T23:59:30Z",
        "reconcile --costs $TMP/perturbed.csv --account acme",
        "reconcile --costs $TMP/perturbed.csv --account acme --by line-item --usage $TMP/usage.csv",
        "reconcile --costs $TMP/perturbed.csv --account acme --format json",
        "reconcile --costs $TMP/perturbed.csv --account acme --tolerance 0.05",
        "reconcile --costs /SHARED/openai/example_response_costs.json",
        "reconcile --costs $TMP/bad.csv",
        "reconcile --costs $TMP/missing.csv",
        "reconcile --costs $TMP/costs.csv --account nobody",
        "reconcile --costs $TMP/costs.csv --tolerance=-1",
        "export focus --month 2026-01 --account acme",
        "export focus --month 2026-02",
        "export focus --month 2026-1",
    ]

    /// A fresh folder with the files written.
    static func setUp() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, text) in files { try Data(text.utf8).write(to: folder.appendingPathComponent(name)) }
        return folder
    }

    @Test("transcript: import the usage export, reconcile its cost export, perturbations, FOCUS export")
    func transcript() throws {
        let folder = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let shared = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("../shared/data").standardizedFileURL.path
        let commands = Self.commands.map { $0.replacingOccurrences(of: "/SHARED", with: shared) }
        let transcript = try CLI.transcript(commands, folder: folder, database: folder.appendingPathComponent("ledger.sqlite").path)
        try CLI.compare(transcript.replacingOccurrences(of: shared, with: "$SHARED"), withExpected: "reconcile")
    }

    @Test("exit codes: 0 when everything reconciles, 3 on mismatches, 1 for a bad file")
    func exitCodes() throws {
        let folder = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("ledger.sqlite").path
        for command in Self.commands.prefix(6) {
            let arguments = command.split(separator: " ").map { $0.replacingOccurrences(of: "$TMP", with: folder.path) } + ["--db", database]
            #expect(try CLI.run(arguments).status == 0, "\(command)")
        }
        func reconcile(_ file: String) throws -> Int32 {
            try CLI.run(["reconcile", "--costs", folder.appendingPathComponent(file).path, "--account", "acme", "--db", database]).status
        }
        #expect(try reconcile("costs.csv") == 0)
        #expect(try reconcile("perturbed.csv") == 3)
        #expect(try reconcile("bad.csv") == 1)
    }

    @Test("reconcile and export focus have help text")
    func help() throws {
        for command in [["reconcile"], ["export", "focus"]] {
            let result = try CLI.run(command + ["--help"])
            #expect(result.status == 0)
            #expect(result.stdout.contains("USAGE: tokenledger \(command.joined(separator: " "))"))
        }
        #expect(try CLI.run(["reconcile", "--help"]).stdout.contains("missing_in_ledger"))
    }
}
