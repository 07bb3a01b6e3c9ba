import Foundation
import TokenLedgerCore

/// The rows of a `csv` usage file: a header naming the columns, one request per record.
///
/// Required: `time` (ISO 8601, UTC without a zone, or seconds since 1970), `input_tokens`,
/// `cached_tokens`, `output_tokens`, and `model` unless the import gives one. Optional:
/// `cache_write_tokens`, `requests`, `request_id`, `project`, `api_key`, `user`, `tier`,
/// `provider` (who served the request: `openai`, `anthropic`, `bedrock`…), and the counts billed
/// at their own rates: `cache_write_1h_tokens`, `input_audio_tokens`, `input_image_tokens`
/// (within `input_tokens`), `output_audio_tokens`, `output_image_tokens` (within `output_tokens`).
/// Other columns are ignored, except counts of tokens (a column named `…_tokens`) that none of
/// these is: a row where such a column is not empty or 0 is refused (``UnmappedTokens``).
/// `--map old=new` renames columns first. Empty cached and cache-write fields count 0.
struct UsageCSVRows: UsageRowSource {
    let records: CSVRecordReader
    let columns: CSVColumns
    let names: UsageFieldNames
    /// The columns of token counts this reader does not map (refused unless empty or 0).
    let unmapped: [String]

    static let required = [["time"], ["input_tokens"], ["cached_tokens"], ["output_tokens"]]
    /// Whether the file has any of the optional columns of the counts billed apart (``TokenBreakdown/fieldNames``).
    let hasBreakdown: Bool

    /// Where each column is, resolved once from the header, for ``PlainCSVLine``.
    let positions: UsageCSVPositions
    /// The fields' bounds in the line being read, kept between rows so as not to allocate.
    private var bounds: [Int] = []
    /// The last model read, to reuse its String when the next row names it again.
    private var lastModel: String?

    init(lines: LineReader, columnMap: [String: String]) throws {
        records = CSVRecordReader(lines: lines)
        columns = try CSVColumns(header: try records.header(), map: columnMap, required: UsageCSVRows.required, file: lines.file)
        names = columns.fieldNames([
            .time: "time", .model: "model", .tier: "tier", .input: "input_tokens", .cached: "cached_tokens", .cacheWrite: "cache_write_tokens",
            .output: "output_tokens", .requests: "requests", .requestID: "request_id", .project: "project", .apiKey: "api_key", .user: "user",
            .provider: "provider", .cacheWrite1h: "cache_write_1h_tokens", .inputAudio: "input_audio_tokens", .inputImage: "input_image_tokens",
            .outputAudio: "output_audio_tokens", .outputImage: "output_image_tokens",
        ])
        positions = UsageCSVPositions(columns)
        unmapped = columns.unmappedTokenColumns(
            mapped: Set(["input_tokens", "cached_tokens", "cache_write_tokens", "output_tokens"] + TokenBreakdown.fieldNames))
        hasBreakdown = TokenBreakdown.fieldNames.contains(where: columns.has)
    }

    var format: UsageImportFormat { .csv }
    var file: String { records.file }
    var bytesRead: Int64 { records.lines.bytesRead }
    var totalBytes: Int64 { records.lines.totalBytes }
    var namesModels: Bool { columns.has("model") }

    mutating func next() throws -> UsageRowResult? {
        guard let line = try records.nextNonBlankLine() else { return nil }
        // Nearly every line is plain (ASCII, unquoted, canonical values): read straight from
        // its bytes. Any other line (and any line with a problem) is read by the general path
        // below, which gives the same row or says what is wrong with it.
        if unmapped.isEmpty, !hasBreakdown, !columns.has("provider"), let row = plainRow(line) { return .row(row) }
        switch try records.record(startingWith: line) {
        case .failure(let bad): return .bad(bad)
        case .success(let record):
            do throws(BadUsageRow) { return .row(try row(record)) } catch { return .bad(error) }
        }
    }

    private func row(_ record: CSVRecord) throws(BadUsageRow) -> UsageRow {
        if let bad = columns.check(record) { throw bad }
        try columns.checkUnmappedTokens(unmapped, in: record)
        guard let time = try columns.read("time", in: record, ImportFields.time) else { throw BadUsageRow(line: record.line, field: "time", reason: "missing") }
        var requests: Int64 = 1
        if let text = columns.value("requests", in: record), !text.isBlankText {
            requests = try columns.read("requests", in: record, ImportFields.count) ?? 1
        }
        var row = UsageRow(
            line: record.line, timeNanoseconds: time, model: columns.text("model", in: record),
            tier: try columns.read("tier", in: record, ImportFields.tier) ?? .default,
            input: try columns.requiredCount("input_tokens", in: record), cached: try columns.count("cached_tokens", in: record),
            cacheWrite: try columns.count("cache_write_tokens", in: record), output: try columns.requiredCount("output_tokens", in: record),
            requests: requests, requestID: columns.text("request_id", in: record), project: columns.text("project", in: record),
            apiKey: columns.text("api_key", in: record), user: columns.text("user", in: record), fieldNames: names)
        row.provider = columns.text("provider", in: record).map(Providers.Claim.named)
        if hasBreakdown {
            var counts: [Int64] = []
            for name in TokenBreakdown.fieldNames { counts.append(columns.has(name) ? try columns.count(name, in: record) : 0) }
            row.breakdown = TokenBreakdown(
                cacheWrite1h: counts[0], inputAudio: counts[1], inputImage: counts[2], outputAudio: counts[3], outputImage: counts[4])
        }
        return row
    }
}

extension UsageCSVRows {
    /// The row of a plain line, read from its bytes without a String per field; nil when the
    /// line is not plain (non-ASCII bytes, quotes, a field count unlike the header's, a value
    /// in another form than the canonical one: ISO time `YYYY-MM-DDTHH:MM:SS[.fraction][Z]` or
    /// whole seconds, counts as digits, text without surrounding blanks), for the general path.
    ///
    /// Gives exactly the row the general path gives for such a line (tested line by line).
    fileprivate mutating func plainRow(_ line: ArraySlice<UInt8>) -> UsageRow? {
        let delimiter = records.delimiter
        let expected = columns.count
        var bounds = self.bounds
        self.bounds = []
        defer { self.bounds = bounds }
        bounds.removeAll(keepingCapacity: true)
        let row: UsageRow? = line.withUnsafeBufferPointer { bytes -> UsageRow? in
            bounds.append(0)
            for index in 0..<bytes.count {
                let byte = bytes[index]
                if byte >= 0x80 || byte == UInt8(ascii: "\"") { return nil }
                if byte == delimiter { bounds.append(index + 1) }
            }
            bounds.append(bytes.count + 1)
            guard bounds.count == expected + 1 else { return nil }
            let line = PlainCSVLine(bytes: bytes, bounds: bounds)
            let p = positions
            guard let time = p.time.flatMap(line.time) else { return nil }
            var requests: Int64 = 1
            if let column = p.requests, !line.isEmpty(column) {
                guard let value = line.count(column) else { return nil }
                requests = value
            }
            var model: String?
            if let column = p.model {
                guard let text = line.text(column) else { return nil }
                if text.isEmpty {
                    model = nil
                } else if let last = lastModel, line.equals(column, last) {
                    model = last
                } else {
                    model = text.string
                    lastModel = model
                }
            }
            var tier = ServiceTier.default
            if let column = p.tier {
                guard let text = line.text(column), let named = ServiceTier(name: text.string) else { return nil }
                tier = named
            }
            guard let input = p.input.flatMap(line.count), let output = p.output.flatMap(line.count) else { return nil }
            var cached: Int64 = 0
            var cacheWrite: Int64 = 0
            if let column = p.cached, !line.isEmpty(column) {
                guard let value = line.count(column) else { return nil }
                cached = value
            }
            if let column = p.cacheWrite, !line.isEmpty(column) {
                guard let value = line.count(column) else { return nil }
                cacheWrite = value
            }
            // Optional text: .some(nil) for a missing column or an empty field, nil for a field not plain.
            func optionalText(_ position: Int?) -> String?? {
                guard let column = position else { return .some(nil) }
                guard let text = line.text(column) else { return nil }
                return .some(text.isEmpty ? nil : text.string)
            }
            guard let requestID = optionalText(p.requestID), let project = optionalText(p.project), let apiKey = optionalText(p.apiKey),
                let user = optionalText(p.user)
            else { return nil }
            return UsageRow(
                line: records.lines.lineNumber, timeNanoseconds: time, model: model, tier: tier, input: input, cached: cached,
                cacheWrite: cacheWrite, output: output, requests: requests, requestID: requestID, project: project, apiKey: apiKey,
                user: user, fieldNames: names)
        }
        return row
    }
}

/// The positions of the `csv` format's columns in a file's records.
struct UsageCSVPositions {
    var time, model, tier, input, cached, cacheWrite, output, requests, requestID, project, apiKey, user: Int?

    init(_ columns: CSVColumns) {
        time = columns.position("time")
        model = columns.position("model")
        tier = columns.position("tier")
        input = columns.position("input_tokens")
        cached = columns.position("cached_tokens")
        cacheWrite = columns.position("cache_write_tokens")
        output = columns.position("output_tokens")
        requests = columns.position("requests")
        requestID = columns.position("request_id")
        project = columns.position("project")
        apiKey = columns.position("api_key")
        user = columns.position("user")
    }
}

/// The fields of one ASCII, unquoted CSV line, as byte ranges (`bounds[i] ..< bounds[i + 1] - 1`
/// is field `i`), read only in their canonical forms: each reader returns nil for anything else.
struct PlainCSVLine {
    let bytes: UnsafeBufferPointer<UInt8>
    let bounds: [Int]

    /// A field's bytes.
    struct Field {
        let bytes: UnsafeBufferPointer<UInt8>
        var isEmpty: Bool { bytes.isEmpty }
        var string: String { String(decoding: bytes, as: UTF8.self) }
    }

    func field(_ column: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[bounds[column]..<(bounds[column + 1] - 1)])
    }

    func isEmpty(_ column: Int) -> Bool { bounds[column + 1] - 1 == bounds[column] }

    /// Whether the field is exactly `text`'s bytes.
    func equals(_ column: Int, _ text: String) -> Bool {
        let field = field(column)
        var text = text
        return text.withUTF8 { utf8 in utf8.count == field.count && (field.isEmpty || memcmp(utf8.baseAddress!, field.baseAddress!, field.count) == 0) }
    }

    /// Text as ``ImportFields/optional(_:)`` reads it, when it has no blank at either end
    /// (an empty field is empty text: nil to the caller).
    func text(_ column: Int) -> Field? {
        let field = field(column)
        if let first = field.first, let last = field.last, Self.isBlank(first) || Self.isBlank(last) { return nil }
        return Field(bytes: field)
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
    }

    /// A count as ``ImportFields/count(_:)`` reads it, when written as 1 to 15 digits.
    func count(_ column: Int) -> Int64? {
        guard let value = Self.digits(field(column), maximumCount: 15), value <= TokenUsage.maximumTokens else { return nil }
        return value
    }

    private static func digits(_ field: UnsafeBufferPointer<UInt8>, maximumCount: Int) -> Int64? {
        guard !field.isEmpty, field.count <= maximumCount else { return nil }
        var value: Int64 = 0
        for byte in field {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// A time as ``ImportFields/time(_:)`` reads it, in nanoseconds since 1970, when written
    /// as whole seconds since 1970 (up to 9,223,372,036) or as `YYYY-MM-DDTHH:MM:SS` with an
    /// optional fraction (`.` and 1 to 9 digits) and an optional `Z`.
    func time(_ column: Int) -> Int128? {
        let field = field(column)
        if let seconds = Self.digits(field, maximumCount: 10) {
            guard seconds <= Int64.max / 1_000_000_000 else { return nil }
            return Int128(seconds) * 1_000_000_000
        }
        guard field.count >= 19, field.count <= 30 else { return nil }
        func number(_ start: Int, _ count: Int) -> Int? {
            var value = 0
            for index in start..<(start + count) {
                let byte = field[index]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard field[4] == UInt8(ascii: "-"), field[7] == UInt8(ascii: "-"), field[10] == UInt8(ascii: "T"), field[13] == UInt8(ascii: ":"),
            field[16] == UInt8(ascii: ":"), let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
            let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
            (1970...9999).contains(year), (1...12).contains(month), day >= 1, day <= CivilCalendar.daysInMonth(year: year, month: month),
            hour < 24, minute < 60, second < 60
        else { return nil }
        var index = 19
        var millisecond = 0
        var subMillisecond: Int128 = 0
        if index < field.count, field[index] == UInt8(ascii: ".") {
            index += 1
            var digits = 0
            while index < field.count, field[index] >= UInt8(ascii: "0"), field[index] <= UInt8(ascii: "9") {
                let digit = Int(field[index] - UInt8(ascii: "0"))
                if digits < 3 { millisecond = millisecond * 10 + digit } else { subMillisecond = subMillisecond * 10 + Int128(digit) }
                digits += 1
                index += 1
            }
            guard digits >= 1, digits <= 9 else { return nil }
            for _ in min(digits, 3)..<3 { millisecond *= 10 }
            for _ in max(digits, 3)..<9 { subMillisecond *= 10 }
        }
        if index < field.count, field[index] == UInt8(ascii: "Z") { index += 1 }
        guard index == field.count else { return nil }
        let at = Timestamp(year: year, month: month, day: day, hour: hour, minute: minute, second: second, millisecond: millisecond)
        return Int128(at.milliseconds) * ImportFields.nanosecondsPerMillisecond + subMillisecond
    }
}
