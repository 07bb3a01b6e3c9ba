/// An account's auto-recharge settings: recharge when the balance falls below `threshold`, by
/// enough to bring it back to `restoreTo`, and at most `monthlyCap` per calendar month.
///
/// One rule for every caller: the ledger applies ``rechargeAmount(balance:rechargedThisMonth:maximumPurchase:)``
/// after each recorded charge, and the simulator applies the same function to a trace in memory,
/// so a simulated policy recharges exactly as the ledger would.
///
/// ```swift
/// let policy = try AutoRechargePolicy(threshold: Money(dollars: 10), restoreTo: Money(dollars: 50),
///                                     maximumPurchase: Credits.defaultMaximumPurchase)
/// policy.rechargeAmount(balance: Money(cents: 850), rechargedThisMonth: .zero,
///                       maximumPurchase: Credits.defaultMaximumPurchase)   // $41.50
/// ```
public struct AutoRechargePolicy: Hashable, Sendable, CustomStringConvertible {
    /// Recharge when the balance is below this (strictly).
    public let threshold: Money
    /// The balance a recharge brings back (rounded up to a whole cent, at least $5.00).
    public let restoreTo: Money
    /// The most that recharges may add in one calendar month (UTC); no cap when nil.
    public let monthlyCap: Money?

    /// A policy, checked against the account's purchase maximum.
    ///
    /// Refuses (``AutoRechargeRefusal``, in this order): a threshold that is not positive, a
    /// restore-to that is not above the threshold, a restore-to above the purchase maximum (a
    /// recharge from zero could never restore it), a monthly cap that is not positive or not
    /// whole cents.
    public init(threshold: Money, restoreTo: Money, monthlyCap: Money? = nil, maximumPurchase: Money) throws(AutoRechargeRefusal) {
        if let refusal = AutoRechargeRefusal.check(
            threshold: threshold, restoreTo: restoreTo, monthlyCap: monthlyCap, maximumPurchase: maximumPurchase)
        {
            throw refusal
        }
        self.threshold = threshold
        self.restoreTo = restoreTo
        self.monthlyCap = monthlyCap
    }

    /// What to recharge after a charge left the account at `balance`, or nil for no recharge.
    ///
    /// DOMAIN.md: when the balance is below the threshold, `restoreTo − balance` rounded **up**
    /// to a whole cent, at least $5.00, at most `maximumPurchase`; with a monthly cap, at most
    /// what the cap leaves after `rechargedThisMonth` (the recharges that succeeded this calendar
    /// month), and none when that is below $5.00. The result is whole cents, from $5.00 to
    /// `maximumPurchase` (a whole-cents amount of at least $5.00, as every account's is).
    @inline(__always)
    public func rechargeAmount(balance: Money, rechargedThisMonth: Money, maximumPurchase: Money) -> Money? {
        guard balance < threshold else { return nil }
        // restoreTo > threshold > balance, so the difference is positive; a balance so far below
        // zero that it overflows needs more than any purchase can give.
        let (needed, overflow) = restoreTo.nanos.subtractingReportingOverflow(balance.nanos)
        var amount = overflow ? maximumPurchase.nanos : Rounding.up(min(needed, maximumPurchase.nanos), toMultipleOf: Money.nanosPerCent)
        amount = max(amount, Credits.minimumPurchase.nanos)
        amount = min(amount, maximumPurchase.nanos)
        if let monthlyCap {
            let left = monthlyCap.nanos - rechargedThisMonth.nanos
            guard left >= Credits.minimumPurchase.nanos else { return nil }
            amount = min(amount, left)
        }
        return Money(nanos: amount)
    }

    public var description: String {
        "below \(threshold) restore to \(restoreTo)" + (monthlyCap.map { ", at most \($0) a month" } ?? "")
    }
}

/// Why auto-recharge settings are refused, in check order.
public enum AutoRechargeRefusal: Refusal, Equatable {
    case thresholdNotPositive(Money)
    case restoreToNotAboveThreshold(threshold: Money, restoreTo: Money)
    case restoreToAboveMaximumPurchase(restoreTo: Money, maximumPurchase: Money)
    case invalidMonthlyCap(Money)

    public var code: String {
        switch self {
        case .thresholdNotPositive: "threshold_not_positive"
        case .restoreToNotAboveThreshold: "restore_to_not_above_threshold"
        case .restoreToAboveMaximumPurchase: "restore_to_above_maximum"
        case .invalidMonthlyCap: "invalid_monthly_cap"
        }
    }

    public var message: String {
        switch self {
        case .thresholdNotPositive(let threshold): "the recharge threshold must be positive (got \(threshold))"
        case .restoreToNotAboveThreshold(let threshold, let restoreTo):
            "restore-to \(restoreTo) must be above the threshold \(threshold)"
        case .restoreToAboveMaximumPurchase(let restoreTo, let maximum):
            "restore-to \(restoreTo) is above the account's maximum purchase of \(maximum)"
        case .invalidMonthlyCap(let cap): "the monthly recharge cap must be positive and whole cents (got \(cap))"
        }
    }

    /// Settings are typed by people: every refusal is bad input.
    public var isBadInput: Bool { true }

    /// The first problem with the settings, if any, in check order.
    public static func check(threshold: Money, restoreTo: Money, monthlyCap: Money?, maximumPurchase: Money) -> AutoRechargeRefusal? {
        if threshold.nanos <= 0 { return .thresholdNotPositive(threshold) }
        if restoreTo <= threshold { return .restoreToNotAboveThreshold(threshold: threshold, restoreTo: restoreTo) }
        if restoreTo > maximumPurchase { return .restoreToAboveMaximumPurchase(restoreTo: restoreTo, maximumPurchase: maximumPurchase) }
        if let monthlyCap, monthlyCap.nanos <= 0 || !monthlyCap.isWholeCents { return .invalidMonthlyCap(monthlyCap) }
        return nil
    }
}
