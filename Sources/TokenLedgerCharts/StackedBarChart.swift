import TokenLedgerCore

/// Bars over days, each stacked by key (daily spend by model or project), with a legend.
public struct StackedBarChart: Sendable {
    public struct Day: Sendable {
        /// The day's start, milliseconds since 1970 (00:00 UTC).
        public var startMilliseconds: Int64
        /// Each key's value that day (nanodollars); keys missing count as zero.
        public var values: [String: Int64]

        public init(startMilliseconds: Int64, values: [String: Int64]) {
            self.startMilliseconds = startMilliseconds
            self.values = values
        }
    }

    public var title: String
    public var subtitle: String?
    public var days: [Day]
    public var valueLabel: @Sendable (Int64) -> String = ChartAxis.moneyLabel
    public var width: Double = 960
    public var height: Double = 480

    /// Colours for keys, in order; keys beyond them reuse them.
    public static let palette = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    public init(title: String, subtitle: String? = nil, days: [Day]) {
        self.title = title
        self.subtitle = subtitle
        self.days = days
    }

    /// The stacking order, bottom first, when the caller sets one (an "other" on top); else ``keys``'s.
    public var order: [String]?

    /// The keys, largest total first (ties by name), so the biggest sits at the bottom, or ``order``.
    public var keys: [String] {
        if let order { return order }
        var totals: [String: Int64] = [:]
        for day in days { for (key, value) in day.values { totals[key, default: 0] += value } }
        return totals.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map(\.key)
    }

    public func rendered() -> String {
        let keys = self.keys
        let legend = keys.enumerated().map { (name: $1, colour: Self.palette[$0 % Self.palette.count]) }
        let legendLines = legendLayout(legend.map(\.name), x: 86, width: width - 102)
        let extra = 16 * Double(legendLines.count - 1)
        var svg = SVGDocument(width: width, height: height + extra, title: title)
        let top = drawHeading(title, subtitle: subtitle, in: &svg)
        let sorted = days.sorted { $0.startMilliseconds < $1.startMilliseconds }
        let totals = sorted.map { day in day.values.values.filter { $0 > 0 }.reduce(0, +) }
        let ticks = ChartAxis.niceTicks(low: 0, high: max(totals.max() ?? 1, 1), count: 6)
        let day: Int64 = 86_400_000
        let first = sorted.first?.startMilliseconds ?? 0, last = (sorted.last?.startMilliseconds ?? 0) + day
        let plot = PlotArea(left: 86, top: top, width: width - 110, height: height - top - 60, xRange: (first, last), yRange: (ticks.first!, ticks.last!))
        plot.drawValueAxis(ticks, label: valueLabel, in: &svg)
        plot.drawTimeAxis(ChartAxis.timeTicks(firstMilliseconds: first, lastMilliseconds: last, count: Int(plot.width / 110)), in: &svg)
        let barWidth = max(plot.x(first + day) - plot.x(first) - 2, 1)
        for entry in sorted {
            var base: Int64 = 0
            for (index, key) in keys.enumerated() {
                let value = max(entry.values[key] ?? 0, 0)
                guard value > 0 else { continue }
                let top = plot.y(base + value), bottom = plot.y(base)
                svg.rectangle(
                    x: plot.x(entry.startMilliseconds) + 1, y: top, width: barWidth, height: bottom - top,
                    fill: Self.palette[index % Self.palette.count],
                    title: "\(Timestamp(milliseconds: entry.startMilliseconds).dateString) \(key): \(Money(nanos: value).displayString)")
                base += value
            }
        }
        for (line, range) in legendLines.enumerated() {
            drawLegend(Array(legend[range]), x: plot.left, y: height - 18 + 16 * Double(line), in: &svg)
        }
        return svg.rendered()
    }
}
