import Foundation
import TokenLedgerCore

/// LiteLLM's public price catalog (`model_prices_and_context_window.json`) read into a
/// ``PriceCatalog``.
///
/// The catalog gives USD **per token** as JSON numbers (`2.5e-06`); each is read from its text
/// and converted exactly to nanodollars per million tokens, rounded half to even where the text
/// is more precise than that (never through `Double`). Kept per model (the JSON key):
/// `input_cost_per_token`, `output_cost_per_token`, `cache_read_input_token_cost` (cached
/// input), `cache_creation_input_token_cost` (cache write) and its `_above_1hr` (1-hour cache
/// write), `input_cost_per_audio_token`, `input_cost_per_image_token`,
/// `output_cost_per_audio_token`, `output_cost_per_image_token`; their `_flex`, `_batches`
/// (batch tier) and `_priority` variants; the long-context band `*_above_NNNk_tokens[_tier]`
/// (threshold NNN×1000 input tokens); `max_input_tokens` and `max_output_tokens` (0, LiteLLM's
/// "not known", is read as not given); `litellm_provider`. Other costs (per image, per second,
/// per query, cached audio and image reads, `_above_12hr` writes, `_decisions`, `_ultrafast`, …)
/// are ignored.
///
/// Keys that are not models priced by the token (no per-token input or output price,
/// `sample_spec`, two long-context bands) are skipped with the reason. An entry whose data is
/// wrong (a price that is negative, a string or above $10,000 per million tokens, a window that is
/// not a whole number from 1 to 100 billion) is malformed: ``PriceCatalog`` refuses the catalog
/// unless told to skip it. A JSON object none of whose entries has LiteLLM's fields is not a
/// LiteLLM catalog, and is refused.
///
/// ```swift
/// let catalog = try LiteLLMCatalog.read(contentsOf: "model_prices_and_context_window.json")
/// try ledger.importPrices(catalog, effectiveFrom: now)
/// ```
public enum LiteLLMCatalog {
    /// USD per token read at this scale is nanodollars (1e-9) per million (1e6) tokens.
    public static let perTokenScale = 15

    /// The catalog's key that documents its fields rather than pricing a model.
    public static let documentationKey = "sample_spec"

    /// The fields that mark an object as a LiteLLM model entry.
    static let signatureFields: Set<String> = ["litellm_provider", "mode", "input_cost_per_token", "output_cost_per_token"]

    /// Reads the catalog file at `path`; see ``PriceCatalog/read(contentsOf:format:skipBad:providers:)``.
    public static func read(contentsOf path: String, skipBad: Bool = false) throws -> PriceCatalog {
        try PriceCatalog.read(contentsOf: path, format: .litellm, skipBad: skipBad)
    }

    /// Reads a catalog from its JSON text; `file` names it in errors.
    public static func parse(_ text: String, file: String, skipBad: Bool = false) throws -> PriceCatalog {
        try PriceCatalog.parse(text, file: file, format: .litellm, skipBad: skipBad)
    }

    /// Whether `value` is an object with one of LiteLLM's entry fields.
    static func looksLikeEntry(_ value: JSONValue) -> Bool {
        guard case .object(let fields) = value else { return false }
        return fields.contains { signatureFields.contains($0.key) }
    }

    /// The catalog in a parsed JSON document. Throws ``InputError`` when the document is not a
    /// LiteLLM catalog: not an object, or no entry with LiteLLM's fields.
    static func catalog(_ json: JSONValue, file: String) throws -> PriceCatalog {
        guard case .object(let members) = json else {
            throw PriceCatalog.notTheFormat(
                .litellm, json, file: file, why: "the file is \(json.kindDescription), and a LiteLLM catalog is a JSON object of models, keyed by model name")
        }
        guard members.contains(where: { looksLikeEntry($0.value) }) else {
            throw PriceCatalog.notTheFormat(
                .litellm, json, file: file,
                why: members.isEmpty
                    ? "it has no models"
                    : "none of its \(members.count) entries has LiteLLM's fields (litellm_provider, mode, input_cost_per_token, output_cost_per_token)")
        }
        var catalog = PriceCatalog(entries: [])
        for member in members {
            switch entry(member) {
            case .success(let entry): catalog.entries.append(entry)
            case .failure(let skip):
                if let problem = skip.problem {
                    catalog.malformed.append(problem)
                } else {
                    catalog.skipped.append((member.key, skip.reason))
                }
            }
        }
        return catalog
    }

    /// Why one key of the catalog was not taken: skipped by design, or malformed (`problem`).
    struct Skip: Error {
        var reason: String
        var problem: CatalogProblem?

        init(reason: String) {
            self.reason = reason
        }

        init(model: String, line: Int, field: String, reason: String) {
            self.reason = "line \(line): \(field): \(reason)"
            self.problem = CatalogProblem(model: model, line: line, field: field, reason: reason)
        }
    }

    /// The price entry of one catalog key (its provider its `litellm_provider`), or why there is none.
    static func entry(_ member: JSONMember) -> Result<PriceEntry, Skip> {
        if member.key == documentationKey { return .failure(Skip(reason: "documentation of the catalog's fields, not a model")) }
        guard case .object(let fields) = member.value else {
            return .failure(
                Skip(model: member.key, line: member.line, field: member.key, reason: "the entry is \(member.value.kindDescription), not an object"))
        }
        var reader = EntryFields(model: member.key)
        for field in fields {
            do { try reader.take(field) } catch { return .failure(error) }
        }
        return reader.entry(line: member.line)
    }
}

/// A rate field's place in a price entry: `input_cost_per_token_above_272k_tokens_priority` is
/// the input class of the priority tier's long-context band, above 272,000 input tokens.
struct LiteLLMRateField: Equatable {
    var key: RateKey
    var tokenClass: TokenClass
    /// The long-context threshold in input tokens; nil for the standard band.
    var thresholdTokens: Int64?

    /// Each class's field, a longer name before any it begins with (`…_above_1hr` before the 5-minute write).
    private static let classes: [(String, TokenClass)] = [
        ("input_cost_per_token", .input), ("output_cost_per_token", .output),
        ("cache_read_input_token_cost", .cachedInput), ("cache_creation_input_token_cost_above_1hr", .cacheWrite1h),
        ("cache_creation_input_token_cost", .cacheWrite), ("input_cost_per_audio_token", .inputAudio),
        ("input_cost_per_image_token", .inputImage), ("output_cost_per_audio_token", .outputAudio),
        ("output_cost_per_image_token", .outputImage),
    ]
    private static let tiers: [(String, ServiceTier)] = [("_flex", .flex), ("_batches", .batch), ("_priority", .priority)]

    /// The field named `name`, or nil when it is not a per-token rate TokenLedger keeps.
    init?(name: String) {
        guard let match = LiteLLMRateField.classes.first(where: { name.hasPrefix($0.0) }) else { return nil }
        let tokenClass = match.1
        var rest = Substring(name.dropFirst(match.0.count))
        var tier = ServiceTier.default
        if let suffix = LiteLLMRateField.tiers.first(where: { rest.hasSuffix($0.0) }) {
            tier = suffix.1
            rest = rest.dropLast(suffix.0.count)
        }
        if rest.isEmpty {
            self.init(key: RateKey(tier), tokenClass: tokenClass, thresholdTokens: nil)
            return
        }
        // `_above_272k_tokens`: exactly digits between `_above_` and `k_tokens`.
        guard rest.hasPrefix("_above_"), rest.hasSuffix("k_tokens") else { return nil }
        let digits = rest.dropFirst("_above_".count).dropLast("k_tokens".count)
        guard (1...8).contains(digits.count), digits.allSatisfy({ ("0"..."9").contains($0) }), let thousands = Int64(digits) else { return nil }
        self.init(key: RateKey(tier, .longContext), tokenClass: tokenClass, thresholdTokens: thousands * 1_000)
    }

    private init(key: RateKey, tokenClass: TokenClass, thresholdTokens: Int64?) {
        self.key = key
        self.tokenClass = tokenClass
        self.thresholdTokens = thresholdTokens
    }
}

/// The fields of one catalog entry that TokenLedger keeps, gathered one by one.
private struct EntryFields {
    var model: String
    var rates: [RateKey: TokenRates] = [:]
    var thresholds = Set<Int64>()
    var maxInputTokens: Int64?
    var maxOutputTokens: Int64?
    var mode: String?
    /// `litellm_provider` in TokenLedger's words (``Providers/canonical(_:)``).
    var provider: String?

    init(model: String) {
        self.model = model
    }

    /// Takes `field` if it is one TokenLedger keeps; throws a malformed entry when its value is
    /// not a usable number.
    mutating func take(_ field: JSONMember) throws(LiteLLMCatalog.Skip) {
        switch field.key {
        case "mode":
            if case .string(let mode) = field.value { self.mode = mode }
        case "litellm_provider":
            if case .string(let name) = field.value { provider = Providers.canonical(name) }
        case "max_input_tokens": maxInputTokens = try tokens(field)
        case "max_output_tokens": maxOutputTokens = try tokens(field)
        default:
            guard let place = LiteLLMRateField(name: field.key), let value = try rate(field) else { return }
            if let threshold = place.thresholdTokens { thresholds.insert(threshold) }
            self.rates[place.key, default: TokenRates(input: nil, output: nil)][place.tokenClass] = value
        }
    }

    private func malformed(_ field: JSONMember, _ reason: String) -> LiteLLMCatalog.Skip {
        LiteLLMCatalog.Skip(model: model, line: field.line, field: field.key, reason: reason)
    }

    /// A per-token price as nanodollars per million tokens; nil for `null`.
    private func rate(_ field: JSONMember) throws(LiteLLMCatalog.Skip) -> Int64? {
        guard let text = try numberText(field) else { return nil }
        let value: Int64
        do {
            value = try DecimalText.scaledIntegerRoundedHalfToEven(text, scale: LiteLLMCatalog.perTokenScale)
        } catch .negative {
            throw malformed(field, "the price '\(text)' is negative")
        } catch {
            throw malformed(field, "\(error)")
        }
        guard value <= PriceEntry.maximumRateNanosPerMillion else {
            throw malformed(field, "the price '\(text)' per token is above $10,000 per million tokens")
        }
        return value
    }

    /// A count of tokens, which must be a whole number from 1 to ``TokenUsage/maximumTokens``;
    /// nil for `null` and for 0 (LiteLLM's "not known", as for embedding models' output).
    private func tokens(_ field: JSONMember) throws(LiteLLMCatalog.Skip) -> Int64? {
        guard let text = try numberText(field) else { return nil }
        let value: Int64
        do {
            value = try DecimalText.scaledInteger(text, scale: 0)
        } catch .tooPrecise {
            throw malformed(field, "'\(text)' is not a whole number of tokens")
        } catch {
            throw malformed(field, "\(error)")
        }
        guard value != 0 else { return nil }
        guard value > 0, value <= TokenUsage.maximumTokens else {
            throw malformed(field, "\(text) tokens is not a context window (from 1 to \(TokenUsage.maximumTokens))")
        }
        return value
    }

    private func numberText(_ field: JSONMember) throws(LiteLLMCatalog.Skip) -> String? {
        switch field.value {
        case .number(let text): return text
        case .null: return nil
        default: throw malformed(field, "\(field.value.kindDescription), not a number")
        }
    }

    /// The entry, once every field is taken, or why it cannot be used.
    func entry(line: Int) -> Result<PriceEntry, LiteLLMCatalog.Skip> {
        let standard = rates[RateKey(.default)]
        let missing = [("input_cost_per_token", standard?.input), ("output_cost_per_token", standard?.output)].filter { $0.1 == nil }
        if !missing.isEmpty {
            let names = missing.map(\.0).joined(separator: " or ")
            return .failure(LiteLLMCatalog.Skip(reason: "no \(names)" + (mode.map { " (mode \($0))" } ?? "")))
        }
        if thresholds.count > 1 {
            let bands = thresholds.sorted().map { "\($0 / 1_000)k" }.joined(separator: " and ")
            return .failure(LiteLLMCatalog.Skip(reason: "long-context prices above \(bands) tokens; TokenLedger keeps one long-context band"))
        }
        let entry = PriceEntry(
            model: model, effectiveFrom: .earliest, rates: rates, maxInputTokens: maxInputTokens, maxOutputTokens: maxOutputTokens,
            longContextThresholdTokens: thresholds.first, provider: provider)
        if let problem = entry.problem {
            return .failure(LiteLLMCatalog.Skip(model: model, line: line, field: model, reason: problem))
        }
        return .success(entry)
    }
}
