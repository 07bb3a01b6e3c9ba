/// The rows of a `csv` usage file: a header naming the columns, one request per record.
///
/// Required: `time` (ISO 8601, UTC without a zone, or seconds since 1970), `input_tokens`,
/// `cached_tokens`, `output_tokens`, and `model` unless the import gives one. Optional:
/// `cache_write_tokens`, `requests`, `request_id`, `project`, `api_key`, `user`, `tier`.
/// Other columns are ignored; `--map old=new` renames columns first. Empty cached and
/// cache-write fields count 0.
struct UsageCSVRows: UsageRowSource {
    let records: CSVRecordReader
    let columns: CSVColumns
    let names: UsageFieldNames

    static let required = [["time"], ["input_tokens"], ["cached_tokens"], ["output_tokens"]]

    init(lines: LineReader, columnMap: [String: String]) throws {
        records = CSVRecordReader(lines: lines)
        columns = try CSVColumns(header: try records.header(), map: columnMap, required: UsageCSVRows.required, file: lines.file)
        names = columns.fieldNames([
            .time: "time", .model: "model", .tier: "tier", .input: "input_tokens", .cached: "cached_tokens", .cacheWrite: "cache_write_tokens",
            .output: "output_tokens", .requests: "requests", .requestID: "request_id", .project: "project", .apiKey: "api_key", .user: "user",
        ])
    }

    var format: UsageImportFormat { .csv }
    var file: String { records.file }
    var bytesRead: Int64 { records.lines.bytesRead }
    var totalBytes: Int64 { records.lines.totalBytes }
    var namesModels: Bool { columns.has("model") }

    mutating func next() throws -> UsageRowResult? {
        guard let result = try records.next() else { return nil }
        switch result {
        case .failure(let bad): return .bad(bad)
        case .success(let record):
            do throws(BadUsageRow) { return .row(try row(record)) } catch { return .bad(error) }
        }
    }

    private func row(_ record: CSVRecord) throws(BadUsageRow) -> UsageRow {
        if let bad = columns.check(record) { throw bad }
        guard let time = try columns.read("time", in: record, ImportFields.time) else { throw BadUsageRow(line: record.line, field: "time", reason: "missing") }
        var requests: Int64 = 1
        if let text = columns.value("requests", in: record), !text.isBlankText {
            requests = try columns.read("requests", in: record, ImportFields.count) ?? 1
        }
        return UsageRow(
            line: record.line, timeNanoseconds: time, model: columns.text("model", in: record),
            tier: try columns.read("tier", in: record, ImportFields.tier) ?? .default,
            input: try columns.requiredCount("input_tokens", in: record), cached: try columns.count("cached_tokens", in: record),
            cacheWrite: try columns.count("cache_write_tokens", in: record), output: try columns.requiredCount("output_tokens", in: record),
            requests: requests, requestID: columns.text("request_id", in: record), project: columns.text("project", in: record),
            apiKey: columns.text("api_key", in: record), user: columns.text("user", in: record), fieldNames: names)
    }
}
