/// The rows of a Mooncake trace: JSON lines `{"timestamp": 27482, "input_length": 6955,
/// "output_length": 52, "hash_ids": [46, 47, …]}`, one request each, no model (the import
/// gives it), `timestamp` in milliseconds from the trace's start (the import places it).
///
/// Cached tokens follow the trace's prefix-cache model: each hash id names a block of
/// ``blockTokens`` tokens; a request's cached tokens are the blocks of its leading hash ids
/// already seen in earlier requests (stopping at the first block not seen), capped at its input.
/// A request's blocks count as seen once its line is read, whether or not it is charged.
/// The set of blocks seen is the one thing this reader keeps that grows with the file.
struct MooncakeTraceRows: UsageRowSource {
    let lines: LineReader
    private var seen = Set<Int64>()

    /// The tokens in one hashed block of a Mooncake trace.
    static let blockTokens: Int64 = 512

    static let names = UsageFieldNames([
        .time: "timestamp", .input: "input_length", .cached: "hash_ids", .output: "output_length",
    ])

    init(lines: LineReader) { self.lines = lines }

    var format: UsageImportFormat { .mooncakeTrace }
    var file: String { lines.file }
    var bytesRead: Int64 { lines.bytesRead }
    var totalBytes: Int64 { lines.totalBytes }
    var namesModels: Bool { false }

    mutating func next() throws -> UsageRowResult? {
        try lines.nextObjectRow { object, line throws(BadUsageRow) in try row(object, line: line) }
    }

    private mutating func row(_ object: JSONObjectFields, line: Int) throws(BadUsageRow) -> UsageRow {
        guard let text = try object.numberText("timestamp") else { throw object.problem("timestamp", "missing") }
        let time: Int128
        do { time = try ImportFields.milliseconds(text) } catch { throw object.problem("timestamp", error.reason) }
        let input = try object.requiredCount("input_length")
        let output = try object.requiredCount("output_length")
        let blocks = try hashIDs(object)
        var leadingSeen: Int64 = 0
        for block in blocks {
            guard seen.contains(block) else { break }
            leadingSeen += 1
        }
        seen.formUnion(blocks)
        let cached = min(leadingSeen * MooncakeTraceRows.blockTokens, input)
        return UsageRow(
            line: line, timeNanoseconds: time, model: nil, input: input, cached: cached, output: output, fieldNames: MooncakeTraceRows.names)
    }

    private func hashIDs(_ object: JSONObjectFields) throws(BadUsageRow) -> [Int64] {
        guard let items = try object.array("hash_ids") else { return [] }
        var blocks: [Int64] = []
        blocks.reserveCapacity(items.count)
        for item in items {
            guard case .number(let text) = item else { throw object.problem("hash_ids", "expected numbers, found \(item.kindDescription)") }
            do { blocks.append(try ImportFields.wholeNumber(text, what: "a whole number")) } catch { throw object.problem("hash_ids", error.reason) }
        }
        return blocks
    }
}
