/// The rows of an Azure LLM inference trace (`TIMESTAMP,ContextTokens,GeneratedTokens`), read
/// line by line with ``AzureTrace``'s own line reader: one request per line, no model (the
/// import gives it), no cached tokens, times without a zone (UTC) kept to the nanosecond.
struct AzureTraceRows: UsageRowSource {
    let lines: LineReader

    static let names = UsageFieldNames([.time: "TIMESTAMP", .input: "ContextTokens", .output: "GeneratedTokens"])

    init(lines: LineReader) throws {
        self.lines = lines
        var header: ArraySlice<UInt8>?
        repeat { header = try lines.next() } while header?.isBlank == true
        guard let header, let text = header.validatedString else {
            throw InputError(file: lines.file, line: 1, reason: "expected the header \(AzureTrace.header)")
        }
        try AzureTrace.checkHeader(Substring(text), file: lines.file)
    }

    var format: UsageImportFormat { .azureTrace }
    var file: String { lines.file }
    var bytesRead: Int64 { lines.bytesRead }
    var totalBytes: Int64 { lines.totalBytes }
    var namesModels: Bool { false }

    mutating func next() throws -> UsageRowResult? {
        var line: ArraySlice<UInt8>?
        repeat { line = try lines.next() } while line?.isBlank == true
        guard let line else { return nil }
        let number = lines.lineNumber
        guard let text = line.validatedString else { return .bad(BadUsageRow(line: number, field: nil, reason: "the line is not valid UTF-8")) }
        let request: AzureTraceRequest
        do { request = try AzureTrace.request(Substring(text), number: number, file: file) } catch let error as InputError {
            return .bad(BadUsageRow(line: number, field: error.field, reason: error.reason))
        }
        return .row(
            UsageRow(
                line: number,
                timeNanoseconds: Int128(request.time.milliseconds) * ImportFields.nanosecondsPerMillisecond + Int128(request.subMillisecondNanoseconds),
                model: nil, input: request.contextTokens, output: request.generatedTokens, fieldNames: AzureTraceRows.names))
    }
}
