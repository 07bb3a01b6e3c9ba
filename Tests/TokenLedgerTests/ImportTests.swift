import Foundation
import Testing
import TokenLedger
import TokenLedgerCore

/// Each import format reads its examples (the provider's own where there are some) and charges them.
@Suite("Usage import: formats")
struct ImportTests {
    /// The provider's example responses (Chat Completions and Responses), one per line.
    static func openAIExampleLines() throws -> [String] {
        let url = sharedData.appendingPathComponent("openai/per_request_usage_schemas_and_examples.json")
        let document = try JSONSerialization.jsonObject(with: try Data(contentsOf: url)) as! [String: Any]
        let examples = document["examples"] as! [[String: Any]]
        return try examples.compactMap { $0["response"] }.map {
            String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self)
        }
    }

    /// Prices for the examples' models, in force since 2023.
    static func priceExampleModels(_ ledger: Ledger) throws {
        for model in ["gpt-5.4", "o1-2024-12-17", "gpt-4o-mini"] {
            _ = try ledger.setPrice(
                PriceEntry(
                    model: model, effectiveFrom: utc(2023, 1, 1),
                    rates: [RateKey(.default): TokenRates(input: try perMillion("1"), cachedInput: try perMillion("0.1"), output: try perMillion("4"))]))
        }
    }

    @Test("openai-jsonl: the provider's example responses, both shapes, one charge each with the response id")
    func openAIJSONLExamples() throws {
        try withImportLedger { fixture in
            try Self.priceExampleModels(fixture.ledger)
            let lines = try Self.openAIExampleLines()
            #expect(lines.count == 11)
            let path = try fixture.write("responses.jsonl", lines.joined(separator: "\n") + "\n")
            let summary = try fixture.importUsage(path, format: .openAIJSONL)
            #expect(summary.rowsRead == 11)
            #expect(summary.charged == 11)
            #expect(summary.skipped == 0)
            let rows = try fixture.usageRows("request_id, model, input_tokens, cached_tokens, output_tokens, occurred_at_ms")
            #expect(
                Set(rows) == [
                    "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT gpt-5.4 19 0 10 1741569952000",
                    "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG gpt-5.4 1117 0 46 1741570283000",
                    "chatcmpl-abc123 gpt-4o-mini 82 0 17 1699896916000",
                    "chatcmpl-123 gpt-4o-mini 9 0 9 1702685778000",
                    "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b gpt-5.4 36 0 87 1741476542000",
                    "resp_67ccd3a9da748190baa7f1570fe91ac604becb25c45c1d41 gpt-5.4 328 0 52 1741476777000",
                    "resp_686eef60237881a2bd1180bb8b13de430e34c516d176ff86 gpt-5.4 8438 0 398 1752100704000",
                    "resp_67ccf18ef5fc8190b16dbee19bc54e5f087bb177ab789d5c gpt-5.4 328 0 356 1741484430000",
                    "resp_67ccf4c55fc48190b71bd0463ad3306d09504fb6872380d7 gpt-5.4 18307 0 348 1741485253000",
                    "resp_67ca09c5efe0819096d0511c92b8c890096610f474011cc0 gpt-5.4 291 0 23 1741294021000",
                    "resp_67ccd7eca01881908ff0b5146584e408072912b2993db808 o1-2024-12-17 81 0 1035 1741477868000",
                ])
            // Again: every response id is already recorded with the same usage.
            let again = try fixture.importUsage(path, format: .openAIJSONL)
            #expect((again.charged, again.duplicates) == (0, 11))
            try fixture.expectVerified()
        }
    }

    @Test("openai-jsonl: usage objects of both shapes, tiers as reported, unknown fields ignored, bad lines named")
    func openAIJSONLUsageObjects() throws {
        try withImportLedger { fixture in
            let path = try fixture.write(
                "usage.jsonl",
                [
                    #"{"id":"r-1","model":"gpt-4o","created":1767225600,"service_tier":"flex","prompt_tokens":100000,"completion_tokens":1000,"#
                        + #""prompt_tokens_details":{"cached_tokens":50000,"audio_tokens":0},"total_tokens":101000,"brand_new_field":[1,{"x":null}]}"#,
                    #"{"id":"r-2","model":"gpt-4o","created_at":1767225660,"input_tokens":10000,"output_tokens":500,"#
                        + #""input_tokens_details":{"cached_tokens":2000,"cache_write_tokens":3000},"output_tokens_details":{"reasoning_tokens":100}}"#,
                    "",
                    #"{"object":"response","id":"r-3","model":"gpt-4o","created_at":1767225720,"service_tier":"auto","usage":{"input_tokens":10,"output_tokens":5}}"#,
                    #"{"id":"r-4","model":"gpt-4o","created":1767225780,"prompt_tokens":12.5,"completion_tokens":1}"#,
                    #"{"id":"r-5","model":"gpt-4o","prompt_tokens":1,"completion_tokens":1}"#,
                    #"{"id":"r-6","model":"gpt-4o","created":1767225780,"usage":{"prompt_tokens":1,"completion_tokens":1}"#,
                    #"{"id":"r-7","model":"gpt-4o","created":1767225780,"service_tier":"turbo","usage":{"prompt_tokens":1,"completion_tokens":1}}"#,
                    #"{"id":"r-8","model":"gpt-4o","created":1767225780,"object":"chat.completion.chunk","choices":[]}"#,
                ].joined(separator: "\r\n"))
            let summary = try fixture.importUsage(path, format: .openAIJSONL, skipBad: true)
            #expect(summary.rowsRead == 8)
            #expect(summary.charged == 3)
            #expect(
                summary.badRows.map(\.description) == [
                    "line 5 (prompt_tokens): '12.5' is not a whole number",
                    "line 6 (created): missing: the body gives no time of the request; pass --start to charge it then",
                    "line 7 (usage): expected ',' or '}' after a value, found the end of the file",
                    "line 8 (service_tier): 'turbo' is not a service tier (default, flex, batch or priority)",
                    "line 9 (usage): no usage: expected a response with a usage object, or a usage object",
                ])
            #expect(
                try fixture.usageRows("request_id, service_tier, input_tokens, cached_tokens, cache_write_tokens, output_tokens, cost_nanos") == [
                    "r-1 flex 100000 50000 0 1000 98750000",  // 50k × $1.25 + 50k × $0.625 + 1k × $5 per million
                    "r-2 default 10000 2000 3000 500 27500000",  // 5k × $2.50 + 2k × $1.25 + 3k × $2.50 + 500 × $10
                    "r-3 default 10 0 0 5 75000",
                ])
            try fixture.expectVerified()
        }
    }

    @Test("csv: RFC 4180 quoting, CRLF, a last line without a line break, optional columns, --map")
    func csvFile() throws {
        try withImportLedger { fixture in
            let path = try fixture.write(
                "usage.csv",
                [
                    "When,Model,input_tokens,cached_tokens,output_tokens,cache_write_tokens,request_id,project,api_key,user,tier,requests,note",
                    #"2026-01-05T10:00:00Z,gpt-4o,1000,200,300,,,"search, ""beta""",key-1,u-1,,,"a note"#,
                    #"spanning two lines""#,
                    "1767607200,gpt-4o-mini,5000,0,700,100,req-9,,,,batch,3,",
                    "2026-01-05 12:00:00,gpt-4o,10,0,5,,,,,,priority,,",
                ].joined(separator: "\r\n"))
            let summary = try fixture.importUsage(path, format: .csv, map: ["when": "time", "model": "model"])
            #expect((summary.rowsRead, summary.charged, summary.requests) == (3, 3, 5))
            #expect(summary.firstAt == utc(2026, 1, 5, 10) && summary.lastAt == utc(2026, 1, 5, 12))
            #expect(
                try fixture.usageRows(
                    "model, service_tier, input_tokens, cached_tokens, cache_write_tokens, output_tokens, requests, project, api_key, end_user") == [
                        #"gpt-4o default 1000 200 0 300 1 search, "beta" key-1 u-1"#,
                        "gpt-4o-mini batch 5000 0 100 700 3 - - -",
                        "gpt-4o priority 10 0 0 5 1 - - -",
                    ])
            #expect(try fixture.usageRows("request_id")[1] == "req-9")
            #expect(try fixture.usageRows("request_id")[0].hasPrefix("imp_"))
            try fixture.expectVerified()
        }
    }

    @Test("csv: a header without a required column, or --map naming a missing column, is refused before anything is read")
    func csvHeader() throws {
        try withImportLedger { fixture in
            let noCached = try fixture.write("a.csv", "time,model,input_tokens,output_tokens\n2026-01-01,gpt-4o,1,1\n")
            #expect(importFailure { try fixture.importUsage(noCached, format: .csv) } == "bad_input line 1 (cached_tokens)")
            let noModel = try fixture.write("b.csv", "time,input_tokens,cached_tokens,output_tokens\n2026-01-01,1,0,1\n")
            #expect(importFailure { try fixture.importUsage(noModel, format: .csv) } == "bad_input line - (--model)")
            #expect(try fixture.importUsage(noModel, format: .csv, model: "gpt-4o").charged == 1)
            #expect(
                importFailure { try fixture.importUsage(noModel, format: .csv, model: "gpt-4o", map: ["prompt": "input_tokens"]) } == "bad_input line 1 (--map)"
            )
            #expect(importFailure { try fixture.importUsage(noModel, format: .azureTrace, model: "gpt-4o", map: ["a": "b"]) } == "bad_input line - (--map)")
            let missing = fixture.directory.path("missing.csv")
            #expect(importFailure { try fixture.importUsage(missing, format: .csv) } == "bad_input line - (-)")
        }
    }

    @Test("azure-trace: the real trace imports as a month of gpt-4o-mini usage, and again as nothing")
    func azureTraceMonth() throws {
        try withImportLedger { fixture in
            let summary = try fixture.importUsage(azureTracePath, format: .azureTrace, model: "gpt-4o-mini", timeScale: "720", start: utc(2026, 1, 1))
            #expect((summary.rowsRead, summary.charged, summary.duplicates, summary.skipped) == (19_366, 19_366, 0, 0))
            #expect(summary.firstAt == utc(2026, 1, 1))
            #expect(summary.lastAt! < utc(2026, 2, 1) && summary.lastAt! > utc(2026, 1, 29))
            // The second request, 4.3145790 s after the first: × 720 = 3,106.496880 s, rounded to 3,106,497 ms.
            #expect(
                try fixture.raw.int("SELECT occurred_at_ms FROM usage ORDER BY occurred_at_ms LIMIT 1 OFFSET 1") == utc(2026, 1, 1).milliseconds + 3_106_497)
            let totals = try fixture.ledger.usageTotals(account: "acme", from: utc(2026, 1, 1), to: utc(2026, 2, 1))
            #expect(totals.map(\.model) == ["gpt-4o-mini"])
            #expect(totals[0].requests == 19_366)
            #expect(totals[0].cost == summary.cost)
            #expect(summary.balance == Money.usd(20) - summary.cost)
            let counts = try fixture.raw.rowCounts()
            let dump = try fixture.raw.dump()
            let again = try fixture.importUsage(azureTracePath, format: .azureTrace, model: "gpt-4o-mini", timeScale: "720", start: utc(2026, 1, 1))
            #expect((again.rowsRead, again.charged, again.duplicates) == (19_366, 0, 19_366))
            #expect(again.cost == .zero)
            #expect(try fixture.raw.rowCounts() == counts)
            #expect(try fixture.raw.dump() == dump)
            try fixture.expectVerified()
        }
    }

    @Test("mooncake-trace: cached tokens are the leading 512-token blocks seen before, up to the first unseen one, capped at the input")
    func mooncakeCachedTokens() throws {
        try withImportLedger { fixture in
            let path = try fixture.write(
                "trace.jsonl",
                """
                {"timestamp": 0, "input_length": 2000, "output_length": 10, "hash_ids": [1, 2, 3, 4]}
                {"timestamp": 1000, "input_length": 1500, "output_length": 11, "hash_ids": [1, 2, 5]}
                {"timestamp": 2500, "input_length": 700, "output_length": 12, "hash_ids": [1, 2, 3]}
                {"timestamp": 3000, "input_length": 3000, "output_length": 13, "hash_ids": [9, 1, 2]}
                {"timestamp": 3500, "input_length": 3000, "output_length": 14, "hash_ids": [5, 1, 2, 3, 4, 9]}
                {"timestamp": 4000.0, "input_length": 2048, "output_length": 15, "hash_ids": [4, 3, 7], "extra": "ignored"}
                """)
            #expect(importFailure { try fixture.importUsage(path, format: .mooncakeTrace, model: "gpt-4o-mini") } == "bad_input line - (--start)")
            #expect(importFailure { try fixture.importUsage(path, format: .mooncakeTrace, start: utc(2026, 1, 1)) } == "bad_input line - (--model)")
            let summary = try fixture.importUsage(path, format: .mooncakeTrace, model: "gpt-4o-mini", start: utc(2026, 1, 1))
            #expect(summary.charged == 6)
            #expect(
                try fixture.usageRows("occurred_at_ms - \(utc(2026, 1, 1).milliseconds), input_tokens, cached_tokens, output_tokens") == [
                    "0 2000 0 10",  // nothing seen yet
                    "1000 1500 1024 11",  // 1 and 2 seen, 5 not: 2 blocks
                    "2500 700 700 12",  // 3 blocks = 1,536, capped at the input
                    "3000 3000 0 13",  // 9 never seen: stop at once
                    "3500 3000 3000 14",  // all 6 seen (9 since the line before): 3,072, capped
                    "4000 2048 1024 15",  // 4 and 3 seen, 7 not
                ])
            try fixture.expectVerified()
        }
    }

    @Test("openai-usage-api: the example page; num_model_requests lands in requests; batch, groups, missing and new fields")
    func usageAPIPages() throws {
        try withImportLedger { fixture in
            let provided = sharedData.appendingPathComponent("openai/example_response_usage_completions.json").path
            // The page as documented has 50 audio and 50 image output tokens (its audio and image
            // input are all cached), billed at their own rates, which gpt-4o's entry does not give:
            // refused, naming the first, rather than undercharged.
            #expect(
                importFailure { try fixture.importUsage(provided, format: .openAIUsageAPI, model: "gpt-4o") }
                    == "no_price_for_class line 10 (data[0].results[0].output_audio_tokens)")
            #expect(try fixture.usageRows("request_id").isEmpty)
            // The same page with those at 0 (text only) imports.
            let example = try fixture.write(
                "text-only.json", try String(contentsOfFile: provided, encoding: .utf8).replacingOccurrences(of: "_tokens\": 50,", with: "_tokens\": 0,"))
            #expect(importFailure { try fixture.importUsage(example, format: .openAIUsageAPI) } == "bad_input line 10 (data[0].results[0].model)")
            let summary = try fixture.importUsage(example, format: .openAIUsageAPI, model: "gpt-4o")
            #expect((summary.charged, summary.requests) == (1, 5))
            #expect(
                try fixture.usageRows("occurred_at_ms, model, input_tokens, cached_tokens, cache_write_tokens, output_tokens, requests") == [
                    "1730419200000 gpt-4o 1000 400 100 500 5"
                ])
            let pages = try fixture.write(
                "pages.json",
                """
                [{"object": "page", "data": [
                  {"object": "bucket", "start_time": 1767225600, "end_time": 1767312000, "results": [
                    {"object": "organization.usage.completions.result", "input_tokens": 59200, "input_cached_tokens": 1000,
                     "output_tokens": 800, "num_model_requests": 40, "model": "gpt-4o-mini", "project_id": "proj_a",
                     "user_id": null, "api_key_id": "key_1", "batch": true, "a_new_field": {"nested": [1, 2]}},
                    {"input_tokens": 100, "output_tokens": 10, "num_model_requests": 2, "model": "gpt-4o", "service_tier": "flex"},
                    {"input_tokens": 0, "output_tokens": 0, "num_model_requests": 0, "model": "gpt-4o"}
                  ]},
                  {"object": "bucket", "start_time": 1767312000, "end_time": 1767398400, "results": []}
                ], "has_more": true, "next_page": "page_2"},
                {"object": "page", "data": [
                  {"object": "bucket", "start_time": 1767398400, "end_time": 1767484800, "results": [
                    {"input_tokens": 59200.0, "input_cached_tokens": 0, "output_tokens": 1, "num_model_requests": 1, "model": "gpt-4o-mini"},
                    {"input_tokens": 59200.5, "output_tokens": 1, "num_model_requests": 1, "model": "gpt-4o-mini"}
                  ]}
                ], "has_more": false, "next_page": null}]
                """)
            let second = try fixture.importUsage(pages, format: .openAIUsageAPI, skipBad: true)
            #expect((second.rowsRead, second.charged, second.empty, second.requests) == (5, 3, 1, 43))
            #expect(second.badRows.map(\.description) == ["line 14 (data[0].results[1].input_tokens): '59200.5' is not a whole number"])
            #expect(
                Set(try fixture.usageRows("occurred_at_ms, model, service_tier, input_tokens, cached_tokens, output_tokens, requests, project, api_key")) == [
                    "1730419200000 gpt-4o default 1000 400 500 5 - -",
                    "1767225600000 gpt-4o-mini batch 59200 1000 800 40 proj_a key_1",
                    "1767225600000 gpt-4o flex 100 0 10 2 - -",
                    "1767398400000 gpt-4o-mini default 59200 0 1 1 - -",
                ])
            try fixture.expectVerified()
        }
    }

    @Test("openai-usage-api: audio and image tokens are priced at their own rates where the entry gives them")
    func usageAPIMedia() throws {
        try withImportLedger { fixture in
            let provided = sharedData.appendingPathComponent("openai/example_response_usage_completions.json").path
            // An entry that prices them: 500 uncached × $2 + 400 cached × $1 + 100 written × $2 (the
            // input price) + 400 text out × $8 + 50 audio out × $16 + 50 image out × $32, per million.
            let omni = PriceEntry(
                model: "omni-test", effectiveFrom: utc(2024, 1, 1),
                rates: [
                    RateKey(.default): TokenRates(
                        input: 2_000_000_000, cachedInput: 1_000_000_000, output: 8_000_000_000,
                        breakdown: BreakdownRates(outputAudio: 16_000_000_000, outputImage: 32_000_000_000))
                ])
            _ = try fixture.ledger.setPrice(omni)
            let priced = try fixture.importUsage(provided, format: .openAIUsageAPI, model: "omni-test")
            #expect(priced.cost == Money(nanos: 1_000_000 + 400_000 + 200_000 + 3_200_000 + 800_000 + 1_600_000))
            #expect(
                try fixture.usageRows(
                    "input_tokens, cached_tokens, input_audio_tokens, input_image_tokens, output_tokens, output_audio_tokens, output_image_tokens")
                    == ["1000 400 0 0 500 50 50"])
            try fixture.expectVerified()
        }
    }

    @Test("openai-usage-export: 59200.0 counts, TRUE/FALSE, empty fields and empty buckets, ISO times")
    func usageExport() throws {
        try withImportLedger { fixture in
            let path = try fixture.write(
                "export.csv",
                """
                start_time,end_time,start_time_iso,end_time_iso,project_id,user_id,api_key_id,model,batch,service_tier,input_tokens,input_cached_tokens,input_cache_write_tokens,output_tokens,num_model_requests
                1767225600,1767312000,2026-01-01T00:00:00+00:00,2026-01-02T00:00:00+00:00,proj_a,,key_1,gpt-4o-mini,FALSE,,59200.0,1200.0,,800.0,40.0
                1767225600,1767312000,2026-01-01T00:00:00+00:00,2026-01-02T00:00:00+00:00,proj_a,,,gpt-4o-mini,TRUE,,1000,,,100,2
                ,,2026-01-02T00:00:00+00:00,2026-01-03T00:00:00+00:00,,,,,,,,,,,
                1767398400,1767484800,,,proj_b,user_9,,gpt-4o,false,priority,10,0,0,5,1
                1767398400,1767484800,,,proj_b,,,gpt-4o,maybe,,10,0,0,5,1
                1767398400,1767484800,,,proj_b,,,gpt-4o,,,59200.5,0,0,5,1
                """)
            let summary = try fixture.importUsage(path, format: .openAIUsageExport, skipBad: true)
            #expect((summary.rowsRead, summary.charged, summary.empty, summary.skipped, summary.requests) == (6, 3, 1, 2, 43))
            #expect(
                summary.badRows.map(\.description) == [
                    "line 6 (batch): 'maybe' is not true or false", "line 7 (input_tokens): '59200.5' is not a whole number",
                ])
            #expect(
                Set(
                    try fixture.usageRows(
                        "occurred_at_ms, model, service_tier, input_tokens, cached_tokens, output_tokens, requests, project, api_key, end_user")) == [
                        "1767225600000 gpt-4o-mini batch 1000 0 100 2 proj_a - -",
                        "1767225600000 gpt-4o-mini default 59200 1200 800 40 proj_a key_1 -",
                        "1767398400000 gpt-4o priority 10 0 5 1 proj_b - user_9",
                    ])
            try fixture.expectVerified()
        }
    }

    @Test("every format refuses a count of tokens it does not price (Anthropic's cache reads and writes, audio, image), naming the line and field")
    func unmappedTokensRefused() throws {
        try withImportLedger { fixture in
            // An Anthropic Messages response: its input_tokens exclude the cache reads and writes.
            let anthropic =
                #"{"id":"msg_01","type":"message","model":"gpt-4o","created":1767225600,"usage":{"input_tokens":20,"#
                + #""cache_creation_input_tokens":0,"cache_read_input_tokens":180000,"output_tokens":300,"service_tier":"standard"}}"#
            let nested =
                #"{"id":"msg_02","model":"gpt-4o","created":1767225600,"usage":{"input_tokens":20,"output_tokens":3,"#
                + #""cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":4000}}}"#
            let audio =
                #"{"id":"chat_03","model":"gpt-4o","created":1767225600,"usage":{"prompt_tokens":900,"completion_tokens":10,"#
                + #""prompt_tokens_details":{"cached_tokens":0,"audio_tokens":800}}}"#
            // Zero counts and text breakdowns within the mapped totals are fine.
            let fine =
                #"{"id":"chat_04","model":"gpt-4o","created":1767225600,"usage":{"prompt_tokens":900,"completion_tokens":10,"total_tokens":910,"#
                + #""prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":4,"#
                + #""audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":1},"cache_read_input_tokens":0}}"#
            let jsonl = try fixture.write("bodies.jsonl", [anthropic, nested, audio, fine].joined(separator: "\n"))
            #expect(importFailure { try fixture.importUsage(jsonl, format: .openAIJSONL) } == "bad_input line 1 (usage.cache_read_input_tokens)")
            #expect(try fixture.usageRows("request_id").isEmpty)
            let summary = try fixture.importUsage(jsonl, format: .openAIJSONL, skipBad: true)
            #expect(summary.charged == 1)
            #expect(
                summary.badRows.map(\.description) == [
                    "line 1 (usage.cache_read_input_tokens): 180000 tokens that this format does not map: this format does not price these tokens "
                        + "(Anthropic's input_tokens, for one, excludes its cache reads and writes); the row is refused rather than charged without them",
                    "line 2 (usage.cache_creation.ephemeral_1h_input_tokens): 4000 tokens that this format does not map: this format does not price "
                        + "these tokens (Anthropic's input_tokens, for one, excludes its cache reads and writes); the row is refused rather than charged without them",
                    "line 3 (usage.prompt_tokens_details.audio_tokens): the price book has no input_audio price for 'gpt-4o', and the usage has "
                        + "audio input tokens, which are billed at their own rate; add it (`tokenledger prices set gpt-4o --input-audio …`, "
                        + "or a catalog that has it)",
                ])
            #expect(try fixture.usageRows("request_id, input_tokens, output_tokens") == ["chat_04 900 10"])

            // Our CSV: a token column none of ours is refused when not empty or 0.
            let csv = try fixture.write(
                "usage.csv",
                "time,model,input_tokens,cached_tokens,output_tokens,reasoning_tokens,cache_read_tokens\n"
                    + "2026-01-02T00:00:00Z,gpt-4o,100,0,10,5,\n2026-01-02T00:00:01Z,gpt-4o,100,0,10,5,0\n2026-01-02T00:00:02Z,gpt-4o,100,0,10,5,70\n")
            #expect(importFailure { try fixture.importUsage(csv, format: .csv) } == "bad_input line 4 (cache_read_tokens)")
            #expect(try fixture.importUsage(csv, format: .csv, skipBad: true).charged == 2)

            // The dashboard's export: audio tokens without a price are refused, text breakdowns are not.
            let export = try fixture.write(
                "export.csv",
                "start_time,model,input_tokens,input_cached_tokens,output_tokens,num_model_requests,input_text_tokens,input_audio_tokens,output_image_tokens\n"
                    + "1767225600,gpt-4o,100,0,10,1,100,0,\n1767312000,gpt-4o,100,0,10,1,40,60,0\n")
            #expect(importFailure { try fixture.importUsage(export, format: .openAIUsageExport) } == "no_price_for_class line 3 (input_audio_tokens)")
            #expect(try fixture.importUsage(export, format: .openAIUsageExport, skipBad: true).charged == 1)
            try fixture.expectVerified()
        }
    }
}
