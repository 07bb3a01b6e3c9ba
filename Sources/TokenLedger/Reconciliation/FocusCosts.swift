import TokenLedgerCore

/// A FinOps FOCUS 1.x cost file (CSV), as AWS, Azure and Google Cloud export it (their Bedrock,
/// Azure OpenAI and Vertex AI spend among the rest) and as `tokenledger export focus` writes it.
/// Told from other CSV files by a header with `BilledCost` and `ChargePeriodStart`.
///
/// Each row is read as: the day of `ChargePeriodStart`; `BilledCost`, an exact decimal of
/// `BillingCurrency` (only `USD`); `ProviderName`; and, for `ChargeCategory` `Usage`, its line
/// item. Rows of other categories (`Tax`, `Credit`, `Adjustment`, `Purchase`) are listed
/// apart (``SeparateCharge``), never matched with usage.
///
/// The line item of a usage row: the model is `x_Model` when the file has it (TokenLedger's own
/// export does), else the longest of the ledger's model names found in `SkuMeter`, else in
/// `ChargeDescription`, else in `ResourceName` (case aside, not inside a longer word: `gpt-4`
/// is not found in `gpt-4o`, `claude-sonnet-4-5-20250929` is in
/// `anthropic.claude-sonnet-4-5-20250929-v1:0`). The class is `x_TokenClass`, else the first
/// named in `SkuMeter` then `ChargeDescription` (`cache read`, `cache write`, `output`,
/// `input`, spaces or dashes alike); the tier `x_ServiceTier` (default), the band `x_PriceBand`
/// (standard). A row with a model and a class is that model's line item; any other usage row
/// is a line item that is not tokens, named by its `ChargeDescription`, and shown as such.
enum FocusCosts {
    /// The columns every FOCUS file read here must have.
    static let requiredColumns = ["BilledCost", "BillingCurrency", "ChargeCategory", "ChargePeriodStart"]

    /// The columns read, as FOCUS spells them (headers are read lowercased).
    static let columnNames = [
        "BilledCost", "BillingCurrency", "ChargeCategory", "ChargeDescription", "ChargePeriodStart", "ChargePeriodEnd", "ProviderName",
        "PublisherName", "ServiceName", "SkuMeter", "ResourceName", "x_Model", "x_TokenClass", "x_ServiceTier", "x_PriceBand",
    ]

    /// Whether `header` (lowercased) is a FOCUS file's.
    static func isFocus(_ header: CSVRecord) -> Bool { header.fields.contains("billedcost") && header.fields.contains("chargeperiodstart") }

    static func read(_ records: CSVRecordReader, header lowercased: CSVRecord, models: [String], into costs: inout ProviderCosts) throws {
        let file = records.file
        let spelled = Dictionary(uniqueKeysWithValues: columnNames.map { ($0.lowercased(), $0) })
        let header = CSVRecord(fields: lowercased.fields.map { spelled[$0] ?? $0 }, line: lowercased.line)
        for name in requiredColumns where !header.fields.contains(name) {
            throw InputError(file: file, line: header.line, field: name, reason: "the header has no column '\(name)', which FOCUS requires")
        }
        let columns = try CSVColumns(header: header, map: [:], required: [], file: file)
        let matcher = ModelNameFinder(models)
        while let result = try records.next() {
            do throws(BadUsageRow) {
                switch result {
                case .failure(let bad): throw bad
                case .success(let record): try read(record, columns: columns, models: matcher, into: &costs)
                }
            } catch {
                throw InputError(file: file, error)
            }
        }
    }

    private static func read(_ record: CSVRecord, columns: CSVColumns, models: ModelNameFinder, into costs: inout ProviderCosts) throws(BadUsageRow) {
        if let bad = columns.check(record) { throw bad }
        if columns.isBlank(record) { return }
        let start = try required("ChargePeriodStart", record, columns) { text throws(FieldProblem) in
            try ProviderFiles.timestamp(nanoseconds: try ImportFields.time(text))
        }
        let picos = try required("BilledCost", record, columns) { text throws(FieldProblem) in try ProviderFiles.picos(text) }
        _ = try columns.read("BillingCurrency", in: record) { text throws(FieldProblem) in try ProviderFiles.checkCurrency(ImportFields.optional(text)) }
        let category = try required("ChargeCategory", record, columns) { text throws(FieldProblem) in text.trimmingASCIIWhitespace() }
        let provider = columns.text("ProviderName", in: record)
        let description = columns.text("ChargeDescription", in: record)
        guard category.lowercased() == "usage" else {
            let amount = Money(nanos: Int64(Rounding.halfToEven(picos, dividedBy: Reconciliation.picosPerNano)))
            costs.separate.append(SeparateCharge(day: CalendarDay(start), category: category, provider: provider, description: description, amount: amount))
            return
        }
        let end = try columns.text("ChargePeriodEnd", in: record).map { text throws(BadUsageRow) in
            try columns.read("ChargePeriodEnd", in: record) { _ throws(FieldProblem) in
                let end = try ProviderFiles.timestamp(nanoseconds: try ImportFields.time(text))
                try ProviderFiles.checkBucket(start: start, end: end)
                return end
            }!
        }
        costs.cover(start: start, end: end)
        let item = try lineItem(record, columns: columns, models: models)
        let text = item == .other ? description ?? columns.text("SkuMeter", in: record) ?? columns.text("ServiceName", in: record) ?? "usage" : item.description
        costs.costs.append(ProviderCost(day: CalendarDay(start), item: item, text: text, amountPicos: picos, provider: provider))
    }

    /// The usage row's line item: a model's class, or `other` when either cannot be told.
    private static func lineItem(_ record: CSVRecord, columns: CSVColumns, models: ModelNameFinder) throws(BadUsageRow) -> LineItem {
        let model =
            columns.text("x_Model", in: record)
            ?? ["SkuMeter", "ChargeDescription", "ResourceName"].lazy.compactMap { name in
                columns.text(name, in: record).flatMap(models.longest(in:))
            }.first
        let tokenClass: TokenClass?
        if let name = columns.text("x_TokenClass", in: record) {
            tokenClass = try columns.read("x_TokenClass", in: record) { _ throws(FieldProblem) in
                guard let named = TokenClass(rawValue: name) else {
                    throw FieldProblem(reason: "'\(name)' is not a token class (\(TokenClass.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                return named
            }
        } else {
            tokenClass = ["SkuMeter", "ChargeDescription"].lazy.compactMap { columns.text($0, in: record).flatMap(namedClass) }.first
        }
        let tier =
            try columns.read("x_ServiceTier", in: record) { text throws(FieldProblem) in
                try ImportFields.optional(text).map(ImportFields.tier) ?? .default
            } ?? .default
        let band =
            try columns.read("x_PriceBand", in: record) { text throws(FieldProblem) in
                guard let name = ImportFields.optional(text) else { return PriceBand.standard }
                guard let band = PriceBand(rawValue: name) else { throw FieldProblem(reason: "'\(name)' is not a price band (standard, long_context)") }
                return band
            } ?? .standard
        guard let model, let tokenClass else { return .other }
        return .tokens(model: model, tier: tier, band: band, tokenClass: tokenClass)
    }

    /// The token class a SKU or description names (`…-cache-read-input-tokens`, `output tokens`).
    static func namedClass(_ text: String) -> TokenClass? {
        let words = String(text.lowercased().map { $0 == "-" || $0 == "_" ? " " : $0 })
        if words.contains("cache read") || words.contains("cached input") { return .cachedInput }
        if words.contains("cache write") { return .cacheWrite }
        if words.contains("output") { return .output }
        if words.contains("input") { return .input }
        return nil
    }

    /// Column `name` read with `read`, refused when empty.
    private static func required<T>(_ name: String, _ record: CSVRecord, _ columns: CSVColumns, _ read: (String) throws(FieldProblem) -> T) throws(BadUsageRow)
        -> T
    {
        guard let text = columns.text(name, in: record) else { throw BadUsageRow(line: record.line, field: columns.fileName(name), reason: "it is empty") }
        return try columns.read(name, in: record) { _ throws(FieldProblem) in try read(text) }!
    }
}

/// The ledger's model names, found in a provider's texts.
struct ModelNameFinder {
    /// Lowercased, longest first (so that the first found is the longest), with each one's own spelling.
    private let names: [(lowercased: [UInt8], name: String)]

    init(_ names: [String]) {
        self.names = Set(names).filter { !$0.isEmpty }.sorted { ($0.utf8.count, $1) > ($1.utf8.count, $0) }.map { (Array($0.lowercased().utf8), $0) }
    }

    /// The longest name found in `text` (case aside) that is not part of a longer word: the
    /// characters around it are not letters or digits.
    func longest(in text: String) -> String? {
        let haystack = Array(text.lowercased().utf8)
        return names.first { name in
            let needle = name.lowercased
            guard needle.count <= haystack.count else { return false }
            for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
                let before = start == 0 ? nil : haystack[start - 1]
                let after = start + needle.count == haystack.count ? nil : haystack[start + needle.count]
                if !ModelNameFinder.isWordByte(before), !ModelNameFinder.isWordByte(after) { return true }
            }
            return false
        }?.name
    }

    private static func isWordByte(_ byte: UInt8?) -> Bool {
        guard let byte else { return false }
        return (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }
}
