/// The one rounding rule of TokenLedger: exact integer division rounded half to even.
///
/// Costs are computed exactly in units of 1e-15 USD (tokens × nanodollars per million tokens)
/// and rounded once per charge to nanodollars with this function; derived prices (flex and
/// batch at half of default) are rounded with it too. The only other rounding is
/// ``up(_:toMultipleOf:)``, for card payments that must cover an amount in whole cents
/// (auto-recharge); nothing else rounds money.
public enum Rounding {
    /// `numerator / divisor`, rounded to the nearest integer, ties to the even neighbour.
    ///
    /// `divisor` must be positive (a programmer error otherwise).
    /// ```swift
    /// Rounding.halfToEven(5, dividedBy: 2)   // 2
    /// Rounding.halfToEven(7, dividedBy: 2)   // 4
    /// Rounding.halfToEven(-5, dividedBy: 2)  // -2
    /// ```
    public static func halfToEven(_ numerator: Int128, dividedBy divisor: Int128) -> Int128 {
        precondition(divisor > 0, "rounding needs a positive divisor")
        // The same rule in 64 bits when both fit: 128-bit division is a slow library call, and
        // nearly every cost fits (a million tokens at $10,000 per million is 10^22 femtodollars).
        if let numerator64 = Int64(exactly: numerator), let divisor64 = Int64(exactly: divisor) {
            return Int128(halfToEven64(numerator64, dividedBy: divisor64))
        }
        var quotient = numerator / divisor
        let remainder = numerator % divisor  // same sign as numerator
        let twiceRemainder = remainder.magnitude * 2
        let divisorMagnitude = divisor.magnitude
        if twiceRemainder > divisorMagnitude
            || (twiceRemainder == divisorMagnitude && quotient % 2 != 0)
        {
            quotient += numerator < 0 ? -1 : 1
        }
        return quotient
    }

    /// `numerator / divisor` in 64 bits, rounded half to even: the rule of
    /// ``halfToEven(_:dividedBy:)``, for values that fit. `divisor` is positive.
    private static func halfToEven64(_ numerator: Int64, dividedBy divisor: Int64) -> Int64 {
        var quotient = numerator / divisor
        let remainder = numerator % divisor  // same sign as numerator
        // |remainder| < divisor <= Int64.max, so twice it fits in UInt64.
        let twiceRemainder = remainder.magnitude * 2
        let divisorMagnitude = divisor.magnitude
        if twiceRemainder > divisorMagnitude || (twiceRemainder == divisorMagnitude && quotient % 2 != 0) {
            quotient += numerator < 0 ? -1 : 1
        }
        return quotient
    }

    /// `value` rounded up (towards positive infinity) to a multiple of `step`: the smallest
    /// multiple of `step` not below `value`.
    ///
    /// Card payments are whole cents, so an auto-recharge that must bring the balance back to
    /// at least its target rounds the amount it needs up, never to the nearest cent:
    /// ```swift
    /// Rounding.up(12_345_000_001, toMultipleOf: Money.nanosPerCent)  // 12_350_000_000 ($12.35)
    /// Rounding.up(-15_000_000, toMultipleOf: Money.nanosPerCent)     // -10_000_000
    /// ```
    /// `step` must be positive and the result must fit in `Int64` (programmer errors otherwise).
    public static func up(_ value: Int64, toMultipleOf step: Int64) -> Int64 {
        precondition(step > 0, "rounding needs a positive step")
        let remainder = value % step  // same sign as value
        guard remainder > 0 else { return value - remainder }
        return value - remainder + step
    }
}
