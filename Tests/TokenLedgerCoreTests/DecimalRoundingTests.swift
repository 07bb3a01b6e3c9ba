import Testing
import TokenLedgerCore

@Suite("Decimal text to a scaled integer, rounded half to even")
struct DecimalRoundingTests {
    @Test(
        "LiteLLM's USD-per-token numbers become nanodollars per million tokens (scale 15)",
        arguments: [
            ("2.5e-06", 2_500_000_000),  // gpt-4o input, $2.50 per million
            ("0.000015", 15_000_000_000),
            ("1e-05", 10_000_000_000),
            ("1.25E-7", 125_000_000),
            ("8.75e-07", 875_000_000),
            ("1.3e-10", 130_000),  // the catalog's smallest nonzero price
            ("0.01", 10_000_000_000_000),  // $10,000 per million, the highest price a ledger takes
            ("0", 0),
            ("0.0", 0),
            ("-0", 0),
            ("0e-7", 0),
            // More precise than 1e-15 USD: rounded once, half to even.
            ("1.6666666666666667e-07", 166_666_667),
            ("3.2857142857142855e-08", 32_857_143),
            ("5.0000000000000004e-08", 50_000_000),
            ("1.0000000000000001e-07", 100_000_000),
        ] as [(String, Int64)])
    func perToken(text: String, expected: Int64) throws {
        #expect(try DecimalText.scaledIntegerRoundedHalfToEven(text, scale: 15) == expected)
    }

    @Test(
        "Forms of decimal text at other scales",
        arguments: [
            ("12", 0, 12), ("+7", 0, 7), (".5", 1, 5), ("5.", 0, 5), ("1.5e+2", 0, 150), ("1.5E2", 0, 150),
            ("000012.50", 2, 1_250), ("  42  ", 0, 42), ("1e0", 3, 1_000), ("123.456", 3, 123_456),
        ] as [(String, Int, Int64)])
    func forms(text: String, scale: Int, expected: Int64) throws {
        #expect(try DecimalText.scaledIntegerRoundedHalfToEven(text, scale: scale) == expected)
    }

    @Test(
        "Ties go to the even neighbour; anything past the tie, however far, rounds up",
        arguments: [
            ("0.5", 0, 0), ("1.5", 0, 2), ("2.5", 0, 2), ("3.5", 0, 4), ("2.4999999999999999999999999999", 0, 2),
            ("2.5000000000000000000000000001", 0, 3), ("2.5e-15", 15, 2), ("3.5e-15", 15, 4), ("2.5000000000000001e-15", 15, 3),
            ("5e-16", 15, 0), ("5.000001e-16", 15, 1), ("4.9999999e-16", 15, 0), ("9.5e-16", 15, 1), ("1e-30", 15, 0),
            ("1e-99999", 15, 0), ("0.000000000000000000000000000000000000000000000007", 0, 0),
        ] as [(String, Int, Int64)])
    func ties(text: String, scale: Int, expected: Int64) throws {
        #expect(try DecimalText.scaledIntegerRoundedHalfToEven(text, scale: scale) == expected)
    }

    @Test("The edges of Int64")
    func edges() throws {
        #expect(try DecimalText.scaledIntegerRoundedHalfToEven("9223372036854775807", scale: 0) == .max)
        #expect(try DecimalText.scaledIntegerRoundedHalfToEven("9223372036854775807.4", scale: 0) == .max)
        #expect(try DecimalText.scaledIntegerRoundedHalfToEven("9.223372036854775807e18", scale: 0) == .max)
        #expect(try DecimalText.scaledIntegerRoundedHalfToEven("9223372036854775806.5", scale: 0) == .max - 1)
        #expect(try DecimalText.scaledIntegerRoundedHalfToEven("9223372036.854775807", scale: 9) == .max)
        for text in ["9223372036854775807.5", "9223372036854775808", "1e19", "1e400", "99999999999999999999"] {
            #expect(throws: DecimalRoundingError.outOfRange(text)) { try DecimalText.scaledIntegerRoundedHalfToEven(text, scale: 0) }
        }
        #expect(throws: DecimalRoundingError.outOfRange("0.01")) { try DecimalText.scaledIntegerRoundedHalfToEven("0.01", scale: 36) }
    }

    @Test(
        "Negatives, non-numbers and absurdly long text are refused with a clear error",
        arguments: [
            ("", DecimalRoundingError.empty), ("   ", .empty), ("-2.5e-06", .negative("-2.5e-06")), ("-1e-30", .negative("-1e-30")),
            ("abc", .malformed("abc")), ("1.2.3", .malformed("1.2.3")), ("1e", .malformed("1e")), ("e5", .malformed("e5")),
            (".", .malformed(".")), ("-", .malformed("-")), ("NaN", .malformed("NaN")), ("Infinity", .malformed("Infinity")),
            ("1,000", .malformed("1,000")), ("$1", .malformed("$1")), ("0x10", .malformed("0x10")), ("1e5.5", .malformed("1e5.5")),
            ("--1", .malformed("--1")), ("1 2", .malformed("1 2")), ("1e+-2", .malformed("1e+-2")),
            (String(repeating: "1", count: 300), .malformed(String(repeating: "1", count: 300))),
        ] as [(String, DecimalRoundingError)])
    func refusals(text: String, expected: DecimalRoundingError) {
        #expect(throws: expected) { try DecimalText.scaledIntegerRoundedHalfToEven(text, scale: 15) }
    }

    @Test("Messages say what is wrong")
    func messages() {
        #expect(DecimalRoundingError.negative("-1").description == "'-1' is negative")
        #expect(DecimalRoundingError.malformed("x").description.contains("not a decimal number"))
        #expect(DecimalRoundingError.outOfRange("1e400").description == "'1e400' is too large")
    }

    @Test("Random numbers: the text's plain and exponent forms agree with exact integer division rounded half to even")
    func randomAgreement() throws {
        var generator = SplitMix64(seed: 0x1EB7)
        for _ in 0..<5_000 {
            let significand = Int64.random(in: 1...999_999_999_999_999_999, using: &generator)
            let decimals = Int.random(in: 0...34, using: &generator)
            let scale = Int.random(in: 0...18, using: &generator)
            // significand × 10^-decimals × 10^scale
            let expected: Int128
            if scale >= decimals {
                let factor = (0..<(scale - decimals)).reduce(Int128(1)) { value, _ in value * 10 }
                expected = Int128(significand) * factor
            } else {
                let divisor = (0..<(decimals - scale)).reduce(Int128(1)) { value, _ in value * 10 }
                expected = Rounding.halfToEven(Int128(significand), dividedBy: divisor)
            }
            let exponentForm = "\(significand)e-\(decimals)"
            let plainForm = plain(significand, decimals: decimals)
            guard let fits = Int64(exactly: expected) else {
                #expect(throws: DecimalRoundingError.outOfRange(exponentForm)) {
                    try DecimalText.scaledIntegerRoundedHalfToEven(exponentForm, scale: scale)
                }
                continue
            }
            #expect(try DecimalText.scaledIntegerRoundedHalfToEven(exponentForm, scale: scale) == fits, "\(exponentForm) at scale \(scale)")
            #expect(try DecimalText.scaledIntegerRoundedHalfToEven(plainForm, scale: scale) == fits, "\(plainForm) at scale \(scale)")
        }
    }

    @Test("When no rounding is needed it agrees with the exact reader of typed amounts")
    func agreesWithExactReader() throws {
        for text in ["2.5e-06", "0.000015", "12", "1.5e+2", "0.000000001", "9223372036.854775807", "1.000000000000"] {
            #expect(try DecimalText.scaledIntegerRoundedHalfToEven(text, scale: 9) == DecimalText.scaledInteger(text, scale: 9))
        }
    }

    /// `significand` × 10^-`decimals` written without an exponent: `0.000123`, `12.5`.
    private func plain(_ significand: Int64, decimals: Int) -> String {
        let digits = String(significand)
        guard decimals > 0 else { return digits }
        if digits.count > decimals {
            return String(digits.dropLast(decimals)) + "." + String(digits.suffix(decimals))
        }
        return "0." + String(repeating: "0", count: decimals - digits.count) + digits
    }
}
