/// What a correcting entry does. Every correction is a new `adjustment` transfer against
/// `@adjustments`; the kind says which correction it is (stored with it, shown on receipts).
public enum CorrectionKind: String, Hashable, Sendable, CaseIterable {
    /// A manual credit or debit of an account (`tokenledger adjust`).
    case adjust
    /// Unspent purchased credit taken back from a purchase's lot (`tokenledger refund`).
    case refund
    /// A charge's cost given back to the account (`tokenledger reverse`).
    case reverse
}

/// A manual correction of an account's balance: a credit (positive) or a debit (negative).
///
/// A credit makes a new grant lot that expires one year after `at`
/// (``Corrections/correctionLotExpiry(from:)``); a debit draws the account's lots in spending
/// order like a charge and may go into overdraft only within the account's allowance.
public struct AdjustmentRequest: Sendable {
    public var account: String
    /// Positive to credit the account, negative to debit it.
    public var amount: Money
    /// Why the books are corrected (required: a person reads it later).
    public var reason: String
    public var at: Timestamp
    /// The idempotency key; generated when nil.
    public var id: String?

    public init(account: String, amount: Money, reason: String, at: Timestamp, id: String? = nil) {
        self.account = account
        self.amount = amount
        self.reason = reason
        self.at = at
        self.id = id
    }
}

/// Unspent purchased credit taken back from the lot of the purchase recorded under `purchaseID`.
public struct RefundRequest: Sendable {
    /// The id the purchase was recorded under.
    public var purchaseID: String
    /// How much to take back; all that remains of the purchase's lot when nil.
    public var amount: Money?
    public var at: Timestamp
    public var id: String?

    public init(purchaseID: String, amount: Money? = nil, at: Timestamp, id: String? = nil) {
        self.purchaseID = purchaseID
        self.amount = amount
        self.at = at
        self.id = id
    }
}

/// A charge's cost given back to its account, by an entry that reverses it (the usage row stays).
public struct ReversalRequest: Sendable {
    /// The request id the charge was recorded under.
    public var chargeID: String
    public var reason: String?
    public var at: Timestamp
    public var id: String?

    public init(chargeID: String, reason: String? = nil, at: Timestamp, id: String? = nil) {
        self.chargeID = chargeID
        self.reason = reason
        self.at = at
        self.id = id
    }
}
