/// A card top-up to record.
public struct PurchaseRequest: Sendable {
    public var account: String
    public var amount: Money
    public var at: Timestamp
    /// The idempotency key; generated when nil.
    public var id: String?

    public init(account: String, amount: Money, at: Timestamp, id: String? = nil) {
        self.account = account
        self.amount = amount
        self.at = at
        self.id = id
    }
}

/// Free or promotional credit to record.
public struct GrantRequest: Sendable {
    public var account: String
    public var amount: Money
    public var at: Timestamp
    /// When the credit expires; one year after `at` when nil.
    public var expiresAt: Timestamp?
    public var id: String?

    public init(account: String, amount: Money, at: Timestamp, expiresAt: Timestamp? = nil, id: String? = nil) {
        self.account = account
        self.amount = amount
        self.at = at
        self.expiresAt = expiresAt
        self.id = id
    }
}

extension GrantRequest {
    /// When the credit expires: `expiresAt`, or one year after the grant.
    public var expiry: Timestamp { expiresAt ?? at.addingYears(1) }
}

extension Credits {
    /// What a purchase records on an account as it is: first the write-offs of lots expired by
    /// its time, then the credit (a purchase lot that expires a year later, repaying overdraft
    /// first). Refuses, after the checks that need no account (``PurchaseRefusal/check(amount:)``,
    /// the id), `unknown_account`, `above_maximum`, `balance_overflow` and `ledger_total_limit`
    /// (past the ledger's total payments, ``LedgerTotals``).
    public static func decidePurchase(_ request: PurchaseRequest, account: AccountFigures?, totals: LedgerTotals) throws(PurchaseRefusal) -> (
        writeOffs: [WriteOff], credit: CreditEffects
    ) {
        guard let account else { throw .unknownAccount(request.account) }
        guard request.amount <= account.maximumPurchase else { throw .aboveMaximum(amount: request.amount, maximum: account.maximumPurchase) }
        let writeOffs = writeOffs(of: account.lots, balance: account.balance, at: request.at)
        let balance = writeOffs.last?.balanceAfter ?? account.balance
        guard let credit = credit(request.amount, kind: .purchase, to: balance, at: request.at, expiresAt: purchaseExpiry(from: request.at)) else {
            throw .balanceOverflow
        }
        guard totals.admits(request.amount, to: .payments) else { throw .ledgerTotalLimit }
        return (writeOffs, credit)
    }

    /// What a grant records on an account as it is: the write-offs of lots expired by its time,
    /// then a grant lot that expires at `expiresAt` (one year after the grant by default),
    /// repaying overdraft first. Refuses `unknown_account`, `balance_overflow` and
    /// `ledger_total_limit` (past the ledger's total grants, ``LedgerTotals``).
    public static func decideGrant(_ request: GrantRequest, account: AccountFigures?, totals: LedgerTotals) throws(GrantRefusal) -> (
        writeOffs: [WriteOff], credit: CreditEffects
    ) {
        guard let account else { throw .unknownAccount(request.account) }
        let writeOffs = writeOffs(of: account.lots, balance: account.balance, at: request.at)
        let balance = writeOffs.last?.balanceAfter ?? account.balance
        guard let credit = credit(request.amount, kind: .grant, to: balance, at: request.at, expiresAt: request.expiry) else {
            throw .balanceOverflow
        }
        guard totals.admits(request.amount, to: .grants) else { throw .ledgerTotalLimit }
        return (writeOffs, credit)
    }
}
