import Foundation
import Testing

/// How the command line is parsed: the global options wherever they stand, the input format as
/// `--input-format` and its deprecated spelling (`--format` twice), negative numbers that reach
/// the rules that refuse them, and amounts whose bad values name their option.
@Suite("CLI: parsing")
struct ParsingCLITests {
    /// A fresh folder with a ledger (`acme` with $20), a usage CSV and a price catalog.
    final class Fixture {
        let folder: URL
        let database: String

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-parsing-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            database = folder.appendingPathComponent("ledger.sqlite").path
            try Data(ImportCLITests.files.first { $0.0 == "usage.csv" }!.1.utf8).write(to: folder.appendingPathComponent("usage.csv"))
            try Data(Self.catalog.utf8).write(to: folder.appendingPathComponent("catalog.json"))
            for command in [["init"], ["account", "create", "acme", "--at", "2026-01-01"], ["purchase", "acme", "20", "--at", "2026-01-01", "--id", "pay-1"]] {
                let result = try CLI.run(command + ["--db", database])
                #expect(result.status == 0, "\(command): \(result.stderr)")
            }
        }

        deinit { try? FileManager.default.removeItem(at: folder) }

        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

        /// Runs the binary with `--db` on this ledger.
        func run(_ arguments: [String]) throws -> CLI.Result { try CLI.run(arguments + ["--db", database]) }

        static let catalog = """
            {"acme-llm": {"input_cost_per_token": 0.000001, "output_cost_per_token": 0.000004, "litellm_provider": "openai", "mode": "chat"}}
            """
    }

    @Test("--input-format names the file's format; --format the output's; no warning")
    func inputFormat() throws {
        let fixture = try Fixture()
        let usage = try fixture.run(["import", "usage", fixture.path("usage.csv"), "--account", "acme", "--input-format", "csv", "--format", "json"])
        #expect(usage.status == 0, "\(usage.stderr)")
        #expect(usage.stdout.hasPrefix("{"))
        #expect(usage.stdout.contains("\"format\": \"csv\""))
        #expect(usage.stderr.isEmpty)
        let table = try fixture.run(["import", "usage", fixture.path("usage.csv"), "--account", "acme", "--input-format", "csv", "--format", "csv"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.hasPrefix("file,format,account,"))
        let catalog = try fixture.run(["prices", "diff", fixture.path("catalog.json"), "--input-format", "litellm", "--format", "json"])
        #expect(catalog.status == 0, "\(catalog.stderr)")
        #expect(catalog.stdout.contains("\"new_count\": 1"))
        #expect(catalog.stderr.isEmpty)
    }

    @Test("--format given twice still works: the first names the input format, with a deprecation warning")
    func deprecatedDoubleFormat() throws {
        let fixture = try Fixture()
        let usage = try fixture.run(["import", "usage", fixture.path("usage.csv"), "--account", "acme", "--format", "csv", "--format", "json"])
        #expect(usage.status == 0, "\(usage.stderr)")
        #expect(usage.stdout.contains("\"format\": \"csv\""))
        #expect(usage.stderr.contains("deprecated") && usage.stderr.contains("--input-format csv"))
        let catalog = try fixture.run(["prices", "import", fixture.path("catalog.json"), "--format", "litellm", "--format", "json"])
        #expect(catalog.status == 0, "\(catalog.stderr)")
        #expect(catalog.stdout.contains("\"added_count\": 1"))
        #expect(catalog.stderr.contains("deprecated") && catalog.stderr.contains("--input-format litellm"))
    }

    @Test("--format naming an input format is refused by a command that reads no file")
    func formatNamingNoOutput() throws {
        let fixture = try Fixture()
        for formats in [["--format", "litellm"], ["--format", "csv", "--format", "json"]] {
            let result = try fixture.run(["balance", "acme"] + formats)
            #expect(result.status == 1)
            #expect(result.stderr.contains("--format"), "\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }

    @Test(
        "a negative number reaches the rules, which refuse it (not 'Missing value')",
        arguments: [
            (["charge", "acme", "--model", "gpt-4o", "--input", "-1", "--output", "3"], "invalid_usage"),
            (["charge", "acme", "--model", "gpt-4o", "--input", "10", "--output", "-3"], "invalid_usage"),
            (["reserve", "acme", "--model", "gpt-4o", "--input", "-1", "--max-output", "3"], "invalid_usage"),
            (["prices", "set", "bad", "--input", "-1", "--output", "1"], "invalid_price"),
            (["account", "create", "b", "--overdraft", "-1"], "invalid_overdraft"),
            (["purchase", "acme", "-5"], "amount_not_positive"),
            (["purchase", "acme", "-5", "--at", "2026-01-02", "--id", "pay-neg"], "amount_not_positive"),
            (["grant", "acme", "-$5.50"], "amount_not_positive"),
        ])
    func negativeNumbers(_ arguments: [String], code: String) throws {
        let fixture = try Fixture()
        let result = try fixture.run(arguments)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("error: \(code): "), "\(result.stderr)")
        #expect(!result.stderr.contains("Missing value"))
        #expect(!result.stderr.contains("Missing expected argument"))
    }

    @Test(
        "an amount that is not one names its option",
        arguments: [
            (["account", "create", "b", "--overdraft", "ten"], "--overdraft"),
            (["limit", "acme", "--soft", "1.0000000001"], "--soft"),
            (["prices", "set", "m", "--input", "$1.2.3", "--output", "1"], "--input"),
            (["recharge", "acme", "--threshold", "5", "--restore-to", "lots"], "--restore-to"),
        ])
    func badAmount(_ arguments: [String], option: String) throws {
        let fixture = try Fixture()
        let result = try fixture.run(arguments)
        #expect(result.status == 1, "\(result.stderr)")
        let value = arguments[arguments.firstIndex(of: option)! + 1]
        #expect(result.stderr.contains("The value '\(value)' is invalid for '\(option) <"), "\(result.stderr)")
    }

    @Test("the global options may stand before the command, between a group and its command, or after it")
    func globalOptionsAnywhere() throws {
        let fixture = try Fixture()
        let after = try CLI.run(["balance", "acme", "--at", "2026-01-02", "--db", fixture.database, "--format", "json"])
        let before = try CLI.run(["--db", fixture.database, "--format", "json", "balance", "acme", "--at", "2026-01-02"])
        let mixed = try CLI.run(["--format=json", "balance", "--db=\(fixture.database)", "acme", "--at", "2026-01-02"])
        #expect(after.status == 0, "\(after.stderr)")
        #expect(after.stdout.contains("\"balance_usd\": \"20.000000000\""))
        #expect(before.stdout == after.stdout && before.status == 0)
        #expect(mixed.stdout == after.stdout && mixed.status == 0)
        let nested = try CLI.run(["account", "--db", fixture.database, "list", "--format", "csv"])
        #expect(nested.status == 0, "\(nested.stderr)")
        #expect(nested.stdout.hasPrefix("account,balance_usd,"))
        let created = fixture.path("created.sqlite")
        let create = try CLI.run(["--create", "--db", created, "account", "list"])
        #expect(create.status == 0, "\(create.stderr)")
        #expect(FileManager.default.fileExists(atPath: created))
    }
}
