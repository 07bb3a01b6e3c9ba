import TokenLedgerCore

/// What a sweep's heat map shows in each cell.
public enum SweepMetric: String, CaseIterable, Sendable {
    case recharges
    case blocked
    case failedRecharges = "failed-recharges"
    case averageBalance = "average-balance"

    /// The metric of one result, as an integer (nanodollars for the average balance).
    public func value(of result: SimulationResult) -> Int64 {
        switch self {
        case .recharges: Int64(result.recharges)
        case .blocked: Int64(result.blocked)
        case .failedRecharges: Int64(result.failedRecharges)
        case .averageBalance: result.averageBalance.nanos
        }
    }

    var title: String {
        switch self {
        case .recharges: "recharges"
        case .blocked: "blocked requests"
        case .failedRecharges: "failed recharges"
        case .averageBalance: "average balance"
        }
    }
}

/// The charts of `simulate --chart`: one policy's balance over time, or a sweep's grid.
public enum SimulationCharts {
    /// The balance over time (the last balance of each slice, and the band between its lowest
    /// and highest), recharges (green up, failed red down), blocked requests (orange, at zero)
    /// and the policy's threshold and restore-to.
    public static func balance(_ series: BalanceSeries, result: SimulationResult, policy: SimulationPolicy, title: String) -> String {
        let buckets = series.filledBuckets
        var chart = TimeSeriesChart(
            title: title,
            subtitle: "\(policy)\n\(result.charged.groupedThousands) charged, \(result.blocked.groupedThousands) blocked, "
                + "\(result.recharges.groupedThousands) recharge\(result.recharges == 1 ? "" : "s") (\(result.recharged.displayString)), \(result.failedRecharges.groupedThousands) failed; "
                + "average balance \(result.averageBalance.displayString)")
        let start = (x: series.firstMilliseconds, y: series.startNanos)
        chart.series = [TimeSeriesChart.Series(name: "balance", colour: "#1f77b4", points: [start] + buckets.map { ($0.endMilliseconds, $0.lastNanos) })]
        chart.band = (
            [start] + buckets.map { ($0.endMilliseconds, $0.minimumNanos) }, [start] + buckets.map { ($0.endMilliseconds, $0.maximumNanos) }, "#1f77b4"
        )
        for recharge in series.recharges {
            let time = Timestamp(milliseconds: recharge.atMilliseconds).iso8601
            let amount = Money(nanos: recharge.amountNanos).displayString
            chart.markers.append(
                recharge.succeeded
                    ? .init(
                        x: recharge.atMilliseconds, y: recharge.balanceAfterNanos, shape: .triangleUp, colour: "#2ca02c", title: "\(time): recharged \(amount)")
                    : .init(
                        x: recharge.atMilliseconds, y: recharge.balanceAfterNanos, shape: .triangleDown, colour: "#d62728",
                        title: "\(time): payment of \(amount) failed"))
        }
        var previousEnd = series.firstMilliseconds
        for bucket in buckets {
            defer { previousEnd = bucket.endMilliseconds }
            guard bucket.blocked > 0 else { continue }
            chart.markers.append(
                .init(
                    x: (previousEnd + bucket.endMilliseconds) / 2, y: 0, shape: .circle, colour: "#ff7f0e",
                    title: "\(bucket.blocked.groupedThousands) blocked until \(Timestamp(milliseconds: bucket.endMilliseconds).iso8601)"))
        }
        chart.markerLegend = [("recharge", "#2ca02c"), ("failed payment", "#d62728"), ("blocked requests", "#ff7f0e")]
        if let recharge = policy.recharge {
            chart.references = [
                (recharge.threshold.nanos, "threshold \(recharge.threshold.displayString)", "#9467bd"),
                (recharge.restoreTo.nanos, "restore to \(recharge.restoreTo.displayString)", "#8c564b"),
            ]
        }
        return chart.rendered()
    }

    /// A heat map of `metric` over the sweep's first two settings (one row for a sweep of one
    /// setting; with more, each cell shows the lowest value over the others). Cells of invalid
    /// combinations are grey; the recommended policies are ringed.
    public static func sweep(_ sweep: SweepResult, metric: SweepMetric, title: String) -> String {
        let axes = sweep.spec.axes
        let columns = axes.count > 1 ? axes[1] : nil
        let rows = axes[0]
        let rowIndex = Dictionary(uniqueKeysWithValues: rows.values.enumerated().map { ($1, $0) })
        let columnIndex = Dictionary(uniqueKeysWithValues: (columns?.values ?? [.zero]).enumerated().map { ($1, $0) })
        var values = [[Int64?]](repeating: [Int64?](repeating: nil, count: columnIndex.count), count: rows.values.count)
        func cell(_ point: [Money]) -> (Int, Int) { (rowIndex[point[0]]!, columns == nil ? 0 : columnIndex[point[1]]!) }
        for (point, result) in zip(sweep.points, sweep.results) {
            let (row, column) = cell(point.values)
            let value = metric.value(of: result)
            values[row][column] = min(values[row][column] ?? value, value)
        }
        var subtitle = "\(sweep.points.count.groupedThousands) policies"
        if !sweep.skipped.isEmpty { subtitle += ", \(sweep.skipped.count.groupedThousands) invalid combinations (grey)" }
        if axes.count > 2 { subtitle += "\neach cell shows the lowest over " + axes.dropFirst(2).map(\.setting.rawValue).joined(separator: ", ") }
        var map = HeatMap(
            title: title, subtitle: subtitle, columnTitle: columns?.setting.rawValue ?? "", rowTitle: rows.setting.rawValue,
            columnLabels: columns?.values.map { ChartAxis.moneyLabel($0.nanos) } ?? [""], rowLabels: rows.values.map { ChartAxis.moneyLabel($0.nanos) },
            values: values)
        if metric == .averageBalance {
            map.valueLabel = { ChartAxis.moneyLabel(Int64(Rounding.halfToEven(Int128($0), dividedBy: Int128(Money.nanosPerCent))) * Money.nanosPerCent) }
            map.cellLabel = { ChartAxis.moneyLabel(Int64(Rounding.halfToEven(Int128($0), dividedBy: Int128(Money.nanosPerDollar))) * Money.nanosPerDollar) }
        }
        for (index, label) in [(sweep.lowestAverageBalance, "lowest average balance, none blocked"), (sweep.fewestRecharges, "fewest recharges, none blocked")]
        {
            guard let index else { continue }
            let (row, column) = cell(sweep.points[index].values)
            map.highlights.append((row, column, label))
        }
        return map.rendered()
    }
}

extension Int {
    var groupedThousands: String { Int64(self).groupedThousands }
}
