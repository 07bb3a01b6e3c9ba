/// The plotting area of a chart inside its document, and the mapping of values to pixels.
struct PlotArea {
    var left: Double
    var top: Double
    var width: Double
    var height: Double
    var xRange: (low: Int64, high: Int64)
    var yRange: (low: Int64, high: Int64)

    var right: Double { left + width }
    var bottom: Double { top + height }

    func x(_ value: Int64) -> Double {
        let span = Double(max(xRange.high - xRange.low, 1))
        return left + Double(value - xRange.low) / span * width
    }

    func y(_ value: Int64) -> Double {
        let span = Double(max(yRange.high - yRange.low, 1))
        return bottom - Double(value - yRange.low) / span * height
    }

    /// Horizontal grid lines and labels at `ticks` on the left axis.
    func drawValueAxis(_ ticks: [Int64], label: (Int64) -> String, in svg: inout SVGDocument) {
        for tick in ticks {
            let y = self.y(tick)
            svg.line(x1: left, y1: y, x2: right, y2: y, stroke: tick == 0 ? "#888888" : "#e3e3e3", width: tick == 0 ? 1 : 0.8)
            svg.text(label(tick), x: left - 6, y: y + 4, anchor: .end, size: 10)
        }
    }

    /// Vertical ticks and labels at the times on the bottom axis.
    func drawTimeAxis(_ ticks: [(milliseconds: Int64, label: String)], in svg: inout SVGDocument) {
        svg.line(x1: left, y1: bottom, x2: right, y2: bottom, stroke: "#888888")
        for tick in ticks {
            let x = self.x(tick.milliseconds)
            svg.line(x1: x, y1: top, x2: x, y2: bottom, stroke: "#f0f0f0", width: 0.8)
            svg.line(x1: x, y1: bottom, x2: x, y2: bottom + 4, stroke: "#888888")
            svg.text(tick.label, x: x, y: bottom + 16, anchor: .middle, size: 10)
        }
    }
}

/// A chart's title and subtitle (lines split at `\n`) at the top of the document; returns
/// where the plot can start below them.
@discardableResult
func drawHeading(_ title: String, subtitle: String?, in svg: inout SVGDocument) -> Double {
    svg.text(title, x: 16, y: 24, size: 15, fill: "#111111", bold: true)
    let lines = subtitle.map { $0.split(separator: "\n").map(String.init) } ?? []
    for (index, line) in lines.enumerated() { svg.text(line, x: 16, y: 42 + 14 * Double(index), size: 11, fill: "#555555") }
    return 60 + 14 * Double(max(lines.count - 1, 0))
}

/// About how wide `text` is at `size` pixels, for layouts that must fit it.
func approximateWidth(_ text: String, size: Double) -> Double { Double(text.count) * size * 0.6 }

/// How many legend items fit on each line of `width` pixels from `x` (as ``drawLegend`` lays
/// them out): the ranges of `names` on each line, at least one line.
func legendLayout(_ names: [String], x: Double, width: Double) -> [Range<Int>] {
    var lines: [Range<Int>] = []
    var first = 0
    var cursor = x
    for (index, name) in names.enumerated() {
        let advance = 14 + Double(name.count) * 6 + 16
        if index > first, cursor + advance - 16 > x + width {
            lines.append(first..<index)
            first = index
            cursor = x
        }
        cursor += advance
    }
    lines.append(first..<names.count)
    return lines
}

/// A legend row: coloured swatches with their names, left to right from (x, y).
func drawLegend(_ items: [(name: String, colour: String)], x: Double, y: Double, in svg: inout SVGDocument) {
    var cursor = x
    for item in items {
        svg.rectangle(x: cursor, y: y - 9, width: 10, height: 10, fill: item.colour)
        svg.text(item.name, x: cursor + 14, y: y, size: 10)
        cursor += 14 + Double(item.name.count) * 6 + 16
    }
}
