/// The one rounding rule of TokenLedger: exact integer division rounded half to even.
///
/// Costs are computed exactly in units of 1e-15 USD (tokens × nanodollars per million tokens)
/// and rounded once per charge to nanodollars with this function; derived prices (flex and
/// batch at half of default) are rounded with it too. Nothing else rounds money.
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
}
