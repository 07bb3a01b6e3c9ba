import Foundation

/// RFC 4180 CSV text: the rows of the CLI's `--format csv` and of the service's `text/csv`
/// answers, one writer for both.
///
/// A field holding a comma, a quote or a line break is quoted, its quotes doubled; records end
/// with CRLF (none after the last).
///
/// ```swift
/// CSVText.render(header: ["model", "cost_usd"], rows: [["gpt-4o", "0.005750000"]])
/// ```
public enum CSVText {
    /// The header and the rows, each record's fields joined by commas, records by CRLF.
    public static func render(header: [String], rows: [[String]]) -> String {
        ([header] + rows).map { $0.map(field).joined(separator: ",") }.joined(separator: "\r\n")
    }

    /// One field, quoted when it must be.
    public static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
