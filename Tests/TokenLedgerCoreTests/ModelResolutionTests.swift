import Testing
import TokenLedgerCore

/// A price book's keys, as the catalog names them.
private let priced: Set<String> = [
    "gpt-4o", "gpt-4o-mini", "gpt-4o-2024-08-06", "gpt-5-mini", "claude-sonnet-4-5", "claude-3-5-sonnet-20241022",
    "anthropic.claude-3-haiku-20240307-v1:0", "llama-3.3-70b-versatile", "mistral-medium", "gemini-2.5-pro", "groq/llama-3.1-8b-instant",
    "llama-3.1-8b-instant", "openrouter/openai/gpt-4o", "openai/gpt-4o",
]

private let aliases = ["prod-gpt4o-deployment": "gpt-4o", "ghost": "not-priced-anywhere"]

private func resolve(_ name: String) -> Result<ModelResolution, ModelResolutionFailure> {
    do throws(ModelResolutionFailure) {
        return .success(try ModelResolver.resolve(name, isPriced: { priced.contains($0) }, alias: { aliases[$0] }))
    } catch { return .failure(error) }
}

/// Each name form, the entry it resolves to, and the step that finds it.
private let forms: [(String, String, ModelResolutionStep)] = [
    ("gpt-4o", "gpt-4o", .exact),
    ("openai/gpt-4o", "openai/gpt-4o", .exact),
    ("prod-gpt4o-deployment", "gpt-4o", .alias),
    ("openai/gpt-5-mini", "gpt-5-mini", .providerPrefix),
    ("anthropic/claude-sonnet-4-5", "claude-sonnet-4-5", .providerPrefix),
    ("groq/llama-3.3-70b-versatile", "llama-3.3-70b-versatile", .providerPrefix),
    ("azure/gpt-4o-mini", "gpt-4o-mini", .providerPrefix),
    ("openai/gpt-4o-2024-08-06", "gpt-4o-2024-08-06", .providerPrefix),
    ("gpt-4o-2024-08-06", "gpt-4o-2024-08-06", .exact),
    ("gpt-4o-mini-2024-07-18", "gpt-4o-mini", .datedSnapshot),
    ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5", .datedSnapshot),
    ("vertex_ai/claude-sonnet-4-5@20250929", "claude-sonnet-4-5", .datedSnapshot),
    ("mistral-medium-latest", "mistral-medium", .datedSnapshot),
    ("openai/gpt-4o-mini-2024-07-18", "gpt-4o-mini", .datedSnapshot),
    ("anthropic.claude-3-5-sonnet-20241022-v2:0", "claude-3-5-sonnet-20241022", .bedrockID),
    ("us.anthropic.claude-3-5-sonnet-20241022-v2:0", "claude-3-5-sonnet-20241022", .bedrockID),
    ("us.anthropic.claude-3-haiku-20240307-v1:0", "anthropic.claude-3-haiku-20240307-v1:0", .bedrockID),
    ("apac.anthropic.claude-3-haiku-20240307-v1:0", "anthropic.claude-3-haiku-20240307-v1:0", .bedrockID),
    ("global.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5", .datedSnapshot),
    ("bedrock/eu.anthropic.claude-3-5-sonnet-20241022-v2:0", "claude-3-5-sonnet-20241022", .bedrockID),
]

@Suite("Model names: the resolution order")
struct ModelResolutionTests {
    @Test("Each name form resolves to its entry by the step that finds it", arguments: forms)
    func resolves(name: String, model: String, step: ModelResolutionStep) {
        #expect(resolve(name) == .success(ModelResolution(sent: name, model: model, step: step)))
    }

    @Test("Two priced names found by one step are refused, naming both")
    func ambiguous() {
        // `openrouter/openai/gpt-4o` is a key; after its first `/` it is `openai/gpt-4o` (priced) and
        // its last segment `gpt-4o` (priced): a gateway prefix before it makes two candidates.
        #expect(resolve("x/openai/gpt-4o") == .failure(.ambiguous("x/openai/gpt-4o", candidates: ["openai/gpt-4o", "gpt-4o"])))
    }

    @Test("A name no step prices is unknown; an alias to an unpriced model does not resolve")
    func unknown() {
        #expect(resolve("my-azure-deployment") == .failure(.unknown("my-azure-deployment")))
        #expect(resolve("ghost") == .failure(.unknown("ghost")))
        #expect(resolve("gpt-4-0613") == .failure(.unknown("gpt-4-0613")))
        #expect(resolve("openai/") == .failure(.unknown("openai/")))
    }

    @Test("An exact key wins over an alias of the same name, and an alias over a stripped prefix")
    func order() {
        do throws(ModelResolutionFailure) {
            let first = try ModelResolver.resolve("gpt-4o", isPriced: { priced.contains($0) }, alias: { _ in "gpt-4o-mini" })
            #expect(first.step == .exact && first.model == "gpt-4o")
            let second = try ModelResolver.resolve("openai/gpt-5-mini", isPriced: { priced.contains($0) }, alias: { _ in "gpt-4o-mini" })
            #expect(second.step == .alias && second.model == "gpt-4o-mini")
        } catch { Issue.record("\(error)") }
    }

    @Test("The attempts name each step tried, up to the one that found the entry")
    func attempts() {
        let tried = ModelResolver.attempts("openai/gpt-4o-mini-2024-07-18", isPriced: { priced.contains($0) }, alias: { _ in nil })
        #expect(tried.map(\.step) == [.exact, .alias, .providerPrefix, .bedrockID, .bedrockID, .datedSnapshot])
        #expect(tried.last?.priced == ["gpt-4o-mini"])
        #expect(tried[2].candidates == ["gpt-4o-mini-2024-07-18"])
    }

    @Test("The name as sent is kept only when it differs from the entry's")
    func sentIfDifferent() {
        #expect(ModelResolution(sent: "gpt-4o", model: "gpt-4o", step: .exact).sentIfDifferent == nil)
        #expect(ModelResolution(sent: "openai/gpt-4o", model: "gpt-4o", step: .providerPrefix).sentIfDifferent == "openai/gpt-4o")
    }
}
