import TokenLedgerCore

/// Tick positions and labels for chart axes: round numbers on value axes, calendar instants
/// (hours, days, months) on time axes.
public enum ChartAxis {
    /// About `count` ticks covering `[low, high]` at a round step (1, 2 or 5 × 10^k), in exact
    /// integers (nanodollars, counts), so labels are exact too. Always at least two ticks.
    ///
    /// ```swift
    /// ChartAxis.niceTicks(low: 3, high: 97, count: 5)   // [0, 20, 40, 60, 80, 100]
    /// ```
    public static func niceTicks(low: Int64, high: Int64, count: Int = 5) -> [Int64] {
        precondition(count >= 1)
        let low = min(low, high), high = max(low, high)
        let range = max(high - low, 1)
        let rough = max(range / Int64(count), 1)
        var magnitude: Int64 = 1
        while magnitude <= rough / 10 { magnitude *= 10 }
        let step = [1, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? magnitude * 10
        let first = floorMultiple(low, step)
        var ticks = [first]
        while ticks.last! < high { ticks.append(ticks.last! + step) }
        if ticks.count == 1 { ticks.append(first + step) }
        return ticks
    }

    private static func floorMultiple(_ value: Int64, _ step: Int64) -> Int64 {
        let remainder = value % step
        return remainder < 0 ? value - remainder - step : value - remainder
    }

    /// Ticks for a time axis over `[first, last]` (milliseconds since 1970): at most about
    /// `count`, on round instants in UTC (whole minutes, hours, days, months), each with a
    /// label that shows what changes at that step.
    public static func timeTicks(firstMilliseconds first: Int64, lastMilliseconds last: Int64, count: Int = 6) -> [(milliseconds: Int64, label: String)] {
        let span = max(last - first, 1)
        let minute: Int64 = 60_000, hour = 60 * minute, day = 24 * hour
        let fixed: [Int64] = [
            1_000, 5_000, 15_000, 30_000, minute, 5 * minute, 15 * minute, 30 * minute, hour, 3 * hour, 6 * hour, 12 * hour, day, 2 * day, 7 * day,
        ]
        if let step = fixed.first(where: { span / $0 <= Int64(count) }) {
            var tick = floorMultiple(first, step)
            if tick < first { tick += step }
            var ticks: [(Int64, String)] = []
            while tick <= last {
                ticks.append((tick, label(Timestamp(milliseconds: tick), step: step)))
                tick += step
            }
            return ticks
        }
        // Months: every 1, 3, 6 or 12 months from a month start.
        let months = [1, 3, 6, 12, 24, 60, 120].first { Int64($0) * 30 * day * Int64(count) >= span } ?? 120
        var tick = Timestamp(milliseconds: first).startOfMonth
        if tick.milliseconds < first { tick = tick.startOfNextMonth }
        while (tick.components.month - 1) % months != 0 { tick = tick.startOfNextMonth }
        var ticks: [(Int64, String)] = []
        while tick.milliseconds <= last {
            ticks.append((tick.milliseconds, months >= 12 ? String(tick.components.year) : String(tick.dateString.prefix(7))))
            for _ in 0..<months { tick = tick.startOfNextMonth }
        }
        return ticks
    }

    /// `2026-01-05` for steps of a day or more, `01-05 14:00` for hours, `14:05:30` below.
    private static func label(_ time: Timestamp, step: Int64) -> String {
        let c = time.components
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
        if step >= 86_400_000 { return time.dateString }
        if step >= 3_600_000 || (c.hour == 0 && c.minute == 0 && c.second == 0) { return "\(two(c.month))-\(two(c.day)) \(two(c.hour)):\(two(c.minute))" }
        if step >= 60_000 { return "\(two(c.hour)):\(two(c.minute))" }
        return "\(two(c.hour)):\(two(c.minute)):\(two(c.second))"
    }

    /// An amount as an axis label: dollars, with cents only when needed (`$1,250`, `$2.50`, `-$3`).
    public static func moneyLabel(_ nanos: Int64) -> String {
        let money = Money(nanos: nanos)
        var text = money.displayString
        if text.hasSuffix(".00") { text.removeLast(3) }
        // Thousands separators in the whole dollars.
        let negative = text.hasPrefix("-")
        let digitsStart = text.index(text.startIndex, offsetBy: negative ? 2 : 1)
        let dot = text.firstIndex(of: ".") ?? text.endIndex
        let whole = String(text[digitsStart..<dot])
        guard let value = Int64(whole), value >= 1_000 else { return text }
        return (negative ? "-$" : "$") + value.groupedThousands + String(text[dot...])
    }
}

extension Int64 {
    /// With thousands separators, as people read counts: 19366 → "19,366".
    public var groupedThousands: String {
        let digits = String(magnitude)
        var result = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result += "," }
            result.append(character)
        }
        return (self < 0 ? "-" : "") + result
    }
}
