/// A time series chart: lines or steps of values over time, an optional band between a low and
/// a high series, and markers (recharges, blocked requests), with axes and a legend.
///
/// Values are integers (nanodollars) so that axis labels are exact; `valueLabel` prints them.
public struct TimeSeriesChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var colour: String
        /// (time in milliseconds, value), in time order.
        public var points: [(x: Int64, y: Int64)]
        /// Draw as steps (the value holds until the next point), else straight segments.
        public var steps: Bool

        public init(name: String, colour: String, points: [(x: Int64, y: Int64)], steps: Bool = true) {
            self.name = name
            self.colour = colour
            self.points = points
            self.steps = steps
        }
    }

    public enum MarkerShape: Sendable { case circle, triangleUp, triangleDown }

    public struct Marker: Sendable {
        public var x: Int64
        public var y: Int64
        public var shape: MarkerShape
        public var colour: String
        /// Shown on hover.
        public var title: String

        public init(x: Int64, y: Int64, shape: MarkerShape, colour: String, title: String) {
            self.x = x
            self.y = y
            self.shape = shape
            self.colour = colour
            self.title = title
        }
    }

    public var title: String
    public var subtitle: String?
    public var series: [Series] = []
    /// A shaded band between two series' values at the same times (lowest and highest balance).
    public var band: (low: [(x: Int64, y: Int64)], high: [(x: Int64, y: Int64)], colour: String)?
    public var markers: [Marker] = []
    /// Names and colours of the markers, for the legend.
    public var markerLegend: [(name: String, colour: String)] = []
    /// Horizontal reference lines (a threshold), dashed, with their labels.
    public var references: [(value: Int64, label: String, colour: String)] = []
    public var valueLabel: @Sendable (Int64) -> String = ChartAxis.moneyLabel
    public var width: Double = 960
    public var height: Double = 480

    public init(title: String, subtitle: String? = nil) {
        self.title = title
        self.subtitle = subtitle
    }

    /// The chart as an SVG document.
    public func rendered() -> String {
        var svg = SVGDocument(width: width, height: height, title: title)
        let top = drawHeading(title, subtitle: subtitle, in: &svg)
        let xs = series.flatMap { $0.points.map(\.x) } + markers.map(\.x)
        var ys = series.flatMap { $0.points.map(\.y) } + markers.map(\.y) + references.map(\.value) + [0]
        if let band { ys += band.low.map(\.y) + band.high.map(\.y) }
        let xLow = xs.min() ?? 0, xHigh = max(xs.max() ?? 1, xLow + 1)
        let ticks = ChartAxis.niceTicks(low: ys.min() ?? 0, high: ys.max() ?? 1, count: 6)
        let plot = PlotArea(left: 86, top: top, width: width - 110, height: height - top - 60, xRange: (xLow, xHigh), yRange: (ticks.first!, ticks.last!))
        plot.drawValueAxis(ticks, label: valueLabel, in: &svg)
        plot.drawTimeAxis(ChartAxis.timeTicks(firstMilliseconds: xLow, lastMilliseconds: xHigh, count: Int(plot.width / 130)), in: &svg)
        if let band, !band.low.isEmpty {
            let upper = band.high.map { (x: plot.x($0.x), y: plot.y($0.y)) }
            let lower = band.low.reversed().map { (x: plot.x($0.x), y: plot.y($0.y)) }
            svg.path(upper + lower, stroke: nil, fill: band.colour, opacity: 0.25)
        }
        for reference in references {
            let y = plot.y(reference.value)
            svg.line(x1: plot.left, y1: y, x2: plot.right, y2: y, stroke: reference.colour, width: 1, dash: "5 4")
            svg.text(reference.label, x: plot.right - 4, y: y - 4, anchor: .end, size: 10, fill: reference.colour)
        }
        for line in series {
            var points: [(x: Double, y: Double)] = []
            for (index, point) in line.points.enumerated() {
                if line.steps, index > 0 { points.append((plot.x(point.x), plot.y(line.points[index - 1].y))) }
                points.append((plot.x(point.x), plot.y(point.y)))
            }
            svg.path(points, stroke: line.colour, width: 1.6)
        }
        for marker in markers {
            let (x, y) = (plot.x(marker.x), plot.y(marker.y))
            switch marker.shape {
            case .circle: svg.circle(x: x, y: y, radius: 3.5, fill: marker.colour, stroke: "#ffffff", title: marker.title)
            case .triangleUp: svg.triangle(x: x, y: y, size: 9, pointingUp: true, fill: marker.colour, title: marker.title)
            case .triangleDown: svg.triangle(x: x, y: y, size: 9, pointingUp: false, fill: marker.colour, title: marker.title)
            }
        }
        drawLegend(series.map { ($0.name, $0.colour) } + markerLegend, x: plot.left, y: height - 18, in: &svg)
        return svg.rendered()
    }
}
