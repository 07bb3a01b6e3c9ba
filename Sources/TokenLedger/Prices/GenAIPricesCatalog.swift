import TokenLedgerCore

/// pydantic's genai-prices catalog (`prices/data.json`, MIT) read into a ``PriceCatalog``.
///
/// The file is an array of providers (`id`, `models`); each model has an `id`, an optional
/// `context_window` and `prices`: USD **per million tokens** (`input_mtok`, `cache_read_mtok`,
/// `cache_write_mtok`, `output_mtok`, `input_audio_mtok`, `output_audio_mtok`), read exactly from
/// their text (never through `Double`).
///
/// - **Tiers by prompt size** (`{"base": 3, "tiers": [{"start": 200000, "price": 6}]}`: above
///   200,000 input tokens the whole request costs the tier's rate) are the long-context band,
///   threshold `start`; a model with more than one tier, or tiers at different sizes, is skipped
///   (the ledger keeps one band).
/// - **Dated prices** (`prices` as an array of `{"constraint": {"start_date": …}, "prices": …}`)
///   are a price history: the undated (first) price, then each change from its date; an import
///   adds the one in force at its time and the changes after it (``PriceCatalog/entries(asOf:)``).
///   Prices by time of day (`start_time`/`end_time`, off-peak rates) are skipped with the reason.
/// - A model with a price per request (`requests_kcount` above 0) is skipped: charging it by the
///   token alone would undercharge. Cached audio reads (`cache_audio_read_mtok`) have no class of
///   their own: cached tokens are billed at the cached input rate.
/// - **Provider-scoped names**: a model id priced by one provider is keyed by its id. An id that
///   several providers price (`o1` by OpenAI and Azure) is keyed by its id for its publisher (the
///   provider whose `model_match` matches it; else the first in the file) and as
///   `provider/id` for the others (`azure/o1`), which the model resolver matches exactly.
///
/// Malformed data (a negative or non-numeric price, a context window that is not a whole number
/// from 1 to 100 billion, a model without an `id`) is a ``CatalogProblem``.
enum GenAIPricesCatalog {
    /// USD per million tokens read at this scale is nanodollars per million tokens.
    static let perMillionScale = 9

    /// The price fields read, and the token class each prices.
    static let classFields: [(name: String, tokenClass: TokenClass)] = [
        ("input_mtok", .input), ("cache_read_mtok", .cachedInput), ("cache_write_mtok", .cacheWrite), ("output_mtok", .output),
        ("input_audio_mtok", .inputAudio), ("output_audio_mtok", .outputAudio),
    ]

    /// Whether `value` is a provider object (`id` and `models`).
    static func looksLikeProvider(_ value: JSONValue) -> Bool {
        guard case .object(let fields) = value else { return false }
        return fields.contains { $0.key == "models" } && fields.contains { $0.key == "id" }
    }

    /// The catalog in a parsed JSON document, keeping only `providers`' models when given.
    static func catalog(_ json: JSONValue, file: String, providers wanted: Set<String>?) throws -> PriceCatalog {
        guard case .array(let values) = json else {
            throw PriceCatalog.notTheFormat(.genaiPrices, json, file: file, why: "the file is \(json.kindDescription), not an array of providers")
        }
        guard values.contains(where: looksLikeProvider) else {
            throw PriceCatalog.notTheFormat(
                .genaiPrices, json, file: file, why: values.isEmpty ? "it has no providers" : "none of its elements is a provider (with id and models)")
        }
        var providers: [Provider] = []
        var catalog = PriceCatalog(format: .genaiPrices, entries: [])
        for (index, value) in values.enumerated() {
            switch Provider.read(value, index: index) {
            case .success(let provider): providers.append(provider)
            case .failure(let problem): catalog.malformed.append(problem)
            }
        }
        if let wanted {
            let known = Set(providers.map(\.id))
            if let unknown = wanted.sorted().first(where: { !known.contains($0) }) {
                throw InputError(
                    file: file, field: "provider",
                    reason: "'\(unknown)' is not a provider of this catalog (it has \(providers.map(\.id).joined(separator: ", ")))")
            }
            providers = providers.filter { wanted.contains($0.id) }
        }
        // Which provider keeps the bare id of a model several providers price.
        var pricedBy: [String: [Provider]] = [:]
        for provider in providers {
            for model in provider.models { pricedBy[model.id, default: []].append(provider) }
        }
        func key(_ model: String, in provider: Provider) -> String {
            guard let owners = pricedBy[model], owners.count > 1 else { return model }
            let publisher = owners.first { $0.modelMatch?.matches(model) == true } ?? owners[0]
            return publisher.id == provider.id ? model : "\(provider.id)/\(model)"
        }
        for provider in providers {
            catalog.malformed += provider.problems
            for model in provider.models {
                let name = key(model.id, in: provider)
                if name != model.id, let owners = pricedBy[name] {
                    // `openrouter` prices a model whose id is `anthropic/claude-2`, the name Anthropic's own would take.
                    catalog.skipped.append(
                        (name, "\(provider.id)'s price of \(model.id), whose scoped name is also a model id of \(owners[0].id) (kept under that id)"))
                    continue
                }
                switch model.entries(name: name, provider: Providers.canonical(provider.id)) {
                case .success(let entries): catalog.entries += entries
                case .failure(let skip):
                    if let problem = skip.problem { catalog.malformed.append(problem) } else { catalog.skipped.append((name, skip.reason)) }
                }
            }
        }
        return catalog
    }

    /// One provider of the file: its id, how it recognises its own models, and its models.
    struct Provider {
        var id: String
        var modelMatch: MatchClause?
        var models: [Model] = []
        var problems: [CatalogProblem] = []

        static func read(_ value: JSONValue, index: Int) -> Result<Provider, CatalogProblem> {
            let place = "provider \(index + 1)"
            guard case .object(let fields) = value else {
                return .failure(CatalogProblem(model: place, line: 1, field: "providers", reason: "\(value.kindDescription), not a provider object"))
            }
            let line = fields.first?.line ?? 1
            guard let idMember = fields.first(where: { $0.key == "id" }), case .string(let id) = idMember.value, !id.isEmpty else {
                return .failure(CatalogProblem(model: place, line: line, field: "id", reason: "a provider needs an id (a string)"))
            }
            guard let modelsMember = fields.first(where: { $0.key == "models" }), case .array(let models) = modelsMember.value else {
                return .failure(CatalogProblem(model: id, line: idMember.line, field: "models", reason: "a provider needs its models (an array)"))
            }
            var provider = Provider(id: id, modelMatch: fields.first { $0.key == "model_match" }.flatMap { MatchClause($0.value) })
            for model in models {
                switch Model.read(model, line: modelsMember.line) {
                case .success(let model): provider.models.append(model)
                case .failure(let problem): provider.problems.append(problem)
                }
            }
            return .success(provider)
        }
    }

    /// One model of a provider: its id, context window and prices.
    struct Model {
        var id: String
        var line: Int
        var contextWindow: Int64?
        /// The prices, each with the day it starts (nil: undated) and the line it is on; or why
        /// the model is skipped.
        var prices: Result<[(start: Timestamp?, fields: [JSONMember], line: Int)], LiteLLMCatalog.Skip>

        static func read(_ value: JSONValue, line: Int) -> Result<Model, CatalogProblem> {
            guard case .object(let fields) = value else {
                return .failure(CatalogProblem(model: "?", line: line, field: "models", reason: "\(value.kindDescription), not a model object"))
            }
            let line = fields.first?.line ?? line
            guard let idMember = fields.first(where: { $0.key == "id" }), case .string(let id) = idMember.value, !id.isEmpty else {
                return .failure(CatalogProblem(model: "?", line: line, field: "id", reason: "a model needs an id (a string)"))
            }
            var model = Model(id: id, line: idMember.line, prices: .success([]))
            if let window = fields.first(where: { $0.key == "context_window" }), window.value != .null {
                guard case .number(let text) = window.value, let tokens = try? DecimalText.scaledInteger(text, scale: 0), tokens > 0,
                    tokens <= TokenUsage.maximumTokens
                else {
                    return .failure(
                        CatalogProblem(
                            model: id, line: window.line, field: "context_window",
                            reason: "\(describe(window.value)) is not a context window (a whole number of tokens from 1 to \(TokenUsage.maximumTokens))"))
                }
                model.contextWindow = tokens
            }
            guard let prices = fields.first(where: { $0.key == "prices" }) else {
                return .failure(CatalogProblem(model: id, line: idMember.line, field: "prices", reason: "missing: the model's prices"))
            }
            switch prices.value {
            case .object(let priceFields):
                model.prices = .success([(nil, priceFields, prices.line)])
            case .array(let conditional):
                var list: [(start: Timestamp?, fields: [JSONMember], line: Int)] = []
                for (index, item) in conditional.enumerated() {
                    switch conditionalPrice(item, model: id, line: prices.line, first: index == 0) {
                    case .success(let price): list.append(price)
                    case .failure(let skip):
                        if let problem = skip.problem { return .failure(problem) }
                        model.prices = .failure(skip)
                        return .success(model)
                    }
                }
                guard !list.isEmpty else {
                    return .failure(CatalogProblem(model: id, line: prices.line, field: "prices", reason: "an empty list of prices"))
                }
                model.prices = .success(list)
            default:
                return .failure(
                    CatalogProblem(model: id, line: prices.line, field: "prices", reason: "\(prices.value.kindDescription), not prices (an object or a list)"))
            }
            return .success(model)
        }

        /// A value as an error names it: a number by its text, anything else by its kind.
        static func describe(_ value: JSONValue) -> String {
            if case .number(let text) = value { return "'\(text)'" }
            return value.kindDescription
        }

        /// One `{"constraint": …, "prices": …}`; the first price applies from the beginning
        /// whatever its constraint (genai-prices uses it when no constraint is met).
        static func conditionalPrice(
            _ value: JSONValue, model: String, line: Int, first: Bool
        ) -> Result<(start: Timestamp?, fields: [JSONMember], line: Int), LiteLLMCatalog.Skip> {
            guard case .object(let fields) = value, let prices = fields.first(where: { $0.key == "prices" }),
                case .object(let priceFields) = prices.value
            else {
                return .failure(LiteLLMCatalog.Skip(model: model, line: line, field: "prices", reason: "a dated price needs its prices (an object)"))
            }
            guard let constraint = fields.first(where: { $0.key == "constraint" }), constraint.value != .null else {
                return .success((nil, priceFields, prices.line))
            }
            guard case .object(let conditions) = constraint.value else {
                return .failure(
                    LiteLLMCatalog.Skip(model: model, line: constraint.line, field: "constraint", reason: "\(constraint.value.kindDescription), not an object"))
            }
            if conditions.contains(where: { $0.key == "start_time" || $0.key == "end_time" }) {
                return .failure(LiteLLMCatalog.Skip(reason: "prices by time of day (off-peak rates), which TokenLedger does not model"))
            }
            guard let date = conditions.first(where: { $0.key == "start_date" }), case .string(let text) = date.value,
                let start = try? Timestamp(parsing: text)
            else {
                return .failure(
                    LiteLLMCatalog.Skip(
                        model: model, line: constraint.line, field: "constraint.start_date", reason: "a dated price needs a start_date (YYYY-MM-DD)"))
            }
            return .success((first ? nil : start, priceFields, prices.line))
        }

        /// The model's price entries keyed `name`, or why it is skipped or malformed.
        func entries(name: String, provider: String?) -> Result<[PriceEntry], LiteLLMCatalog.Skip> {
            let prices: [(start: Timestamp?, fields: [JSONMember], line: Int)]
            switch self.prices {
            case .success(let list): prices = list
            case .failure(let skip): return .failure(skip)
            }
            var entries: [PriceEntry] = []
            for price in prices {
                switch entry(name: name, provider: provider, start: price.start, fields: price.fields, line: price.line) {
                case .success(let entry): entries.append(entry)
                case .failure(let skip): return .failure(skip)
                }
            }
            return .success(entries)
        }

        private func entry(
            name: String, provider: String?, start: Timestamp?, fields: [JSONMember], line: Int
        ) -> Result<PriceEntry, LiteLLMCatalog.Skip> {
            var standard = TokenRates(input: nil, output: nil)
            var long = TokenRates(input: nil, output: nil)
            var thresholds = Set<Int64>()
            for field in fields {
                if field.key == "requests_kcount" {
                    guard case .number(let text) = field.value else {
                        return .failure(malformed(field, "\(field.value.kindDescription), not a number"))
                    }
                    if (try? DecimalText.scaledIntegerRoundedHalfToEven(text, scale: GenAIPricesCatalog.perMillionScale)) != 0 {
                        return .failure(LiteLLMCatalog.Skip(reason: "a price per request (requests_kcount), which TokenLedger does not charge"))
                    }
                    continue
                }
                guard let tokenClass = GenAIPricesCatalog.classFields.first(where: { $0.name == field.key })?.tokenClass else { continue }
                let base: Int64
                var tier: (start: Int64, rate: Int64)?
                switch field.value {
                case .number(let text):
                    switch rate(text, field) {
                    case .success(let value): base = value
                    case .failure(let skip): return .failure(skip)
                    }
                case .object(let tiered):
                    switch tieredRate(tiered, field) {
                    case .success(let value): (base, tier) = value
                    case .failure(let skip): return .failure(skip)
                    }
                default:
                    return .failure(malformed(field, "\(field.value.kindDescription), not a price (a number or {base, tiers})"))
                }
                standard[tokenClass] = base
                if let tier {
                    thresholds.insert(tier.start)
                    long[tokenClass] = tier.rate
                }
            }
            guard standard.input != nil, standard.output != nil else {
                let missing = [("input_mtok", standard.input), ("output_mtok", standard.output)].filter { $0.1 == nil }.map(\.0)
                return .failure(LiteLLMCatalog.Skip(reason: "no \(missing.joined(separator: " or ")) (not a model priced by the token)"))
            }
            guard thresholds.count <= 1 else {
                let sizes = thresholds.sorted().map(String.init).joined(separator: " and ")
                return .failure(LiteLLMCatalog.Skip(reason: "tiers by prompt size at \(sizes) tokens; TokenLedger keeps one long-context band"))
            }
            var rates = [RateKey(.default): standard]
            if !thresholds.isEmpty { rates[RateKey(.default, .longContext)] = long }
            let entry = PriceEntry(
                model: name, effectiveFrom: start ?? .earliest, rates: rates, maxInputTokens: contextWindow,
                longContextThresholdTokens: thresholds.first, provider: provider)
            if let problem = entry.problem { return .failure(LiteLLMCatalog.Skip(model: id, line: line, field: "prices", reason: problem)) }
            return .success(entry)
        }

        private func malformed(_ field: JSONMember, _ reason: String) -> LiteLLMCatalog.Skip {
            LiteLLMCatalog.Skip(model: id, line: field.line, field: "prices.\(field.key)", reason: reason)
        }

        /// USD per million tokens as nanodollars per million tokens.
        private func rate(_ text: String, _ field: JSONMember) -> Result<Int64, LiteLLMCatalog.Skip> {
            let value: Int64
            do {
                value = try DecimalText.scaledIntegerRoundedHalfToEven(text, scale: GenAIPricesCatalog.perMillionScale)
            } catch .negative {
                return .failure(malformed(field, "the price '\(text)' is negative"))
            } catch {
                return .failure(malformed(field, "\(error)"))
            }
            guard value <= PriceEntry.maximumRateNanosPerMillion else {
                return .failure(malformed(field, "the price '\(text)' is above $10,000 per million tokens"))
            }
            return .success(value)
        }

        /// `{"base": 3, "tiers": [{"start": 200000, "price": 6}]}`: the base rate and the one tier.
        private func tieredRate(_ fields: [JSONMember], _ field: JSONMember) -> Result<(Int64, (start: Int64, rate: Int64)?), LiteLLMCatalog.Skip> {
            guard let baseMember = fields.first(where: { $0.key == "base" }), case .number(let baseText) = baseMember.value else {
                return .failure(malformed(field, "tiered prices need a base price (a number)"))
            }
            let base: Int64
            switch rate(baseText, field) {
            case .success(let value): base = value
            case .failure(let skip): return .failure(skip)
            }
            guard let tiersMember = fields.first(where: { $0.key == "tiers" }), case .array(let tiers) = tiersMember.value else {
                return .failure(malformed(field, "tiered prices need their tiers (a list)"))
            }
            guard !tiers.isEmpty else { return .success((base, nil)) }
            guard tiers.count == 1 else {
                return .failure(LiteLLMCatalog.Skip(reason: "\(tiers.count) tiers by prompt size; TokenLedger keeps one long-context band"))
            }
            guard case .object(let tier) = tiers[0], let startMember = tier.first(where: { $0.key == "start" }),
                case .number(let startText) = startMember.value, let priceMember = tier.first(where: { $0.key == "price" }),
                case .number(let priceText) = priceMember.value
            else {
                return .failure(malformed(field, "a tier needs a start (tokens) and a price (numbers)"))
            }
            guard let start = try? DecimalText.scaledInteger(startText, scale: 0), start > 0, start <= TokenUsage.maximumTokens else {
                return .failure(malformed(field, "the tier's start '\(startText)' is not a number of tokens from 1 to \(TokenUsage.maximumTokens)"))
            }
            switch rate(priceText, field) {
            case .success(let value): return .success((base, (start, value)))
            case .failure(let skip): return .failure(skip)
            }
        }
    }
}

/// genai-prices' boolean clauses that recognise model ids: `equals`, `starts_with`,
/// `ends_with`, `contains`, `regex`, and `or`/`and` of clauses.
indirect enum MatchClause {
    case equals(String)
    case startsWith(String)
    case endsWith(String)
    case contains(String)
    case regex(String)
    case or([MatchClause])
    case and([MatchClause])

    /// The clause in `value`, or nil when it is not one.
    init?(_ value: JSONValue) {
        guard case .object(let fields) = value, fields.count == 1, let field = fields.first else { return nil }
        switch (field.key, field.value) {
        case ("equals", .string(let text)): self = .equals(text)
        case ("starts_with", .string(let text)): self = .startsWith(text)
        case ("ends_with", .string(let text)): self = .endsWith(text)
        case ("contains", .string(let text)): self = .contains(text)
        case ("regex", .string(let text)): self = .regex(text)
        case ("or", .array(let items)): self = .or(items.compactMap(MatchClause.init))
        case ("and", .array(let items)): self = .and(items.compactMap(MatchClause.init))
        default: return nil
        }
    }

    /// Whether a catalog's regex may run: at most 128 characters and no quantified group (`(a+)+`),
    /// so that a hostile catalog cannot make the import backtrack for ever. The catalog's own
    /// (`^o[134]`, `(?:mi|code|dev|magi|mini)stral`) pass.
    static func isSafe(_ pattern: String) -> Bool {
        guard pattern.utf8.count <= 128 else { return false }
        let bytes = Array(pattern.utf8)
        for (index, byte) in bytes.enumerated().dropLast() where byte == UInt8(ascii: ")") {
            if [UInt8(ascii: "+"), UInt8(ascii: "*"), UInt8(ascii: "{"), UInt8(ascii: "?")].contains(bytes[index + 1]) { return false }
        }
        return true
    }

    /// Whether `id` satisfies the clause; a regex that does not compile, or is not
    /// ``isSafe(_:)``, matches nothing.
    func matches(_ id: String) -> Bool {
        switch self {
        case .equals(let text): id == text
        case .startsWith(let text): id.hasPrefix(text)
        case .endsWith(let text): id.hasSuffix(text)
        case .contains(let text): id.contains(text)
        case .regex(let pattern): MatchClause.isSafe(pattern) && ((try? Regex(pattern)).map { id.contains($0) } ?? false)
        case .or(let clauses): clauses.contains { $0.matches(id) }
        case .and(let clauses): !clauses.isEmpty && clauses.allSatisfy { $0.matches(id) }
        }
    }
}
