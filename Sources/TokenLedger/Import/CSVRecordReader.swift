/// One CSV record: its fields and the line it starts on.
struct CSVRecord {
    var fields: [String]
    var line: Int
}

/// Reads RFC 4180 CSV records one at a time from a ``LineReader``: fields separated by commas
/// (or tabs, when the header is tab-separated), quoted fields with `""` for a quote and line
/// breaks inside quotes. Blank lines are skipped.
final class CSVRecordReader {
    let lines: LineReader
    private(set) var delimiter = UInt8(ascii: ",")
    /// The most lines one quoted record may span.
    static let maximumLinesPerRecord = 10_000

    init(lines: LineReader) { self.lines = lines }

    var file: String { lines.file }

    /// Reads the header: the column names, trimmed and lowercased. A header with tabs and no
    /// commas makes the file tab-separated. Throws ``InputError`` for an empty file.
    func header() throws -> CSVRecord {
        guard let first = try nextNonBlankLine() else { throw InputError(file: file, line: 1, reason: "the file is empty: a header line was expected") }
        if !first.contains(UInt8(ascii: ",")), first.contains(UInt8(ascii: "\t")) { delimiter = UInt8(ascii: "\t") }
        switch try record(first) {
        case .success(let fields):
            return CSVRecord(fields: fields.map { $0.trimmingASCIIWhitespace().lowercased() }, line: lines.lineNumber)
        case .failure(let bad): throw InputError(file: file, line: bad.line, reason: bad.reason)
        }
    }

    /// The next record, a malformed one, or nil at the end of the file.
    func next() throws -> Result<CSVRecord, BadUsageRow>? {
        guard let line = try nextNonBlankLine() else { return nil }
        return try record(startingWith: line)
    }

    /// The record starting with `line` (returned by ``nextNonBlankLine()``), reading more
    /// lines while a quote is open: what ``next()`` returns after reading `line`.
    func record(startingWith line: ArraySlice<UInt8>) throws -> Result<CSVRecord, BadUsageRow> {
        let number = lines.lineNumber
        return try record(line).map { CSVRecord(fields: $0, line: number) }
    }

    /// The next line that is not blank, or nil at the end of the file: a record's first line.
    func nextNonBlankLine() throws -> ArraySlice<UInt8>? {
        while let line = try lines.next() {
            if !line.isBlank { return line }
        }
        return nil
    }

    /// The fields of the record starting with `line`, reading more lines while a quote is open.
    private func record(_ line: ArraySlice<UInt8>) throws -> Result<[String], BadUsageRow> {
        let number = lines.lineNumber
        if !line.contains(UInt8(ascii: "\"")) {
            guard line.validatedString != nil else { return .failure(BadUsageRow(line: number, field: nil, reason: "the line is not valid UTF-8")) }
            return .success(line.split(separator: delimiter, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) })
        }
        var parser = QuotedRecordParser(delimiter: delimiter)
        var current = line
        var spanned = 1
        while true {
            if let problem = parser.consume(current) { return .failure(BadUsageRow(line: number, field: nil, reason: problem)) }
            guard parser.inQuotes else { break }
            guard spanned < CSVRecordReader.maximumLinesPerRecord, let more = try lines.next() else {
                return .failure(BadUsageRow(line: number, field: nil, reason: "a quoted field is never closed"))
            }
            parser.field.append(UInt8(ascii: "\n"))
            current = more
            spanned += 1
        }
        parser.endField()
        guard let fields = parser.fields else { return .failure(BadUsageRow(line: number, field: nil, reason: "the record is not valid UTF-8")) }
        return .success(fields)
    }
}

/// The state of one record with quotes, fed a line at a time.
private struct QuotedRecordParser {
    let delimiter: UInt8
    var decoded: [String] = []
    var field: [UInt8] = []
    var inQuotes = false
    var closed = false
    var valid = true

    init(delimiter: UInt8) { self.delimiter = delimiter }

    var fields: [String]? { valid ? decoded : nil }

    /// Takes one line's bytes; returns a problem, if any.
    mutating func consume(_ bytes: ArraySlice<UInt8>) -> String? {
        let quote = UInt8(ascii: "\"")
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            index += 1
            if inQuotes {
                if byte != quote {
                    field.append(byte)
                } else if index < bytes.endIndex, bytes[index] == quote {
                    field.append(quote)
                    index += 1
                } else {
                    inQuotes = false
                    closed = true
                }
            } else if byte == delimiter {
                endField()
            } else if closed {
                if byte != UInt8(ascii: " ") { return "text after the closing quote of a field" }
            } else if byte == quote {
                guard field.allSatisfy({ $0 == UInt8(ascii: " ") }) else { return "a quote inside a field that is not quoted" }
                field = []
                inQuotes = true
            } else {
                field.append(byte)
            }
        }
        return nil
    }

    mutating func endField() {
        if let text = String(validating: field, as: UTF8.self) { decoded.append(text) } else { valid = false }
        field = []
        closed = false
    }
}
