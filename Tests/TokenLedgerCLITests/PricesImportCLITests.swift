import Foundation
import Testing

/// `prices import` and `prices diff` through the built binary, on small catalogs written by
/// the test, compared with `Expected/prices-import.txt`.
@Suite("CLI: prices import and diff")
struct PricesImportCLITests {
    /// A LiteLLM-shaped catalog: documentation, gpt-4o as the default price book has it, a model
    /// with a long-context band and a price finer than 1e-15 USD, and an image model.
    static let catalog = """
        {
            "sample_spec": {
                "input_cost_per_token": 0.0,
                "litellm_provider": "one of https://docs.litellm.ai/docs/providers",
                "max_input_tokens": "max input tokens, if the provider specifies it",
                "output_cost_per_token": 0.0
            },
            "gpt-4o": {
                "cache_read_input_token_cost": 1.25e-06,
                "cache_read_input_token_cost_priority": 2.125e-06,
                "input_cost_per_token": 2.5e-06,
                "input_cost_per_token_batches": 1.25e-06,
                "input_cost_per_token_priority": 4.25e-06,
                "litellm_provider": "openai",
                "max_input_tokens": 128000,
                "max_output_tokens": 16384,
                "mode": "chat",
                "output_cost_per_token": 1e-05,
                "output_cost_per_token_batches": 5e-06,
                "output_cost_per_token_priority": 1.7e-05
            },
            "acme-llm": {
                "input_cost_per_token": 1.6666666666666667e-07,
                "input_cost_per_token_above_200k_tokens": 3e-07,
                "max_input_tokens": 1000000,
                "max_output_tokens": 32768,
                "mode": "chat",
                "output_cost_per_token": 6e-07,
                "output_cost_per_token_above_200k_tokens": 1.2e-06
            },
            "dall-e-3": {
                "mode": "image_generation",
                "output_cost_per_image": 0.04
            }
        }
        """

    /// The next catalog: acme-llm's input price rises, a flex price appears, beta-llm is new.
    static let catalogV2 =
        catalog
        .replacingOccurrences(
            of: "\"input_cost_per_token\": 1.6666666666666667e-07,", with: "\"input_cost_per_token\": 2e-07,\n        \"input_cost_per_token_flex\": 1e-07,"
        )
        .replacingOccurrences(
            of: "    \"dall-e-3\": {",
            with: """
                    "beta-llm": {
                        "cache_read_input_token_cost": 5e-08,
                        "input_cost_per_token": 4e-07,
                        "input_cost_per_token_priority": 8e-07,
                        "output_cost_per_token": 1.6e-06,
                        "output_cost_per_token_priority": 3.2e-06
                    },
                    "dall-e-3": {
                """)

    /// Different prices for acme-llm, for a time that already has an entry.
    static let conflicting = catalog.replacingOccurrences(of: "\"output_cost_per_token\": 6e-07,", with: "\"output_cost_per_token\": 7e-07,")

    /// Line 4 lacks its comma.
    static let bad = "{\n    \"m\": {\n        \"input_cost_per_token\": 1e-06\n        \"output_cost_per_token\": 2e-06\n    }\n}\n"

    /// A genai-prices catalog: a provider with a tiered model and a dated price change, and a
    /// reseller that prices the same model.
    static let genaiPrices = """
        [
          {"id": "acme", "name": "Acme", "model_match": {"starts_with": "acme-"}, "models": [
            {"id": "acme-pro", "match": {"equals": "acme-pro"}, "context_window": 1000000,
             "prices": {"input_mtok": {"base": 1.25, "tiers": [{"start": 200000, "price": 2.5}]}, "cache_read_mtok": 0.125,
                        "output_mtok": {"base": 10, "tiers": [{"start": 200000, "price": 15}]}}},
            {"id": "acme-mini", "match": {"equals": "acme-mini"}, "prices": [
              {"prices": {"input_mtok": 0.3, "output_mtok": 2.5}},
              {"constraint": {"start_date": "2026-06-01"}, "prices": {"input_mtok": 0.4, "output_mtok": 3}}]},
            {"id": "acme-night", "match": {"equals": "acme-night"}, "prices": [
              {"prices": {"input_mtok": 1, "output_mtok": 2}},
              {"constraint": {"start_time": "00:00:00Z", "end_time": "08:00:00Z"}, "prices": {"input_mtok": 0.5, "output_mtok": 1}}]}
          ]},
          {"id": "resell", "models": [
            {"id": "acme-pro", "match": {"equals": "acme-pro"}, "prices": {"input_mtok": 1.5, "output_mtok": 12}},
            {"id": "oops", "match": {"equals": "oops"}, "prices": {"input_mtok": -1, "output_mtok": 2}}
          ]}
        ]

        """

    static let commands = [
        "init",
        "prices diff $TMP/catalog.json --at 2026-01-01",
        "prices import $TMP/catalog.json --effective-from 2026-01-01",
        "prices import $TMP/catalog.json --effective-from 2026-02-01",
        "prices list --model acme-llm --at 2026-02-15",
        "prices diff $TMP/catalog-v2.json --at 2026-03-01",
        "prices diff $TMP/catalog-v2.json --at 2026-03-01 --format json",
        "prices diff $TMP/catalog-v2.json --at 2026-03-01 --format csv",
        "prices import $TMP/catalog-v2.json --format litellm --effective-from 2026-03-01 --format json",
        "prices import $TMP/catalog-v2.json --effective-from 2026-03-01 --format csv",
        "prices import $TMP/catalog-v2.json --input-format litellm --effective-from 2026-03-01 --format csv",
        "prices diff $TMP/catalog-v2.json --format litellm --at 2026-03-01 --format csv",
        "prices list --model acme-llm --at 2026-03-15",
        "account create acme --at 2026-01-01",
        "charge acme --model acme-llm --input 100000 --output 1000 --id before --at 2026-02-28T23:59:59Z",
        "charge acme --model acme-llm --input 100000 --output 1000 --id after --at 2026-03-01",
        "charge acme --model acme-llm --input 300000 --output 1000 --id long --at 2026-03-02",
        "charge acme --model beta-llm --tier priority --input 10000 --cached 4000 --output 500 --id beta --at 2026-03-02",
        "prices import $TMP/conflicting.json --effective-from 2026-03-01",
        "prices import $TMP/bad.json",
        "prices import $TMP/bad.json --format json",
        "prices diff $TMP/bad.json",
        "prices import $TMP/missing.json",
        "prices import $TMP/catalog.json --format yaml",
        "prices import $TMP/catalog.json --input-format yaml",
        "prices import $TMP/catalog.json --format json --format csv",
        "prices import $TMP/genai.json --input-format genai-prices --effective-from 2026-04-01",
        "prices import $TMP/genai.json --input-format genai-prices --effective-from 2026-04-01 --skip-bad",
        "prices import $TMP/genai.json --input-format genai-prices --effective-from 2026-04-01 --skip-bad --provider acme --format json",
        "prices diff $TMP/genai.json --input-format genai-prices --at 2026-05-01 --provider acme",
        "prices import $TMP/genai.json --input-format genai-prices --provider nobody",
        "prices import $TMP/catalog.json --input-format genai-prices",
        "prices import $TMP/genai.json",
        "prices import $TMP/catalog.json --provider acme",
        "charge acme --model acme-pro --input 250000 --cached 50000 --output 1000 --id pro-long --at 2026-04-02",
        "charge acme --model resell/acme-pro --input 1000 --output 1000 --id resold --at 2026-04-02",
        "charge acme --model acme-mini --input 1000000 --output 100000 --id mini-may --at 2026-05-31T23:59:59Z",
        "charge acme --model acme-mini --input 1000000 --output 100000 --id mini-june --at 2026-06-01",
        "verify",
    ]

    /// Writes the catalogs into `folder`.
    static func writeCatalogs(into folder: URL) throws {
        for (name, text) in [
            ("catalog.json", catalog), ("catalog-v2.json", catalogV2), ("conflicting.json", conflicting), ("bad.json", bad), ("genai.json", genaiPrices),
        ] {
            try Data(text.utf8).write(to: folder.appendingPathComponent(name))
        }
    }

    @Test("transcript: import, re-import, diff, a price change billed by time, refusals and bad files")
    func transcript() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.writeCatalogs(into: folder)
        let database = folder.appendingPathComponent("ledger.sqlite").path
        try CLI.compare(try CLI.transcript(Self.commands, folder: folder, database: database), withExpected: "prices-import")
    }

    /// A bad catalog and what its error must name.
    struct BadFile: Sendable, CustomTestStringConvertible {
        var why: String
        var text: String?
        var place: String
        var testDescription: String { why }
    }

    static let badFiles: [BadFile] = [
        BadFile(why: "a missing comma", text: bad, place: "bad.json:4 (m.input_cost_per_token)"),
        BadFile(why: "NaN", text: "{\n  \"m\": {\n    \"input_cost_per_token\": NaN\n  }\n}", place: "bad.json:3 (m.input_cost_per_token)"),
        BadFile(why: "a truncated file", text: "{\n  \"m\": {\n    \"input_cost_per_token\": 1e-06,\n", place: "bad.json:4 (m)"),
        BadFile(why: "not an object", text: "[1, 2]", place: "bad.json:1"),
        BadFile(why: "not UTF-8", text: nil, place: "bad.json"),
        BadFile(why: "a missing file", text: "", place: "bad.json: no such file"),
    ]

    @Test("a bad catalog exits 1 naming the file, line and field, and writes nothing", arguments: badFiles)
    func badFile(_ bad: BadFile) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("ledger.sqlite").path
        let file = folder.appendingPathComponent("bad.json")
        if let text = bad.text {
            if !text.isEmpty { try Data(text.utf8).write(to: file) }
        } else {
            try Data([0x7B, 0x22, 0xE9, 0x22, 0x3A, 0x7B, 0x7D, 0x7D]).write(to: file)
        }
        #expect(try CLI.run(["init", "--db", database]).status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: database))
        for command in ["import", "diff"] {
            let result = try CLI.run(["prices", command, file.path, "--db", database])
            #expect(result.status == 1, "\(command): \(result.stderr)")
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.hasPrefix("error: bad_input: \(folder.path)/\(bad.place)"), "\(command): \(result.stderr)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: database)) == before)
    }

    @Test("import and diff have help text; a missing ledger exits 4")
    func helpAndMissingLedger() throws {
        for command in ["prices import", "prices diff"] {
            let result = try CLI.run(command.split(separator: " ").map(String.init) + ["--help"])
            #expect(result.status == 0, "help for '\(command)'")
            #expect(result.stdout.contains("USAGE: tokenledger \(command)"), "help for '\(command)'")
            #expect(result.stdout.contains("--format"), "help for '\(command)'")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.writeCatalogs(into: folder)
        let result = try CLI.run([
            "prices", "import", folder.appendingPathComponent("catalog.json").path, "--db", folder.appendingPathComponent("none.sqlite").path,
        ])
        #expect(result.status == 4)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("none.sqlite").path))
    }
}
