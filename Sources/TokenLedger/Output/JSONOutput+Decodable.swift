import TokenLedgerCore

/// Reading JSON back into a ``JSONOutput``: an event's stored payload, and a client's copy of a
/// service document. Objects keep their keys sorted (as every stored payload and every answer of
/// the service writes them); a number that is not an `Int64` is refused, as the documents hold none.
extension JSONOutput: Decodable {
    public init(from decoder: any Decoder) throws {
        if let container = try? decoder.container(keyedBy: AnyKey.self) {
            self = .object(
                try container.allKeys.sorted { $0.stringValue < $1.stringValue }.map { ($0.stringValue, try container.decode(JSONOutput.self, forKey: $0)) })
        } else if var container = try? decoder.unkeyedContainer() {
            var items: [JSONOutput] = []
            while !container.isAtEnd { items.append(try container.decode(JSONOutput.self)) }
            self = .array(items)
        } else {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let flag = try? container.decode(Bool.self) {
                self = .bool(flag)
            } else if let number = try? container.decode(Int64.self) {
                self = .int(number)
            } else {
                self = .string(try container.decode(String.self))
            }
        }
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
