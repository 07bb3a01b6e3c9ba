import TokenLedgerCore

/// The charts of `report monthly --chart` and `statement --chart`.
public enum ReportCharts {
    /// At most this many stack labels get their own colour; the rest are added up as "other".
    public static let stackLimit = 9

    /// The month's daily spend, one bar per day stacked by the report's stack keys (the `--by`
    /// keys other than `day`, else the model), the costliest ``stackLimit`` labels on their own
    /// and the rest as one "other".
    public static func dailySpend(_ report: MonthlyReport) -> String {
        var totals: [String: Money] = [:]
        for day in report.daily { for (label, cost) in day.costs { totals[label, default: .zero] += cost } }
        let ranked = totals.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map(\.key)
        let kept = Set(ranked.prefix(ranked.count > stackLimit + 1 ? stackLimit : stackLimit + 1))
        let other = "other (\(ranked.count - kept.count))"
        let days = report.daily.map { day in
            var values: [String: Int64] = [:]
            for (label, cost) in day.costs { values[kept.contains(label) ? label : other, default: 0] += cost.nanos }
            return StackedBarChart.Day(startMilliseconds: day.day.start.milliseconds, values: values)
        }
        let by = report.stackKeys.map(\.rawValue).joined(separator: ", ")
        let scope = report.account.map { "account \($0)" } ?? "all accounts"
        let subtitle =
            "\(scope): \(report.total.cost.displayString) over \(report.total.requests.groupedThousands) requests; "
            + "each day's spend stacked by \(by) (UTC days)"
        var chart = StackedBarChart(title: "Daily spend, \(report.monthText)", subtitle: subtitle, days: days)
        chart.order = ranked.filter(kept.contains) + (kept.count < ranked.count ? [other] : [])
        return chart.rendered()
    }

    /// Colours of the statement's marks.
    static let creditColours: [TransferKind: (name: String, colour: String, up: Bool)] = [
        .purchase: ("purchase", "#2ca02c", true), .recharge: ("auto-recharge", "#17becf", true), .grant: ("grant", "#9467bd", true),
        .expiry: ("expired credit", "#d62728", false), .adjustment: ("adjustment", "#8c564b", true),
    ]

    /// The balance through the statement's month: a line through each day's closing balance and
    /// each transfer (a jump at its time), with purchases, recharges and grants marked by
    /// triangles up and expiry write-offs by triangles down.
    public static func balance(_ statement: AccountStatement) -> String {
        var points: [(x: Int64, y: Int64)] = [(statement.month.milliseconds, statement.opening.nanos)]
        var next = statement.entries.startIndex
        for day in statement.dailyClosing {
            while next < statement.entries.endIndex, statement.entries[next].at < day.day.end {
                let entry = statement.entries[next]
                points += [(entry.at.milliseconds, entry.balanceBefore.nanos), (entry.at.milliseconds, entry.balanceAfter.nanos)]
                next += 1
            }
            points.append((day.day.end.milliseconds, day.balance.nanos))
        }
        var chart = TimeSeriesChart(
            title: "Balance of \(statement.account), \(statement.monthText)",
            subtitle: "opening \(statement.opening.displayString), credits \(statement.credits.displayString), usage \(statement.usage.displayString), "
                + "expired \(statement.expired.displayString), closing \(statement.closing.displayString)")
        chart.series = [TimeSeriesChart.Series(name: "balance", colour: "#1f77b4", points: points, steps: false)]
        var kinds: [TransferKind] = []
        for entry in statement.entries {
            let style = creditColours[entry.kind] ?? (entry.kind.rawValue, "#7f7f7f", entry.amount.nanos >= 0)
            if !kinds.contains(entry.kind) { kinds.append(entry.kind) }
            let verb = entry.amount.nanos >= 0 ? "+" : ""
            chart.markers.append(
                .init(
                    x: entry.at.milliseconds, y: entry.balanceAfter.nanos, shape: style.up ? .triangleUp : .triangleDown, colour: style.colour,
                    title: "\(entry.at.iso8601): \(style.name) \(verb)\(entry.amount.displayString), balance \(entry.balanceAfter.displayString)"))
        }
        chart.markerLegend = kinds.map { kind in
            let style = creditColours[kind] ?? (kind.rawValue, "#7f7f7f", true)
            return (style.name, style.colour)
        }
        return chart.rendered()
    }
}
