/// The columns of a CSV usage file, by name, once `--map` has renamed them.
struct CSVColumns {
    private let indexes: [String: Int]
    /// Each column's name in the file, for messages (before renaming).
    private let fileNames: [String: String]
    let count: Int

    /// Reads the header: applies `map` (file name → ours), refuses duplicate names, renames of
    /// columns the file lacks, and missing `required` columns. Throws ``InputError`` at the header's line.
    init(header: CSVRecord, map: [String: String], required: [[String]], file: String) throws {
        let present = Set(header.fields)
        for old in map.keys.sorted() where !present.contains(old) {
            throw InputError(file: file, line: header.line, field: "--map", reason: "the file has no column '\(old)' to rename")
        }
        var indexes: [String: Int] = [:]
        var fileNames: [String: String] = [:]
        for (index, name) in header.fields.enumerated() {
            let renamed = map[name] ?? name
            guard indexes.updateValue(index, forKey: renamed) == nil else {
                throw InputError(file: file, line: header.line, field: renamed, reason: "two columns are named '\(renamed)'")
            }
            fileNames[renamed] = name
        }
        for alternatives in required where !alternatives.contains(where: { indexes[$0] != nil }) {
            let names = alternatives.map { "'\($0)'" }.joined(separator: " or ")
            throw InputError(file: file, line: header.line, field: alternatives[0], reason: "the header has no column \(names) (rename one with --map old=new)")
        }
        self.indexes = indexes
        self.fileNames = fileNames
        self.count = header.fields.count
    }

    func has(_ name: String) -> Bool { indexes[name] != nil }

    /// The position of the column `name` in a record, nil when the file has no such column.
    func position(_ name: String) -> Int? { indexes[name] }

    /// The column's name in the file.
    func fileName(_ name: String) -> String { fileNames[name] ?? name }

    /// The record's field in the column `name`; nil when the file has no such column. A column
    /// past the record's last field reads as empty: only a row of empty fields gets this far
    /// with fewer fields than the header (``check(_:)`` refuses any other).
    func value(_ name: String, in record: CSVRecord) -> String? {
        guard let index = indexes[name] else { return nil }
        return index < record.fields.count ? record.fields[index] : ""
    }

    /// Whether every field of the record is empty: an empty day of the dashboard's exports,
    /// whatever its number of separators (they print one more than the header, or two).
    func isBlank(_ record: CSVRecord) -> Bool { record.fields.allSatisfy(\.isBlankText) }

    /// Whether the record fits the header, else why not: as many fields as the header, or more
    /// whose extra fields are all empty (a row of only empty fields always fits, see
    /// ``isBlank(_:)``). Data in a field past the header is refused, naming that field.
    func check(_ record: CSVRecord) -> BadUsageRow? {
        guard record.fields.count != count, !isBlank(record) else { return nil }
        if record.fields.count > count {
            guard let extra = record.fields[count...].firstIndex(where: { !$0.isBlankText }) else { return nil }
            return BadUsageRow(
                line: record.line, field: "field \(extra + 1)", reason: "data past the header's \(count) columns: '\(record.fields[extra].prefix(40))'")
        }
        return BadUsageRow(line: record.line, field: nil, reason: "expected \(count) fields as in the header, found \(record.fields.count)")
    }

    /// Reads column `name` with `read`; a failure names the line and the file's column.
    func read<T>(_ name: String, in record: CSVRecord, _ read: (String) throws(FieldProblem) -> T) throws(BadUsageRow) -> T? {
        guard let text = value(name, in: record) else { return nil }
        do { return try read(text) } catch { throw BadUsageRow(line: record.line, field: fileName(name), reason: error.reason) }
    }

    /// A count; 0 when the column is missing or the field empty.
    func count(_ name: String, in record: CSVRecord) throws(BadUsageRow) -> Int64 {
        guard let text = value(name, in: record), !text.isBlankText else { return 0 }
        return try read(name, in: record, ImportFields.count) ?? 0
    }

    /// A count that must be given.
    func requiredCount(_ name: String, in record: CSVRecord) throws(BadUsageRow) -> Int64 {
        guard let text = value(name, in: record), !text.isBlankText else {
            throw BadUsageRow(line: record.line, field: fileName(name), reason: "it is empty")
        }
        return try read(name, in: record, ImportFields.count) ?? 0
    }

    /// Text; nil when the column is missing or the field empty.
    func text(_ name: String, in record: CSVRecord) -> String? {
        value(name, in: record).flatMap(ImportFields.optional)
    }

    /// The columns (by our names, in the file's order) that hold counts of tokens a reader does
    /// not map: besides `mapped`, those ``UnmappedTokens`` would refuse unless 0.
    func unmappedTokenColumns(mapped: Set<String>) -> [String] {
        indexes.sorted { $0.value < $1.value }.map(\.key).filter {
            !mapped.contains($0) && UnmappedTokens.isTokenCount($0) && !UnmappedTokens.withinMappedTotals.contains($0)
        }
    }

    /// Refuses the record when one of `unmapped` holds a count that is not empty or 0.
    func checkUnmappedTokens(_ unmapped: [String], in record: CSVRecord) throws(BadUsageRow) {
        for name in unmapped {
            guard let text = value(name, in: record), !text.isBlankText, let reason = UnmappedTokens.refusal(key: name, text: text) else { continue }
            throw BadUsageRow(line: record.line, field: fileName(name), reason: reason)
        }
    }

    /// The names of the columns as the file gives them, for the row's messages.
    func fieldNames(_ ours: [UsageField: String]) -> UsageFieldNames {
        UsageFieldNames(ours.mapValues { fileName($0) })
    }
}

extension String {
    /// Empty or only spaces and tabs.
    var isBlankText: Bool { utf8.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") } }
}
