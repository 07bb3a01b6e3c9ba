import Testing
import TokenLedgerCore

@Suite("Rounding: half to even")
struct RoundingTests {
    @Test(
        "Ties go to the even neighbour, for both signs",
        arguments: [
            (1, 2, 0), (3, 2, 2), (5, 2, 2), (7, 2, 4), (9, 2, 4),
            (-1, 2, 0), (-3, 2, -2), (-5, 2, -2), (-7, 2, -4), (-9, 2, -4),
            (6, 4, 2), (10, 4, 2), (14, 4, 4), (-6, 4, -2), (-10, 4, -2), (-14, 4, -4),
            // Femtodollars to nanodollars.
            (500_000, 1_000_000, 0), (1_500_000, 1_000_000, 2), (2_500_000, 1_000_000, 2),
            (3_500_000, 1_000_000, 4), (-2_500_000, 1_000_000, -2), (-3_500_000, 1_000_000, -4),
        ] as [(Int128, Int128, Int128)])
    func ties(numerator: Int128, divisor: Int128, expected: Int128) {
        #expect(Rounding.halfToEven(numerator, dividedBy: divisor) == expected)
    }

    @Test(
        "Non-ties go to the nearest integer; exact quotients are unchanged",
        arguments: [
            (0, 3, 0), (9, 3, 3), (-9, 3, -3), (7, 1, 7), (-7, 1, -7),
            (5, 4, 1), (7, 4, 2), (-5, 4, -1), (-7, 4, -2),
            (1, 3, 0), (2, 3, 1), (-1, 3, 0), (-2, 3, -1),
            (499_999, 1_000_000, 0), (500_001, 1_000_000, 1), (-500_001, 1_000_000, -1),
            (2_499_999, 1_000_000, 2), (2_500_001, 1_000_000, 3),
        ] as [(Int128, Int128, Int128)])
    func nonTies(numerator: Int128, divisor: Int128, expected: Int128) {
        #expect(Rounding.halfToEven(numerator, dividedBy: divisor) == expected)
    }

    @Test("Large Int128 values round exactly")
    func largeValues() {
        let twoTo126: Int128 = 1 << 126
        #expect(Rounding.halfToEven(.max, dividedBy: 1) == .max)
        #expect(Rounding.halfToEven(.min, dividedBy: 1) == .min)
        // (2^127 − 1) / 2 = 2^126 − 0.5: a tie between 2^126 − 1 (odd) and 2^126 (even).
        #expect(Rounding.halfToEven(.max, dividedBy: 2) == twoTo126)
        #expect(Rounding.halfToEven(.min, dividedBy: 2) == -twoTo126)
        #expect(Rounding.halfToEven(.min + 1, dividedBy: 2) == -twoTo126)
        #expect(Rounding.halfToEven(.max, dividedBy: .max) == 1)
        #expect(Rounding.halfToEven(.max - 1, dividedBy: .max) == 1)
        #expect(Rounding.halfToEven(.max / 2, dividedBy: .max) == 0)  // just below one half
        #expect(Rounding.halfToEven(.min, dividedBy: .max) == -1)
        let aBillionBillion: Int128 = 1_000_000_000_000_000_000
        let femtos = aBillionBillion * 1_000_000_000_000  // 1e30
        #expect(Rounding.halfToEven(femtos + 500_000, dividedBy: 1_000_000) == femtos / 1_000_000)
        #expect(Rounding.halfToEven(femtos + 1_500_000, dividedBy: 1_000_000) == femtos / 1_000_000 + 2)
        #expect(Rounding.halfToEven(-(femtos + 1_500_000), dividedBy: 1_000_000) == -(femtos / 1_000_000 + 2))
    }

    @Test("The result is the nearest integer, ties even (seeded random property)")
    func nearestProperty() {
        var generator = SplitMix64(seed: 0x0123_4567)
        for _ in 0..<5_000 {
            let high = Int128(Int64(bitPattern: generator.next()))
            let numerator = high << Int128(generator.next() % 60) | Int128(generator.next() >> 1)
            let divisor = Int128(generator.next() % 2_000_000) + 1
            let result = Rounding.halfToEven(numerator, dividedBy: divisor)
            let twiceError = (numerator - result * divisor).magnitude * 2
            #expect(twiceError <= divisor.magnitude, "\(numerator) / \(divisor) gave \(result)")
            if twiceError == divisor.magnitude {
                #expect(result % 2 == 0, "tie \(numerator) / \(divisor) gave odd \(result)")
            }
        }
    }
}
