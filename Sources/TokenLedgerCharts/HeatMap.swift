/// A grid of values coloured on a scale, with row and column labels and a colour legend: a
/// sweep's recharges or blocked requests for each pair of settings.
public struct HeatMap: Sendable {
    public var title: String
    public var subtitle: String?
    public var columnTitle: String
    public var rowTitle: String
    public var columnLabels: [String]
    public var rowLabels: [String]
    /// `values[row][column]`; nil for a cell with no value (an invalid combination).
    public var values: [[Int64?]]
    public var valueLabel: @Sendable (Int64) -> String = { $0.groupedThousands }
    /// The shorter label written inside a cell (the tooltip has ``valueLabel``'s).
    public var cellLabel: (@Sendable (Int64) -> String)?
    /// Cells marked with a ring (the recommended policies), with what the ring means.
    public var highlights: [(row: Int, column: Int, label: String)] = []

    /// The colours of the rings, one per distinct highlight label (in label order).
    static let ringColours = ["#d62728", "#9467bd", "#17becf"]

    public init(title: String, subtitle: String?, columnTitle: String, rowTitle: String, columnLabels: [String], rowLabels: [String], values: [[Int64?]]) {
        precondition(values.count == rowLabels.count && values.allSatisfy { $0.count == columnLabels.count }, "one value per cell")
        self.title = title
        self.subtitle = subtitle
        self.columnTitle = columnTitle
        self.rowTitle = rowTitle
        self.columnLabels = columnLabels
        self.rowLabels = rowLabels
        self.values = values
    }

    /// The colour of `value` on a scale from `low` (pale yellow) to `high` (dark blue).
    public static func colour(_ value: Int64, low: Int64, high: Int64) -> String {
        let stops: [(Double, Double, Double)] = [(255, 247, 188), (127, 205, 187), (44, 127, 184), (37, 52, 148)]
        let fraction = high > low ? Double(value - low) / Double(high - low) : 0
        let position = min(max(fraction, 0), 1) * Double(stops.count - 1)
        let index = min(Int(position), stops.count - 2)
        let local = position - Double(index)
        func channel(_ a: Double, _ b: Double) -> String {
            let value = Int((a + (b - a) * local).rounded())
            let hex = String(value, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }
        let (from, to) = (stops[index], stops[index + 1])
        return "#" + channel(from.0, to.0) + channel(from.1, to.1) + channel(from.2, to.2)
    }

    public func rendered() -> String {
        let cell = max(min(720 / Double(max(columnLabels.count, 1)), 440 / Double(max(rowLabels.count, 1)), 64), 8)
        let lines = Double(subtitle?.split(separator: "\n").count ?? 0)
        let left = 110.0, top = 84.0 + 14 * max(lines - 1, 0)
        let legendLabels = highlights.map(\.label) + ["not valid"] + (values.flatMap { $0.compactMap { $0 } }.map(valueLabel))
        let legendWidth = 30 + 22 + (legendLabels.map { approximateWidth($0, size: 10) }.max() ?? 0) + 16
        let width = left + cell * Double(columnLabels.count) + legendWidth
        let height = top + cell * Double(rowLabels.count) + 70
        let widest = ([approximateWidth(title, size: 15)] + (subtitle?.split(separator: "\n").map { approximateWidth(String($0), size: 11) } ?? [])).max()!
        var svg = SVGDocument(width: max(width, 520, widest + 32), height: max(height, 260), title: title)
        drawHeading(title, subtitle: subtitle, in: &svg)
        let present = values.flatMap { $0.compactMap { $0 } }
        let low = present.min() ?? 0, high = present.max() ?? 0
        let every = max(Int((36 / cell).rounded(.up)), 1)
        svg.text(columnTitle, x: left + cell * Double(columnLabels.count) / 2, y: top - 24, anchor: .middle, size: 11, bold: true)
        for (column, label) in columnLabels.enumerated() where column % every == 0 {
            svg.text(label, x: left + cell * (Double(column) + 0.5), y: top - 6, anchor: .middle, size: 10)
        }
        svg.text(rowTitle, x: 24, y: top + cell * Double(rowLabels.count) / 2, anchor: .middle, size: 11, bold: true, rotation: -90)
        for (row, label) in rowLabels.enumerated() {
            let y = top + cell * Double(row)
            if row % every == 0 { svg.text(label, x: left - 6, y: y + cell / 2 + 4, anchor: .end, size: 10) }
            for (column, value) in values[row].enumerated() {
                let x = left + cell * Double(column)
                let tooltip = "\(rowTitle) \(label), \(columnTitle) \(columnLabels[column]): " + (value.map(valueLabel) ?? "not a valid policy")
                if let value {
                    svg.rectangle(x: x, y: y, width: cell, height: cell, fill: Self.colour(value, low: low, high: high), stroke: "#ffffff", title: tooltip)
                    if cell >= 30 {
                        let dark = high > low && Double(value - low) / Double(high - low) > 0.5
                        svg.text(
                            (cellLabel ?? valueLabel)(value), x: x + cell / 2, y: y + cell / 2 + 4, anchor: .middle, size: 9, fill: dark ? "#ffffff" : "#222222"
                        )
                    }
                } else {
                    svg.rectangle(x: x, y: y, width: cell, height: cell, fill: "#eeeeee", stroke: "#ffffff", title: tooltip)
                }
            }
        }
        let ringLabels = Set(highlights.map(\.label)).sorted()
        for (index, highlight) in highlights.enumerated() {
            let x = left + cell * (Double(highlight.column) + 0.5), y = top + cell * (Double(highlight.row) + 0.5)
            let inside = highlights[..<index].filter { $0.row == highlight.row && $0.column == highlight.column }.count
            let colour = HeatMap.ringColours[ringLabels.firstIndex(of: highlight.label)! % HeatMap.ringColours.count]
            svg.circle(x: x, y: y, radius: max(cell / 2 - 3 - 4 * Double(inside), 3), fill: "none", stroke: colour, title: highlight.label)
        }
        drawColourScale(
            low: low, high: high, x: left + cell * Double(columnLabels.count) + 30, y: top, height: min(cell * Double(rowLabels.count), 240), in: &svg)
        return svg.rendered()
    }

    /// A vertical gradient from the highest value (top) to the lowest, with their labels.
    private func drawColourScale(low: Int64, high: Int64, x: Double, y: Double, height: Double, in svg: inout SVGDocument) {
        let steps = 24
        for step in 0..<steps {
            let value = high - Int64((Double(high - low) * Double(step) / Double(steps - 1)).rounded())
            svg.rectangle(
                x: x, y: y + height * Double(step) / Double(steps), width: 16, height: height / Double(steps) + 0.5,
                fill: Self.colour(value, low: low, high: high))
        }
        svg.text(valueLabel(high), x: x + 22, y: y + 10, size: 10)
        svg.text(valueLabel(low), x: x + 22, y: y + height, size: 10)
        var legendY = y + height + 14
        if values.contains(where: { $0.contains(nil) }) {
            svg.rectangle(x: x, y: legendY, width: 16, height: 12, fill: "#eeeeee")
            svg.text("not valid", x: x + 22, y: legendY + 10, size: 10)
            legendY += 20
        }
        for (index, label) in Set(highlights.map(\.label)).sorted().enumerated() {
            svg.circle(x: x + 8, y: legendY + 6, radius: 6, fill: "none", stroke: HeatMap.ringColours[index % HeatMap.ringColours.count])
            svg.text(label, x: x + 22, y: legendY + 10, size: 10)
            legendY += 20
        }
    }
}
