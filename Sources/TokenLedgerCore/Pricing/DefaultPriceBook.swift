/// The price book a new ledger starts with: OpenAI's, Anthropic's and Google's published prices
/// for the models below, each effective from the day it took effect, so usage is billed at the
/// price of its time, and each with its provider, which decides the tiers it prices
/// (``Providers/halfPriceTiers(of:)``: OpenAI flex and batch at half, Anthropic's Message
/// Batches and Google's Batch Mode at half, no flex for either).
///
/// Figures are USD per million tokens from the providers' pricing pages, as LiteLLM's catalog
/// (`model_prices_and_context_window.json`, bundled as /work/shared/data/prices/) gives them,
/// cross-checked with pydantic's genai-prices (`prices/providers/*.yml`, MIT); where LiteLLM no
/// longer lists a model, genai-prices alone. Anthropic's cache write is its 5-minute write
/// (1.25 × input) and its 1-hour write is priced apart (2 × input); cache reads are 0.1 × input.
/// Audio and image tokens have their own rates where the provider bills them apart (OpenAI's
/// realtime, audio and image models; Gemini's audio input and image output). `tokenledger
/// prices set` and `prices import` add to them.
public enum DefaultPriceBook {
    /// Every entry, ordered by model then effective date.
    public static let entries: [PriceEntry] = [
        // o3: launched 2025-04-16 at $10 / $40 (flex $5 / $20); $2 / $8 from 2025-06-10.
        entry(
            "o3", "2025-04-16", input: "10", cached: "2.50", output: "40", window: (200_000, 100_000),
            tiers: [.flex: ("5", "1.25", "20"), .batch: ("5", nil, "20")]),
        entry(
            "o3", "2025-06-10", input: "2", cached: "0.50", output: "8", window: (200_000, 100_000),
            tiers: [.flex: ("1", "0.25", "4"), .batch: ("1", nil, "4"), .priority: ("3.50", "0.875", "14")]),
        entry(
            "o4-mini", "2025-04-16", input: "1.10", cached: "0.275", output: "4.40", window: (200_000, 100_000),
            tiers: [.flex: ("0.55", "0.138", "2.20"), .batch: ("0.55", nil, "2.20"), .priority: ("2", "0.50", "8")]),
        // gpt-4o: $5 / $15 at launch; $2.50 / $10 with cached input at $1.25 from 2024-10-02.
        entry(
            "gpt-4o", "2024-05-13", input: "5", cached: nil, output: "15", window: (128_000, 4_096),
            tiers: [.batch: ("2.50", nil, "7.50")]),
        entry(
            "gpt-4o", "2024-10-02", input: "2.50", cached: "1.25", output: "10", window: (128_000, 16_384),
            tiers: [.batch: ("1.25", nil, "5"), .priority: ("4.25", "2.125", "17")]),
        entry(
            "gpt-4o-mini", "2024-07-18", input: "0.15", cached: "0.075", output: "0.60", window: (128_000, 16_384),
            tiers: [.batch: ("0.075", nil, "0.30"), .priority: ("0.25", "0.125", "1")]),
        entry("gpt-4", "2023-03-14", input: "30", cached: nil, output: "60", window: (8_192, 4_096), tiers: [:]),
        entry("gpt-4-32k", "2023-03-14", input: "60", cached: nil, output: "120", window: (32_768, 4_096), tiers: [:]),
        entry("gpt-4-0125-preview", "2024-01-25", input: "10", cached: nil, output: "30", window: (128_000, 4_096), tiers: [:]),
        entry(
            "gpt-3.5-turbo-0125", "2024-01-25", input: "0.50", cached: nil, output: "1.50", window: (16_385, 4_096),
            tiers: [.batch: ("0.25", nil, "0.75")]),
        // gpt-3.5-turbo (4,096-token window): $2 / $2 at launch, $1.50 / $2 from 2023-06-13,
        // $0.50 / $1.50 from 2024-01-25.
        entry("gpt-3.5-turbo", "2023-03-01", input: "2", cached: nil, output: "2", window: (4_096, 4_096), tiers: [:]),
        entry("gpt-3.5-turbo", "2023-06-13", input: "1.50", cached: nil, output: "2", window: (4_096, 4_096), tiers: [:]),
        entry("gpt-3.5-turbo", "2024-01-25", input: "0.50", cached: nil, output: "1.50", window: (4_096, 4_096), tiers: [:]),
        entry("gpt-4-turbo-preview", "2024-01-25", input: "10", cached: nil, output: "30", window: (128_000, 4_096), tiers: [:]),
        entry("gpt-3.5-turbo-instruct", "2023-09-18", input: "1.50", cached: nil, output: "2", window: (4_096, 4_096), tiers: [:]),
        // gpt-5 family: launched 2025-08-07; flex and batch at half (cached input too); priority
        // for gpt-5 and gpt-5-mini (LiteLLM `*_flex`, `*_batches`, `*_priority`; genai-prices openai.yml).
        entry(
            "gpt-5", "2025-08-07", input: "1.25", cached: "0.125", output: "10", window: (272_000, 128_000),
            tiers: [.flex: ("0.625", "0.0625", "5"), .batch: ("0.625", "0.0625", "5"), .priority: ("2.50", "0.25", "20")]),
        entry(
            "gpt-5-mini", "2025-08-07", input: "0.25", cached: "0.025", output: "2", window: (272_000, 128_000),
            tiers: [.flex: ("0.125", "0.0125", "1"), .batch: ("0.125", "0.0125", "1"), .priority: ("0.45", "0.045", "3.60")]),
        entry(
            "gpt-5-nano", "2025-08-07", input: "0.05", cached: "0.005", output: "0.40", window: (272_000, 128_000),
            tiers: [.flex: ("0.025", "0.0025", "0.20"), .batch: ("0.025", "0.0025", "0.20")]),
        // gpt-4.1 family: launched 2025-04-14 with a 1,047,576-token window; batch at half, priority.
        entry(
            "gpt-4.1", "2025-04-14", input: "2", cached: "0.50", output: "8", window: (1_047_576, 32_768),
            tiers: [.batch: ("1", nil, "4"), .priority: ("3.50", "0.875", "14")]),
        entry(
            "gpt-4.1-mini", "2025-04-14", input: "0.40", cached: "0.10", output: "1.60", window: (1_047_576, 32_768),
            tiers: [.batch: ("0.20", nil, "0.80"), .priority: ("0.70", "0.175", "2.80")]),
        entry(
            "gpt-4.1-nano", "2025-04-14", input: "0.10", cached: "0.025", output: "0.40", window: (1_047_576, 32_768),
            tiers: [.batch: ("0.05", nil, "0.20"), .priority: ("0.20", "0.05", "0.80")]),
        // Audio and images at their own rates: gpt-realtime and gpt-audio (2025-08-28) bill audio
        // at $32 in / $64 out; gpt-image-1 (2025-04-23) bills image input at $10 and its output,
        // which is images, at $40 (its text output has no price of its own, so output is $40 too).
        entry(
            "gpt-realtime", "2025-08-28", input: "4", cached: "0.40", output: "16", window: (32_000, 4_096),
            apart: [.inputAudio: "32", .inputImage: "5", .outputAudio: "64"]),
        entry("gpt-audio", "2025-08-28", input: "2.50", cached: nil, output: "10", window: (128_000, 16_384), apart: [.inputAudio: "32", .outputAudio: "64"]),
        entry(
            "gpt-image-1", "2025-04-23", input: "5", cached: "1.25", output: "40", window: nil, tiers: [.batch: ("2.50", "0.625", "20")],
            apart: [.inputImage: "10", .outputImage: "40"]),
        // Anthropic: cache read 0.1 × input, 5-minute cache write 1.25 × input; Message Batches at
        // half of every class (Providers.halfPriceTiers). Opus 4 and Sonnet 4: 2025-05-22; Opus 4.1:
        // 2025-08-05 (genai-prices anthropic.yml; LiteLLM no longer lists them).
        entry(
            "claude-opus-4", "2025-05-22", input: "15", cached: "1.50", cacheWrite: "18.75", output: "75", window: (200_000, 32_000),
            provider: "anthropic", apart: [.cacheWrite1h: "30"]),
        entry(
            "claude-opus-4-1", "2025-08-05", input: "15", cached: "1.50", cacheWrite: "18.75", output: "75", window: (200_000, 32_000),
            provider: "anthropic", apart: [.cacheWrite1h: "30"]),
        // Sonnet 4 and 4.5: a 1M-token window, and above 200k input tokens the long-context rates
        // ($6 / $22.50, reads $0.60, writes $7.50: genai-prices' tiers for claude-sonnet-4-5,
        // LiteLLM's `*_above_200k_tokens` for its Bedrock entry). Sonnet 4.5: 2025-09-29 (LiteLLM, genai-prices).
        entry(
            "claude-sonnet-4", "2025-05-22", input: "3", cached: "0.30", cacheWrite: "3.75", output: "15", window: (1_000_000, 64_000),
            provider: "anthropic", apart: [.cacheWrite1h: "6"], longContext: (200_000, "6", "0.60", "7.50", "22.50"),
            longContextApart: [.cacheWrite1h: "12"]),
        entry(
            "claude-sonnet-4-5", "2025-09-29", input: "3", cached: "0.30", cacheWrite: "3.75", output: "15", window: (1_000_000, 64_000),
            provider: "anthropic", apart: [.cacheWrite1h: "6"], longContext: (200_000, "6", "0.60", "7.50", "22.50"),
            longContextApart: [.cacheWrite1h: "12"]),
        // Haiku 4.5: 2025-10-15 at $1 / $5 (LiteLLM, genai-prices). Haiku 3.5: $0.80 / $4 (genai-prices).
        entry(
            "claude-haiku-4-5", "2025-10-15", input: "1", cached: "0.10", cacheWrite: "1.25", output: "5", window: (200_000, 64_000),
            provider: "anthropic", apart: [.cacheWrite1h: "2"]),
        entry(
            "claude-3-5-haiku", "2024-11-04", input: "0.80", cached: "0.08", cacheWrite: "1", output: "4", window: (200_000, 8_192),
            provider: "anthropic", apart: [.cacheWrite1h: "1.60"]),
        // Google (Gemini API): GA 2025-06-17 (2.5 Pro, 2.5 Flash) and 2025-07-22 (2.5 Flash-Lite);
        // Batch Mode at half; context caching bills reads (and storage, which is not per token), so
        // a cache write costs the input price. 2.5 Pro above 200k input tokens: $2.50 / $15, reads
        // $0.25 (LiteLLM `gemini/gemini-2.5-pro`, genai-prices google.yml).
        entry(
            "gemini-2.5-pro", "2025-06-17", input: "1.25", cached: "0.125", output: "10", window: (1_048_576, 65_536), provider: "google",
            longContext: (200_000, "2.50", "0.25", nil, "15")),
        // Audio input: $1 (2.5 Flash) and $0.30 (2.5 Flash-Lite) per million tokens; 2.5 Pro bills
        // audio as text. 2.5 Flash Image: GA 2025-10-02, image output at $30 per million tokens.
        entry(
            "gemini-2.5-flash", "2025-06-17", input: "0.30", cached: "0.03", output: "2.50", window: (1_048_576, 65_536), provider: "google",
            apart: [.inputAudio: "1"]),
        entry(
            "gemini-2.5-flash-image", "2025-10-02", input: "0.30", cached: nil, output: "2.50", window: (32_768, 32_768), provider: "google",
            apart: [.inputAudio: "1", .outputImage: "30"]),
        entry(
            "gemini-2.5-flash-lite", "2025-07-22", input: "0.10", cached: "0.01", output: "0.40", window: (1_048_576, 65_536),
            provider: "google", apart: [.inputAudio: "0.30"]),
    ]

    /// Builds an entry from dollar figures per million tokens (literals: a bad one is a programmer error).
    private static func entry(
        _ model: String, _ date: String, input: String, cached: String?, cacheWrite: String? = nil, output: String, window: (Int64, Int64)?,
        tiers: [ServiceTier: (input: String, cached: String?, output: String)] = [:], provider: String = "openai",
        apart: [TokenClass: String] = [:],
        longContext: (threshold: Int64, input: String, cached: String?, cacheWrite: String?, output: String)? = nil,
        longContextApart: [TokenClass: String] = [:]
    ) -> PriceEntry {
        func rate(_ text: String) -> Int64 {
            do { return try Money(parsing: text).nanos } catch { preconditionFailure("bad price literal \(text)") }
        }
        let effectiveFrom: Timestamp
        do { effectiveFrom = try Timestamp(parsing: date) } catch { preconditionFailure("bad date literal \(date)") }
        func breakdown(_ figures: [TokenClass: String]) -> BreakdownRates {
            var rates = BreakdownRates()
            for (tokenClass, figure) in figures { rates[tokenClass] = rate(figure) }
            return rates
        }
        var rates = [
            RateKey(.default): TokenRates(
                input: rate(input), cachedInput: cached.map(rate), cacheWrite: cacheWrite.map(rate), output: rate(output), breakdown: breakdown(apart))
        ]
        for (tier, figures) in tiers {
            rates[RateKey(tier)] = TokenRates(input: rate(figures.input), cachedInput: figures.cached.map(rate), output: rate(figures.output))
        }
        if let longContext {
            rates[RateKey(.default, .longContext)] = TokenRates(
                input: rate(longContext.input), cachedInput: longContext.cached.map(rate), cacheWrite: longContext.cacheWrite.map(rate),
                output: rate(longContext.output), breakdown: breakdown(longContextApart))
        }
        return PriceEntry(
            model: model, effectiveFrom: effectiveFrom, rates: rates, maxInputTokens: window?.0, maxOutputTokens: window?.1,
            longContextThresholdTokens: longContext?.threshold, provider: provider)
    }
}
