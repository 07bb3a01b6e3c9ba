import TokenLedgerCore

/// The members of one JSON object of a usage file, read with the path and line of each field
/// for messages. Numbers are read from their text (``JSONReader`` keeps it), never through
/// `Double`. Keys the import does not know are ignored, and missing or `null` optional fields
/// read as nil: providers add fields and leave some out.
struct JSONObjectFields {
    let members: [JSONMember]
    /// The keys leading here, `usage` or `data[0].results[2]`; empty at the top.
    let path: String
    /// Added to a member's line (counted from the parsed text's first line) to give the file's line.
    let lineOffset: Int
    /// The file's line of the object itself (of its first member, or where it started).
    let line: Int

    init?(_ value: JSONValue, path: String, lineOffset: Int, line: Int) {
        guard case .object(let members) = value else { return nil }
        self.members = members
        self.path = path
        self.lineOffset = lineOffset
        self.line = members.first.map { $0.line + lineOffset } ?? line
    }

    func member(_ key: String) -> JSONMember? { members.first { $0.key == key } }

    /// The path of a key, for messages: `usage.prompt_tokens`.
    func fieldPath(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    func has(_ key: String) -> Bool {
        guard let member = member(key) else { return false }
        return member.value != .null
    }

    func problem(_ key: String, _ reason: String) -> BadUsageRow {
        BadUsageRow(line: member(key).map { $0.line + lineOffset } ?? line, field: fieldPath(key), reason: reason)
    }

    /// The object under `key`; nil when missing or null.
    func object(_ key: String) throws(BadUsageRow) -> JSONObjectFields? {
        guard let member = member(key), member.value != .null else { return nil }
        guard let object = JSONObjectFields(member.value, path: fieldPath(key), lineOffset: lineOffset, line: member.line + lineOffset) else {
            throw problem(key, "expected an object, found \(member.value.kindDescription)")
        }
        return object
    }

    /// The text of the number under `key`; nil when missing or null.
    func numberText(_ key: String) throws(BadUsageRow) -> String? {
        guard let member = member(key) else { return nil }
        switch member.value {
        case .null: return nil
        case .number(let text): return text
        default: throw problem(key, "expected a number, found \(member.value.kindDescription)")
        }
    }

    /// A token or request count (`59200` or `59200.0`); nil when missing or null.
    func count(_ key: String) throws(BadUsageRow) -> Int64? {
        guard let text = try numberText(key) else { return nil }
        do { return try ImportFields.count(text) } catch { throw problem(key, error.reason) }
    }

    /// A count that must be there.
    func requiredCount(_ key: String) throws(BadUsageRow) -> Int64 {
        guard let value = try count(key) else { throw problem(key, "missing") }
        return value
    }

    /// A string; nil when missing, null or empty.
    func string(_ key: String) throws(BadUsageRow) -> String? {
        guard let member = member(key) else { return nil }
        switch member.value {
        case .null: return nil
        case .string(let text): return text.isEmpty ? nil : text
        default: throw problem(key, "expected a string, found \(member.value.kindDescription)")
        }
    }

    /// A boolean; nil when missing or null.
    func bool(_ key: String) throws(BadUsageRow) -> Bool? {
        guard let member = member(key) else { return nil }
        switch member.value {
        case .null: return nil
        case .bool(let value): return value
        default: throw problem(key, "expected true or false, found \(member.value.kindDescription)")
        }
    }

    /// A service tier; the default tier when missing or null.
    func tier(_ key: String) throws(BadUsageRow) -> ServiceTier {
        guard let name = try string(key) else { return .default }
        do { return try ImportFields.tier(name) } catch { throw problem(key, error.reason) }
    }

    /// Seconds since 1970, as nanoseconds; nil when missing or null.
    func unixSeconds(_ key: String) throws(BadUsageRow) -> Int128? {
        guard let text = try numberText(key) else { return nil }
        do { return try ImportFields.unixSeconds(text) } catch { throw problem(key, error.reason) }
    }

    /// The array under `key`; nil when missing or null.
    func array(_ key: String) throws(BadUsageRow) -> [JSONValue]? {
        guard let member = member(key) else { return nil }
        switch member.value {
        case .null: return nil
        case .array(let items): return items
        default: throw problem(key, "expected an array, found \(member.value.kindDescription)")
        }
    }
}

extension JSONReader {
    /// One JSON value from the bytes of a line (or of several lines starting at `line`), with
    /// the error's line made the file's. Returns the problem instead of throwing it.
    static func parse(_ bytes: ArraySlice<UInt8>, file: String, line: Int) -> Result<JSONValue, BadUsageRow> {
        guard let text = bytes.validatedString else { return .failure(BadUsageRow(line: line, field: nil, reason: "the text is not valid UTF-8")) }
        do {
            return .success(try JSONReader.parse(text, file: file))
        } catch let error as InputError {
            return .failure(BadUsageRow(line: line + (error.line ?? 1) - 1, field: error.field, reason: error.reason))
        } catch {
            return .failure(BadUsageRow(line: line, field: nil, reason: "\(error)"))
        }
    }
}
