/// Splits a file of JSON documents into its top-level values without parsing them: one value
/// after another (pretty-printed pages one after another, or one per line), or the elements of
/// one top-level array. Each value is read whole (a page of an API is small); the file is not.
final class JSONDocumentReader {
    let lines: LineReader
    /// The largest single value accepted.
    static let maximumValueBytes = 64 << 20

    private var pending: ArraySlice<UInt8> = []
    private var pendingLine = 0
    /// Inside a top-level array: its elements are the values.
    private var inOuterArray = false
    private var sawFirstValue = false
    private var finished = false

    init(lines: LineReader) { self.lines = lines }

    var file: String { lines.file }

    /// The next value's bytes and the line it starts on, or nil at the end. Throws
    /// ``InputError`` when the text between values is not JSON's, or a value is never closed:
    /// the file cannot be read on after that.
    func next() throws -> (bytes: [UInt8], line: Int)? {
        guard !finished, try skipSeparators() else { return nil }
        var value: [UInt8] = []
        let startLine = pendingLine
        var scanner = ValueScanner()
        while true {
            if let end = scanner.scan(pending) {
                value.append(contentsOf: pending[..<end])
                pending = pending[end...]
                sawFirstValue = true
                return (value, startLine)
            }
            value.append(contentsOf: pending)
            value.append(UInt8(ascii: "\n"))
            guard value.count <= JSONDocumentReader.maximumValueBytes else {
                throw InputError(file: file, line: startLine, reason: "a JSON value larger than \(JSONDocumentReader.maximumValueBytes >> 20) MiB")
            }
            guard let line = try lines.next() else {
                throw InputError(file: file, line: startLine, reason: "the file ends inside the JSON value that starts here")
            }
            pending = line
            pendingLine = lines.lineNumber
        }
    }

    /// Skips white space, and the brackets and commas of an outer array; false at the end.
    private func skipSeparators() throws -> Bool {
        var expectComma = inOuterArray && sawFirstValue
        while true {
            while let byte = pending.first {
                switch byte {
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                    pending = pending.dropFirst()
                case UInt8(ascii: "[") where !inOuterArray && !sawFirstValue:
                    inOuterArray = true
                    pending = pending.dropFirst()
                case UInt8(ascii: ",") where inOuterArray && expectComma:
                    expectComma = false
                    pending = pending.dropFirst()
                case UInt8(ascii: "]") where inOuterArray:
                    finished = true
                    pending = pending.dropFirst()
                    guard pending.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) else {
                        throw InputError(file: file, line: pendingLine, reason: "unexpected text after the closing ']'")
                    }
                    return false
                default:
                    if expectComma { throw InputError(file: file, line: pendingLine, reason: "expected ',' or ']' between the array's values") }
                    return true
                }
            }
            guard let line = try lines.next() else {
                if inOuterArray { throw InputError(file: file, line: lines.lineNumber, reason: "the file ends before the array's closing ']'") }
                return false
            }
            pending = line
            pendingLine = lines.lineNumber
        }
    }
}

/// Finds where one JSON value ends, a line at a time: braces and brackets counted outside
/// strings. A scalar value at the top ends at the first separator.
private struct ValueScanner {
    var depth = 0
    var inString = false
    var escaped = false
    var started = false

    /// The index just past the value's end in `bytes`, or nil when it goes on past them.
    mutating func scan(_ bytes: ArraySlice<UInt8>) -> Int? {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            index += 1
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    if depth == 0 { return index }
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth <= 0 { return index }
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: ","):
                if depth == 0 && started { return index - 1 }
            default: break
            }
            started = true
        }
        return depth == 0 && started && !inString ? bytes.endIndex : nil
    }
}
