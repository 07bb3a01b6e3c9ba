import TokenLedgerCore

/// Why one field of a row could not be read.
struct FieldProblem: Error {
    var reason: String
}

/// Readers of the values found in usage files: exact integers and times, never through `Double`.
enum ImportFields {
    static let nanosecondsPerSecond: Int128 = 1_000_000_000
    static let nanosecondsPerMillisecond: Int128 = 1_000_000

    /// A whole count: `59200`, or `59200.0` as some exports print it; not `59200.5`, not negative,
    /// at most ``TokenUsage/maximumTokens``.
    static func count(_ text: String) throws(FieldProblem) -> Int64 {
        let value = try wholeNumber(text, what: "a whole number")
        guard value >= 0 else { throw FieldProblem(reason: "'\(text)' is negative") }
        guard value <= TokenUsage.maximumTokens else { throw FieldProblem(reason: "'\(text)' is more than \(TokenUsage.maximumTokens)") }
        return value
    }

    /// A whole number, possibly negative, written as digits with an optional zero fraction or
    /// an exponent (`1e3`); no thousands separators.
    static func wholeNumber(_ text: String, what: String) throws(FieldProblem) -> Int64 {
        let utf8 = text.utf8
        if !utf8.isEmpty, utf8.count <= 15, utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            return utf8.reduce(0) { $0 * 10 + Int64($1 - UInt8(ascii: "0")) }
        }
        let trimmed = text.trimmingASCIIWhitespace()
        guard !trimmed.isEmpty else { throw FieldProblem(reason: "it is empty") }
        guard !trimmed.contains(","), !trimmed.contains("$"), !trimmed.hasPrefix("+") else {
            throw FieldProblem(reason: "'\(text)' is not \(what)")
        }
        do { return try DecimalText.scaledInteger(trimmed, scale: 0) } catch { throw FieldProblem(reason: "'\(text)' is not \(what)") }
    }

    /// Seconds since 1970 (`1730419200`, `1730419200.5`), as nanoseconds.
    static func unixSeconds(_ text: String) throws(FieldProblem) -> Int128 {
        let nanoseconds: Int64
        do { nanoseconds = try DecimalText.scaledInteger(text, scale: 9) } catch {
            throw FieldProblem(reason: "'\(text)' is not a time in seconds since 1970")
        }
        guard nanoseconds >= 0 else { throw FieldProblem(reason: "'\(text)' is before 1970") }
        return Int128(nanoseconds)
    }

    /// Milliseconds (an offset in a trace), as nanoseconds; fractions down to the nanosecond kept.
    static func milliseconds(_ text: String) throws(FieldProblem) -> Int128 {
        let nanoseconds: Int64
        do { nanoseconds = try DecimalText.scaledInteger(text, scale: 6) } catch {
            throw FieldProblem(reason: "'\(text)' is not a number of milliseconds")
        }
        guard nanoseconds >= 0 else { throw FieldProblem(reason: "'\(text)' is negative") }
        return Int128(nanoseconds)
    }

    /// An ISO 8601 time (UTC when it has no zone) as nanoseconds since 1970, keeping the digits
    /// of the fraction beyond milliseconds (`2023-11-16 18:15:46.6805900`).
    static func isoTime(_ text: String) throws(FieldProblem) -> Int128 {
        let timestamp: Timestamp
        do { timestamp = try Timestamp(parsing: text) } catch { throw FieldProblem(reason: error.description) }
        return Int128(timestamp.milliseconds) * nanosecondsPerMillisecond + subMillisecondNanoseconds(of: text)
    }

    /// The nanoseconds past the millisecond in an ISO time's fraction of a second: the 4th to
    /// 9th digits after the seconds' `.` (Timestamp keeps the first three).
    static func subMillisecondNanoseconds(of text: String) -> Int128 {
        let bytes = Array(text.utf8)
        // The fraction follows "HH:MM:SS", which follows the 10-character date.
        guard bytes.count > 20 else { return 0 }
        var index = 11
        while index < bytes.count, bytes[index] != UInt8(ascii: "."), bytes[index] != UInt8(ascii: ",") { index += 1 }
        guard index < bytes.count, index >= 19 else { return 0 }
        var value: Int128 = 0
        var digits = 0
        index += 1
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9"), digits < 9 {
            if digits >= 3 { value = value * 10 + Int128(bytes[index] - UInt8(ascii: "0")) }
            digits += 1
            index += 1
        }
        if digits <= 3 { return 0 }
        for _ in digits..<9 { value *= 10 }
        return value
    }

    /// A time as CSV files write it: ISO 8601, or seconds since 1970.
    static func time(_ text: String) throws(FieldProblem) -> Int128 {
        let trimmed = text.trimmingASCIIWhitespace()
        guard !trimmed.isEmpty else { throw FieldProblem(reason: "it is empty") }
        if trimmed.utf8.allSatisfy({ ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: ".") }) {
            return try unixSeconds(trimmed)
        }
        return try isoTime(trimmed)
    }

    /// `TRUE`, `FALSE`, `true`, `1`, `0`; nil for an empty field.
    static func boolean(_ text: String) throws(FieldProblem) -> Bool? {
        switch text.trimmingASCIIWhitespace().lowercased() {
        case "": return nil
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw FieldProblem(reason: "'\(text)' is not true or false")
        }
    }

    /// A service tier name; the default tier for an empty one.
    static func tier(_ text: String) throws(FieldProblem) -> ServiceTier {
        guard let tier = ServiceTier(name: text.trimmingASCIIWhitespace()) else {
            throw FieldProblem(reason: "'\(text)' is not a service tier (default, flex, batch or priority)")
        }
        return tier
    }

    /// Text, or nil when empty.
    static func optional(_ text: String) -> String? {
        let trimmed = text.trimmingASCIIWhitespace()
        return trimmed.isEmpty ? nil : trimmed
    }
}
