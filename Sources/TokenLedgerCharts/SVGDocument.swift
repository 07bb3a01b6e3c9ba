/// A small SVG writer: shapes and text with every attribute and text escaped, for the charts.
///
/// Why our own: the charts need a few elements, exact control of the output (tests compare
/// it) and no dependency. Coordinates are in pixels with the origin at the top left.
///
/// ```swift
/// var svg = SVGDocument(width: 200, height: 100, title: "Balance")
/// svg.text("Q&A <1>", x: 10, y: 20)   // escaped: Q&amp;A &lt;1&gt;
/// let text = svg.rendered()
/// ```
public struct SVGDocument: Sendable {
    public let width: Double
    public let height: Double
    private var elements: [String] = []

    /// A document of `width` × `height` pixels on a white background, with a `<title>` for
    /// browsers and screen readers.
    public init(width: Double, height: Double, title: String) {
        self.width = width
        self.height = height
        elements.append("<title>\(SVGDocument.escape(title))</title>")
        elements.append("<rect x=\"0\" y=\"0\" width=\"\(SVGDocument.number(width))\" height=\"\(SVGDocument.number(height))\" fill=\"#ffffff\"/>")
    }

    /// Text escaped for XML content and attribute values: `&`, `<`, `>`, `"`, `'`, and control
    /// characters XML 1.0 does not allow (dropped).
    public static func escape(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// A coordinate to one decimal, without exponent or trailing `.0`: `12`, `12.5`, `-3.2`.
    public static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let tenths = Int64((value * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        let magnitude = tenths.magnitude
        return magnitude % 10 == 0 ? sign + String(magnitude / 10) : sign + "\(magnitude / 10).\(magnitude % 10)"
    }

    /// Attributes as text, each value escaped.
    private static func attributes(_ pairs: [(String, String?)]) -> String {
        pairs.compactMap { name, value in value.map { " \(name)=\"\(escape($0))\"" } }.joined()
    }

    /// A `<title>` child that browsers show on hover, when given.
    private static func tooltip(_ title: String?) -> String { title.map { "<title>\(escape($0))</title>" } ?? "" }

    private mutating func element(_ name: String, _ pairs: [(String, String?)], title: String? = nil) {
        let attributes = SVGDocument.attributes(pairs)
        elements.append(title == nil ? "<\(name)\(attributes)/>" : "<\(name)\(attributes)>\(SVGDocument.tooltip(title))</\(name)>")
    }

    public mutating func rectangle(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil, title: String? = nil) {
        element(
            "rect",
            [
                ("x", Self.number(x)), ("y", Self.number(y)), ("width", Self.number(max(width, 0))), ("height", Self.number(max(height, 0))),
                ("fill", fill), ("stroke", stroke),
            ], title: title)
    }

    public mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1, dash: String? = nil) {
        element(
            "line",
            [
                ("x1", Self.number(x1)), ("y1", Self.number(y1)), ("x2", Self.number(x2)), ("y2", Self.number(y2)), ("stroke", stroke),
                ("stroke-width", Self.number(width)), ("stroke-dasharray", dash),
            ])
    }

    /// A polyline through `points`, or a filled polygon when `fill` is given.
    public mutating func path(_ points: [(x: Double, y: Double)], stroke: String?, width: Double = 1.5, fill: String? = nil, opacity: Double? = nil) {
        guard !points.isEmpty else { return }
        let text = points.map { "\(Self.number($0.x)),\(Self.number($0.y))" }.joined(separator: " ")
        element(
            fill == nil ? "polyline" : "polygon",
            [
                ("points", text), ("fill", fill ?? "none"), ("stroke", stroke), ("stroke-width", stroke == nil ? nil : Self.number(width)),
                ("fill-opacity", opacity.map(Self.number)), ("stroke-linejoin", "round"),
            ])
    }

    public mutating func circle(x: Double, y: Double, radius: Double, fill: String, stroke: String? = nil, title: String? = nil) {
        element("circle", [("cx", Self.number(x)), ("cy", Self.number(y)), ("r", Self.number(radius)), ("fill", fill), ("stroke", stroke)], title: title)
    }

    /// A triangle pointing up or down, centred on (x, y): markers that read apart from circles.
    public mutating func triangle(x: Double, y: Double, size: Double, pointingUp: Bool, fill: String, title: String? = nil) {
        let half = size / 2
        let tip = pointingUp ? y - half : y + half
        let base = pointingUp ? y + half : y - half
        let points = "\(Self.number(x)),\(Self.number(tip)) \(Self.number(x - half)),\(Self.number(base)) \(Self.number(x + half)),\(Self.number(base))"
        element("polygon", [("points", points), ("fill", fill)], title: title)
    }

    public enum Anchor: String, Sendable { case start, middle, end }

    public mutating func text(
        _ text: String, x: Double, y: Double, anchor: Anchor = .start, size: Double = 11, fill: String = "#333333", bold: Bool = false,
        rotation: Double? = nil
    ) {
        let attributes = Self.attributes([
            ("x", Self.number(x)), ("y", Self.number(y)), ("text-anchor", anchor.rawValue), ("font-size", Self.number(size)), ("fill", fill),
            ("font-weight", bold ? "bold" : nil),
            ("transform", rotation.map { "rotate(\(Self.number($0)) \(Self.number(x)) \(Self.number(y)))" }),
        ])
        elements.append("<text\(attributes)>\(Self.escape(text))</text>")
    }

    /// The document as text: an XML declaration and one `<svg>` element.
    public func rendered() -> String {
        let header =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" "
            + "viewBox=\"0 0 \(Self.number(width)) \(Self.number(height))\" font-family=\"Helvetica, Arial, sans-serif\">\n"
        return header + elements.joined(separator: "\n") + "\n</svg>\n"
    }
}
