/// One self-contained HTML page: headings, key figures, tables and inline SVG charts, with its
/// CSS inline and no external resource (no script, font, image or stylesheet to fetch), so
/// the file can be mailed or archived and still show the same thing. Every text is escaped.
///
/// ```swift
/// var page = HTMLPage(title: "Usage, 2026-01")
/// page.figures([("total", "$12.50"), ("requests", "1,200")])
/// page.chart(svg)
/// page.table(columns: ["model", "cost"], rows: [["gpt-4o", "$12.50"]], rightAligned: [1])
/// try page.rendered().write(toFile: "report.html", atomically: true, encoding: .utf8)
/// ```
public struct HTMLPage: Sendable {
    public let title: String
    private var parts: [String] = []

    static let style = """
        body { font-family: Helvetica, Arial, sans-serif; color: #222; margin: 24px auto; max-width: 1000px; padding: 0 16px; }
        h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px; }
        p.note { color: #555; font-size: 13px; margin-top: 0; }
        .figures { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
        .figure { border: 1px solid #ddd; border-radius: 6px; padding: 8px 14px; min-width: 120px; }
        .figure .label { color: #666; font-size: 12px; } .figure .value { font-size: 20px; font-weight: bold; }
        .chart svg { max-width: 100%; height: auto; border: 1px solid #eee; }
        table { border-collapse: collapse; font-size: 13px; margin: 8px 0 16px; }
        th, td { padding: 4px 10px; border-bottom: 1px solid #e5e5e5; text-align: left; white-space: nowrap; }
        th { background: #f5f5f5; } td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
        tr.total td { font-weight: bold; border-top: 2px solid #999; }
        """

    public init(title: String) { self.title = title }

    /// Text escaped for HTML content and attribute values.
    public static func escape(_ text: String) -> String { SVGDocument.escape(text) }

    public mutating func heading(_ text: String) { parts.append("<h2>\(Self.escape(text))</h2>") }

    public mutating func note(_ text: String) { parts.append("<p class=\"note\">\(Self.escape(text))</p>") }

    /// Key figures in boxes: a label above a large value.
    public mutating func figures(_ pairs: [(label: String, value: String)]) {
        let boxes = pairs.map {
            "<div class=\"figure\"><div class=\"label\">\(Self.escape($0.label))</div><div class=\"value\">\(Self.escape($0.value))</div></div>"
        }
        parts.append("<div class=\"figures\">\(boxes.joined())</div>")
    }

    /// An SVG document inline (its XML declaration dropped).
    public mutating func chart(_ svg: String) {
        var body = Substring(svg)
        if body.hasPrefix("<?xml"), let end = body.firstIndex(of: "\n") { body = body[body.index(after: end)...] }
        parts.append("<div class=\"chart\">\(body)</div>")
    }

    /// A table; `rightAligned` columns are numbers; `totalRow` makes the last row bold.
    public mutating func table(columns: [String], rows: [[String]], rightAligned: Set<Int> = [], totalRow: Bool = false) {
        func cell(_ tag: String, _ text: String, _ index: Int) -> String {
            "<\(tag)\(rightAligned.contains(index) ? " class=\"number\"" : "")>\(Self.escape(text))</\(tag)>"
        }
        var html = "<table>\n<thead><tr>" + columns.enumerated().map { cell("th", $1, $0) }.joined() + "</tr></thead>\n<tbody>\n"
        for (index, row) in rows.enumerated() {
            let total = totalRow && index == rows.count - 1
            html += (total ? "<tr class=\"total\">" : "<tr>") + row.enumerated().map { cell("td", $1, $0) }.joined() + "</tr>\n"
        }
        parts.append(html + "</tbody>\n</table>")
    }

    /// The page as text: an HTML5 document, well-formed XML too (so it can be checked as such).
    public func rendered() -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title>\(Self.escape(title))</title>
        <style>
        \(Self.style)
        </style>
        </head>
        <body>
        <h1>\(Self.escape(title))</h1>
        \(parts.joined(separator: "\n"))
        </body>
        </html>

        """
    }
}
