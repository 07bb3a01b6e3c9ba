/// What an accepted correction records: one `adjustment` transfer between the account and
/// `@adjustments`, decided by ``Corrections`` and applied by a store as it is.
///
/// A debit (an adjustment below zero, a refund) takes from lots (`draws`) and leaves what no lot
/// paid as overdraft (`uncovered`). A credit (an adjustment above zero, a reversal) first repays
/// overdraft owed (`repaid`), then gives credit back to existing lots (`returns`: a reversal's
/// to the lots that paid the charge), and puts the rest in a new lot (`newLot`), which also
/// carries the repayment, as a purchase's lot does.
public struct CorrectionEffects: Hashable, Sendable {
    public var kind: CorrectionKind
    /// The store's key of the account corrected.
    public var accountID: Int64
    /// The transfer's amount, always positive.
    public var amount: Money
    /// True when the account is credited (from `@adjustments`), false when it is debited.
    public var credits: Bool
    public var at: Timestamp
    /// Lots expired by `at`, written off (each at its expiry) before the correction.
    public var writeOffs: [WriteOff]
    /// Debits: the lots the amount is taken from, and what none paid (overdraft).
    public var draws: [Allocation]
    public var uncovered: Money
    /// Credits: the part that repaid overdraft, what went back into existing lots, and the new lot.
    public var repaid: Money
    public var returns: [Allocation]
    public var newLot: CorrectionLot?
    /// The account's balance after the write-offs and the correction.
    public var balanceAfter: Money

    /// A signed view of the amount: positive when the account was credited.
    public var signedAmount: Money { credits ? amount : -amount }
}

/// The lot a credit correction makes for what it could not give back to existing lots: a grant
/// lot (credit given, not paid: it does not count towards the usage tier) that expires one year
/// after the correction (``Corrections/correctionLotExpiry(from:)``).
public struct CorrectionLot: Hashable, Sendable {
    /// What the lot is created with: the rest of the credit plus the part that repaid overdraft.
    public var original: Money
    /// What remains in it once overdraft is repaid.
    public var remaining: Money
    public var expiresAt: Timestamp

    public var kind: LotKind { .grant }
}

/// A purchase as a refund needs it: its lot and when it was paid.
public struct RefundedPurchase: Sendable, Hashable {
    public var reference: String
    public var account: String
    public var lotID: Int64
    public var paidAt: Timestamp

    public init(reference: String, account: String, lotID: Int64, paidAt: Timestamp) {
        self.reference = reference
        self.account = account
        self.lotID = lotID
        self.paidAt = paidAt
    }
}

/// A charge as a reversal needs it: its cost, its time, the lots that paid it, and the
/// correction that already reversed it, if any.
public struct ReversedCharge: Sendable, Hashable {
    /// The store's key of the charge's usage row.
    public var id: Int64
    public var requestID: String
    public var account: String
    public var cost: Money
    public var at: Timestamp
    /// The lots that paid it, in the order they were drawn; what they do not add up to was overdraft.
    public var draws: [Allocation]
    /// The id of the correction that reversed it, if one did.
    public var reversedBy: String?

    public init(id: Int64, requestID: String, account: String, cost: Money, at: Timestamp, draws: [Allocation], reversedBy: String?) {
        self.id = id
        self.requestID = requestID
        self.account = account
        self.cost = cost
        self.at = at
        self.draws = draws
        self.reversedBy = reversedBy
    }
}
