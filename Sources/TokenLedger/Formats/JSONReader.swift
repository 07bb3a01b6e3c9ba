/// A JSON value as read from a file, with every number kept as its source text.
///
/// Foundation's `JSONSerialization` and `JSONDecoder` read numbers through `Double`, which
/// cannot hold `2.5e-06` exactly; money never takes that path. Callers turn a number's text
/// into an exact integer with `DecimalText`.
indirect enum JSONValue: Sendable, Equatable {
    case object([JSONMember])
    case array([JSONValue])
    case string(String)
    /// The number exactly as written: `2.5e-06`, `128000`.
    case number(String)
    case bool(Bool)
    case null

    /// What kind of value this is, for messages: `a string`, `an object`.
    var kindDescription: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }
}

/// One `"key": value` of a JSON object, with the line its key is on (from 1).
struct JSONMember: Sendable, Equatable {
    var key: String
    var value: JSONValue
    var line: Int
}

/// A strict reader of JSON text (RFC 8259) that keeps numbers as text and reports where a
/// problem is: the file, the line and the path of keys leading to it.
///
/// Limits: objects and arrays nest at most ``maximumDepth`` deep; a key may appear only once
/// in an object (a catalog that names a model twice is ambiguous, so it is refused).
struct JSONReader {
    /// The deepest nesting of objects and arrays accepted.
    static let maximumDepth = 64

    private let bytes: [UInt8]
    private let file: String
    private var index = 0
    private var line = 1
    /// The keys from the top to the value being read, for error messages.
    private var path: [String] = []

    private init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    /// Reads one JSON value filling the whole text. Throws ``InputError`` naming `file`, the
    /// line and the key path (`gpt-4o.input_cost_per_token`) where the text stops being JSON.
    static func parse(_ text: String, file: String) throws -> JSONValue {
        var reader = JSONReader(bytes: Array(text.utf8), file: file)
        // A byte order mark is not JSON but editors write one; skip it.
        if reader.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { reader.index = 3 }
        reader.skipWhitespace()
        let value = try reader.value(depth: 0)
        reader.skipWhitespace()
        guard reader.index == reader.bytes.count else { throw reader.error("unexpected \(reader.describeNext()) after the end of the JSON value") }
        return value
    }

    private mutating func value(depth: Int) throws -> JSONValue {
        guard depth < JSONReader.maximumDepth else { throw error("values nested deeper than \(JSONReader.maximumDepth) levels") }
        guard let byte = peek() else { throw error("the file ends where a value was expected") }
        switch byte {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: throw error("unexpected \(describeNext()) where a value was expected")
        }
    }

    private mutating func object(depth: Int) throws -> JSONValue {
        index += 1  // {
        var members: [JSONMember] = []
        var keys = Set<String>()
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            return .object([])
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else {
                let trailing = peek() == UInt8(ascii: "}") && !members.isEmpty
                throw error(trailing ? "a comma before '}' (JSON has no trailing commas)" : "expected a quoted key, found \(describeNext())")
            }
            let keyLine = line
            let key = try string()
            path.append(key)
            guard keys.insert(key).inserted else { throw error("the key \"\(key)\" appears twice in the same object") }
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { throw error("expected ':' after the key \"\(key)\", found \(describeNext())") }
            index += 1
            skipWhitespace()
            members.append(JSONMember(key: key, value: try value(depth: depth + 1), line: keyLine))
            skipWhitespace()
            let separator = peek()
            guard separator == UInt8(ascii: ",") || separator == UInt8(ascii: "}") else {
                throw error("expected ',' or '}' after a value, found \(describeNext())")
            }
            path.removeLast()
            index += 1
            if separator == UInt8(ascii: "}") { return .object(members) }
        }
    }

    private mutating func array(depth: Int) throws -> JSONValue {
        index += 1  // [
        var items: [JSONValue] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            return .array([])
        }
        while true {
            skipWhitespace()
            if peek() == UInt8(ascii: "]") { throw error("a comma before ']' (JSON has no trailing commas)") }
            items.append(try value(depth: depth + 1))
            skipWhitespace()
            let separator = peek()
            guard separator == UInt8(ascii: ",") || separator == UInt8(ascii: "]") else {
                throw error("expected ',' or ']' after a value, found \(describeNext())")
            }
            index += 1
            if separator == UInt8(ascii: "]") { return .array(items) }
        }
    }

    /// A quoted string, with its escapes decoded.
    private mutating func string() throws -> String {
        index += 1  // "
        let start = index
        // The common case: no escapes, so the bytes are the string.
        while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\"), bytes[index] >= 0x20 {
            index += 1
        }
        guard index < bytes.count else { throw error("the file ends inside a string") }
        if bytes[index] == UInt8(ascii: "\"") {
            index += 1
            return String(decoding: bytes[start..<(index - 1)], as: UTF8.self)
        }
        var decoded = Array(bytes[start..<index])
        while true {
            guard index < bytes.count else { throw error("the file ends inside a string") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: decoded, as: UTF8.self)
            }
            guard byte >= 0x20 else { throw error("a control character (such as a line break) inside a string; write it as an escape") }
            if byte == UInt8(ascii: "\\") {
                try escape(into: &decoded)
            } else {
                decoded.append(byte)
                index += 1
            }
        }
    }

    /// One escape sequence (the reader is on its backslash), appended as UTF-8.
    private mutating func escape(into decoded: inout [UInt8]) throws {
        index += 1
        guard let byte = peek() else { throw error("the file ends inside a string") }
        index += 1
        let simple: [UInt8: UInt8] = [
            UInt8(ascii: "\""): UInt8(ascii: "\""), UInt8(ascii: "\\"): UInt8(ascii: "\\"), UInt8(ascii: "/"): UInt8(ascii: "/"),
            UInt8(ascii: "b"): 0x08, UInt8(ascii: "f"): 0x0C, UInt8(ascii: "n"): 0x0A, UInt8(ascii: "r"): 0x0D, UInt8(ascii: "t"): 0x09,
        ]
        if let replacement = simple[byte] {
            decoded.append(replacement)
            return
        }
        guard byte == UInt8(ascii: "u") else { throw error("an unknown escape '\\\(String(UnicodeScalar(byte)))' in a string") }
        var scalar = try hexQuad()
        if (0xD800...0xDBFF).contains(scalar) {
            // A high surrogate must be followed by an escaped low surrogate.
            guard peek() == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
                throw error("an unpaired surrogate escape in a string")
            }
            index += 2
            let low = try hexQuad()
            guard (0xDC00...0xDFFF).contains(low) else { throw error("an unpaired surrogate escape in a string") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let unicode = Unicode.Scalar(scalar) else { throw error("an unpaired surrogate escape in a string") }
        decoded.append(contentsOf: Array(String(Character(unicode)).utf8))
    }

    private mutating func hexQuad() throws -> UInt32 {
        guard index + 4 <= bytes.count, let value = UInt32(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16) else {
            throw error("'\\u' must be followed by four hexadecimal digits")
        }
        index += 4
        return value
    }

    /// A number's text, checked against JSON's grammar: `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`.
    private mutating func number() throws -> String {
        let start = index
        if peek() == UInt8(ascii: "-") { index += 1 }
        if peek() == UInt8(ascii: "0") {
            index += 1
            if isDigit(peek()) { throw error("a number with a leading zero") }
        } else {
            guard skipDigits() > 0 else { throw error("'-' not followed by digits") }
        }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard skipDigits() > 0 else { throw error("a number with no digits after its decimal point") }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard skipDigits() > 0 else { throw error("a number with no digits in its exponent") }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func skipDigits() -> Int {
        let start = index
        while isDigit(peek()) { index += 1 }
        return index - start
    }

    private func isDigit(_ byte: UInt8?) -> Bool {
        guard let byte else { return false }
        return byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private mutating func literal(_ word: String) throws {
        let expected = Array(word.utf8)
        guard bytes[index...].starts(with: expected) else { throw error("unexpected \(describeNext()) where a value was expected") }
        index += expected.count
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\n"): line += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"): break
            default: return
            }
            index += 1
        }
    }

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    /// The next character for a message: `'x'`, or `the end of the file`.
    private func describeNext() -> String {
        guard index < bytes.count else { return "the end of the file" }
        let end = bytes[index...].prefix(8).firstIndex { $0 < 0x20 || $0 == UInt8(ascii: " ") } ?? min(index + 8, bytes.count)
        let excerpt = String(decoding: bytes[index..<max(end, index + 1)], as: UTF8.self)
        return "'\(excerpt)'"
    }

    private func error(_ reason: String) -> InputError {
        InputError(file: file, line: line, field: path.isEmpty ? nil : path.joined(separator: "."), reason: reason)
    }
}
