import Testing
import TokenLedgerCore

@Suite("Money: parsing")
struct MoneyParsingTests {
    @Test(
        "Reads amounts as people type them",
        arguments: [
            ("12", 12 * dollar),
            ("12.5", 12_500_000_000),
            ("$12.50", 12_500_000_000),
            ("0.000001234", 1_234),
            ("-4", -4 * dollar),
            ("1,000.00", 1_000 * dollar),
            ("$1,234,567.891", 1_234_567_891_000_000),
            ("2.5e-06", 2_500),
            ("2.5E-6", 2_500),
            ("1.5e+2", 150 * dollar),
            ("1e-9", 1),
            ("+7", 7 * dollar),
            ("-$3.00", -3 * dollar),
            ("+$0.01", 10_000_000),
            (".5", 500_000_000),
            ("5.", 5 * dollar),
            ("0", 0),
            ("-0", 0),
            ("000012.50", 12_500_000_000),
            // Trailing zeros beyond nine decimals are not precision: they are accepted.
            ("1.000000000000", 1 * dollar),
            ("9223372036.854775807", Int64.max),
            ("-9223372036.854775807", -Int64.max),
        ] as [(String, Int64)])
    func reads(text: String, nanos: Int64) throws {
        #expect(try Money(parsing: text).nanos == nanos)
    }

    @Test(
        "Ignores surrounding spaces, tabs and line breaks",
        arguments: [" 12.5", "12.5 ", "\t12.5\n", "\r $12.50 \t", "\n\r12.5\r"])
    func trimsWhitespace(text: String) throws {
        #expect(try Money(parsing: text) == Money(nanos: 12_500_000_000))
    }

    @Test("Refuses empty text", arguments: ["", " ", "\t\n\r "])
    func refusesEmpty(text: String) {
        #expect(throws: MoneyParseError.empty) { try Money(parsing: text) }
    }

    @Test(
        "Refuses text that is not an amount, quoting it as typed",
        arguments: [
            "abc", "1.2.3", "$", "-", "+", ".", "$-5", "$$5", "--1", "1-", "12abc", "1 000", "e5", "1e",
            "1e+", "1e5.5", "1e1234", ",5", "1.000,00", "€5", "12.5 USD", "0x10", "١٢",
            String(repeating: "1", count: 65),
        ])
    func refusesMalformed(text: String) {
        #expect(throws: MoneyParseError.malformed(text)) { try Money(parsing: text) }
    }

    @Test("A dollar sign is only accepted where allowed")
    func dollarSignOnlyWhenAllowed() throws {
        #expect(throws: MoneyParseError.malformed("$5")) { try DecimalText.scaledInteger("$5", scale: 2) }
        #expect(try DecimalText.scaledInteger("$5", scale: 2, allowDollarSign: true) == 500)
    }

    @Test(
        "Refuses more than nine decimals of precision",
        arguments: ["0.0000000001", "1.0000000001", "-0.0000000005", "2.5e-10", "1e-10", "0.1234567891"])
    func refusesTooPrecise(text: String) {
        #expect(throws: MoneyParseError.tooPrecise(text, maximumDecimals: 9)) { try Money(parsing: text) }
    }

    @Test(
        "Refuses amounts beyond Int64 nanodollars",
        arguments: [
            "9223372036.854775808", "-9223372036.854775809", "10000000000", "99999999999999999999",
            "1e10", "1e100", "$18446744073.709551616",
        ])
    func refusesOutOfRange(text: String) {
        #expect(throws: MoneyParseError.outOfRange(text)) { try Money(parsing: text) }
    }

    @Test(
        "Scaled integers at other scales, exactly",
        arguments: [
            ("2.5e-06", 15, 2_500_000_000),
            ("2.5e-06", 7, 25),
            ("2.5e-06", 9, 2_500),
            ("0.000001234", 12, 1_234_000),
            ("12", 0, 12),
            ("1.5e3", 0, 1_500),
            ("1,000", 0, 1_000),
            ("0.05", 2, 5),
            ("-1.25", 2, -125),
            ("59200.0", 0, 59_200),
            ("1e-3", 3, 1),
            ("123456789012345678", 1, 1_234_567_890_123_456_780),
        ] as [(String, Int, Int64)])
    func scaledInteger(text: String, scale: Int, expected: Int64) throws {
        #expect(try DecimalText.scaledInteger(text, scale: scale) == expected)
    }

    @Test("Scaled integers refuse what the scale cannot hold")
    func scaledIntegerRefusals() throws {
        #expect(throws: MoneyParseError.tooPrecise("2.5e-06", maximumDecimals: 6)) {
            try DecimalText.scaledInteger("2.5e-06", scale: 6)
        }
        #expect(throws: MoneyParseError.tooPrecise("0.5", maximumDecimals: 0)) {
            try DecimalText.scaledInteger("0.5", scale: 0)
        }
        #expect(throws: MoneyParseError.outOfRange("9223372036854775808")) {
            try DecimalText.scaledInteger("9223372036854775808", scale: 0)
        }
        #expect(try DecimalText.scaledInteger("9223372036854775807", scale: 0) == Int64.max)
    }

    @Test("Errors describe the problem for people")
    func errorDescriptions() {
        #expect(MoneyParseError.empty.description == "an amount is required")
        #expect(
            MoneyParseError.tooPrecise("0.0000000001", maximumDecimals: 9).description
                == "'0.0000000001' has more than 9 decimal places")
        #expect(MoneyParseError.outOfRange("1e100").description == "'1e100' is too large")
        #expect(MoneyParseError.malformed("abc").description.hasPrefix("'abc' is not an amount of dollars"))
    }

    @Test()
    func int64MinRoundTrips() throws {
        let minimum = Money(nanos: .min)
        #expect(minimum.decimalString == "-9223372036.854775808")
        #expect(try Money(parsing: minimum.decimalString) == minimum)
        #expect(try Money(parsing: minimum.displayString) == minimum)
    }

    @Test(
        arguments: ["12,5", "1,00", "1,,000", "1,0000", "1,000,00", "1,000,", "1,e3"])
    func commaIsOnlyAThousandsSeparator(text: String) {
        #expect(throws: MoneyParseError.malformed(text)) { try Money(parsing: text) }
    }

    @Test(
        arguments: ["0e20", "0.0e20", "-0E+30"])
    func zeroWithLargeExponentIsZero(text: String) throws {
        #expect(try Money(parsing: text) == .zero)
    }
}

@Suite("Money: printing")
struct MoneyPrintingTests {
    @Test(
        "Machine output is the exact decimal with nine places",
        arguments: [
            (678_700, "0.000678700"),
            (-3 * dollar, "-3.000000000"),
            (0, "0.000000000"),
            (1, "0.000000001"),
            (-1, "-0.000000001"),
            (12_500_000_000, "12.500000000"),
            (Int64.max, "9223372036.854775807"),
            (Int64.min, "-9223372036.854775808"),
        ] as [(Int64, String)])
    func decimalString(nanos: Int64, text: String) {
        #expect(Money(nanos: nanos).decimalString == text)
    }

    @Test(
        "People read dollars with at least two decimals and nothing hidden",
        arguments: [
            (12_500_000_000, "$12.50"),
            (678_700, "$0.0006787"),
            (-3 * dollar, "-$3.00"),
            (0, "$0.00"),
            (1, "$0.000000001"),
            (-1, "-$0.000000001"),
            (12_345_000_000, "$12.345"),
            (10_000_000, "$0.01"),
            (1_000 * dollar, "$1000.00"),
            (Int64.max, "$9223372036.854775807"),
        ] as [(Int64, String)])
    func displayString(nanos: Int64, text: String) {
        #expect(Money(nanos: nanos).displayString == text)
        #expect(Money(nanos: nanos).description == text)
    }

    @Test("Whole-dollar and whole-cent initializers")
    func initializers() {
        #expect(Money(dollars: 5).nanos == 5_000_000_000)
        #expect(Money(cents: 1_250).nanos == 12_500_000_000)
        #expect(Money(cents: -1).nanos == -10_000_000)
        #expect(Money.zero.nanos == 0)
    }

    /// Values that stress printing: every power of ten, its neighbours, and the Int64 edges.
    static var edgeValues: [Int64] {
        var values: [Int64] = [0, 1, -1, Int64.max, Int64.max - 1, Int64.min + 1]
        var power: Int64 = 1
        for _ in 0..<18 {
            power *= 10
            values += [power, power - 1, power + 1, -power, -(power - 1), -(power + 1)]
        }
        return values
    }

    @Test("Printing then parsing gives back the same amount (edges and seeded random values)")
    func parsePrintRoundTrip() throws {
        var generator = SplitMix64(seed: 0x70CE_11ED)
        var values = Self.edgeValues
        for _ in 0..<2_000 {
            let raw = Int64(bitPattern: generator.next())
            // Keep Int64.min out: it is covered by the disabled bug test above.
            values.append(raw == .min ? .max : raw)
            // And small amounts, where most real money lives.
            values.append(Int64.random(in: -100 * dollar...100 * dollar, using: &generator))
        }
        for nanos in values {
            let money = Money(nanos: nanos)
            #expect(try Money(parsing: money.decimalString) == money, "decimalString of \(nanos)")
            #expect(try Money(parsing: money.displayString) == money, "displayString of \(nanos)")
        }
    }
}

@Suite("Money: arithmetic")
struct MoneyArithmeticTests {
    @Test("adding() returns the sum, or nil when it leaves the Int64 range")
    func checkedAdding() {
        #expect(Money(nanos: 2).adding(Money(nanos: 3)) == Money(nanos: 5))
        #expect(Money(nanos: .max - 1).adding(Money(nanos: 1)) == Money(nanos: .max))
        #expect(Money(nanos: .max).adding(Money(nanos: 1)) == nil)
        #expect(Money(nanos: .max).adding(Money(nanos: .max)) == nil)
        #expect(Money(nanos: .min).adding(Money(nanos: -1)) == nil)
        #expect(Money(nanos: .min).adding(Money(nanos: .max)) == Money(nanos: -1))
    }

    @Test("Operators and ordering")
    func operators() {
        var amount = Money(dollars: 10)
        amount += Money(dollars: 5)
        amount -= Money(cents: 1)
        #expect(amount == Money(cents: 1_499))
        #expect(Money(dollars: 1) + Money(dollars: 2) == Money(dollars: 3))
        #expect(Money(dollars: 1) - Money(dollars: 2) == Money(dollars: -1))
        #expect(-Money(dollars: 4) == Money(dollars: -4))
        #expect(Money(nanos: -1) < .zero)
        #expect([Money(dollars: 3), Money(nanos: -5), .zero].sorted() == [Money(nanos: -5), .zero, Money(dollars: 3)])
    }

    @Test(
        "Whole cents",
        arguments: [
            (12_500_000_000, true), (0, true), (-5 * dollar, true), (10_000_000, true), (-10_000_000, true),
            (1_000_000, false), (1, false), (-1, false), (12_345_000_000, false), (Int64.max, false),
        ] as [(Int64, Bool)])
    func isWholeCents(nanos: Int64, whole: Bool) {
        #expect(Money(nanos: nanos).isWholeCents == whole)
    }

    @Test()
    func trimsWindowsLineEndings() throws {
        #expect("12.50\r\n".trimmingASCIIWhitespace() == "12.50")
        #expect("\r\n 12.50".trimmingASCIIWhitespace() == "12.50")
        #expect(try Money(parsing: "12.50\r\n") == Money(cents: 1_250))
        #expect(try Timestamp(parsing: "2026-10-05T12:00:00Z\r\n").iso8601 == "2026-10-05T12:00:00Z")
    }

    @Test("Trimming ASCII whitespace keeps inner spaces")
    func trimming() {
        #expect(" \t a b \r \n".trimmingASCIIWhitespace() == "a b")
        #expect("\n\r\ta\tb\r".trimmingASCIIWhitespace() == "a\tb")
        #expect("   ".trimmingASCIIWhitespace() == "")
        #expect("x".trimmingASCIIWhitespace() == "x")
    }
}
