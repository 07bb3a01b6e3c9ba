import TokenLedgerCore

/// A JSON value with ordered keys, written exactly: the machine output of the CLI
/// (`--format json`) and the documents of the service, one writer for both.
///
/// Why not `JSONEncoder`: money is an exact decimal string and key order is part of what people
/// read, and the CLI's transcripts are compared byte for byte. Money is never a float here.
///
/// ```swift
/// let document = JSONOutput.object([("cost_usd", .money(cost)), ("duplicate", .bool(false))])
/// print(document.rendered())
/// ```
public indirect enum JSONOutput: Sendable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case null
    case array([JSONOutput])
    case object([(String, JSONOutput)])

    /// An amount: its exact decimal string of dollars with nine decimals (`"0.000678700"`).
    public static func money(_ value: Money) -> JSONOutput { .string(value.decimalString) }
    /// A time: ISO 8601 in UTC.
    public static func time(_ value: Timestamp) -> JSONOutput { .string(value.iso8601) }
    /// A string, or `null`.
    public static func optional(_ value: String?) -> JSONOutput { value.map(JSONOutput.string) ?? .null }

    /// Pretty-printed with two-space indentation, keys in their order.
    public func rendered(indent: String = "") -> String {
        let inner = indent + "  "
        switch self {
        case .string(let text): return JSONOutput.quote(text)
        case .int(let value): return String(value)
        case .bool(let value): return value ? "true" : "false"
        case .null: return "null"
        case .array(let items):
            if items.isEmpty { return "[]" }
            return "[\n" + items.map { inner + $0.rendered(indent: inner) }.joined(separator: ",\n") + "\n" + indent + "]"
        case .object(let fields):
            if fields.isEmpty { return "{}" }
            return "{\n" + fields.map { inner + JSONOutput.quote($0.0) + ": " + $0.1.rendered(indent: inner) }.joined(separator: ",\n") + "\n" + indent
                + "}"
        }
    }

    /// On one line with no spaces, keys in their order: an event's stored payload and a webhook's body.
    public var compact: String {
        switch self {
        case .array(let items): "[" + items.map(\.compact).joined(separator: ",") + "]"
        case .object(let fields): "{" + fields.map { JSONOutput.quote($0.0) + ":" + $0.1.compact }.joined(separator: ",") + "}"
        default: rendered()
        }
    }

    /// `text` as a JSON string literal: quotes, backslashes and control characters escaped, and
    /// `<` as `\u003c`, so that JSON placed in an HTML page cannot close its script tag (and
    /// decodes to the same text, which an HTML entity would not).
    public static func quote(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "<": result += "\\u003c"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    let hex = String(scalar.value, radix: 16)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}
