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
    /// `model tier input cached cacheWrite output requests id hasTime`, then each class billed
    /// apart that it has tokens of (`cache_write_1h=100`).
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
        Case(
            why: "Anthropic 1-hour cache writes: within cache_creation_input_tokens, a class of their own",
            format: .anthropicJSONL,
            body: #"{"id":"msg_3","type":"message","model":"claude-sonnet-4-5","usage":{"input_tokens":11,"cache_creation_input_tokens":170,"#
                + #""cache_read_input_tokens":1300,"output_tokens":19,"cache_creation":{"ephemeral_5m_input_tokens":70,"ephemeral_1h_input_tokens":100}}}"#,
            row: "claude-sonnet-4-5 default 1481 1300 70 19 1 msg_3 false cache_write_1h=100"),
        Case(
            why: "Bedrock Converse: the cacheDetails entries with ttl 1h are 1-hour writes",
            format: .bedrockJSONL,
            body: #"{"usage":{"inputTokens":20,"outputTokens":40,"totalTokens":2160,"cacheReadInputTokens":2000,"cacheWriteInputTokens":100,"#
                + #""cacheDetails":[{"ttl":"5m","inputTokens":40},{"ttl":"1h","inputTokens":60}]},"metrics":{"latencyMs":812}}"#,
            row: "- default 2120 2000 40 40 1 - false cache_write_1h=60"),
        Case(
            why: "OpenAI chat with audio: prompt and completion audio tokens, within their totals",
            format: .openAIJSONL,
            body: #"{"id":"chat-a","object":"chat.completion","created":1767225600,"model":"gpt-audio","usage":{"prompt_tokens":900,"#
                + #""completion_tokens":300,"total_tokens":1200,"prompt_tokens_details":{"cached_tokens":100,"audio_tokens":500},"#
                + #""completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":200}}}"#,
            row: "gpt-audio default 900 100 0 300 1 chat-a true input_audio=500 output_audio=200"),
        Case(
            why: "OpenAI Realtime response: input_token_details, the cached audio billed with the cached tokens",
            format: .openAIJSONL,
            body: #"{"id":"resp_rt","object":"realtime.response","model":"gpt-realtime","usage":{"total_tokens":1400,"input_tokens":1000,"#
                + #""output_tokens":400,"input_token_details":{"cached_tokens":300,"text_tokens":400,"audio_tokens":500,"image_tokens":100,"#
                + #""cached_tokens_details":{"text_tokens":200,"audio_tokens":100,"image_tokens":0}},"#
                + #""output_token_details":{"text_tokens":100,"audio_tokens":300}}}"#,
            row: "gpt-realtime default 1000 300 0 400 1 resp_rt false input_audio=400 input_image=100 output_audio=300"),
        Case(
            why: "OpenAI Images (gpt-image-1): image input and image output tokens",
            format: .openAIJSONL,
            body: #"{"created":1767225600,"data":[{"b64_json":"AAAA"}],"usage":{"total_tokens":4210,"input_tokens":50,"output_tokens":4160,"#
                + #""input_tokens_details":{"text_tokens":40,"image_tokens":10},"output_tokens_details":{"text_tokens":0,"image_tokens":4160}}}"#,
            row: "- default 50 0 0 4160 1 - true input_image=10 output_image=4160"),
        Case(
            why: "Gemini: audio input (less its cached part) and image output by modality",
            format: .geminiJSONL,
            body: #"{"usageMetadata":{"promptTokenCount":1000,"cachedContentTokenCount":100,"candidatesTokenCount":50,"totalTokenCount":1050,"#
                + #""promptTokensDetails":[{"modality":"TEXT","tokenCount":400},{"modality":"AUDIO","tokenCount":600}],"#
                + #""cacheTokensDetails":[{"modality":"AUDIO","tokenCount":100}],"#
                + #""candidatesTokensDetails":[{"modality":"IMAGE","tokenCount":40},{"modality":"TEXT","tokenCount":10}]},"#
                + #""modelVersion":"gemini-2.5-flash-image","responseId":"g-2"}"#,
            row: "gemini-2.5-flash-image default 1000 100 0 50 1 g-2 false input_audio=500 output_image=40"),
    ]

    /// The row a file of one body gives, as `model tier input cached cacheWrite output requests id hasTime`.
    static func readRow(_ body: String, format: UsageImportFormat, fixture: LedgerFixture) throws -> String {
        let path = try fixture.write("body.jsonl", body + "\n")
        var rows = try UsageImport.rows(of: path, format: format)
        guard case .row(let row) = try rows.next() else { return "not a row" }
        return [
            row.model ?? "-", row.tier.rawValue, String(row.inputTokens), String(row.cachedTokens), String(row.cacheWriteTokens),
            String(row.outputTokens), String(row.requests), row.requestID ?? "-", String(row.hasTime),
        ].joined(separator: " ") + row.breakdown.fields.filter { $0.value > 0 }.map { " \($0.name)=\($0.value)" }.joined()
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

    @Test("audio, image and 1-hour cache-write tokens are priced at the default book's own rates, to the nanodollar")
    func mediaPricedFromTheDefaultBook() throws {
        try withImportLedger { fixture in
            let bodies = Self.cases.filter { ["chat-a", "resp_rt", "g-2", "msg_3"].contains($0.row.split(separator: " ")[7]) || $0.why.contains("Images") }
            #expect(bodies.count == 5)
            let path = try fixture.write("media.jsonl", bodies.map(\.body).joined(separator: "\n"))
            let summary = try fixture.importUsage(path, format: .auto, model: "gpt-image-1", start: utc(2026, 1, 5))
            #expect(summary.charged == 5)
            // Per million tokens, from DefaultPriceBook (nanodollars per token in the sums):
            // gpt-audio: 300 text in × 2,500 + 100 cached × 2,500 + 500 audio in × 32,000 + 100 text out × 10,000 + 200 audio out × 64,000.
            let audio: Int64 = 750_000 + 250_000 + 16_000_000 + 1_000_000 + 12_800_000
            // gpt-realtime: 200 × 4,000 + 300 cached × 400 + 400 audio × 32,000 + 100 image × 5,000 + 100 text out × 16,000 + 300 audio out × 64,000.
            let realtime: Int64 = 800_000 + 120_000 + 12_800_000 + 500_000 + 1_600_000 + 19_200_000
            // gpt-image-1: 40 text in × 5,000 + 10 image in × 10,000 + 4,160 image out × 40,000.
            let image: Int64 = 200_000 + 100_000 + 166_400_000
            // gemini-2.5-flash-image: 400 × 300 + 100 cached × 300 + 500 audio × 1,000 + 10 text out × 2,500 + 40 image out × 30,000.
            let gemini: Int64 = 120_000 + 30_000 + 500_000 + 25_000 + 1_200_000
            // claude-sonnet-4-5: 11 × 3,000 + 1,300 read × 300 + 70 5-minute writes × 3,750 + 100 1-hour writes × 6,000 + 19 out × 15,000.
            let claude: Int64 = 33_000 + 390_000 + 262_500 + 600_000 + 285_000
            #expect(
                Set(try fixture.usageRows("model, cost_nanos")) == [
                    "gpt-audio \(audio)", "gpt-image-1 \(image)", "gemini-2.5-flash-image \(gemini)", "claude-sonnet-4-5 \(claude)",
                    "gpt-realtime \(realtime)",
                ])
            #expect(summary.cost == Money(nanos: audio + realtime + image + gemini + claude))
            let detail = try fixture.ledger.charge(id: "resp_rt")
            #expect(detail.lines.map(\.tokenClass) == [.input, .cachedInput, .cacheWrite, .inputAudio, .inputImage, .output, .outputAudio])
            #expect(detail.lines.map(\.share.nanos) == [800_000, 120_000, 0, 12_800_000, 500_000, 1_600_000, 19_200_000])
            // The monthly report adds the classes up.
            let month = try fixture.ledger.monthlyReport(account: "acme", month: utc(2026, 1, 1), by: [.model])
            #expect(
                month.total.breakdown
                    == TokenBreakdown(cacheWrite1h: 100, inputAudio: 500 + 400 + 500, inputImage: 100 + 10, outputAudio: 200 + 300, outputImage: 4_160 + 40))
            #expect(month.total.cost == summary.cost)
            try fixture.expectVerified()
        }
    }

    @Test("tokens no class prices are refused, naming the line and field: web searches, other billed units, classes the entry does not price; unknown shapes")
    func unpricedRefused() throws {
        try withImportLedger { fixture in
            try Self.priceModels(fixture.ledger)
            let lines = [
                // 1-hour cache writes: priced by the default book's claude-sonnet-4-5 ($6) and claude-haiku-4-5 ($2), in force in 2026.
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
                // A 1-hour write on a model whose entry has no rate for it: refused, not billed at another class's rate.
                #"{"id":"msg_r9","type":"message","model":"llama-3.3-70b-versatile","usage":{"input_tokens":10,"cache_creation_input_tokens":100,"#
                    + #""output_tokens":5,"cache_creation":{"ephemeral_1h_input_tokens":100}}}"#,
                // More 1-hour writes than writes: malformed.
                #"{"id":"msg_r10","type":"message","model":"claude-sonnet-4-5","usage":{"input_tokens":10,"cache_creation_input_tokens":100,"#
                    + #""output_tokens":5,"cache_creation":{"ephemeral_1h_input_tokens":101}}}"#,
            ]
            let path = try fixture.write("refused.jsonl", lines.joined(separator: "\n"))
            let summary = try fixture.importUsage(path, format: .auto, model: "claude-haiku-4-5", start: utc(2026, 2, 1), skipBad: true)
            #expect(summary.charged == 3)
            // Line 1: 10 × $3 + 4,000 × $6 + 5 × $15 per million; line 4: 20 × $1 + 50 × $2 + 4 × $5; line 8: 10 × $3 + 5 × $15.
            #expect(summary.cost == Money(nanos: (30_000 + 24_000_000 + 75_000) + (20_000 + 100_000 + 20_000) + (30_000 + 75_000)))
            let refusal = "; the row is refused rather than charged without them"
            let noShape =
                "the body matches no provider's shape: expected an Anthropic message or message_delta, Gemini usageMetadata, "
                + "a usage object (Bedrock's inputTokens, Cohere's billed_units, OpenAI's prompt_tokens or input_tokens)"
            #expect(
                summary.badRows.map(\.description) == [
                    "line 2 (usage.server_tool_use.web_search_requests): 2 web searches, billed per search, which this format does not price" + refusal,
                    "line 3 (usage.input_tokens): missing: this message_delta carries only the output; its input is in message_start, which is not paired with it",
                    "line 5 (usage.billed_units.search_units): 1 units billed at a rate of their own, which this format does not price" + refusal,
                    "line 6: " + noShape, "line 7: " + noShape,
                    "line 9 (usage.cache_creation.ephemeral_1h_input_tokens): the price book has no cache_write_1h price for 'llama-3.3-70b-versatile', "
                        + "and the usage has 1-hour cache write tokens, which are billed at their own rate; add it "
                        + "(`tokenledger prices set llama-3.3-70b-versatile --cache-write-1h …`, or a catalog that has it)",
                    "line 10 (usage.cache_creation.ephemeral_1h_input_tokens): 101 1-hour cache writes are more than cache_creation_input_tokens (100), "
                        + "which include them",
                ])
            #expect(summary.badRows.map(\.code) == ["bad_input", "bad_input", "bad_input", "bad_input", "bad_input", "no_price_for_class", "bad_input"])
            let first = try fixture.ledger.charge(id: "msg_r1")
            #expect(first.charge.usage == TokenUsage(input: 4_010, cacheWrite: 0, output: 5, breakdown: TokenBreakdown(cacheWrite1h: 4_000)))
            #expect(first.lines.map(\.tokenClass) == [.input, .cachedInput, .cacheWrite, .cacheWrite1h, .output])
            #expect(first.lines.map(\.share) == [30_000, 0, 0, 24_000_000, 75_000].map { Money(nanos: $0) })
            // Read as openai-jsonl, an Anthropic body is still refused for its cache reads and writes.
            #expect(importFailure { try fixture.importUsage(path, format: .openAIJSONL) } == "bad_input line 1 (usage.cache_creation_input_tokens)")
            try fixture.expectVerified()
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
