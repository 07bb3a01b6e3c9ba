import Testing
import TokenLedgerCore

@Suite("Providers")
struct ProviderTests {
    /// (claim, name as sent, entry's provider) → the charge's provider.
    static let chargedCases: [(Providers.Claim?, String, String?, String?)] = [
        // 1. the caller or a provider's own format
        (.named("azure"), "gpt-4o", "openai", "azure"),
        (.named("anthropic"), "claude-sonnet-4-5", "anthropic", "anthropic"),
        (.named("bedrock"), "anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic", "bedrock"),
        // 2. the name as sent: a provider prefix, a Bedrock id
        (nil, "groq/llama-3.3-70b-versatile", "meta", "groq"),
        (nil, "bedrock/anthropic.claude-3-5-sonnet-20241022-v2:0", "anthropic", "bedrock"),
        (nil, "openrouter/openai/gpt-4o", "openai", "openrouter"),
        (nil, "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic", "bedrock"),
        (nil, "meta.llama3-70b-instruct-v1:0", nil, "bedrock"),
        (.openAIShape, "gemini/gemini-2.5-flash", "google", "google"),
        (.openAIShape, "groq/llama-3.1-8b-instant", nil, "groq"),
        // a first segment that names no provider says nothing
        (nil, "accounts/fireworks/models/llama-v3", nil, nil),
        (nil, "ft:gpt-4o-mini:acme::abc123", "openai", "openai"),
        // 3. an OpenAI-shaped body: openai, unless the entry is another publisher's
        (.openAIShape, "gpt-4o-mini", "openai", "openai"),
        (.openAIShape, "claude-sonnet-4-5", "anthropic", "anthropic"),
        (.openAIShape, "mistral-medium-latest", nil, "openai"),
        // 4. the entry's provider; 5. none
        (nil, "gemini-2.5-pro", "google", "google"),
        (nil, "gpt-4.1", nil, nil),
        // dotted model names are not Bedrock ids
        (nil, "gpt-4.1-mini", "openai", "openai"),
    ]

    @Test("A charge's provider: the caller's or format's, the name as sent, an OpenAI shape, the entry's, none")
    func charged() {
        for (claim, sent, entryProvider, expected) in Self.chargedCases {
            #expect(Providers.charged(claim: claim, sent: sent, entryProvider: entryProvider) == expected, "\(String(describing: claim)) \(sent)")
        }
    }

    @Test(
        "Provider names: lowercase letters, digits, _ . - and at most 64 characters",
        arguments: [
            ("openai", true), ("together_ai", true), ("vertex.ai-2", true), ("", false), ("OpenAI", false), ("open ai", false),
            ("bedrock/us", false), (String(repeating: "a", count: 64), true), (String(repeating: "a", count: 65), false), ("é", false),
        ])
    func validation(name: String, valid: Bool) {
        #expect((Providers.problem(name) == nil) == valid, "\(name)")
    }

    @Test("A charge request with a bad provider is refused naming the field")
    func refusedProvider() {
        let request = ChargeRequest(account: "acme", model: "gpt-4o", input: 1, output: 1, at: utc(2026, 1, 1), provider: .named("Open AI"))
        guard case .invalidAttribution(let field, let reason) = request.attributionProblem() else {
            Issue.record("expected invalid_attribution")
            return
        }
        #expect(field == "provider")
        #expect(reason.contains("lowercase letters"))
    }

    @Test(
        "Catalog names in TokenLedger's words",
        arguments: [
            ("openai", "openai"), ("gemini", "google"), ("vertex_ai-language-models", "vertex_ai"), ("bedrock_converse", "bedrock"),
            ("azure_ai", "azure"), ("cohere_chat", "cohere"), ("text-completion-openai", "openai"), ("Groq", "groq"),
        ])
    func canonical(name: String, expected: String) {
        #expect(Providers.canonical(name) == expected)
    }

    @Test("FOCUS names who served and who made the model")
    func focusNames() {
        #expect(Providers.focusName("bedrock") == "AWS")
        #expect(Providers.focusName("azure") == "Microsoft")
        #expect(Providers.focusName("anthropic") == "Anthropic")
        #expect(Providers.focusName("somecloud") == "somecloud")
        #expect(Providers.publisher(model: "claude-sonnet-4-5", entryProvider: "anthropic") == "Anthropic")
        #expect(Providers.publisher(model: "anthropic.claude-3-5-sonnet-20241022-v2:0", entryProvider: "bedrock") == "Anthropic")
        #expect(Providers.publisher(model: "gpt-4o", entryProvider: nil) == "OpenAI")
        #expect(Providers.publisher(model: "gemini-2.5-pro", entryProvider: "vertex_ai") == "Google")
        #expect(Providers.publisher(model: "house-model", entryProvider: "mistral") == "Mistral AI")
        #expect(Providers.publisher(model: "house-model", entryProvider: "groq") == nil)
    }

    /// An entry of `provider` at $2 / $8 (cached $0.50), with only the tiers `tiers` given.
    static func entry(provider: String?, tiers: [ServiceTier: TokenRates] = [:]) -> PriceEntry {
        var rates = [RateKey(.default): TokenRates(input: 2_000_000_000, cachedInput: 500_000_000, output: 8_000_000_000)]
        for (tier, given) in tiers { rates[RateKey(tier)] = given }
        return PriceEntry(model: "m", effectiveFrom: utc(2025, 1, 1), rates: rates, provider: provider)
    }

    @Test("Half-price flex and batch only where the provider sells them; none: as before")
    func tiersByProvider() {
        /// Input, cached input, cache write and output, nanodollars per million tokens.
        func classes(_ rates: ResolvedRates?) -> [Int64]? { rates.map { [$0.input, $0.cachedInput, $0.cacheWrite, $0.output] } }
        let half: [Int64] = [1_000_000_000, 250_000_000, 1_000_000_000, 4_000_000_000]
        let table: [(String?, ServiceTier, [Int64]?)] = [
            (nil, .flex, half), (nil, .batch, half),
            ("openai", .flex, half), ("openai", .batch, half),
            ("anthropic", .flex, nil), ("anthropic", .batch, half),
            ("google", .flex, nil), ("google", .batch, half),
            ("groq", .flex, nil), ("groq", .batch, nil), ("bedrock", .batch, nil),
            ("openai", .priority, nil),
        ]
        for (provider, tier, expected) in table {
            #expect(classes(Self.entry(provider: provider).resolvedRates(tier: tier)) == expected, "\(provider ?? "none") \(tier)")
        }
        // A provider's own tier rates are kept: Groq's batch, given by its catalog.
        let groq = Self.entry(provider: "groq", tiers: [.batch: TokenRates(input: 1_500_000_000, output: 6_000_000_000)])
        #expect(classes(groq.resolvedRates(tier: .batch)) == [1_500_000_000, 1_500_000_000, 1_500_000_000, 6_000_000_000])
    }

    @Test("A tier the provider does not sell is refused, saying so")
    func refusalSaysProvider() {
        let usage = TokenUsage(input: 10, cached: 0, cacheWrite: 0, output: 10)
        do throws(PricingRefusal) {
            _ = try Self.entry(provider: "anthropic").cost(of: usage, tier: .flex)
            Issue.record("anthropic flex was priced")
        } catch {
            #expect(error == .noPriceForTier(.flex, provider: "anthropic"))
            let refusal = ChargeRefusal(error, model: "claude-sonnet-4-5")
            #expect(refusal.code == "no_price_for_tier")
            #expect(refusal.message == "the price book has no flex prices for 'claude-sonnet-4-5' (anthropic does not sell the flex tier for it)")
        }
        #expect(ChargeRefusal.noPriceForTier(model: "gpt-4", tier: .priority).message == "the price book has no priority prices for 'gpt-4'")
    }
}
