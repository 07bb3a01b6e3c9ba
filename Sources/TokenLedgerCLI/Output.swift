import Foundation
import TokenLedger
import TokenLedgerCharts
import TokenLedgerCore

/// The CLI's name for the library's JSON writer (``JSONOutput``): one writer for the CLI's
/// `--format json` and the service's documents.
typealias JSON = JSONOutput

extension JSONOutput {
    /// The scalar as a CSV or table cell.
    var cell: String {
        switch self {
        case .string(let text): text
        case .int(let value): String(value)
        case .bool(let value): value ? "true" : "false"
        case .null: ""
        case .array(let items): items.map(\.cell).joined(separator: ";")
        case .object: ""
        }
    }
}

/// A table for people: a header and rows, columns padded; numeric columns right-aligned.
struct Table {
    var columns: [String]
    var rows: [[String]]
    var rightAligned: Set<Int> = []

    /// The table for a terminal: control characters in a cell (a name may hold them) shown as
    /// `\u{1B}` rather than sent to the terminal, where they could move the cursor or change
    /// colours, and invisible or direction-changing ones (``Names/isHidden(_:)``: `\u{202E}`)
    /// rather than hidden or reversing the row. JSON and CSV keep the text as it is.
    func rendered() -> String {
        let rows = self.rows.map { $0.map(Table.visible) }
        var widths = columns.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                return rightAligned.contains(index) ? padding + cell : cell + padding
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        return ([line(columns)] + rows.map(line)).joined(separator: "\n")
    }

    /// `text` with its control characters (C0, DEL, C1) and invisible or direction-changing
    /// characters written as `\u{…}` escapes.
    static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isEscaped) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            if isEscaped(scalar) {
                result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    private static func isEscaped(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || (scalar.value > 0x9F && Names.isHidden(scalar))
    }

    /// RFC 4180 CSV with the header.
    func csv() -> String { CSV.render(header: columns, rows: rows) }

    /// A GitHub-flavoured Markdown table, numeric columns right-aligned.
    func markdown() -> String { Markdown.table(header: columns, rows: rows, rightAligned: rightAligned) }
}

/// Markdown tables (GitHub-flavoured): `|`, backslash and `<` in a cell escaped (so a name cannot
/// end the cell or open HTML), line breaks as `<br>`.
enum Markdown {
    static func table(header: [String], rows: [[String]], rightAligned: Set<Int> = []) -> String {
        let rule = header.indices.map { rightAligned.contains($0) ? "---:" : "---" }
        return ([header.map(cell), rule] + rows.map { $0.map(cell) }).map { "| " + $0.joined(separator: " | ") + " |" }.joined(separator: "\n")
    }

    static func cell(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "|": result += "\\|"
            case "\\": result += "\\\\"
            case "<": result += "&lt;"
            case "\n", "\r", "\r\n": result += "<br>"
            default: result.append(character)
            }
        }
        return result
    }
}

/// The CLI's name for the library's CSV writer (``CSVText``).
typealias CSV = CSVText

/// Key-value lines for one record: `balance   $12.50`.
func keyValueLines(_ pairs: [(String, String)]) -> String {
    let width = pairs.map(\.0.count).max() ?? 0
    return pairs.map { $0.0 + String(repeating: " ", count: width - $0.0.count) + "  " + $0.1 }.joined(separator: "\n")
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }
}

/// What a command prints: the JSON contract, the table for people, and optionally CSV rows.
struct Rendered {
    var json: JSON
    var table: String
    var csv: Table?
    /// What `--format markdown` prints; else the CSV rows as a Markdown table, else the
    /// object's fields as one.
    var markdown: String? = nil

    func print(as format: OutputFormat) {
        switch format {
        case .json: Swift.print(json.rendered())
        case .table: Swift.print(table)
        case .markdown:
            if let markdown {
                Swift.print(markdown)
            } else if let csv {
                Swift.print(csv.markdown())
            } else if case .object(let fields) = json {
                let scalars = fields.filter { if case .object = $0.1 { return false } else { return true } }
                Swift.print(Markdown.table(header: ["field", "value"], rows: scalars.map { [$0.0, $0.1.cell] }))
            }
        case .csv:
            if let csv {
                Swift.print(csv.csv())
            } else if case .object(let fields) = json {
                let scalars = fields.filter { if case .object = $0.1 { return false } else { return true } }
                Swift.print(CSV.render(header: scalars.map(\.0), rows: [scalars.map(\.1.cell)]))
            }
        }
    }
}

/// Progress on a terminal, nothing when standard error is not one.
struct Progress {
    let label: String
    let enabled = isatty(STDERR_FILENO) == 1

    func update(_ done: Int, _ total: Int) {
        guard enabled else { return }
        let text = "\r\(label) \(done.grouped) / \(total.grouped)"
        FileHandle.standardError.write(Data(text.utf8))
        if done == total { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

extension Int {
    /// 19366 → "19,366".
    var grouped: String { Int64(self).grouped }
}

extension Int64 {
    var grouped: String { groupedThousands }
}

extension Money {
    /// Dollars per million tokens as people read a price: `$2.50`, `$0.075`, `$0.1375`.
    static func perMillion(_ nanosPerMillion: Int64?) -> String {
        guard let nanosPerMillion else { return "-" }
        return Money(nanos: nanosPerMillion).displayString
    }
}

/// "1 account", "2 accounts".
func plural(_ count: Int, _ noun: String) -> String {
    "\(count.grouped) \(noun)\(count == 1 ? "" : "s")"
}
