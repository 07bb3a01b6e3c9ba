import Foundation
import Testing
import TokenLedger
import TokenLedgerCore

/// The provider response readers (`anthropic-jsonl`, `gemini-jsonl`, `bedrock-jsonl`,
/// `cohere-jsonl`, OpenAI-compatible bodies in `openai-jsonl`) and `auto`, on bodies written
/// from each provider's documented response shape.
@Suite("Usage import: provider response bodies")
struct ProviderImportTests {
    /// One body, the format that reads it, and the row it must give:
    /// `model tier input cached cacheWrite output requests id hasTime`.
    struct Case: Sendable, CustomTestStringConvertible {
        var why: String
        var format: UsageImportFormat
        var body: String
        var row: String
        var testDescription: String { why }
    }

    static let cases: [Case] = [
        Case(
            why: "Anthropic message: input adds the cache reads and writes back",
            format: .anthropicJSONL,
            body: #"{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":"end_turn","#
                + #""usage":{"input_tokens":11,"cache_creation_input_tokens":170,"cache_read_input_tokens":1300,"output_tokens":19,"#
                + #""service_tier":"priority","cache_creation":{"ephemeral_5m_input_tokens":170,"ephemeral_1h_input_tokens":0},"#
                + #""server_tool_use":{"web_search_requests":0}}}"#,
            row: "claude-sonnet-4-5 priority 1481 1300 170 19 1 msg_1 false"),
        Case(
            why: "Anthropic InvokeModel body on Bedrock (the Messages shape, standard tier)",
            format: .anthropicJSONL,
            body: #"{"id":"msg_bdrk_1","type":"message","model":"claude-haiku-4-5-20251001","usage":{"input_tokens":3,"#
                + #""cache_read_input_tokens":0,"cache_creation_input_tokens":0,"output_tokens":7,"service_tier":"standard"}}"#,
            row: "claude-haiku-4-5-20251001 default 3 0 0 7 1 msg_bdrk_1 false"),
        Case(
            why: "Anthropic message_delta: the stream's cumulative counts, no model",
            format: .anthropicJSONL,
            body: #"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"input_tokens":7,"cache_creation_input_tokens":0,"#
                + #""cache_read_input_tokens":50,"output_tokens":23}}"#,
            row: "- default 57 50 0 23 1 - false"),
        Case(
            why: "Anthropic message_start: charges nothing (its message_delta does)",
            format: .anthropicJSONL,
            body: #"{"type":"message_start","message":{"id":"msg_2","type":"message","model":"claude-sonnet-4-5","#
                + #""usage":{"input_tokens":7,"cache_read_input_tokens":50,"output_tokens":1}}}"#,
            row: "- default 0 0 0 0 0 - true"),
        Case(
            why: "Gemini: prompt includes the cache, tool-use prompt is input, thoughts are output",
            format: .geminiJSONL,
            body: #"{"candidates":[{"content":{"parts":[{"text":"ok"}],"role":"model"},"finishReason":"STOP"}],"usageMetadata":{"#
                + #""promptTokenCount":1300,"cachedContentTokenCount":1000,"candidatesTokenCount":50,"thoughtsTokenCount":200,"#
                + #""toolUsePromptTokenCount":30,"totalTokenCount":1580,"promptTokensDetails":[{"modality":"TEXT","tokenCount":1300}]},"#
                + #""modelVersion":"gemini-2.5-flash","responseId":"g-1"}"#,
            row: "gemini-2.5-flash default 1330 1000 0 250 1 g-1 false"),
        Case(
            why: "Bedrock Converse: inputTokens exclude the cache reads and writes; no model, no id",
            format: .bedrockJSONL,
            body: #"{"output":{"message":{"role":"assistant","content":[{"text":"ok"}]}},"stopReason":"end_turn","#
                + #""usage":{"inputTokens":20,"outputTokens":40,"totalTokens":2160,"cacheReadInputTokens":2000,"cacheWriteInputTokens":100,"#
                + #""cacheDetails":[{"ttl":"5m","inputTokens":100}]},"metrics":{"latencyMs":812}}"#,
            row: "- default 2120 2000 100 40 1 - false"),
        Case(
            why: "Cohere v2 chat: billed_units, not tokens",
            format: .cohereJSONL,
            body: #"{"id":"co-1","finish_reason":"COMPLETE","message":{"role":"assistant","content":[]},"#
                + #""usage":{"billed_units":{"input_tokens":120,"output_tokens":30},"tokens":{"input_tokens":400,"output_tokens":31}}}"#,
            row: "- default 120 0 0 30 1 co-1 false"),
        Case(
            why: "DeepSeek: prompt_cache_hit_tokens are the cached part",
            format: .openAIJSONL,
            body: #"{"id":"ds-1","object":"chat.completion","created":1767225600,"model":"deepseek-chat","usage":{"prompt_tokens":1000,"#
                + #""completion_tokens":50,"total_tokens":1050,"prompt_cache_hit_tokens":800,"prompt_cache_miss_tokens":200,"#
                + #""completion_tokens_details":{"reasoning_tokens":0}}}"#,
            row: "deepseek-chat default 1000 800 0 50 1 ds-1 true"),
        Case(
            why: "OpenAI embeddings: no completion tokens, no time",
            format: .openAIJSONL,
            body: #"{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.01,-0.02]}],"model":"text-embedding-3-small","#
                + #""usage":{"prompt_tokens":8,"total_tokens":8}}"#,
            row: "text-embedding-3-small default 8 0 0 0 1 - false"),
        Case(
            why: "Groq: x_groq, usage_breakdown and the usage's times are not refused",
            format: .openAIJSONL,
            body: #"{"id":"chatcmpl-g1","object":"chat.completion","created":1767225660,"model":"llama-3.3-70b-versatile","#
                + #""usage":{"queue_time":0.013,"prompt_tokens":100,"prompt_time":0.002,"completion_tokens":20,"completion_time":0.05,"#
                + #""total_tokens":120,"total_time":0.052},"usage_breakdown":{"models":[{"model":"x","usage":{"prompt_tokens":9}}]},"#
                + #""x_groq":{"id":"req_01"}}"#,
            row: "llama-3.3-70b-versatile default 100 0 0 20 1 chatcmpl-g1 true"),
        Case(
            why: "OpenRouter: usage.cost and cost_details are ignored",
            format: .openAIJSONL,
            body: #"{"id":"gen-1","provider":"OpenAI","model":"openai/gpt-4o-mini","object":"chat.completion","created":1767225600,"#
                + #""usage":{"prompt_tokens":500,"completion_tokens":60,"total_tokens":560,"cost":0.00012,"is_byok":false,"#
                + #""prompt_tokens_details":{"cached_tokens":100,"audio_tokens":0},"cost_details":{"upstream_inference_cost":null},"#
                + #""completion_tokens_details":{"reasoning_tokens":0}}}"#,
            row: "openai/gpt-4o-mini default 500 100 0 60 1 gen-1 true"),
    ]

    /// The row a file of one body gives, as `model tier input cached cacheWrite output requests id hasTime`.
    static func readRow(_ body: String, format: UsageImportFormat, fixture: LedgerFixture) throws -> String {
        let path = try fixture.write("body.jsonl", body + "\n")
        var rows = try UsageImport.rows(of: path, format: format)
        guard case .row(let row) = try rows.next() else { return "not a row" }
        return [
            row.model ?? "-", row.tier.rawValue, String(row.inputTokens), String(row.cachedTokens), String(row.cacheWriteTokens),
            String(row.outputTokens), String(row.requests), row.requestID ?? "-", String(row.hasTime),
        ].joined(separator: " ")
    }

    @Test("every token field of every reader lands in its class, read by its format and by auto", arguments: cases)
    func fieldsLandInTheirClass(_ example: Case) throws {
        try withImportLedger { fixture in
            let own = try Self.readRow(example.body, format: example.format, fixture: fixture)
            let detected = try Self.readRow(example.body, format: .auto, fixture: fixture)
            #expect(own == example.row)
            #expect(detected == example.row)
        }
    }

    /// Prices (per million tokens: input, cached input, cache write, output) that make every
    /// token's cost a whole number of nanodollars.
    static func priceModels(_ ledger: Ledger) throws {
        let prices: [(String, String, String, String, String)] = [
            ("gpt-4o-mini", "0.15", "0.075", "0.15", "0.60"),
            ("claude-sonnet-4-5", "3", "0.30", "3.75", "15"),
            ("gemini-2.5-flash", "0.30", "0.03", "0.30", "2.50"),
            ("claude-haiku-4-5", "1", "0.10", "1.25", "5"),
            ("llama-3.3-70b-versatile", "0.59", "0.59", "0.59", "0.79"),
        ]
        for (model, input, cached, cacheWrite, output) in prices {
            let rates = TokenRates(
                input: try perMillion(input), cachedInput: try perMillion(cached), cacheWrite: try perMillion(cacheWrite), output: try perMillion(output))
            _ = try ledger.setPrice(PriceEntry(model: model, effectiveFrom: utc(2023, 1, 1), rates: [RateKey(.default): rates]))
        }
    }

    static let mixed = [
        #"{"id":"chatcmpl-m1","object":"chat.completion","created":1767225600,"model":"gpt-4o-mini","usage":{"prompt_tokens":2000,"#
            + #""completion_tokens":300,"total_tokens":2300,"prompt_tokens_details":{"cached_tokens":1024}}}"#,
        #"{"id":"msg_m2","type":"message","model":"claude-sonnet-4-5","usage":{"input_tokens":11,"cache_creation_input_tokens":170,"#
            + #""cache_read_input_tokens":1300,"output_tokens":19,"service_tier":"standard"}}"#,
        #"{"usageMetadata":{"promptTokenCount":1300,"cachedContentTokenCount":1000,"candidatesTokenCount":50,"thoughtsTokenCount":200,"#
            + #""toolUsePromptTokenCount":30,"totalTokenCount":1580},"modelVersion":"gemini-2.5-flash","responseId":"g-m3"}"#,
        #"{"usage":{"inputTokens":20,"outputTokens":40,"totalTokens":2160,"cacheReadInputTokens":2000,"cacheWriteInputTokens":100},"#
            + #""metrics":{"latencyMs":812},"stopReason":"end_turn"}"#,
        #"{"id":"chatcmpl-m5","object":"chat.completion","created":1767225660,"model":"llama-3.3-70b-versatile","usage":{"queue_time":0.01,"#
            + #""prompt_tokens":100,"completion_tokens":20,"total_tokens":120},"x_groq":{"id":"req_m5"}}"#,
    ]

    @Test("auto: OpenAI, Anthropic, Gemini, Bedrock (with --model) and Groq bodies in one file, each priced to the nanodollar, once")
    func autoMixedImport() throws {
        try withImportLedger { fixture in
            try Self.priceModels(fixture.ledger)
            let path = try fixture.write("mixed.jsonl", Self.mixed.joined(separator: "\n") + "\n")
            let start = utc(2026, 2, 1)
            let summary = try fixture.importUsage(path, format: .auto, model: "claude-haiku-4-5", start: start)
            #expect((summary.rowsRead, summary.charged, summary.skipped) == (5, 5, 0))
            let rows = try fixture.usageRows("occurred_at_ms, model, input_tokens, cached_tokens, cache_write_tokens, output_tokens, cost_nanos")
            let at = start.milliseconds
            #expect(
                Set(rows) == [
                    // 1481 input: 11 × 3000 + 1300 cached × 300 + 170 written × 3750 + 19 out × 15000 nanodollars.
                    "\(at) claude-sonnet-4-5 1481 1300 170 19 1345500",
                    // Bedrock's inputTokens exclude the cache: 20 × 1000 + 2000 × 100 + 100 × 1250 + 40 × 5000.
                    "\(at) claude-haiku-4-5 2120 2000 100 40 545000",
                    // 330 uncached × 300 + 1000 cached × 30 + (50 + 200 thoughts) × 2500.
                    "\(at) gemini-2.5-flash 1330 1000 0 250 754000",
                    // The first timed body is placed at --start: 976 × 150 + 1024 × 75 + 300 × 600.
                    "\(at) gpt-4o-mini 2000 1024 0 300 403200",
                    // A minute after it: 100 × 590 + 20 × 790.
                    "\(at + 60_000) llama-3.3-70b-versatile 100 0 0 20 74800",
                ])
            #expect(summary.cost == Money(nanos: 1_345_500 + 545_000 + 754_000 + 403_200 + 74_800))
            // Again: the ids found (the bodies' own, and generated ones for the Bedrock body) charge nothing.
            let again = try fixture.importUsage(path, format: .auto, model: "claude-haiku-4-5", start: start)
            #expect((again.charged, again.duplicates, again.cost) == (0, 5, Money.zero))
            try fixture.expectVerified()
        }
    }

    @Test("tokens no class prices are refused, naming the line and field: 1-hour cache writes, web searches, other billed units; unknown shapes")
    func unpricedRefused() throws {
        try withImportLedger { fixture in
            try Self.priceModels(fixture.ledger)
            let lines = [
                #"{"id":"msg_r1","type":"message","model":"claude-sonnet-4-5","usage":{"input_tokens":10,"cache_creation_input_tokens":4000,"#
                    + #""cache_read_input_tokens":0,"output_tokens":5,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":4000}}}"#,
                #"{"id":"msg_r2","type":"message","model":"claude-sonnet-4-5","usage":{"input_tokens":10,"output_tokens":5,"#
                    + #""server_tool_use":{"web_search_requests":2}}}"#,
                #"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":40}}"#,
                #"{"usage":{"inputTokens":20,"outputTokens":4,"totalTokens":24,"cacheWriteInputTokens":50,"#
                    + #""cacheDetails":[{"ttl":"1h","inputTokens":50}]}}"#,
                #"{"id":"co-r5","usage":{"billed_units":{"input_tokens":10,"output_tokens":2,"search_units":1}}}"#,
                #"{"id":"x","choices":[]}"#,
                #"{"type":"error","error":{"type":"overloaded_error"}}"#,
                #"{"id":"msg_ok","type":"message","model":"claude-sonnet-4-5","usage":{"input_tokens":10,"output_tokens":5,"#
                    + #""cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0}}}"#,
            ]
            let path = try fixture.write("refused.jsonl", lines.joined(separator: "\n"))
            let summary = try fixture.importUsage(path, format: .auto, model: "claude-haiku-4-5", start: utc(2026, 2, 1), skipBad: true)
            #expect(summary.charged == 1)
            let refusal = "; the row is refused rather than charged without them"
            let noShape =
                "the body matches no provider's shape: expected an Anthropic message or message_delta, Gemini usageMetadata, "
                + "a usage object (Bedrock's inputTokens, Cohere's billed_units, OpenAI's prompt_tokens or input_tokens)"
            #expect(
                summary.badRows.map(\.description) == [
                    "line 1 (usage.cache_creation.ephemeral_1h_input_tokens): 4000 tokens written to the 1-hour cache, billed at a rate this ledger has no class for"
                        + refusal,
                    "line 2 (usage.server_tool_use.web_search_requests): 2 web searches, billed per search, which this format does not price" + refusal,
                    "line 3 (usage.input_tokens): missing: this message_delta carries only the output; its input is in message_start, which is not paired with it",
                    "line 4 (usage.cacheDetails[0].inputTokens): 50 tokens written to the 1-hour cache, billed at a rate this ledger has no class for"
                        + refusal,
                    "line 5 (usage.billed_units.search_units): 1 units billed at a rate of their own, which this format does not price" + refusal,
                    "line 6: " + noShape, "line 7: " + noShape,
                ])
            // Read as openai-jsonl, an Anthropic body is still refused for its cache reads and writes.
            #expect(importFailure { try fixture.importUsage(path, format: .openAIJSONL) } == "bad_input line 1 (usage.cache_creation_input_tokens)")
        }
    }

    @Test("a body without a time is charged at --start, and refused without it; without a model it takes --model; re-importing charges nothing")
    func timeAndModelFromOptions() throws {
        try withImportLedger { fixture in
            try Self.priceModels(fixture.ledger)
            let bedrock = #"{"usage":{"inputTokens":20,"outputTokens":40,"totalTokens":60},"metrics":{"latencyMs":5}}"#
            // Two equal bodies without ids: two charges, told apart by their occurrence.
            let path = try fixture.write("converse.jsonl", [bedrock, bedrock].joined(separator: "\n"))
            #expect(importFailure { try fixture.importUsage(path, format: .bedrockJSONL, start: utc(2026, 2, 1)) } == "bad_input line - (--model)")
            #expect(importFailure { try fixture.importUsage(path, format: .bedrockJSONL, model: "claude-haiku-4-5") } == "bad_input line 1 (time)")
            let noStart = try fixture.importUsage(path, format: .bedrockJSONL, model: "claude-haiku-4-5", skipBad: true)
            #expect(
                noStart.badRows.map(\.description) == [
                    "line 1 (time): missing: the body gives no time of the request; pass --start to charge it then",
                    "line 2 (time): missing: the body gives no time of the request; pass --start to charge it then",
                ])
            let summary = try fixture.importUsage(path, format: .bedrockJSONL, model: "claude-haiku-4-5", start: utc(2026, 2, 1, 12))
            #expect((summary.charged, summary.cost) == (2, Money(nanos: 2 * (20 * 1_000 + 40 * 5_000))))
            #expect(summary.firstAt == utc(2026, 2, 1, 12))
            #expect(summary.lastAt == utc(2026, 2, 1, 12))
            let again = try fixture.importUsage(path, format: .bedrockJSONL, model: "claude-haiku-4-5", start: utc(2026, 2, 1, 12))
            #expect((again.charged, again.duplicates) == (0, 2))

            // A body that names its model keeps it; one that names none (Cohere chat) takes --model, and is refused without.
            let cohere = try fixture.write("cohere.jsonl", #"{"id":"co-t1","usage":{"billed_units":{"input_tokens":100,"output_tokens":10}}}"#)
            #expect(importFailure { try fixture.importUsage(cohere, format: .cohereJSONL, start: utc(2026, 2, 2)) } == "bad_input line 1 (model)")
            let charged = try fixture.importUsage(cohere, format: .cohereJSONL, model: "gpt-4o-mini", start: utc(2026, 2, 2))
            #expect(charged.cost == Money(nanos: 100 * 150 + 10 * 600))
            try fixture.expectVerified()
        }
    }
}
