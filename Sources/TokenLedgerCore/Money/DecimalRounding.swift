/// Why decimal text could not be turned into a rounded scaled integer.
public enum DecimalRoundingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text is empty (or only white space).
    case empty
    /// The text is not a decimal number (`abc`, `1.2.3`, `1e`, `NaN`, or longer than the limit).
    case malformed(String)
    /// The number is below zero; only amounts that cannot be negative are read this way.
    case negative(String)
    /// The number, scaled and rounded, does not fit in `Int64`.
    case outOfRange(String)

    public var description: String {
        switch self {
        case .empty: "a number is required"
        case .malformed(let text): "'\(text)' is not a decimal number (examples: 0.000015, 2.5e-06)"
        case .negative(let text): "'\(text)' is negative"
        case .outOfRange(let text): "'\(text)' is too large"
        }
    }
}

extension DecimalText {
    /// The longest text ``scaledIntegerRoundedHalfToEven(_:scale:)`` reads, in UTF-8 bytes.
    public static let maximumRoundedTextLength = 256

    /// Reads `text` as a non-negative decimal number multiplied by 10^`scale`, rounded to an
    /// integer half to even (with ``Rounding/halfToEven(_:dividedBy:)``) when the text is more
    /// precise than `scale` decimals. Exact: the digits are read as a decimal, never through
    /// floating point, and every digit takes part in the rounding.
    ///
    /// LiteLLM's catalog gives prices in USD per token; at scale 15 they become nanodollars per
    /// million tokens:
    /// ```swift
    /// try DecimalText.scaledIntegerRoundedHalfToEven("2.5e-06", scale: 15)                 // 2_500_000_000
    /// try DecimalText.scaledIntegerRoundedHalfToEven("1.6666666666666667e-07", scale: 15)  // 166_666_667
    /// ```
    /// Accepts an optional sign, digits with an optional fraction (`.5` and `5.` too) and an
    /// optional exponent (`e-06`, `E+2`); no `$`, no thousands separators. `-0` is zero.
    /// Throws ``DecimalRoundingError``: `.empty`, `.malformed`, `.negative` for a number below
    /// zero, `.outOfRange` when the rounded result exceeds `Int64.max`.
    public static func scaledIntegerRoundedHalfToEven(_ text: String, scale: Int) throws(DecimalRoundingError) -> Int64 {
        precondition((0...36).contains(scale), "the scale must be between 0 and 36")
        let trimmed = text.trimmingASCIIWhitespace()
        guard !trimmed.isEmpty else { throw .empty }
        guard trimmed.utf8.count <= maximumRoundedTextLength else { throw .malformed(text) }
        guard let number = DecimalNumber(parsing: Array(trimmed.utf8)) else { throw .malformed(text) }
        let digits = number.significantDigits
        if digits.isEmpty { return 0 }
        if number.negative { throw .negative(text) }
        // value = digits × 10^(exponent + scale): at most 19 integer digits can fit in Int64.
        let shift = number.exponent + scale
        guard digits.count + shift <= 19 else { throw .outOfRange(text) }
        let rounded: Int128
        if shift >= 0 {
            rounded = integer(digits) * power10(shift)
        } else {
            rounded = roundedDroppingDigits(digits, count: -shift)
        }
        guard let result = Int64(exactly: rounded) else { throw .outOfRange(text) }
        return result
    }

    /// `digits` with the last `count` of them dropped, rounded half to even. Only the first
    /// dropped digit and whether any later one is nonzero decide the rounding, so the dropped
    /// part is replaced by those two, exactly, however many digits it has.
    private static func roundedDroppingDigits(_ digits: [UInt8], count: Int) -> Int128 {
        let keptCount = digits.count - count
        let kept = keptCount > 0 ? integer(digits[..<keptCount]) : 0
        let firstDropped: Int128
        let restNonzero: Bool
        if keptCount >= 0 {
            firstDropped = Int128(digits[keptCount])
            restNonzero = digits[(keptCount + 1)...].contains { $0 != 0 }
        } else {
            // Every significant digit lies below the first dropped place, which holds a zero.
            firstDropped = 0
            restNonzero = true
        }
        let numerator = kept * 100 + firstDropped * 10 + (restNonzero ? 1 : 0)
        return Rounding.halfToEven(numerator, dividedBy: 100)
    }

    /// The integer the decimal digits spell; at most 19 digits (the caller checks).
    private static func integer(_ digits: some Collection<UInt8>) -> Int128 {
        digits.reduce(Int128(0)) { $0 * 10 + Int128($1) }
    }

    private static func power10(_ exponent: Int) -> Int128 {
        (0..<exponent).reduce(Int128(1)) { result, _ in result * 10 }
    }
}

/// A decimal number as read from text: `significantDigits` × 10^`exponent`, with its sign.
private struct DecimalNumber {
    /// The digits without leading zeros; empty for zero.
    var significantDigits: [UInt8]
    var exponent: Int
    var negative: Bool

    /// Exponents beyond this many decimal places are out of any range we read.
    static let maximumExponentMagnitude = 100_000

    /// Reads `[+-] digits [. digits] [(e|E) [+-] digits]` with at least one mantissa digit.
    init?(parsing bytes: [UInt8]) {
        var index = 0
        negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        var digits: [UInt8] = []
        var fractionDigits = 0
        var seenDot = false
        while index < bytes.count, bytes[index] != UInt8(ascii: "e"), bytes[index] != UInt8(ascii: "E") {
            let byte = bytes[index]
            if byte == UInt8(ascii: ".") {
                guard !seenDot else { return nil }
                seenDot = true
            } else {
                guard let digit = DecimalNumber.digit(byte) else { return nil }
                digits.append(digit)
                if seenDot { fractionDigits += 1 }
            }
            index += 1
        }
        guard !digits.isEmpty else { return nil }
        var exponent = 0
        if index < bytes.count {
            guard let parsed = DecimalNumber.exponent(bytes[(index + 1)...]) else { return nil }
            exponent = parsed
        }
        significantDigits = Array(digits.drop { $0 == 0 })
        self.exponent = exponent - fractionDigits
    }

    /// The exponent after `e`: an optional sign and at least one digit, bounded.
    private static func exponent(_ bytes: ArraySlice<UInt8>) -> Int? {
        var rest = bytes
        var negative = false
        if let first = rest.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            rest = rest.dropFirst()
        }
        guard !rest.isEmpty else { return nil }
        var value = 0
        for byte in rest {
            guard let digit = digit(byte) else { return nil }
            // Beyond the bound the number is zero or far out of range either way.
            value = min(value * 10 + Int(digit), maximumExponentMagnitude)
        }
        return negative ? -value : value
    }

    private static func digit(_ byte: UInt8) -> UInt8? {
        guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
        return byte - UInt8(ascii: "0")
    }
}
