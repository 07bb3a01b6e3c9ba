import TokenLedgerCore

/// A provider's cost data read from its files: every amount by day and line item, and the days
/// the data covers (days with no cost included), ready for ``Reconciliation``.
public struct ProviderCosts: Sendable {
    public var costs: [ProviderCost] = []
    public var days: Set<CalendarDay> = []
    /// Charges that are not usage (a FOCUS file's taxes, credits, adjustments, purchases).
    public var separate: [SeparateCharge] = []

    public init() {}

    /// The cost data in `files`: OpenAI's Costs API pages or Anthropic's cost report (JSON: one
    /// page after another, or an array of pages; told apart by their buckets), OpenAI's
    /// dashboard cost export (CSV or tab-separated) or a FOCUS file (CSV whose header has
    /// `BilledCost` and `ChargePeriodStart`). JSON and CSV are told apart by the first
    /// character. Pages split over several files are read together.
    ///
    /// `modelNames` gives the ledger's model names, asked for only when a FOCUS row names no
    /// model in `x_Model` (see ``FocusCosts``). Amounts are read from their text as decimals
    /// (`0.5617712500000000`, `2.5e-06`), kept to the picodollar (1e-12 USD; digits beyond are
    /// float noise, rounded half to even). Throws ``InputError`` naming the file, line and field
    /// of the first problem: nothing is returned partially.
    public static func read(files: [String], modelNames: () throws -> [String] = { [] }) throws -> ProviderCosts {
        var result = ProviderCosts()
        var models: [String]?
        for file in files {
            let lines = try LineReader(path: file)
            if try ProviderFiles.isJSON(file) {
                try CostsAPIPages.read(JSONDocumentReader(lines: lines), into: &result)
                continue
            }
            let records = CSVRecordReader(lines: lines)
            let header = try records.header()
            if FocusCosts.isFocus(header) {
                if models == nil { models = try modelNames() }
                try FocusCosts.read(records, header: header, models: models ?? [], into: &result)
            } else {
                try CostExportCSV.read(records, header: header, into: &result)
            }
        }
        return result
    }

    /// Adds one bucket's day span (an empty bucket still covers its days).
    mutating func cover(start: Timestamp, end: Timestamp?) {
        let first = CalendarDay(start)
        let last = end.map { CalendarDay(Timestamp(milliseconds: max($0.milliseconds - 1, start.milliseconds))) } ?? first
        var day = first
        while day <= last {
            days.insert(day)
            day = day.next
        }
    }
}

/// Readers of values in providers' files.
enum ProviderFiles {
    /// The most days one bucket may span: buckets are days; a longer one is a mistake.
    static let maximumBucketDays: Int64 = 31

    /// Whether the file's first character opens JSON (`{` or `[`) rather than a CSV header.
    static func isJSON(_ path: String) throws -> Bool {
        let lines = try LineReader(path: path)
        while let line = try lines.next() {
            guard let first = line.first(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) else { continue }
            return first == UInt8(ascii: "{") || first == UInt8(ascii: "[")
        }
        return false
    }

    /// Whether the first bucket of the file's first page has `key` (Anthropic's reports have
    /// `starting_at`, OpenAI's pages `start_time`); false when the page cannot be read (its
    /// reader then says why).
    static func firstBucketHas(_ key: String, _ path: String) throws -> Bool {
        guard let (bytes, line) = try JSONDocumentReader(lines: LineReader(path: path)).next(),
            case .success(let value) = JSONReader.parse(bytes[...], file: path, line: line),
            let page = JSONObjectFields(value, path: "", lineOffset: line - 1, line: line),
            let buckets = try? page.array("data"), let first = buckets.first,
            let bucket = JSONObjectFields(first, path: "data[0]", lineOffset: line - 1, line: line)
        else { return false }
        return bucket.member(key) != nil
    }

    /// An amount of dollars as picodollars: `0.06`, `0.5617712500000000`, `-1.5`, `2.5e-06`;
    /// more than 12 decimals are rounded half to even.
    static func picos(_ text: String) throws(FieldProblem) -> Int128 { try picos(text, scale: 12, unit: "dollars") }

    /// An amount in cents (the currency's lowest units) as picodollars: `123.45` is $1.2345.
    static func picos(cents text: String) throws(FieldProblem) -> Int128 { try picos(text, scale: 10, unit: "cents") }

    /// `text` × 10^`scale`, signed, rounded half to even; a problem names the `unit`.
    private static func picos(_ text: String, scale: Int, unit: String) throws(FieldProblem) -> Int128 {
        var digits = text.trimmingASCIIWhitespace()
        let negative = digits.hasPrefix("-")
        if negative { digits.removeFirst() }
        do {
            let magnitude = Int128(try DecimalText.scaledIntegerRoundedHalfToEven(digits, scale: scale))
            return negative ? -magnitude : magnitude
        } catch {
            throw FieldProblem(reason: "'\(text)' is not an amount of \(unit): \(error)")
        }
    }

    /// Nanoseconds since 1970 as a ledger instant (milliseconds, rounded down).
    static func timestamp(nanoseconds: Int128) throws(FieldProblem) -> Timestamp {
        let milliseconds = nanoseconds / ImportFields.nanosecondsPerMillisecond
        guard let value = Int64(exactly: milliseconds), value <= Timestamp.latest.milliseconds else {
            throw FieldProblem(reason: "the time is after 9999")
        }
        return Timestamp(milliseconds: value)
    }

    /// Refuses a currency other than the ledger's (US dollars).
    static func checkCurrency(_ currency: String?) throws(FieldProblem) {
        guard let currency, !currency.isEmpty, currency.lowercased() != "usd" else { return }
        throw FieldProblem(reason: "the amount is in '\(currency)'; the ledger counts US dollars")
    }

    /// Refuses a bucket that ends before it starts or spans more than ``maximumBucketDays``.
    static func checkBucket(start: Timestamp, end: Timestamp?) throws(FieldProblem) {
        guard let end else { return }
        guard end > start else { throw FieldProblem(reason: "the bucket ends (\(end)) before it starts (\(start))") }
        guard end.milliseconds - start.milliseconds <= maximumBucketDays * CalendarDay.millisecondsPerDay else {
            throw FieldProblem(reason: "the bucket spans more than \(maximumBucketDays) days; costs come in daily buckets")
        }
    }
}

extension InputError {
    /// A bad row of `file` as an input error.
    init(file: String, _ bad: BadUsageRow) {
        self.init(file: file, line: bad.line, field: bad.field, reason: bad.reason)
    }
}
