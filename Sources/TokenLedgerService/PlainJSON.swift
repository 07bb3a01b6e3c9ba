import Foundation

/// A JSON body of the plain shape a gateway sends on every request, read straight from its
/// bytes (``PlainRoutes``): an object whose values are strings, integers and booleans, or an
/// object with one field holding an array of such objects (a batch of charges).
///
/// Why: Foundation's `JSONDecoder` behind the generated code cost more than the ledger's own
/// work for a charge. This reader never decides what a body means: anything outside the plain
/// shape (an escape or a control character in a string, a fraction or an exponent, a null, a
/// nested value, a repeated key, white space it does not know, bytes that are not UTF-8) makes
/// it answer nil, and the request takes the generated path, which reads every JSON there is
/// and names what is wrong. A test holds the two to reading every plain body alike.
enum PlainJSON {
    enum Value: Equatable, Sendable {
        case string(String)
        case integer(Int64)
        case boolean(Bool)
    }

    /// One object's fields in the order given.
    typealias Object = [(key: String, value: Value)]

    /// The object `bytes` hold, nil when they are not one of the plain shape.
    static func object(_ bytes: UnsafeRawBufferPointer) -> Object? {
        var scanner = Scanner(bytes: bytes)
        scanner.skipSpace()
        guard let object = scanner.object() else { return nil }
        scanner.skipSpace()
        return scanner.atEnd ? object : nil
    }

    /// The objects of `{"FIELD": [{…}, …]}`, nil when `bytes` hold anything else.
    static func objects(inField field: String, of bytes: UnsafeRawBufferPointer) -> [Object]? {
        var scanner = Scanner(bytes: bytes)
        scanner.skipSpace()
        guard scanner.take(UInt8(ascii: "{")) else { return nil }
        scanner.skipSpace()
        guard let key = scanner.string(), key == field else { return nil }
        scanner.skipSpace()
        guard scanner.take(UInt8(ascii: ":")) else { return nil }
        scanner.skipSpace()
        guard scanner.take(UInt8(ascii: "[")) else { return nil }
        var objects: [Object] = []
        scanner.skipSpace()
        if !scanner.take(UInt8(ascii: "]")) {
            while true {
                scanner.skipSpace()
                guard let object = scanner.object() else { return nil }
                objects.append(object)
                scanner.skipSpace()
                if scanner.take(UInt8(ascii: "]")) { break }
                guard scanner.take(UInt8(ascii: ",")) else { return nil }
            }
        }
        scanner.skipSpace()
        guard scanner.take(UInt8(ascii: "}")) else { return nil }
        scanner.skipSpace()
        return scanner.atEnd ? objects : nil
    }

    private struct Scanner {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        var atEnd: Bool { index == bytes.count }

        mutating func skipSpace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x0A, 0x0D, 0x09: index += 1
                default: return
                }
            }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        /// `{ "key": value, … }` with no key twice.
        mutating func object() -> Object? {
            guard take(UInt8(ascii: "{")) else { return nil }
            var fields: Object = []
            skipSpace()
            if take(UInt8(ascii: "}")) { return fields }
            while true {
                skipSpace()
                guard let key = string() else { return nil }
                skipSpace()
                guard take(UInt8(ascii: ":")) else { return nil }
                skipSpace()
                guard let value = value() else { return nil }
                for field in fields where field.key == key { return nil }
                fields.append((key, value))
                skipSpace()
                if take(UInt8(ascii: "}")) { return fields }
                guard take(UInt8(ascii: ",")) else { return nil }
            }
        }

        mutating func value() -> Value? {
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "\""): return string().map(Value.string)
            case UInt8(ascii: "t"): return word("true") ? .boolean(true) : nil
            case UInt8(ascii: "f"): return word("false") ? .boolean(false) : nil
            default: return integer().map(Value.integer)
            }
        }

        private mutating func word(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard bytes.count - index >= count else { return false }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
            index += count
            return true
        }

        /// A string without escapes or control characters, of valid UTF-8.
        mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let text = String(validating: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                    index += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
                index += 1
            }
            return nil
        }

        /// An integer as JSON writes one (no leading zero, no fraction or exponent) that fits in 64 bits.
        mutating func integer() -> Int64? {
            let negative = take(UInt8(ascii: "-"))
            let start = index
            var magnitude: UInt64 = 0
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                let digit = UInt64(bytes[index] - UInt8(ascii: "0"))
                let (times, overflow) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, carry) = times.addingReportingOverflow(digit)
                guard !overflow, !carry else { return nil }
                magnitude = sum
                index += 1
            }
            let digits = index - start
            guard digits > 0, digits == 1 || bytes[start] != UInt8(ascii: "0") else { return nil }
            // A fraction or an exponent: not plain.
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") || bytes[index] | 0x20 == UInt8(ascii: "e") { return nil }
            if negative {
                guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
                return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
            }
            guard magnitude <= UInt64(Int64.max) else { return nil }
            return Int64(magnitude)
        }
    }
}

/// JSON written straight into bytes, as `JSONEncoder` writes it with sorted keys and slashes
/// unescaped (what the generated code is configured with, ``LedgerServer``): the answers of
/// ``PlainRoutes``. A test holds each answer to the bytes `JSONEncoder` writes for the same
/// generated value.
struct PlainJSONWriter {
    private(set) var bytes: [UInt8] = []
    /// Whether the object or array being written has no member yet.
    private var first = true

    init(capacity: Int = 512) { bytes.reserveCapacity(capacity) }

    mutating func beginObject() {
        bytes.append(UInt8(ascii: "{"))
        first = true
    }

    mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        first = false
    }

    mutating func beginArray() {
        bytes.append(UInt8(ascii: "["))
        first = true
    }

    mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        first = false
    }

    /// The separator before a member, then `"key":`.
    mutating func key(_ key: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        raw(key)
        raw("\":")
        first = true
    }

    /// The separator before an array's element.
    mutating func separate() {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
    }

    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var plainFrom = 0
            for (index, byte) in utf8.enumerated() where byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[plainFrom..<index]))
                plainFrom = index + 1
                bytes.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
                case 0x08: bytes.append(UInt8(ascii: "b"))
                case 0x0C: bytes.append(UInt8(ascii: "f"))
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                default:
                    let hex: StaticString = "0123456789abcdef"
                    raw("u00")
                    bytes.append(hex.utf8Start[Int(byte >> 4)])
                    bytes.append(hex.utf8Start[Int(byte & 0xF)])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[plainFrom...]))
        }
        bytes.append(UInt8(ascii: "\""))
        first = false
    }

    mutating func integer(_ value: Int64) {
        if value >= 0 && value < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(value))
        } else {
            bytes.append(contentsOf: String(value).utf8)
        }
        first = false
    }

    mutating func boolean(_ value: Bool) {
        raw(value ? "true" : "false")
        first = false
    }

    private mutating func raw(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// `"key":"text"`, nothing when `text` is nil (as `JSONEncoder` leaves out a nil optional).
    mutating func field(_ key: StaticString, _ text: String?) {
        guard let text else { return }
        self.key(key)
        string(text)
    }

    mutating func field(_ key: StaticString, _ value: Int64?) {
        guard let value else { return }
        self.key(key)
        integer(value)
    }
}
