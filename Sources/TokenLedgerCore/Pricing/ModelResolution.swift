/// How a model name as a gateway or provider sends it finds its price-book entry.
///
/// Gateways send `openai/gpt-5-mini`, dated snapshots `gpt-4o-2024-08-06`, Bedrock ids
/// `us.anthropic.claude-3-5-sonnet-20241022-v2:0`; the price book is keyed by the catalog's
/// names. ``ModelResolver/resolve(_:isPriced:alias:)`` tries these steps in order and stops at
/// the first that finds a priced name:
///
/// 1. ``exact``: the name as sent is a price-book key.
/// 2. ``alias``: the user's alias table maps the name as sent to a priced model.
/// 3. ``providerPrefix``: a provider prefix stripped (`openai/`, `bedrock/`, `openrouter/openai/`…):
///    the name after the first `/`, and the last path segment.
/// 4. ``bedrockID``: a Bedrock id with its regional prefix (`us.`, `eu.`, `apac.`, `global.`…)
///    stripped, if that id is priced; else without its provider (`anthropic.`) and its version
///    suffix (`-v2:0`).
/// 5. ``datedSnapshot``: a dated snapshot's family (`-2024-08-06`, `-20250929`, `@20250929` or
///    `-latest` removed). The snapshot's own entry, when priced, is found by an earlier step.
///
/// Steps 4 and 5 also apply to the names step 3 strips (`bedrock/us.anthropic.…`,
/// `openai/gpt-4o-2024-08-06`). When one step finds two different priced names the name is
/// ambiguous and refused with both: the resolver never guesses.
public enum ModelResolutionStep: String, Sendable, CaseIterable, Equatable {
    case exact
    case alias
    case providerPrefix = "provider_prefix"
    case bedrockID = "bedrock_id"
    case datedSnapshot = "dated_snapshot"
}

/// The price-book entry a name as sent resolved to, and the step that found it.
public struct ModelResolution: Sendable, Equatable {
    /// The name as sent.
    public let sent: String
    /// The price-book key that prices it.
    public let model: String
    public let step: ModelResolutionStep

    public init(sent: String, model: String, step: ModelResolutionStep) {
        self.sent = sent
        self.model = model
        self.step = step
    }

    /// The name as sent when it is not the entry's own name, else nil (what a charge records
    /// beside the model it was priced by).
    public var sentIfDifferent: String? { sent == model ? nil : sent }
}

/// One step the resolver tried: the names it looked up and the priced ones among them.
public struct ModelResolutionAttempt: Sendable, Equatable {
    public let step: ModelResolutionStep
    public let candidates: [String]
    public let priced: [String]
}

/// Why a name as sent resolves to no entry.
public enum ModelResolutionFailure: Error, Sendable, Equatable {
    /// No step found a priced name.
    case unknown(String)
    /// One step found two or more priced names: an alias must say which.
    case ambiguous(String, candidates: [String])
}

/// The model-name resolution rule (``ModelResolutionStep``), pure: the caller gives which names
/// are priced and the user's aliases.
///
/// ```swift
/// let found = try ModelResolver.resolve("openai/gpt-4o-mini", isPriced: { book.contains($0) }, alias: { _ in nil })
/// // found.model == "gpt-4o-mini", found.step == .providerPrefix
/// ```
public enum ModelResolver {
    /// Bedrock's cross-region inference prefixes.
    public static let bedrockRegions = ["us.", "eu.", "apac.", "global.", "us-gov.", "jp.", "au.", "ca."]

    /// The entry `sent` resolves to; throws ``ModelResolutionFailure`` when none or two.
    public static func resolve(_ sent: String, isPriced: (String) -> Bool, alias: (String) -> String?) throws(ModelResolutionFailure) -> ModelResolution {
        for attempt in attempts(sent, isPriced: isPriced, alias: alias) where !attempt.priced.isEmpty {
            guard attempt.priced.count == 1 else { throw .ambiguous(sent, candidates: attempt.priced) }
            return ModelResolution(sent: sent, model: attempt.priced[0], step: attempt.step)
        }
        throw .unknown(sent)
    }

    /// Every step in order with the names it looks up (a step may be tried in two tiers, as
    /// step 4 is), up to and including the first that finds a priced name: what
    /// `tokenledger prices resolve` explains.
    public static func attempts(_ sent: String, isPriced: (String) -> Bool, alias: (String) -> String?) -> [ModelResolutionAttempt] {
        var tried: [ModelResolutionAttempt] = []
        for (step, names) in tiers(of: sent, alias: alias) {
            let candidates = unique(names)
            let attempt = ModelResolutionAttempt(step: step, candidates: candidates, priced: candidates.filter(isPriced))
            tried.append(attempt)
            if !attempt.priced.isEmpty { break }
        }
        return tried
    }

    /// The steps with the names each looks up.
    private static func tiers(of sent: String, alias: (String) -> String?) -> [(ModelResolutionStep, [String])] {
        let stripped = withoutProviderPrefix(sent)
        let bases = unique([sent] + stripped)
        let regional = bases.compactMap(withoutBedrockRegion)
        let cores = unique(bases.map { withoutBedrockRegion($0) ?? $0 }.compactMap(bedrockCore))
        let families = unique(bases + cores).compactMap(family)
        return [
            (.exact, [sent]), (.alias, alias(sent).map { [$0] } ?? []), (.providerPrefix, stripped), (.bedrockID, regional),
            (.bedrockID, cores), (.datedSnapshot, families),
        ]
    }

    /// `a/b/c` → `b/c` and `c`; nothing without a `/`.
    static func withoutProviderPrefix(_ name: String) -> [String] {
        guard let first = name.firstIndex(of: "/"), let last = name.lastIndex(of: "/") else { return [] }
        let afterFirst = String(name[name.index(after: first)...])
        let lastSegment = String(name[name.index(after: last)...])
        return unique([afterFirst, lastSegment]).filter { !$0.isEmpty }
    }

    /// `us.anthropic.claude-…` → `anthropic.claude-…`; nil without a regional prefix.
    static func withoutBedrockRegion(_ name: String) -> String? {
        guard let region = bedrockRegions.first(where: { name.hasPrefix($0) }) else { return nil }
        let rest = String(name.dropFirst(region.count))
        return rest.contains(".") ? rest : nil
    }

    /// `anthropic.claude-3-5-sonnet-20241022-v2:0` → `claude-3-5-sonnet-20241022`: the provider
    /// (a leading run of lowercase letters and digits before a `.`) and the version suffix
    /// (`-vN`, `-vN:M`) removed; nil when the name has neither.
    static func bedrockCore(_ name: String) -> String? {
        var core = Substring(name)
        if let dot = core.firstIndex(of: "."), dot > core.startIndex, core[..<dot].allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber) }),
            core.first?.isLetter == true
        {
            core = core[core.index(after: dot)...]
        }
        if let version = versionSuffixStart(core) { core = core[..<version] }
        return core.count < name.count && !core.isEmpty ? String(core) : nil
    }

    /// Where a trailing `-vN` or `-vN:M…` begins.
    private static func versionSuffixStart(_ name: Substring) -> Substring.Index? {
        guard let letter = name.lastIndex(of: "v"), letter > name.startIndex else { return nil }
        let dash = name.index(before: letter)
        guard name[dash] == "-" else { return nil }
        let rest = name[name.index(after: letter)...]
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        guard let number = parts.first, !number.isEmpty, number.allSatisfy(\.isNumber),
            parts.dropFirst().allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } })
        else { return nil }
        return dash
    }

    /// A dated snapshot's family: `-YYYY-MM-DD`, `-YYYYMMDD`, `@YYYYMMDD` or `-latest` removed;
    /// nil for a name without one.
    static func family(_ name: String) -> String? {
        let digits = { (text: Substring) in text.allSatisfy { $0.isASCII && $0.isNumber } }
        let characters = Array(name)
        if name.hasSuffix("-latest"), name.count > 7 { return String(name.dropLast(7)) }
        if characters.count > 11 {
            let tail = name.suffix(11)
            let parts = tail.dropFirst().split(separator: "-", omittingEmptySubsequences: false)
            if tail.first == "-", parts.count == 3, parts.map(\.count) == [4, 2, 2], parts.allSatisfy(digits) { return String(name.dropLast(11)) }
        }
        if characters.count > 9 {
            let tail = name.suffix(9)
            if tail.first == "-" || tail.first == "@", digits(tail.dropFirst()), tail.dropFirst().hasPrefix("20") { return String(name.dropLast(9)) }
        }
        return nil
    }

    private static func unique(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }
}
