/// A UTC instant, in whole milliseconds since 1970-01-01T00:00:00Z.
///
/// The ledger never reads the clock inside its rules: every operation receives its time as a
/// `Timestamp` (the CLI defaults it to now). Parsing and printing are ISO 8601, UTC.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since the Unix epoch.
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.milliseconds < rhs.milliseconds }

    /// The earliest and latest instants TokenLedger accepts: years 1970 through 9999.
    public static let earliest = Timestamp(milliseconds: 0)
    public static let latest = Timestamp(year: 9999, month: 12, day: 31, hour: 23, minute: 59, second: 59, millisecond: 999)

    /// The instant at the given UTC calendar date and time. Fields must be in range.
    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, millisecond: Int = 0) {
        let days = CivilCalendar.daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        self.milliseconds = seconds * 1000 + Int64(millisecond)
    }

    /// The UTC calendar fields of this instant.
    public var components: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millisecond: Int) {
        let (days, msOfDay) = milliseconds.floorDivided(by: 86_400_000)
        let (year, month, day) = CivilCalendar.civilFromDays(Int(days))
        let ms = Int(msOfDay)
        return (year, month, day, ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
    }

    /// ISO 8601 in UTC: `2026-10-05T12:00:00Z`, with milliseconds only when there are some.
    public var iso8601: String {
        let c = components
        var text = "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))T\(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2))"
        if c.millisecond != 0 { text += ".\(pad(c.millisecond, 3))" }
        return text + "Z"
    }

    /// The calendar date in UTC: `2026-10-05`.
    public var dateString: String {
        let c = components
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))"
    }

    public var description: String { iso8601 }

    /// The same wall-clock instant `years` later; 29 February becomes 28 February in a common year.
    public func addingYears(_ years: Int) -> Timestamp {
        let c = components
        let year = c.year + years
        let day = min(c.day, CivilCalendar.daysInMonth(year: year, month: c.month))
        return Timestamp(year: year, month: c.month, day: day, hour: c.hour, minute: c.minute, second: c.second, millisecond: c.millisecond)
    }

    /// The start (00:00 UTC on the first) of this instant's calendar month.
    public var startOfMonth: Timestamp {
        let c = components
        return Timestamp(year: c.year, month: c.month, day: 1)
    }

    /// The start of the next calendar month.
    public var startOfNextMonth: Timestamp {
        let c = components
        return c.month == 12 ? Timestamp(year: c.year + 1, month: 1, day: 1) : Timestamp(year: c.year, month: c.month + 1, day: 1)
    }

    private func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

/// Why a typed time could not be read.
public struct TimestampParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public var text: String
    public var reason: String
    public var description: String {
        "'\(text)' is not a time: \(reason) (use ISO 8601 such as 2026-10-05T12:00:00Z or 2026-10-05)"
    }
}

extension Timestamp {
    /// Reads an ISO 8601 time: `2026-10-05`, `2026-10-05T12:00:00Z`, `2026-10-05T12:00:00.123Z`,
    /// `2026-10-05T14:00:00+02:00`, or with a space for the `T`. A time without a zone is UTC.
    ///
    /// Throws ``TimestampParseError`` for malformed text, impossible dates (`2026-02-30`) and
    /// years outside 1970...9999.
    public init(parsing text: String) throws(TimestampParseError) {
        var scanner = ISOScanner(bytes: Array(text.trimmingASCIIWhitespace().utf8), text: text)
        self = try scanner.parse()
    }
}

private struct ISOScanner {
    var bytes: [UInt8]
    var text: String
    var index = 0

    func fail(_ reason: String) -> TimestampParseError { TimestampParseError(text: text, reason: reason) }

    mutating func number(digits count: Int, _ field: String) throws(TimestampParseError) -> Int {
        guard index + count <= bytes.count else { throw fail("the \(field) is missing") }
        var value = 0
        for offset in 0..<count {
            let byte = bytes[index + offset]
            guard byte >= 48, byte <= 57 else { throw fail("the \(field) must be \(count) digits") }
            value = value * 10 + Int(byte - 48)
        }
        index += count
        return value
    }

    mutating func expect(_ character: Character, _ what: String) throws(TimestampParseError) {
        guard index < bytes.count, bytes[index] == character.asciiValue! else { throw fail("expected \(what)") }
        index += 1
    }

    mutating func parse() throws(TimestampParseError) -> Timestamp {
        guard !bytes.isEmpty else { throw fail("it is empty") }
        guard bytes.count <= 40 else { throw fail("it is too long") }
        let year = try number(digits: 4, "year")
        try expect("-", "'-' after the year")
        let month = try number(digits: 2, "month")
        try expect("-", "'-' after the month")
        let day = try number(digits: 2, "day")
        guard (1970...9999).contains(year) else { throw fail("the year must be between 1970 and 9999") }
        guard (1...12).contains(month) else { throw fail("the month must be 01 to 12") }
        guard (1...CivilCalendar.daysInMonth(year: year, month: month)).contains(day) else { throw fail("that day does not exist") }
        var hour = 0, minute = 0, second = 0, millisecond = 0, offsetMinutes = 0
        if index < bytes.count {
            guard bytes[index] == UInt8(ascii: "T") || bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "t") else {
                throw fail("expected 'T' between the date and the time")
            }
            index += 1
            hour = try number(digits: 2, "hour")
            try expect(":", "':' after the hour")
            minute = try number(digits: 2, "minute")
            if index < bytes.count, bytes[index] == UInt8(ascii: ":") {
                index += 1
                second = try number(digits: 2, "second")
                if index < bytes.count, bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    millisecond = try fraction()
                }
            }
            guard hour < 24, minute < 60, second < 60 else { throw fail("the time of day is out of range") }
            offsetMinutes = try zone()
        }
        guard index == bytes.count else { throw fail("unexpected text after the time") }
        let local = Timestamp(year: year, month: month, day: day, hour: hour, minute: minute, second: second, millisecond: millisecond)
        let instant = Timestamp(milliseconds: local.milliseconds - Int64(offsetMinutes) * 60_000)
        guard instant >= .earliest, instant <= .latest else { throw fail("it is outside 1970 to 9999") }
        return instant
    }

    /// Fractional seconds: any number of digits, truncated to milliseconds.
    mutating func fraction() throws(TimestampParseError) -> Int {
        var digits = 0
        var value = 0
        while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
            if digits < 3 { value = value * 10 + Int(bytes[index] - 48) }
            digits += 1
            index += 1
        }
        guard digits > 0, digits <= 9 else { throw fail("the fraction of a second must be 1 to 9 digits") }
        if digits < 3 { for _ in digits..<3 { value *= 10 } }
        return value
    }

    mutating func zone() throws(TimestampParseError) -> Int {
        guard index < bytes.count else { return 0 }
        let byte = bytes[index]
        if byte == UInt8(ascii: "Z") || byte == UInt8(ascii: "z") {
            index += 1
            return 0
        }
        guard byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") else { throw fail("unexpected text after the time") }
        index += 1
        let hours = try number(digits: 2, "zone hour")
        if index < bytes.count, bytes[index] == UInt8(ascii: ":") { index += 1 }
        let minutes = try number(digits: 2, "zone minute")
        guard hours < 24, minutes < 60 else { throw fail("the zone offset is out of range") }
        let total = hours * 60 + minutes
        return byte == UInt8(ascii: "-") ? -total : total
    }
}

/// Proleptic Gregorian calendar arithmetic (Howard Hinnant's algorithms), pure integers.
public enum CivilCalendar {
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthIndex = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthIndex + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    public static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    public static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

extension Int64 {
    /// Floor division and the matching non-negative remainder.
    func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        var quotient = self / divisor
        var remainder = self % divisor
        if remainder < 0 {
            quotient -= 1
            remainder += divisor
        }
        return (quotient, remainder)
    }
}
