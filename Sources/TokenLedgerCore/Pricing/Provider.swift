/// Who served and billed a request (`openai`, `anthropic`, `google`, `bedrock`, `azure`,
/// `groq`…), and who sells which service tiers: the provider rules, written once.
///
/// A charge's provider is decided by ``charged(claim:sent:entryProvider:)``; a price entry's
/// provider (the publisher or seller whose price it is) decides which tiers it prices
/// (``halfPriceTiers(of:)``); the FOCUS export names both (``focusName(_:)``, ``publisher(model:entryProvider:)``).
public enum Providers {
    /// The longest provider name accepted.
    public static let maximumLength = 64

    /// The problem with `name` as a provider name, said without a subject ("is empty"): empty,
    /// longer than ``maximumLength``, or holding anything but lowercase ASCII letters, digits,
    /// `_`, `.` and `-`.
    public static func problem(_ name: String) -> String? {
        if name.isEmpty { return "is empty" }
        if name.utf8.count > maximumLength { return "is longer than \(maximumLength) characters" }
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
        }
        return allowed ? nil : "must hold only lowercase letters, digits, '_', '.' and '-' (got '\(name)')"
    }

    /// Providers' display names as FOCUS's `ProviderName` gives them: who served and billed.
    /// A provider not listed is shown as its name.
    public static let displayNames: [String: String] = [
        "openai": "OpenAI", "anthropic": "Anthropic", "google": "Google", "vertex_ai": "Google", "bedrock": "AWS", "azure": "Microsoft",
        "groq": "Groq", "mistral": "Mistral AI", "cohere": "Cohere", "deepseek": "DeepSeek", "openrouter": "OpenRouter",
        "together_ai": "Together AI", "fireworks_ai": "Fireworks AI", "xai": "xAI", "perplexity": "Perplexity", "ollama": "Ollama",
        "meta": "Meta", "amazon": "Amazon",
    ]

    /// FOCUS's `ProviderName` for a provider.
    public static func focusName(_ provider: String) -> String { displayNames[provider] ?? provider }

    /// The providers a bill's provider name stands for: those whose display name it is (`AWS` →
    /// `bedrock`, `Google` → `google` and `vertex_ai`), else the name in TokenLedger's words
    /// (``canonical(_:)``); empty when it names none.
    public static func billed(by name: String) -> Set<String> {
        var found = Set(displayNames.filter { $0.value.caseInsensitiveCompare(name) == .orderedSame }.keys)
        if found.isEmpty, let own = canonical(name.replacingOccurrences(of: " ", with: "_")) { found.insert(own) }
        return found
    }

    /// A catalog's provider name in TokenLedger's words: LiteLLM's `litellm_provider` values
    /// (`gemini`, `vertex_ai-language-models`, `bedrock_converse`, `azure_ai`, `cohere_chat`,
    /// `text-completion-openai`…) mapped to the provider that bills them; nil for a name that is
    /// not a valid provider name.
    public static func canonical(_ name: String) -> String? {
        let lowered = name.lowercased()
        let mapped: String
        switch lowered {
        case "gemini": mapped = "google"
        case "aws": mapped = "bedrock"
        case _ where lowered.hasPrefix("vertex_ai"): mapped = "vertex_ai"
        case _ where lowered.hasPrefix("bedrock"): mapped = "bedrock"
        case "azure_ai", "azure_text": mapped = "azure"
        case "cohere_chat": mapped = "cohere"
        case "text-completion-openai", "chatgpt": mapped = "openai"
        case "codestral", "text-completion-codestral": mapped = "mistral"
        default: mapped = lowered
        }
        return problem(mapped) == nil ? mapped : nil
    }

    /// Where a charge's provider comes from before the price book is consulted.
    public enum Claim: Sendable, Hashable {
        /// The caller named it (`charge --provider`, the service's `provider` field, a CSV
        /// `provider` column), or a provider's own import format did (anthropic-jsonl →
        /// `anthropic`, gemini-jsonl → `google`, bedrock-jsonl → `bedrock`, cohere-jsonl → `cohere`).
        case named(String)
        /// An OpenAI-shaped body (the openai-* formats): `openai`, unless the name as sent
        /// names a provider or the model resolves to another publisher's entry.
        case openAIShape
    }

    /// A charge's provider, the one rule:
    ///
    /// 1. the caller's or the import format's (``Claim/named(_:)``);
    /// 2. the name as sent, where it names who served it: a provider prefix (`groq/…`,
    ///    `bedrock/…`, `openrouter/…`) or a Bedrock id (`us.anthropic.claude-…-v2:0` → `bedrock`);
    /// 3. an OpenAI-shaped body: the entry's provider when it names another publisher, else `openai`;
    /// 4. the resolved price entry's provider;
    /// 5. none (nil: shown as unknown).
    ///
    /// The name as sent comes before the entry because the entry names whose price it is (for
    /// Claude on Bedrock, Anthropic's), while a prefix or a Bedrock id says who served and billed it.
    public static func charged(claim: Claim?, sent: String, entryProvider: String?) -> String? {
        if case .named(let name) = claim { return name }
        if let named = named(bySent: sent) { return named }
        if claim == .openAIShape { return entryProvider ?? "openai" }
        return entryProvider
    }

    /// The provider a name as sent names: its first path segment when that is a known provider
    /// (``displayNames``, or a catalog's name for one), else `bedrock` for a Bedrock id; nil otherwise.
    public static func named(bySent sent: String) -> String? {
        if let slash = sent.firstIndex(of: "/") {
            if let prefix = canonical(String(sent[..<slash])), displayNames[prefix] != nil { return prefix }
            return named(bySent: String(sent[sent.index(after: slash)...])) == "bedrock" ? "bedrock" : nil
        }
        let withoutRegion = ModelResolver.withoutBedrockRegion(sent) ?? sent
        guard let dot = withoutRegion.firstIndex(of: ".") else { return nil }
        let publisher = withoutRegion[..<dot]
        let rest = withoutRegion[withoutRegion.index(after: dot)...]
        guard bedrockPublishers.contains(String(publisher)), let first = rest.first, first.isLetter else { return nil }
        return "bedrock"
    }

    /// The model makers whose models Bedrock ids name (`anthropic.claude-…`, `meta.llama…`).
    static let bedrockPublishers: Set<String> = [
        "anthropic", "amazon", "meta", "mistral", "cohere", "ai21", "deepseek", "openai", "qwen", "writer", "stability", "twelvelabs",
    ]

    /// Who made a model, as FOCUS's `PublisherName` gives it: the maker named by the model's
    /// name (`claude-…` → Anthropic, `gpt-…`/`o3` → OpenAI, `gemini-…` → Google…), else the price
    /// entry's provider when it is a model maker; nil when neither says.
    public static func publisher(model: String, entryProvider: String?) -> String? {
        let name = model.split(separator: "/").last.map(String.init) ?? model
        let core = ModelResolver.bedrockCore(ModelResolver.withoutBedrockRegion(name) ?? name) ?? name
        for (prefixes, maker) in publisherPrefixes where prefixes.contains(where: { core.hasPrefix($0) }) { return maker }
        guard let entryProvider, makers.contains(entryProvider) else { return nil }
        return focusName(entryProvider)
    }

    private static let publisherPrefixes: [([String], String)] = [
        (["claude"], "Anthropic"), (["gpt-", "o1", "o3", "o4", "chatgpt", "text-embedding", "davinci", "babbage"], "OpenAI"),
        (["gemini", "gemma"], "Google"), (["llama"], "Meta"), (["mistral", "mixtral", "codestral", "magistral"], "Mistral AI"),
        (["command"], "Cohere"), (["deepseek"], "DeepSeek"), (["grok"], "xAI"), (["nova", "titan"], "Amazon"),
    ]

    /// Providers that make the models they sell.
    private static let makers: Set<String> = ["openai", "anthropic", "google", "mistral", "cohere", "deepseek", "xai", "meta", "amazon"]

    /// The tiers a provider sells at half the default price where its catalog entry gives no
    /// rate of its own: OpenAI sells flex and batch; Anthropic (Message Batches) and Google
    /// (Batch Mode) sell batch; any other named provider only the tiers its entry prices. An
    /// entry without a provider (recorded before providers were) keeps flex and batch at half,
    /// so existing books price as before.
    public static func halfPriceTiers(of provider: String?) -> Set<ServiceTier> {
        switch provider {
        case nil, "openai": [.flex, .batch]
        case "anthropic", "google": [.batch]
        default: []
        }
    }
}
