import Foundation
import Testing
import TokenLedger
import TokenLedgerCharts
import TokenLedgerCore

/// Nanodollars in one dollar.
private let dollar = Money.nanosPerDollar

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Parses SVG text and counts its elements by name, failing on any XML error.
final class ElementCounter: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]
    var texts: [String] = []
    private var inText = false

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        counts[name, default: 0] += 1
        if name == "text" || name == "title" {
            inText = true
            texts.append("")
        }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) { inText = false }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inText { texts[texts.count - 1] += string }
    }

    /// The counts of a well-formed document, or nil with the parser's error recorded.
    static func parse(_ svg: String, sourceLocation: SourceLocation = #_sourceLocation) -> ElementCounter? {
        let counter = ElementCounter()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = counter
        guard parser.parse() else {
            Issue.record("not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "?")", sourceLocation: sourceLocation)
            return nil
        }
        return counter
    }
}

@Suite("Charts: SVG that browsers can show")
struct ChartTests {
    @Test("text is escaped, so any label keeps the document well-formed")
    func escaping() throws {
        #expect(SVGDocument.escape("a<b & \"c\" 'd'>\u{1}") == "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;")
        var svg = SVGDocument(width: 100, height: 50, title: "Q&A <chart>")
        svg.text("</text><script>alert(1)</script>", x: 1, y: 2)
        svg.rectangle(x: 0, y: 0, width: 10, height: 10, fill: "#fff", title: "\"quoted\" & <b>")
        let counter = try #require(ElementCounter.parse(svg.rendered()))
        #expect(counter.counts["script"] == nil)
        #expect(counter.texts.contains("</text><script>alert(1)</script>"))
        #expect(counter.texts.contains("Q&A <chart>"))
    }

    @Test("coordinates have one decimal at most, no exponent", arguments: [(12.0, "12"), (12.25, "12.3"), (-3.04, "-3"), (0.00001, "0"), (1e7, "10000000")])
    func numbers(value: Double, text: String) {
        #expect(SVGDocument.number(value) == text)
    }

    @Test(
        "value ticks are round and cover the range",
        arguments: [
            (3, 97, 5, [0, 20, 40, 60, 80, 100]), (0, 1, 5, [0, 1]), (-15, 15, 4, [-20, -10, 0, 10, 20]), (5, 5, 5, [5, 6]),
            (0, 2_500_000_000, 5, [0, 500_000_000, 1_000_000_000, 1_500_000_000, 2_000_000_000, 2_500_000_000]),
        ] as [(Int64, Int64, Int, [Int64])])
    func niceTicks(low: Int64, high: Int64, count: Int, expected: [Int64]) {
        #expect(ChartAxis.niceTicks(low: low, high: high, count: count) == expected)
    }

    @Test("time ticks fall on round instants with labels for their step")
    func timeTicks() {
        let hour = ChartAxis.timeTicks(firstMilliseconds: utc(2026, 1, 1, 0, 7).milliseconds, lastMilliseconds: utc(2026, 1, 1, 5, 50).milliseconds, count: 6)
        #expect(hour.map(\.label) == ["01-01 01:00", "01-01 02:00", "01-01 03:00", "01-01 04:00", "01-01 05:00"])
        let days = ChartAxis.timeTicks(firstMilliseconds: utc(2026, 1, 1).milliseconds, lastMilliseconds: utc(2026, 1, 30).milliseconds, count: 6)
        #expect(days.map(\.label) == ["2026-01-01", "2026-01-08", "2026-01-15", "2026-01-22", "2026-01-29"])
        let months = ChartAxis.timeTicks(firstMilliseconds: utc(2026, 1, 10).milliseconds, lastMilliseconds: utc(2026, 12, 31).milliseconds, count: 6)
        #expect(months.map(\.label) == ["2026-04", "2026-07", "2026-10"])
        #expect(ChartAxis.moneyLabel(Money(dollars: 1_250).nanos) == "$1,250")
        #expect(ChartAxis.moneyLabel(Money(cents: -250).nanos) == "-$2.50")
    }

    @Test("a time series draws its lines, band, markers, references and legend")
    func timeSeries() throws {
        let start = utc(2026, 1, 1).milliseconds
        var chart = TimeSeriesChart(title: "Balance", subtitle: "one\ntwo")
        chart.series = [
            .init(name: "balance", colour: "#1f77b4", points: [(start, 10 * dollar), (start + 3_600_000, 4 * dollar), (start + 7_200_000, 9 * dollar)])
        ]
        chart.band = ([(start, 3 * dollar), (start + 7_200_000, 4 * dollar)], [(start, 11 * dollar), (start + 7_200_000, 12 * dollar)], "#1f77b4")
        chart.markers = [.init(x: start + 3_600_000, y: 9 * dollar, shape: .triangleUp, colour: "#2ca02c", title: "recharged $5")]
        chart.references = [(5 * dollar, "threshold $5.00", "#9467bd")]
        let counter = try #require(ElementCounter.parse(chart.rendered()))
        #expect(counter.counts["polyline"] == 1)
        #expect(counter.counts["polygon"] == 2)
        #expect(counter.texts.contains("recharged $5"))
        #expect(counter.texts.contains("threshold $5.00"))
        #expect(counter.texts.contains("$12"))
        #expect(counter.texts.contains("two"))
    }

    @Test("a stacked bar chart draws one bar part per day and key, and a legend of the keys")
    func stackedBars() throws {
        let day: Int64 = 86_400_000
        let start = utc(2026, 1, 1).milliseconds
        let chart = StackedBarChart(
            title: "Daily spend",
            days: [
                .init(startMilliseconds: start, values: ["gpt-4o": 3 * dollar, "o3 <beta>": dollar]),
                .init(startMilliseconds: start + day, values: ["gpt-4o": 2 * dollar]),
                .init(startMilliseconds: start + 2 * day, values: ["gpt-4o": 0, "o3 <beta>": 5 * dollar]),
            ])
        #expect(chart.keys == ["o3 <beta>", "gpt-4o"])
        let counter = try #require(ElementCounter.parse(chart.rendered()))
        // The background, four bar parts, two legend swatches.
        #expect(counter.counts["rect"] == 1 + 4 + 2)
        #expect(counter.texts.contains("o3 <beta>"))
        #expect(counter.texts.contains("2026-01-02 gpt-4o: $2.00"))
    }

    @Test("a heat map colours every cell, greys the missing ones, and has a colour scale")
    func heatMap() throws {
        var map = HeatMap(
            title: "Recharges", subtitle: nil, columnTitle: "restore-to", rowTitle: "threshold", columnLabels: ["$20", "$40", "$60"],
            rowLabels: ["$5", "$10"], values: [[4, 2, 1], [nil, 3, 1]])
        map.highlights = [(0, 2, "fewest recharges")]
        let svg = map.rendered()
        let counter = try #require(ElementCounter.parse(svg))
        #expect(counter.counts["rect"]! >= 1 + 6 + 24 + 1)
        #expect(svg.contains("fill=\"#eeeeee\""))
        #expect(svg.contains("fill=\"\(HeatMap.colour(4, low: 1, high: 4))\""))
        #expect(HeatMap.colour(1, low: 1, high: 4) == "#fff7bc")
        #expect(HeatMap.colour(4, low: 1, high: 4) == "#253494")
        #expect(counter.texts.contains("fewest recharges"))
        #expect(counter.texts.contains("not valid"))
        #expect(counter.texts.contains { $0.contains("not a valid policy") })
    }

    @Test("a simulation's charts: the balance over time, and a sweep's heat map")
    func simulationCharts() throws {
        let start = utc(2026, 1, 1).milliseconds
        let trace = SimulationTrace(timesMilliseconds: (0..<500).map { start + Int64($0) * 600_000 }, costsNanos: Array(repeating: dollar / 4, count: 500))
        let policy = SimulationPolicy(
            startBalance: Money(dollars: 20),
            recharge: try AutoRechargePolicy(
                threshold: Money(dollars: 5), restoreTo: Money(dollars: 20), monthlyCap: Money(dollars: 60), maximumPurchase: Money(dollars: 100)))
        var series = BalanceSeries(firstMilliseconds: trace.firstMilliseconds!, lastMilliseconds: trace.lastMilliseconds!, startBalance: policy.startBalance)
        let result = Simulator.run(trace, policy: policy, series: &series)
        #expect(result.recharges == 4 && result.blocked > 0)
        let balance = try #require(ElementCounter.parse(SimulationCharts.balance(series, result: result, policy: policy, title: "trace.csv")))
        #expect(balance.counts["polygon"]! >= 1 + 4)
        #expect(balance.texts.contains { $0.hasSuffix("recharged $15.25") })
        #expect(balance.texts.contains { $0.contains("blocked until") })
        let spec = try SweepSpec(parsing: "threshold=5..15:5,restore-to=10..30:10")
        let (points, skipped) = try SimulationSweep.points(of: spec, base: policy)
        let sweep = SimulationSweep.run(trace, spec: spec, points: points, skipped: skipped)
        for metric in SweepMetric.allCases {
            let map = try #require(ElementCounter.parse(SimulationCharts.sweep(sweep, metric: metric, title: "trace.csv")))
            #expect(map.texts.contains("restore-to") && map.texts.contains("threshold"))
        }
    }
}
