import TokenLedgerCore

/// A provider's cost data read from its files: every amount by day and line item, and the days
/// the data covers (days with no cost included), ready for ``Reconciliation``.
public struct ProviderCosts: Sendable {
    public var costs: [ProviderCost] = []
    public var days: Set<CalendarDay> = []

    public init() {}

    /// The cost data in `files`: Costs API pages (JSON: one page after another, or an array of
    /// pages) or the dashboard's cost export (CSV or tab-separated), told apart by their first
    /// character. Pages split over several files are read together.
    ///
    /// Amounts are read from their text as decimals (`0.5617712500000000`, `2.5e-06`), kept to
    /// the picodollar (1e-12 USD; digits beyond are float noise, rounded half to even). Throws
    /// ``InputError`` naming the file, line and field of the first problem: nothing is returned
    /// partially.
    public static func read(files: [String]) throws -> ProviderCosts {
        var result = ProviderCosts()
        for file in files {
            let lines = try LineReader(path: file)
            if try ProviderFiles.isJSON(file) {
                try CostsAPIPages.read(JSONDocumentReader(lines: lines), into: &result)
            } else {
                try CostExportCSV.read(CSVRecordReader(lines: lines), into: &result)
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

    /// An amount of dollars as picodollars: `0.06`, `0.5617712500000000`, `-1.5`, `2.5e-06`;
    /// more than 12 decimals are rounded half to even.
    static func picos(_ text: String) throws(FieldProblem) -> Int128 {
        var digits = text.trimmingASCIIWhitespace()
        let negative = digits.hasPrefix("-")
        if negative { digits.removeFirst() }
        do {
            let magnitude = Int128(try DecimalText.scaledIntegerRoundedHalfToEven(digits, scale: 12))
            return negative ? -magnitude : magnitude
        } catch {
            throw FieldProblem(reason: "'\(text)' is not an amount of dollars: \(error)")
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
