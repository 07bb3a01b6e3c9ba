/// How one provider's response body becomes a usage row: the shape one `…-jsonl` format reads.
///
/// Each provider's reader is one of these (``OpenAIBody``, ``AnthropicBody``, ``GeminiBody``,
/// ``BedrockConverseBody``, ``CohereBody``); ``ResponseBodyLines`` reads a file of them, one
/// body per line, and ``DetectedBody`` picks the reader of each line from its shape.
protocol ResponseBodyReader {
    /// The format, part of every generated id.
    static var format: UsageImportFormat { get }
    /// Whether bodies of this shape name their model (when not, the import needs `--model`).
    static var namesModels: Bool { get }
    /// The row of one body (a JSON object at the top of line `line`); throws the bad row,
    /// naming the line and the JSON field at fault.
    static func row(_ object: JSONObjectFields, line: Int) throws(BadUsageRow) -> UsageRow
}

extension ResponseBodyReader {
    static var namesModels: Bool { true }
}

/// The rows of a file of provider response bodies, one JSON object per line, each read by
/// `Reader`. Blank lines are skipped; a line that is not JSON, or not an object, is a bad row.
struct ResponseBodyLines<Reader: ResponseBodyReader>: UsageRowSource {
    let lines: LineReader

    init(lines: LineReader) { self.lines = lines }

    var format: UsageImportFormat { Reader.format }
    var file: String { lines.file }
    var bytesRead: Int64 { lines.bytesRead }
    var totalBytes: Int64 { lines.totalBytes }
    var namesModels: Bool { Reader.namesModels }

    mutating func next() throws -> UsageRowResult? {
        try lines.nextObjectRow { object, line throws(BadUsageRow) in try Reader.row(object, line: line) }
    }
}

extension LineReader {
    /// The row of the next line that is not blank, parsed as one JSON object and read by `read`
    /// (given the object and the line's number); a bad row when it is not a JSON object or `read`
    /// throws, nil at the end of the file. The loop of every reader of JSON lines.
    func nextObjectRow(_ read: (JSONObjectFields, Int) throws(BadUsageRow) -> UsageRow) throws -> UsageRowResult? {
        var line: ArraySlice<UInt8>?
        repeat { line = try next() } while line?.isBlank == true
        guard let line else { return nil }
        let number = lineNumber
        switch JSONReader.parse(line, file: file, line: number) {
        case .failure(let bad): return .bad(bad)
        case .success(let value):
            guard let object = JSONObjectFields(value, path: "", lineOffset: number - 1, line: number) else {
                return .bad(BadUsageRow(line: number, field: nil, reason: "expected a JSON object, found \(value.kindDescription)"))
            }
            do throws(BadUsageRow) { return .row(try read(object, number)) } catch { return .bad(error) }
        }
    }
}

extension JSONObjectFields {
    /// The sum of counts that together make one class of tokens (Anthropic's input and its cache
    /// reads and writes), refused as a problem of `key` when it overflows.
    func sum(_ counts: Int64..., at key: String) throws(BadUsageRow) -> Int64 {
        var total: Int64 = 0
        for count in counts {
            let (sum, overflow) = total.addingReportingOverflow(count)
            guard !overflow else { throw problem(key, "the tokens of this class add up to more than \(Int64.max)") }
            total = sum
        }
        return total
    }

    /// A count that is not 0 under `key`, refused with `reason`: tokens or units billed at a rate
    /// no class of ours has (Anthropic's 1-hour cache writes, web searches).
    func refuseUnpriced(_ key: String, _ reason: String) throws(BadUsageRow) {
        guard let units = try count(key), units != 0 else { return }
        throw problem(key, "\(units) \(reason); the row is refused rather than charged without them")
    }
}

/// A row that charges nothing: a stream event whose usage another line of the stream carries.
extension UsageRow {
    static func nothing(line: Int) -> UsageRow {
        UsageRow(line: line, timeNanoseconds: 0, model: nil, input: 0, output: 0, requests: 0)
    }
}
