import Foundation
import TokenLedgerCore

/// LiteLLM's public price catalog (`model_prices_and_context_window.json`) read into price
/// entries, with the entries it could not use and why.
///
/// The catalog gives USD **per token** as JSON numbers (`2.5e-06`); each is read from its text
/// and converted exactly to nanodollars per million tokens, rounded half to even where the text
/// is more precise than that (never through `Double`). Kept per model (the JSON key):
/// `input_cost_per_token`, `output_cost_per_token`, `cache_read_input_token_cost` (cached
/// input), `cache_creation_input_token_cost` (cache write); their `_flex`, `_batches` (batch tier)
/// and `_priority` variants; the long-context band `*_above_NNNk_tokens[_tier]` (threshold NNN×1000
/// input tokens); `max_input_tokens` and `max_output_tokens`. Other costs (audio, images,
/// per query, `_above_1hr` cache writes, `_decisions`, `_ultrafast`, …) are ignored.
///
/// ```swift
/// let catalog = try LiteLLMCatalog.read(contentsOf: "model_prices_and_context_window.json")
/// try ledger.importPrices(catalog, effectiveFrom: now)
/// ```
public struct LiteLLMCatalog: Sendable {
    /// The usable entries, in the file's order. Their `effectiveFrom` is a placeholder
    /// (``Timestamp/earliest``): ``Ledger/importPrices(_:effectiveFrom:)`` sets the real one.
    public var entries: [PriceEntry]
    /// The catalog's other keys and why each was not taken (`sample_spec`, no token prices,
    /// a malformed or out-of-range number).
    public var skipped: [(model: String, reason: String)]

    /// USD per token read at this scale is nanodollars (1e-9) per million (1e6) tokens.
    public static let perTokenScale = 15

    /// The catalog's key that documents its fields rather than pricing a model.
    public static let documentationKey = "sample_spec"

    /// A catalog of `entries` (and the keys `skipped`), for callers that build one themselves;
    /// ``Ledger/importPrices(_:effectiveFrom:)`` still checks every entry.
    public init(entries: [PriceEntry], skipped: [(model: String, reason: String)] = []) {
        self.entries = entries
        self.skipped = skipped
    }

    /// Reads the catalog file at `path`. Throws ``InputError`` naming the file when it is
    /// missing, unreadable or not UTF-8, and as ``parse(_:file:)`` does.
    public static func read(contentsOf path: String) throws -> LiteLLMCatalog {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InputError(file: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw InputError(file: path, reason: "it is a directory, not a catalog file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw InputError(file: path, reason: "the file cannot be read") }
        guard let text = String(validating: data, as: UTF8.self) else { throw InputError(file: path, reason: "the file is not UTF-8 text") }
        return try parse(text, file: path)
    }

    /// Reads a catalog from its JSON text; `file` names it in errors.
    ///
    /// Throws ``InputError`` (file, line, key path) when the text is not JSON or its top level
    /// is not an object. Entries that cannot be used do not stop the reading: they are listed in
    /// ``skipped`` with the reason. Every kept entry passes ``PriceEntry/problem``.
    public static func parse(_ text: String, file: String) throws -> LiteLLMCatalog {
        guard case .object(let members) = try JSONReader.parse(text, file: file) else {
            throw InputError(file: file, line: 1, reason: "a LiteLLM catalog is a JSON object of models, keyed by model name")
        }
        var catalog = LiteLLMCatalog(entries: [])
        for member in members {
            switch entry(member) {
            case .success(let entry): catalog.entries.append(entry)
            case .failure(let skip): catalog.skipped.append((member.key, skip.reason))
            }
        }
        return catalog
    }

    /// Why one key of the catalog was not taken.
    struct Skip: Error {
        var reason: String
    }

    /// The price entry of one catalog key, or why there is none.
    static func entry(_ member: JSONMember) -> Result<PriceEntry, Skip> {
        if member.key == documentationKey { return .failure(Skip(reason: "documentation of the catalog's fields, not a model")) }
        guard case .object(let fields) = member.value else {
            return .failure(Skip(reason: "line \(member.line): the entry is \(member.value.kindDescription), not an object"))
        }
        var reader = EntryFields()
        for field in fields {
            do { try reader.take(field) } catch { return .failure(error) }
        }
        return reader.entry(model: member.key, line: member.line)
    }
}

/// A rate field's place in a price entry: `input_cost_per_token_above_272k_tokens_priority` is
/// the input class of the priority tier's long-context band, above 272,000 input tokens.
struct LiteLLMRateField: Equatable {
    enum TokenClass: Equatable {
        case input, cachedInput, cacheWrite, output
    }

    var key: RateKey
    var tokenClass: TokenClass
    /// The long-context threshold in input tokens; nil for the standard band.
    var thresholdTokens: Int64?

    private static let classes: [(String, TokenClass)] = [
        ("input_cost_per_token", .input), ("output_cost_per_token", .output),
        ("cache_read_input_token_cost", .cachedInput), ("cache_creation_input_token_cost", .cacheWrite),
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
    var rates: [RateKey: TokenRates] = [:]
    var thresholds = Set<Int64>()
    var maxInputTokens: Int64?
    var maxOutputTokens: Int64?
    var mode: String?
    /// `litellm_provider` in TokenLedger's words (``Providers/canonical(_:)``).
    var provider: String?

    /// Takes `field` if it is one TokenLedger keeps; throws why the entry cannot be used when
    /// its value is not a usable number.
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
            var rates = self.rates[place.key] ?? TokenRates(input: nil, output: nil)
            switch place.tokenClass {
            case .input: rates.input = value
            case .cachedInput: rates.cachedInput = value
            case .cacheWrite: rates.cacheWrite = value
            case .output: rates.output = value
            }
            self.rates[place.key] = rates
        }
    }

    /// A per-token price as nanodollars per million tokens; nil for `null`.
    private func rate(_ field: JSONMember) throws(LiteLLMCatalog.Skip) -> Int64? {
        guard let text = try numberText(field) else { return nil }
        do {
            return try DecimalText.scaledIntegerRoundedHalfToEven(text, scale: LiteLLMCatalog.perTokenScale)
        } catch {
            throw LiteLLMCatalog.Skip(reason: "line \(field.line): \(field.key): \(error)")
        }
    }

    /// A count of tokens, which must be a whole number; nil for `null`.
    private func tokens(_ field: JSONMember) throws(LiteLLMCatalog.Skip) -> Int64? {
        guard let text = try numberText(field) else { return nil }
        do {
            return try DecimalText.scaledInteger(text, scale: 0)
        } catch .tooPrecise {
            throw LiteLLMCatalog.Skip(reason: "line \(field.line): \(field.key): '\(text)' is not a whole number of tokens")
        } catch {
            throw LiteLLMCatalog.Skip(reason: "line \(field.line): \(field.key): \(error)")
        }
    }

    private func numberText(_ field: JSONMember) throws(LiteLLMCatalog.Skip) -> String? {
        switch field.value {
        case .number(let text): return text
        case .null: return nil
        default: throw LiteLLMCatalog.Skip(reason: "line \(field.line): \(field.key) is \(field.value.kindDescription), not a number")
        }
    }

    /// The entry, once every field is taken, or why it cannot be used.
    func entry(model: String, line: Int) -> Result<PriceEntry, LiteLLMCatalog.Skip> {
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
        if let problem = entry.problem { return .failure(LiteLLMCatalog.Skip(reason: "line \(line): \(problem)")) }
        return .success(entry)
    }
}
