/// Why a correction (`adjust`, `refund` or `reverse`) is refused, in check order. The three
/// corrections share it, as settle and void share ``ReservationCloseRefusal``: each refuses the
/// cases that apply to it, in this order. A reversal of a charge that was never recorded throws
/// ``ChargeLookupRefusal/unknownCharge(_:)``, as `charges show` does.
public enum CorrectionRefusal: Refusal, Equatable {
    /// An adjustment of zero, or a refund of zero or less.
    case amountNotPositive(Money)
    /// An adjustment past ±``Credits/ceiling``.
    case aboveMaximum(Money)
    /// The reason is missing (an adjustment needs one), empty, too long or holds a NUL.
    case invalidReason(String)
    case invalidID(String)
    /// The id was used by another operation, or by this kind of correction with other content.
    case idConflict(String)
    case unknownAccount(String)
    /// No purchase was recorded under the id (recharges are refunded by adjustments).
    case unknownPurchase(String)
    /// The correction is dated before the purchase or charge it corrects.
    case beforeOriginal(at: Timestamp, original: Timestamp)
    /// The charge cost nothing: there is nothing to give back.
    case nothingToReverse(String)
    /// The charge was already reversed (by the correction `by`).
    case alreadyReversed(charge: String, by: String)
    /// A refund of more than the purchase's lot still holds (nothing when it is spent or expired).
    case refundExceedsRemaining(requested: Money, remaining: Money)
    /// A debit past the balance, less open holds, plus the overdraft allowance.
    case insufficientBalance(amount: Money, available: Money)
    case balanceOverflow
    /// The ledger's total credit given by corrections would pass ``LedgerTotals/limit``.
    case ledgerTotalLimit

    public var code: String {
        switch self {
        case .amountNotPositive: "amount_not_positive"
        case .aboveMaximum: "above_maximum"
        case .invalidReason: "invalid_reason"
        case .invalidID: "invalid_id"
        case .idConflict: "id_conflict"
        case .unknownAccount: "unknown_account"
        case .unknownPurchase: "unknown_purchase"
        case .beforeOriginal: "before_original"
        case .nothingToReverse: "nothing_to_reverse"
        case .alreadyReversed: "already_reversed"
        case .refundExceedsRemaining: "refund_exceeds_remaining"
        case .insufficientBalance: "insufficient_balance"
        case .balanceOverflow: "balance_overflow"
        case .ledgerTotalLimit: "ledger_total_limit"
        }
    }

    public var message: String {
        switch self {
        case .amountNotPositive(let amount): "a correction must move money: the amount must not be zero, and a refund must be positive (got \(amount))"
        case .aboveMaximum(let amount): "\(amount) is beyond the largest adjustment of ±\(Credits.ceiling)"
        case .invalidReason(let problem): "invalid reason: \(problem)"
        case .invalidID(let reason): "invalid id: \(reason)"
        case .idConflict(let id): "the id '\(id)' was already used for a different operation"
        case .unknownAccount(let name): "no account named '\(name)'"
        case .unknownPurchase(let id): "no purchase was recorded under the id '\(id)'"
        case .beforeOriginal(let at, let original): "the correction at \(at) is dated before what it corrects (\(original))"
        case .nothingToReverse(let id): "the charge '\(id)' cost nothing: there is nothing to reverse"
        case .alreadyReversed(let charge, let by): "the charge '\(charge)' was already reversed (by '\(by)')"
        case .refundExceedsRemaining(let requested, let remaining):
            remaining.nanos == 0
                ? "nothing of the purchase remains to refund (spent or expired)"
                : "the refund of \(requested) exceeds the \(remaining) that remains of the purchase"
        case .insufficientBalance(let amount, let available):
            "the debit of \(amount) exceeds the available balance of \(available) (balance − open holds + overdraft allowance)"
        case .balanceOverflow: "the balance would exceed what the ledger can hold"
        case .ledgerTotalLimit: LedgerTotals.refusalMessage(.adjustments)
        }
    }

    public var isBadInput: Bool {
        switch self {
        case .amountNotPositive, .invalidReason, .invalidID: true
        default: false
        }
    }

    /// The longest reason accepted, in Unicode scalars.
    public static let maximumReasonLength = 256

    /// The problem with a reason, if any: empty, too long, or holding a NUL.
    public static func reasonProblem(_ reason: String) -> String? {
        Names.problem(reason, maximumLength: maximumReasonLength).map { "the reason " + $0 }
    }

    /// The checks of an adjustment that need no database, in order.
    public static func check(_ request: AdjustmentRequest) -> CorrectionRefusal? {
        if request.amount.nanos == 0 { return .amountNotPositive(request.amount) }
        if request.amount.nanos.magnitude > Credits.ceiling.nanos.magnitude { return .aboveMaximum(request.amount) }
        if let problem = reasonProblem(request.reason) { return .invalidReason(problem) }
        return nil
    }

    /// The checks of a refund that need no database.
    public static func check(_ request: RefundRequest) -> CorrectionRefusal? {
        if let amount = request.amount, amount.nanos <= 0 { return .amountNotPositive(amount) }
        return nil
    }

    /// The checks of a reversal that need no database.
    public static func check(_ request: ReversalRequest) -> CorrectionRefusal? {
        if let reason = request.reason, let problem = reasonProblem(reason) { return .invalidReason(problem) }
        return nil
    }
}
