/// An exact amount of US dollars, counted in whole nanodollars (1e-9 USD).
///
/// Every amount on a money path is a `Money`: balances, costs, purchases, limits. It is an
/// `Int64` underneath, so it holds about ±9.2 billion dollars exactly; arithmetic that could
/// leave that range goes through the checked operations, never through floating point.
///
/// ```swift
/// let price = try Money(parsing: "$12.50")   // 12_500_000_000 nanodollars
/// price.decimalString                        // "12.500000000"
/// ```
public struct Money: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The amount in nanodollars.
    public var nanos: Int64

    /// Nanodollars in one dollar.
    public static let nanosPerDollar: Int64 = 1_000_000_000
    /// Nanodollars in one cent.
    public static let nanosPerCent: Int64 = 10_000_000
    public static let zero = Money(nanos: 0)

    public init(nanos: Int64) { self.nanos = nanos }

    /// Whole dollars; traps when out of range (a programmer error for literals).
    public init(dollars: Int64) { self.nanos = dollars * Money.nanosPerDollar }

    /// Whole cents; traps when out of range.
    public init(cents: Int64) { self.nanos = cents * Money.nanosPerCent }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.nanos < rhs.nanos }
    public static func + (lhs: Money, rhs: Money) -> Money { Money(nanos: lhs.nanos + rhs.nanos) }
    public static func - (lhs: Money, rhs: Money) -> Money { Money(nanos: lhs.nanos - rhs.nanos) }
    public static prefix func - (value: Money) -> Money { Money(nanos: -value.nanos) }
    public static func += (lhs: inout Money, rhs: Money) { lhs.nanos += rhs.nanos }
    public static func -= (lhs: inout Money, rhs: Money) { lhs.nanos -= rhs.nanos }

    /// The sum, or nil when it would leave the `Int64` range.
    public func adding(_ other: Money) -> Money? {
        let (sum, overflow) = nanos.addingReportingOverflow(other.nanos)
        return overflow ? nil : Money(nanos: sum)
    }

    /// Whether the amount is a whole number of cents (card payments must be).
    public var isWholeCents: Bool { nanos % Money.nanosPerCent == 0 }

    /// The exact decimal string of dollars with nine decimals, as machine output carries it:
    /// `"0.000678700"`, `"-3.000000000"`.
    public var decimalString: String {
        let magnitude = nanos.magnitude
        let whole = magnitude / UInt64(Money.nanosPerDollar)
        let fraction = magnitude % UInt64(Money.nanosPerDollar)
        let digits = String(fraction)
        let padded = String(repeating: "0", count: 9 - digits.count) + digits
        return (nanos < 0 ? "-" : "") + "\(whole).\(padded)"
    }

    /// The amount as people read it: dollars with at least two decimals and no trailing zeros
    /// beyond them, so nothing is hidden: `$12.50`, `$0.0006787`, `-$3.00`.
    public var displayString: String {
        var text = decimalString
        while text.hasSuffix("0"), let dot = text.firstIndex(of: "."), text.distance(from: dot, to: text.endIndex) > 3 {
            text.removeLast()
        }
        if text.hasPrefix("-") {
            text.removeFirst()
            return "-$" + text
        }
        return "$" + text
    }

    public var description: String { displayString }
}

/// Why a typed amount of money could not be read.
public enum MoneyParseError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case malformed(String)
    case tooPrecise(String, maximumDecimals: Int)
    case outOfRange(String)

    public var description: String {
        switch self {
        case .empty: "an amount is required"
        case .malformed(let text): "'\(text)' is not an amount of dollars (examples: 12, 12.5, $12.50, 0.000001234)"
        case .tooPrecise(let text, let maximum):
            "'\(text)' has more than \(maximum) decimal places"
        case .outOfRange(let text): "'\(text)' is too large"
        }
    }
}

extension Money {
    /// Reads an amount of dollars as people type it: `12`, `12.5`, `$12.50`, `0.000001234`,
    /// `-4`, `1,000.00`. Exact: the text is read as a decimal, never through floating point.
    ///
    /// Throws ``MoneyParseError`` for anything else, or for more than nine decimal places.
    public init(parsing text: String) throws(MoneyParseError) {
        let nanos = try DecimalText.scaledInteger(text, scale: 9, allowDollarSign: true)
        guard let value = Int64(exactly: nanos) else { throw .outOfRange(text) }
        self.init(nanos: value)
    }
}

/// Exact reading of decimal text into a scaled integer. The one place numbers typed by people
/// or found in files become integers; no floating point is involved.
public enum DecimalText {
    /// Reads `text` as a decimal number multiplied by 10^`scale`, exactly.
    ///
    /// Accepts an optional sign, an optional `$` (when allowed), digits with optional `,`
    /// thousands separators, an optional fraction and an optional exponent (`2.5e-06`).
    /// Throws when the result has more precision than `scale` decimals or exceeds `Int64`.
    public static func scaledInteger(
        _ text: String, scale: Int, allowDollarSign: Bool = false
    ) throws(MoneyParseError) -> Int64 {
        let trimmed = text.trimmingASCIIWhitespace()
        guard !trimmed.isEmpty else { throw .empty }
        guard trimmed.utf8.count <= 64 else { throw .malformed(text) }
        var bytes = Array(trimmed.utf8)[...]
        var negative = false
        if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        if allowDollarSign, bytes.first == UInt8(ascii: "$") { bytes = bytes.dropFirst() }
        var digits: [UInt8] = []
        var fractionDigits = 0
        var seenDot = false
        var exponent = 0
        // Thousands separators: 1 to 3 digits before the first comma, exactly 3 after each.
        var sawComma = false
        var groupDigits = 0
        func groupingIsValid() -> Bool { !sawComma || groupDigits == 3 }
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits.append(byte - UInt8(ascii: "0"))
                if seenDot { fractionDigits += 1 } else { groupDigits += 1 }
            case UInt8(ascii: "."):
                guard !seenDot, groupingIsValid() else { throw .malformed(text) }
                seenDot = true
            case UInt8(ascii: ","):
                guard !seenDot, sawComma ? groupDigits == 3 : (1...3).contains(groupDigits) else { throw .malformed(text) }
                sawComma = true
                groupDigits = 0
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                guard !digits.isEmpty, seenDot || groupingIsValid() else { throw .malformed(text) }
                exponent = try parseExponent(bytes[(index + 1)...], original: text)
                index = bytes.endIndex
                continue
            default:
                throw .malformed(text)
            }
            index += 1
        }
        guard !digits.isEmpty, seenDot || groupingIsValid() else { throw .malformed(text) }
        if digits.allSatisfy({ $0 == 0 }) { return 0 }
        // value = digits × 10^(exponent − fractionDigits); we want value × 10^scale.
        let shift = exponent - fractionDigits + scale
        while digits.count > 1, digits.first == 0 { digits.removeFirst() }
        var significant = digits
        var power = shift
        if power < 0 {
            // Dropping digits is only allowed when they are zeros.
            for _ in 0..<(-power) {
                guard let last = significant.last else { break }
                guard last == 0 else { throw .tooPrecise(text, maximumDecimals: scale) }
                significant.removeLast()
            }
            if significant.isEmpty { significant = [0] }
            power = 0
        }
        guard significant.count + power <= 19 else { throw .outOfRange(text) }
        var magnitude: UInt64 = 0
        for digit in significant + Array(repeating: 0, count: power) {
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit))
            guard !overflow1, !overflow2 else { throw .outOfRange(text) }
            magnitude = sum
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { throw .outOfRange(text) }
            return Int64(bitPattern: 0 &- magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { throw .outOfRange(text) }
        return Int64(magnitude)
    }

    private static func parseExponent(_ bytes: ArraySlice<UInt8>, original: String) throws(MoneyParseError) -> Int {
        var rest = bytes
        var negative = false
        if let first = rest.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            rest = rest.dropFirst()
        }
        guard !rest.isEmpty, rest.count <= 3 else { throw .malformed(original) }
        var value = 0
        for byte in rest {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { throw .malformed(original) }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return negative ? -value : value
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and line breaks.
    public func trimmingASCIIWhitespace() -> String {
        let scalars = unicodeScalars
        let isSpace: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = scalars.firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = scalars.lastIndex(where: { !isSpace($0) })!
        return String(scalars[start...end])
    }
}
