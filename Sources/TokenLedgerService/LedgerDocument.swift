import Foundation
import TokenLedger

/// A document the CLI prints with `--format json` (``JSONDocument``), answered by the service
/// as the library built it: the generated code takes it in place of the schemas named in
/// `openapi-generator-config.yaml` (`typeOverrides`), whose fields `openapi.yaml` describes.
///
/// Why not generated types: the CLI and the service would then build the same document twice,
/// and a generated type drops the `null`s the CLI prints (`"project": null`). Encoding writes
/// the value as it is: strings stay strings (money is never a float), integers are `Int64`,
/// `null` is written; only the layout is the service's encoder's (keys sorted, as in every
/// answer of the service), so the answer equals the CLI's document value for value.
struct LedgerDocument: Codable, Hashable, Sendable {
    var value: JSONOutput

    init(_ value: JSONOutput) { self.value = value }

    func encode(to encoder: any Encoder) throws {
        switch value {
        case .string(let text):
            var container = encoder.singleValueContainer()
            try container.encode(text)
        case .int(let number):
            var container = encoder.singleValueContainer()
            try container.encode(number)
        case .bool(let flag):
            var container = encoder.singleValueContainer()
            try container.encode(flag)
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .array(let items):
            var container = encoder.unkeyedContainer()
            for item in items { try container.encode(LedgerDocument(item)) }
        case .object(let fields):
            var container = encoder.container(keyedBy: Key.self)
            for (name, field) in fields { try container.encode(LedgerDocument(field), forKey: Key(name)) }
        }
    }

    /// Reads any JSON value (for a client built from the same document): ``JSONOutput``'s
    /// own reading.
    init(from decoder: any Decoder) throws { value = try JSONOutput(from: decoder) }

    /// Two documents are the same when they print the same.
    static func == (left: LedgerDocument, right: LedgerDocument) -> Bool { left.value.rendered() == right.value.rendered() }

    func hash(into hasher: inout Hasher) { hasher.combine(value.rendered()) }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
