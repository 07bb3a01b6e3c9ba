/// A calendar month (UTC) as `[start, end)` in milliseconds: the period of month-to-date spend,
/// monthly limits and the auto-recharge cap.
public struct MonthWindow: Hashable, Sendable {
    public var startMilliseconds: Int64
    public var endMilliseconds: Int64

    public init(startMilliseconds: Int64, endMilliseconds: Int64) {
        self.startMilliseconds = startMilliseconds
        self.endMilliseconds = endMilliseconds
    }

    /// The month `time` falls in.
    public init(of time: Timestamp) {
        startMilliseconds = time.startOfMonth.milliseconds
        endMilliseconds = time.startOfNextMonth.milliseconds
    }

    public func contains(_ time: Timestamp) -> Bool { time.milliseconds >= startMilliseconds && time.milliseconds < endMilliseconds }
}

/// An account's usage counter: the month of its latest usage and that month's spend. Kept with
/// the account so that month-to-date spend needs no sum over usage.
///
/// The rule: usage in the counter's month adds to it; usage in a later month starts the counter
/// over in that month; usage in an earlier month (a late import) leaves it as it is.
public struct MonthCounter: Hashable, Sendable {
    /// The month's first instant; 0 for an account with no usage yet.
    public var startMilliseconds: Int64
    public var usageNanos: Int64

    public init(startMilliseconds: Int64, usageNanos: Int64) {
        self.startMilliseconds = startMilliseconds
        self.usageNanos = usageNanos
    }

    /// The usage it knows of in the month that starts at `monthStart`: its own month's, none in a
    /// later month, nil for an earlier month (whose usage the caller reads from the rollup).
    public func usage(inMonthStarting monthStart: Int64) -> Int64? {
        if monthStart == startMilliseconds { return usageNanos }
        return monthStart > startMilliseconds ? 0 : nil
    }

    /// The counter after usage of `nanos` in the month that starts at `monthStart`.
    public func adding(_ nanos: Int64, monthStart: Int64) -> MonthCounter {
        if monthStart == startMilliseconds { return MonthCounter(startMilliseconds: monthStart, usageNanos: usageNanos + nanos) }
        if monthStart > startMilliseconds { return MonthCounter(startMilliseconds: monthStart, usageNanos: nanos) }
        return self
    }
}
