import Foundation
import Testing

/// `import usage` through the built binary, on small files written by the test, compared with
/// `Expected/import-usage.txt`; and its exit codes.
@Suite("CLI: import usage")
struct ImportCLITests {
    static let files: [(String, String)] = [
        (
            "usage.csv",
            """
            time,model,input_tokens,cached_tokens,output_tokens,project,user\r
            2026-01-05T10:00:00Z,gpt-4o,1200,200,300,"search, beta",u-1\r
            2026-01-05T11:00:00Z,gpt-4o-mini,5000,0,700,support,u-2\r
            2026-01-05T11:00:00Z,gpt-4o-mini,5000,0,700,support,u-2
            """
        ),
        ("bad.csv", "time,model,input_tokens,cached_tokens,output_tokens\n2026-01-06,gpt-4o,10,0,1\n2026-01-06,gpt-4o,12.5,0,1\n"),
        (
            "unknown.csv",
            "time,model,input_tokens,cached_tokens,output_tokens\n2026-01-06,gpt-4o,10,0,1\n2026-01-06,gpt-9-ultra,10,0,1\n2026-01-06,gpt-4o,10,20,1\n"
        ),
        ("renamed.csv", "ts,model,prompt,cached_tokens,output_tokens,request_id\n2026-01-07T09:30:00Z,gpt-4o,100,0,10,req-42\n"),
        (
            "trace.jsonl",
            """
            {"timestamp": 0, "input_length": 2000, "output_length": 10, "hash_ids": [1, 2, 3, 4]}
            {"timestamp": 1000, "input_length": 1500, "output_length": 11, "hash_ids": [1, 2, 5]}
            {"timestamp": 2500, "input_length": 700, "output_length": 12, "hash_ids": [1, 2, 3]}

            """
        ),
        (
            "azure.csv",
            """
            TIMESTAMP,ContextTokens,GeneratedTokens\r
            2023-11-16 18:15:46.6805900,374,44\r
            2023-11-16 18:15:50.9951690,396,109\r
            2023-11-16 18:15:51.2224670,879,55
            """
        ),
        (
            "usage-api.json",
            """
            {"object": "page", "data": [{"object": "bucket", "start_time": 1767830400, "end_time": 1767916800, "results": [
                {"input_tokens": 59200, "input_cached_tokens": 1000, "output_tokens": 800, "num_model_requests": 40, "project_id": "proj_a", "batch": true},
                {"input_tokens": 100, "input_cached_tokens": 0, "input_cache_write_tokens": 50, "output_tokens": 10, "num_model_requests": 2, "service_tier": "flex", "new_field": 1}
            ]}], "has_more": false, "next_page": null}
            """
        ),
        (
            "export.csv",
            """
            start_time,end_time,project_id,model,batch,input_tokens,input_cached_tokens,output_tokens,num_model_requests
            1767916800,1768003200,proj_a,gpt-4o-mini,FALSE,59200.0,,800.0,40.0
            1767916800,1768003200,,,,,,,
            """
        ),
        (
            "responses.jsonl",
            """
            {"id":"chatcmpl-1","object":"chat.completion","created":1768060800,"model":"gpt-4o","service_tier":"default","usage":{"prompt_tokens":19,"completion_tokens":10,"prompt_tokens_details":{"cached_tokens":0}}}
            {"id":"resp_1","object":"response","created_at":1768060860,"model":"gpt-4o","usage":{"input_tokens":8438,"input_tokens_details":{"cached_tokens":4096,"cache_write_tokens":0},"output_tokens":398}}
            """
        ),
        (
            "bodies.jsonl",
            """
            {"id":"msg_1","type":"message","model":"gpt-4o-mini","usage":{"input_tokens":100,"cache_creation_input_tokens":0,"cache_read_input_tokens":2000,"output_tokens":50,"service_tier":"standard"}}
            {"usageMetadata":{"promptTokenCount":1300,"cachedContentTokenCount":1024,"candidatesTokenCount":50,"thoughtsTokenCount":200,"totalTokenCount":1550},"modelVersion":"gpt-4o-mini","responseId":"g-1"}
            {"usage":{"inputTokens":20,"outputTokens":40,"totalTokens":60},"metrics":{"latencyMs":812}}
            {"id":"co-1","usage":{"billed_units":{"input_tokens":120,"output_tokens":30},"tokens":{"input_tokens":400,"output_tokens":31}}}
            {"id":"chatcmpl-g1","object":"chat.completion","created":1768060800,"model":"gpt-4o","usage":{"queue_time":0.01,"prompt_tokens":100,"completion_tokens":20,"total_tokens":120},"x_groq":{"id":"req_1"}}
            """
        ),
    ]

    static let commands = [
        "init",
        "account create acme --at 2026-01-01",
        "purchase acme 20 --at 2026-01-01 --id pay-1",
        "import usage $TMP/usage.csv --account acme --input-format csv",
        "import usage $TMP/usage.csv --account acme --format csv --format json",
        "import usage $TMP/usage.csv --account acme --format csv",
        "import usage $TMP/usage.csv --account acme --input-format csv --format csv",
        "import usage $TMP/bad.csv --account acme --input-format csv",
        "import usage $TMP/bad.csv --account acme --input-format csv --format json",
        "import usage $TMP/unknown.csv --account acme --input-format csv",
        "import usage $TMP/unknown.csv --account acme --input-format csv --skip-bad",
        "import usage $TMP/unknown.csv --account acme --input-format csv --skip-bad --format json",
        "import usage $TMP/missing.csv --account acme --input-format csv",
        "import usage $TMP/usage.csv --account nobody --input-format csv",
        "import usage $TMP/usage.csv --account acme",
        "import usage $TMP/usage.csv --account acme --input-format csv --time-scale 0",
        "import usage $TMP/renamed.csv --account acme --input-format csv --map ts=time,prompt=input_tokens",
        "import usage $TMP/trace.jsonl --account acme --input-format mooncake-trace --model gpt-4o-mini",
        "import usage $TMP/trace.jsonl --account acme --input-format mooncake-trace --model gpt-4o-mini --start 2026-01-08 --time-scale 2.5 --format csv",
        "import usage $TMP/azure.csv --account acme --input-format azure-trace --model gpt-4o-mini --start 2026-01-09 --time-scale 720",
        "import usage $TMP/azure.csv --account acme --input-format azure-trace",
        "import usage $TMP/usage-api.json --account acme --input-format openai-usage-api --model gpt-4o",
        "import usage $TMP/export.csv --account acme --input-format openai-usage-export --format json",
        "import usage $TMP/responses.jsonl --account acme --input-format openai-jsonl",
        "import usage $TMP/bodies.jsonl --account acme --input-format auto --model gpt-4o-mini",
        "import usage $TMP/bodies.jsonl --account acme --input-format auto --model gpt-4o-mini --start 2026-01-20 --format json",
        "import usage $TMP/bodies.jsonl --account acme --input-format auto --model gpt-4o-mini --start 2026-01-20",
        "balance acme --at 2026-02-01",
        "verify",
    ]

    /// A fresh folder with the files written, and the ledger path in it.
    static func setUp() throws -> (folder: URL, database: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, text) in files { try Data(text.utf8).write(to: folder.appendingPathComponent(name)) }
        return (folder, folder.appendingPathComponent("ledger.sqlite").path)
    }

    @Test("transcript: every format, re-import, bad rows, refusals, --skip-bad, --map, time placement")
    func transcript() throws {
        let (folder, database) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        try CLI.compare(try CLI.transcript(Self.commands, folder: folder, database: database), withExpected: "import-usage")
    }

    /// A failing import and what it must say.
    struct Failing: Sendable, CustomTestStringConvertible {
        var why: String
        var file: String
        var status: Int32
        var message: String
        var testDescription: String { why }
    }

    static let failing: [Failing] = [
        Failing(why: "a malformed row", file: "bad.csv", status: 1, message: "error: bad_input: $TMP/bad.csv:3 (input_tokens): '12.5' is not a whole number"),
        Failing(
            why: "an unknown model", file: "unknown.csv", status: 2,
            message: "error: unknown_model: $TMP/unknown.csv:3 (model): no prices for the model 'gpt-9-ultra' (see `tokenledger prices list`)"),
        Failing(why: "a missing file", file: "missing.csv", status: 1, message: "error: bad_input: $TMP/missing.csv: no such file"),
    ]

    @Test("a failing import exits 1 (bad input) or 2 (refused), names file, line and field, and writes nothing", arguments: failing)
    func exitCodes(_ failing: Failing) throws {
        let (folder, database) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try CLI.run(["init", "--db", database]).status == 0)
        #expect(try CLI.run(["account", "create", "acme", "--at", "2026-01-01", "--db", database]).status == 0)
        // What the books hold (every open of a ledger rewrites its header, so the file's bytes can't tell).
        func books() throws -> String {
            try CLI.run(["balance", "acme", "--at", "2026-02-01", "--format", "json", "--db", database]).stdout
                + CLI.run(["verify", "--format", "json", "--db", database]).stdout
        }
        let before = try books()
        let result = try CLI.run([
            "import", "usage", folder.appendingPathComponent(failing.file).path, "--account", "acme", "--input-format", "csv", "--db", database,
        ])
        #expect(result.status == failing.status)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.replacingOccurrences(of: folder.path, with: "$TMP") == failing.message + "\n")
        #expect(try books() == before)
        #expect(before.contains("\"charges\": 0"))
    }

    @Test("import usage has help text naming the formats")
    func help() throws {
        let result = try CLI.run(["import", "usage", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: tokenledger import usage"))
        for format in ["openai-jsonl", "azure-trace", "mooncake-trace", "openai-usage-api", "openai-usage-export", "--skip-bad", "--time-scale"] {
            #expect(result.stdout.contains(format), "\(format)")
        }
    }
}
