import Testing
import TokenLedgerCore

/// 2026-10-05T12:00:00Z: 20,731 days after the epoch, plus twelve hours.
private let noonOctoberFifth: Int64 = (20_731 * 86_400 + 12 * 3_600) * 1_000

@Suite("Timestamp: parsing")
struct TimestampParsingTests {
    @Test(
        "Reads ISO 8601 times",
        arguments: [
            ("2026-10-05", noonOctoberFifth - 12 * 3_600_000),
            ("2026-10-05T12:00:00Z", noonOctoberFifth),
            ("2026-10-05T12:00:00z", noonOctoberFifth),
            ("2026-10-05t12:00:00Z", noonOctoberFifth),
            ("2026-10-05T12:00Z", noonOctoberFifth),
            ("2026-10-05T12:00:00", noonOctoberFifth),
            ("2026-10-05T12:00", noonOctoberFifth),
            ("2026-10-05 12:00:00", noonOctoberFifth),
            ("2026-10-05 12:00:00Z", noonOctoberFifth),
            ("  2026-10-05T12:00:00Z\n", noonOctoberFifth),
            ("2026-10-05T12:00:00.123Z", noonOctoberFifth + 123),
            ("2026-10-05T12:00:00,5Z", noonOctoberFifth + 500),
            ("2026-10-05T12:00:00.12Z", noonOctoberFifth + 120),
            ("2026-10-05T12:00:00.123456789Z", noonOctoberFifth + 123),  // truncated to milliseconds
            ("2026-10-05T12:00:00.999999Z", noonOctoberFifth + 999),
            ("2026-10-05T14:00:00+02:00", noonOctoberFifth),
            ("2026-10-05T14:00:00+0200", noonOctoberFifth),
            ("2026-10-05T06:30:00-05:30", noonOctoberFifth),
            ("2026-10-06T01:00:00+13:00", noonOctoberFifth),
            ("2026-10-04T23:00:00-13:00", noonOctoberFifth),
            ("2026-10-05T14:00:00.250+02:00", noonOctoberFifth + 250),
            ("1970-01-01", 0),
            ("1970-01-01T00:00:00.001Z", 1),
            ("1970-01-01T01:00:00+01:00", 0),
            ("2000-02-29", 951_782_400_000),
            ("9999-12-31T23:59:59Z", Timestamp.latest.milliseconds - 999),
        ] as [(String, Int64)])
    func reads(text: String, milliseconds: Int64) throws {
        #expect(try Timestamp(parsing: text).milliseconds == milliseconds)
    }

    @Test(
        "Refuses impossible dates and malformed text",
        arguments: [
            ("2026-02-30", "that day does not exist"),
            ("2026-02-29", "that day does not exist"),
            ("1900-02-29", "the year must be between 1970 and 9999"),
            ("2026-04-31", "that day does not exist"),
            ("2026-10-00", "that day does not exist"),
            ("2026-13-01", "the month must be 01 to 12"),
            ("2026-00-10", "the month must be 01 to 12"),
            ("1969-12-31", "the year must be between 1970 and 9999"),
            ("1969-12-31T23:59:59Z", "the year must be between 1970 and 9999"),
            ("0000-01-01", "the year must be between 1970 and 9999"),
            ("1970-01-01T00:30:00+01:00", "it is outside 1970 to 9999"),
            ("9999-12-31T23:00:00-01:00", "it is outside 1970 to 9999"),
            ("", "it is empty"),
            ("   ", "it is empty"),
            ("garbage", "the year must be 4 digits"),
            ("2026/10/05", "expected '-' after the year"),
            ("26-10-05", "the year must be 4 digits"),
            ("2026-1-05", "the month must be 2 digits"),
            ("2026-10-5", "the day is missing"),
            ("2026-10-05x", "expected 'T' between the date and the time"),
            ("2026-10-05Z", "expected 'T' between the date and the time"),
            ("2026-10-05T", "the hour is missing"),
            ("2026-10-05T12", "expected ':' after the hour"),
            ("2026-10-05T25:00", "the time of day is out of range"),
            ("2026-10-05T24:00:00Z", "the time of day is out of range"),
            ("2026-10-05T12:60:00Z", "the time of day is out of range"),
            ("2026-10-05T12:00:60Z", "the time of day is out of range"),
            ("2026-10-05T12:00:00.Z", "the fraction of a second must be 1 to 9 digits"),
            ("2026-10-05T12:00:00.1234567890Z", "the fraction of a second must be 1 to 9 digits"),
            ("2026-10-05T12:00:00Z trailing", "unexpected text after the time"),
            ("2026-10-05T12:00:00ZZ", "unexpected text after the time"),
            ("2026-10-05T12:00:00 UTC", "unexpected text after the time"),
            ("2026-10-05T12:00:00+2", "the zone hour is missing"),
            ("2026-10-05T12:00:00+02", "the zone minute is missing"),
            ("2026-10-05T12:00:00+24:00", "the zone offset is out of range"),
            ("2026-10-05T12:00:00+02:60", "the zone offset is out of range"),
            ("2026-10-05T12:00:00.000+02:00:00", "unexpected text after the time"),
            ("2026-10-05T12:00:00Z" + String(repeating: " x", count: 20), "it is too long"),
        ])
    func refuses(text: String, reason: String) {
        let error = #expect(throws: TimestampParseError.self) { try Timestamp(parsing: text) }
        #expect(error?.text == text)
        #expect(error?.reason == reason)
    }

    @Test("The error message quotes the text and gives an example")
    func errorDescription() {
        let error = #expect(throws: TimestampParseError.self) { try Timestamp(parsing: "2026-02-30") }
        #expect(
            error?.description
                == "'2026-02-30' is not a time: that day does not exist (use ISO 8601 such as 2026-10-05T12:00:00Z or 2026-10-05)")
    }

    @Test()
    func lastMillisecondOfYear9999IsAccepted() throws {
        let last = try Timestamp(parsing: "9999-12-31T23:59:59.999Z")
        #expect(last.iso8601 == "9999-12-31T23:59:59.999Z")
        #expect(Timestamp.latest.milliseconds == last.milliseconds)
    }
}

@Suite("Timestamp: printing and calendar")
struct TimestampCalendarTests {
    @Test(
        "Prints ISO 8601 in UTC, with milliseconds only when there are some",
        arguments: [
            (0, "1970-01-01T00:00:00Z", "1970-01-01"),
            (1, "1970-01-01T00:00:00.001Z", "1970-01-01"),
            (noonOctoberFifth, "2026-10-05T12:00:00Z", "2026-10-05"),
            (noonOctoberFifth + 120, "2026-10-05T12:00:00.120Z", "2026-10-05"),
            (951_782_400_000, "2000-02-29T00:00:00Z", "2000-02-29"),
            (Timestamp.latest.milliseconds - 999, "9999-12-31T23:59:59Z", "9999-12-31"),
            (-1, "1969-12-31T23:59:59.999Z", "1969-12-31"),
        ] as [(Int64, String, String)])
    func prints(milliseconds: Int64, iso: String, date: String) {
        let time = Timestamp(milliseconds: milliseconds)
        #expect(time.iso8601 == iso)
        #expect(time.description == iso)
        #expect(time.dateString == date)
    }

    @Test("Calendar fields agree with a day-by-day count (seeded random instants)")
    func componentsAgreeWithNaiveCalendar() {
        var generator = SplitMix64(seed: 2026_10_05)
        for _ in 0..<300 {
            let milliseconds = Int64.random(in: 0...Timestamp.latest.milliseconds, using: &generator)
            let c = Timestamp(milliseconds: milliseconds).components
            // Count days from the epoch one year and one month at a time.
            var days: Int64 = 0
            for year in 1970..<c.year { days += CivilCalendar.isLeapYear(year) ? 366 : 365 }
            let monthLengths = [31, CivilCalendar.isLeapYear(c.year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            for month in 1..<c.month { days += Int64(monthLengths[month - 1]) }
            days += Int64(c.day - 1)
            let rebuilt =
                ((days * 24 + Int64(c.hour)) * 60 + Int64(c.minute)) * 60_000
                + Int64(c.second) * 1_000 + Int64(c.millisecond)
            #expect(rebuilt == milliseconds)
            #expect((1...monthLengths[c.month - 1]).contains(c.day))
        }
    }

    @Test("Printing then parsing gives back the same instant (seeded random instants)")
    func roundTrip() throws {
        var generator = SplitMix64(seed: 0xDA7E)
        var instants: [Int64] = [0, 1, 999, 1_000, Timestamp.latest.milliseconds, 951_782_400_000 - 1]
        for _ in 0..<2_000 {
            instants.append(Int64.random(in: 0...Timestamp.latest.milliseconds, using: &generator))
        }
        for milliseconds in instants {
            let time = Timestamp(milliseconds: milliseconds)
            #expect(try Timestamp(parsing: time.iso8601) == time, "\(time.iso8601)")
            let midnight = Timestamp(milliseconds: milliseconds - milliseconds % 86_400_000)
            #expect(try Timestamp(parsing: time.dateString) == midnight)
        }
    }

    @Test("Calendar initializer and fields agree")
    func calendarFields() {
        let time = Timestamp(year: 2024, month: 2, day: 29, hour: 23, minute: 59, second: 58, millisecond: 7)
        let c = time.components
        #expect(c.year == 2024 && c.month == 2 && c.day == 29)
        #expect(c.hour == 23 && c.minute == 59 && c.second == 58 && c.millisecond == 7)
        #expect(Timestamp.earliest.milliseconds == 0)
        #expect(CivilCalendar.daysFromCivil(year: 1970, month: 1, day: 1) == 0)
        #expect(CivilCalendar.daysFromCivil(year: 2000, month: 3, day: 1) == 11_017)
        #expect(CivilCalendar.civilFromDays(11_016) == (2000, 2, 29))
        #expect(CivilCalendar.civilFromDays(-1) == (1969, 12, 31))
    }

    @Test(
        "Leap years",
        arguments: [(2024, true), (2026, false), (2000, true), (1900, false), (2100, false), (2400, true)])
    func leapYears(year: Int, leap: Bool) {
        #expect(CivilCalendar.isLeapYear(year) == leap)
        #expect(CivilCalendar.daysInMonth(year: year, month: 2) == (leap ? 29 : 28))
    }

    @Test("Month lengths")
    func monthLengths() {
        let lengths = (1...12).map { CivilCalendar.daysInMonth(year: 2026, month: $0) }
        #expect(lengths == [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    }

    @Test(
        "Adding years keeps the wall-clock time; 29 February becomes 28 February in a common year",
        arguments: [
            ("2026-10-05T12:34:56.789Z", 1, "2027-10-05T12:34:56.789Z"),
            ("2024-02-29T08:00:00Z", 1, "2025-02-28T08:00:00Z"),
            ("2024-02-29T08:00:00Z", 4, "2028-02-29T08:00:00Z"),
            ("2096-02-29T00:00:00Z", 4, "2100-02-28T00:00:00Z"),
            ("2025-02-28T23:59:59Z", 1, "2026-02-28T23:59:59Z"),
            ("2023-03-01T00:00:00Z", 1, "2024-03-01T00:00:00Z"),
            ("2027-12-31T23:59:59.999Z", 1, "2028-12-31T23:59:59.999Z"),
            ("2028-02-29T00:00:00Z", -1, "2027-02-28T00:00:00Z"),
        ] as [(String, Int, String)])
    func addingYears(start: String, years: Int, expected: String) throws {
        #expect(try Timestamp(parsing: start).addingYears(years).iso8601 == expected)
    }

    @Test(
        "Start of this month and of the next, December included",
        arguments: [
            ("2026-10-05T12:00:00Z", "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z"),
            ("2026-12-31T23:59:59.999Z", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"),
            ("2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"),
            ("2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"),
            ("2024-02-29T10:00:00Z", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z"),
            ("2026-10-31T23:59:59.999Z", "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z"),
            ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "1970-02-01T00:00:00Z"),
        ])
    func monthBoundaries(time: String, start: String, next: String) throws {
        let instant = try Timestamp(parsing: time)
        #expect(instant.startOfMonth.iso8601 == start)
        #expect(instant.startOfNextMonth.iso8601 == next)
        #expect(instant.startOfMonth <= instant && instant < instant.startOfNextMonth)
    }

    @Test("Every instant of a month is in [start of month, start of next month)")
    func monthBoundaryProperty() {
        var generator = SplitMix64(seed: 12)
        for _ in 0..<1_000 {
            let time = Timestamp(milliseconds: Int64.random(in: 0..<Timestamp.latest.milliseconds - 31 * 86_400_000, using: &generator))
            let start = time.startOfMonth
            let next = time.startOfNextMonth
            #expect(start <= time && time < next)
            #expect(start.components.day == 1 && next.components.day == 1)
            #expect(next.startOfMonth == next)
            #expect(Timestamp(milliseconds: next.milliseconds - 1).startOfMonth == start)
        }
    }
}
