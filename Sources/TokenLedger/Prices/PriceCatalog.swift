import Foundation
import TokenLedgerCore

/// The formats of price catalogs that `prices import` and `prices diff` read.
public enum PriceCatalogFormat: String, CaseIterable, Sendable {
    /// LiteLLM's `model_prices_and_context_window.json`: an object of models, USD per token.
    case litellm
    /// pydantic's genai-prices `data.json`: an array of providers and their models, USD per million
    /// tokens, with tiers by prompt size and dated price changes.
    case genaiPrices = "genai-prices"

    /// How the README and errors name the format.
    public var title: String {
        switch self {
        case .litellm: "LiteLLM catalog (model_prices_and_context_window.json)"
        case .genaiPrices: "genai-prices data.json"
        }
    }
}

/// One entry of a catalog whose data is wrong (a negative or non-numeric price, an absurd context
/// window): where it is and why. Unlike a skipped key (a model the ledger does not price by the
/// token), a malformed entry refuses the whole import unless `--skip-bad`.
public struct CatalogProblem: Error, Sendable, Hashable {
    /// The model (the catalog's key, or its `id`).
    public var model: String
    /// The line of the entry's problem in the catalog file, from 1.
    public var line: Int
    /// The catalog's field at fault (`input_cost_per_token`, `prices.input_mtok`).
    public var field: String
    public var reason: String

    /// The model and field, as errors name a place in a JSON file (`gpt-4o.input_cost_per_token`).
    public var path: String { field == model ? model : "\(model).\(field)" }

    public init(model: String, line: Int, field: String, reason: String) {
        self.model = model
        self.line = line
        self.field = field
        self.reason = reason
    }
}

/// A price catalog read into price entries, with the keys it could not use and why.
///
/// An entry's `effectiveFrom` is ``Timestamp/earliest`` when the catalog prices the model with no
/// date (it takes effect at the import's time), or the day a dated price change takes effect
/// (genai-prices' `start_date`); ``entries(asOf:)`` turns them into the entries an import adds.
///
/// ```swift
/// let catalog = try PriceCatalog.read(contentsOf: "data.json", format: .genaiPrices)
/// try ledger.importPrices(catalog, effectiveFrom: now)
/// ```
public struct PriceCatalog: Sendable {
    /// The catalog's format, which is also the source its entries are recorded with.
    public var format: PriceCatalogFormat
    /// The usable entries, in the file's order.
    public var entries: [PriceEntry]
    /// The catalog's keys that are not models priced by the token, and why (`sample_spec`, an
    /// image model, prices by time of day); with `skipBad`, the malformed entries too.
    public var skipped: [(model: String, reason: String)]
    /// The entries whose data is wrong (see ``CatalogProblem``); ``read(contentsOf:format:skipBad:providers:)``
    /// refuses a catalog with any unless told to skip them.
    public var malformed: [CatalogProblem]

    /// A catalog of `entries` (and the keys `skipped`), for callers that build one themselves;
    /// ``Ledger/importPrices(_:effectiveFrom:)`` still checks every entry.
    public init(
        format: PriceCatalogFormat = .litellm, entries: [PriceEntry], skipped: [(model: String, reason: String)] = [], malformed: [CatalogProblem] = []
    ) {
        self.format = format
        self.entries = entries
        self.skipped = skipped
        self.malformed = malformed
    }

    /// Reads the catalog file at `path` in `format`.
    ///
    /// Throws ``InputError`` naming the file when it is missing, unreadable or not UTF-8, when it
    /// is not a catalog of that format (naming the format it looks like, if any), and, unless
    /// `skipBad`, naming the line and field of the first malformed entry (with `skipBad` they are
    /// listed in ``skipped``). `providers` (genai-prices only) keeps those providers' models.
    public static func read(
        contentsOf path: String, format: PriceCatalogFormat, skipBad: Bool = false, providers: Set<String>? = nil
    ) throws -> PriceCatalog {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InputError(file: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw InputError(file: path, reason: "it is a directory, not a catalog file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw InputError(file: path, reason: "the file cannot be read") }
        guard let text = String(validating: data, as: UTF8.self) else { throw InputError(file: path, reason: "the file is not UTF-8 text") }
        return try parse(text, file: path, format: format, skipBad: skipBad, providers: providers)
    }

    /// Reads a catalog from its JSON text; `file` names it in errors. See ``read(contentsOf:format:skipBad:providers:)``.
    public static func parse(
        _ text: String, file: String, format: PriceCatalogFormat, skipBad: Bool = false, providers: Set<String>? = nil
    ) throws -> PriceCatalog {
        if providers != nil, format != .genaiPrices {
            throw InputError(field: "provider", reason: "choosing providers applies to genai-prices catalogs, whose models are grouped by provider")
        }
        let json = try JSONReader.parse(text, file: file)
        var catalog =
            switch format {
            case .litellm: try LiteLLMCatalog.catalog(json, file: file)
            case .genaiPrices: try GenAIPricesCatalog.catalog(json, file: file, providers: providers)
            }
        catalog.malformed.sort { $0.line < $1.line }
        if let first = catalog.malformed.first {
            guard skipBad else {
                let more = catalog.malformed.count - 1
                let others = more == 0 ? "" : "; \(more) more \(more == 1 ? "entry is" : "entries are") malformed"
                throw InputError(
                    file: file, line: first.line, field: first.path,
                    reason: "\(first.reason)\(others); nothing was imported (--skip-bad imports the well-formed entries and lists the malformed ones)")
            }
            catalog.skipped += catalog.malformed.map { ($0.model, "malformed: line \($0.line): \($0.path): \($0.reason)") }
        }
        return catalog
    }

    /// The entries an import as of `time` adds: for each model (in the catalog's order), the
    /// price in force at `time` (the latest dated one not after it, else the undated one),
    /// effective from `time`, then the dated changes after `time`, each from its own date. A
    /// dated price before `time` is not back-dated: usage before an import keeps the prices of
    /// its time.
    public func entries(asOf time: Timestamp) -> [PriceEntry] {
        var order: [String] = []
        var byModel: [String: [PriceEntry]] = [:]
        for entry in entries {
            if byModel[entry.model] == nil { order.append(entry.model) }
            byModel[entry.model, default: []].append(entry)
        }
        var result: [PriceEntry] = []
        result.reserveCapacity(entries.count)
        for model in order {
            let dated = byModel[model]!.sorted { $0.effectiveFrom < $1.effectiveFrom }
            if var inForce = dated.last(where: { $0.effectiveFrom <= time }) {
                inForce.effectiveFrom = time
                result.append(inForce)
            }
            result += dated.filter { $0.effectiveFrom > time }
        }
        return result
    }

    /// Why a JSON document is not a catalog of `format`, naming the format it looks like.
    static func notTheFormat(_ format: PriceCatalogFormat, _ json: JSONValue, file: String, why: String) -> InputError {
        let looksLike = PriceCatalogFormat.allCases.first { $0 != format && $0.looksLike(json) }
        let hint = looksLike.map { "; it looks like a \($0.title): use --input-format \($0.rawValue)" } ?? ""
        return InputError(file: file, line: 1, reason: "not a \(format.title): \(why)\(hint)")
    }
}

extension PriceCatalogFormat {
    /// Whether `json` has this format's shape at its top (for the hint when another is named).
    func looksLike(_ json: JSONValue) -> Bool {
        switch self {
        case .litellm:
            guard case .object(let members) = json else { return false }
            return members.contains { LiteLLMCatalog.looksLikeEntry($0.value) }
        case .genaiPrices:
            guard case .array(let providers) = json else { return false }
            return providers.contains { GenAIPricesCatalog.looksLikeProvider($0) }
        }
    }
}
