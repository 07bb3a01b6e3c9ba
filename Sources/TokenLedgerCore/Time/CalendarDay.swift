/// A UTC calendar day, `[00:00, next day 00:00)`: the unit providers bucket their costs in.
public struct CalendarDay: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Days since 1970-01-01.
    public var index: Int64

    public static let millisecondsPerDay: Int64 = 86_400_000

    public init(index: Int64) { self.index = index }

    /// The day `time` falls on, in UTC.
    public init(_ time: Timestamp) { self.index = time.milliseconds.floorDivided(by: CalendarDay.millisecondsPerDay).quotient }

    public static func < (lhs: CalendarDay, rhs: CalendarDay) -> Bool { lhs.index < rhs.index }

    /// 00:00 UTC of the day.
    public var start: Timestamp { Timestamp(milliseconds: index * CalendarDay.millisecondsPerDay) }
    /// 00:00 UTC of the next day (the day's exclusive end).
    public var end: Timestamp { next.start }
    public var next: CalendarDay { CalendarDay(index: index + 1) }
    public var previous: CalendarDay { CalendarDay(index: index - 1) }

    /// `2026-01-05`.
    public var description: String { start.dateString }
}
