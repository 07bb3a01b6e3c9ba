/// The price book a new ledger starts with: OpenAI's published prices for the models below,
/// each effective from the day it took effect, so usage is billed at the price of its time.
///
/// Figures are USD per million tokens from OpenAI's pricing pages (and LiteLLM's catalog for
/// the tiers and context windows); `tokenledger prices set` and `prices import` add to them.
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
    ]

    /// Builds an entry from dollar figures per million tokens (literals: a bad one is a programmer error).
    private static func entry(
        _ model: String, _ date: String, input: String, cached: String?, output: String, window: (Int64, Int64),
        tiers: [ServiceTier: (input: String, cached: String?, output: String)]
    ) -> PriceEntry {
        func rate(_ text: String) -> Int64 {
            do { return try Money(parsing: text).nanos } catch { preconditionFailure("bad price literal \(text)") }
        }
        let effectiveFrom: Timestamp
        do { effectiveFrom = try Timestamp(parsing: date) } catch { preconditionFailure("bad date literal \(date)") }
        var rates = [RateKey(.default): TokenRates(input: rate(input), cachedInput: cached.map(rate), output: rate(output))]
        for (tier, figures) in tiers {
            rates[RateKey(tier)] = TokenRates(input: rate(figures.input), cachedInput: figures.cached.map(rate), output: rate(figures.output))
        }
        return PriceEntry(model: model, effectiveFrom: effectiveFrom, rates: rates, maxInputTokens: window.0, maxOutputTokens: window.1)
    }
}
