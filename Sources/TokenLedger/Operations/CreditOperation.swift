import TokenLedgerCore

/// A purchase or a grant, from request to receipt, over any ``CreditStore``: answer a retried id,
/// load the account, decide in the core (``Credits/decidePurchase(_:account:totals:)``,
/// ``Credits/decideGrant(_:account:totals:)``), and record the write-offs and the credit.
package enum CreditOperation {
    /// The checks of a purchase that need no account (amount, id), then its id: the one given
    /// or a new one. Every store runs them before its transaction.
    package static func purchaseID(_ request: PurchaseRequest) throws -> String {
        if let refusal = PurchaseRefusal.check(amount: request.amount) { throw refusal }
        if let id = request.id, let problem = Identifier.problem(id) { throw PurchaseRefusal.invalidID(problem) }
        return request.id ?? Ledger.generatedID("pur")
    }

    /// The checks of a grant that need no account (amount, expiry, id), then its id.
    package static func grantID(_ request: GrantRequest) throws -> String {
        if let refusal = GrantRefusal.check(amount: request.amount, at: request.at, expiresAt: request.expiry) { throw refusal }
        if let id = request.id, let problem = Identifier.problem(id) { throw GrantRefusal.invalidID(problem) }
        return request.id ?? Ledger.generatedID("grt")
    }

    /// Records a purchase whose amount and id passed the checks that need no account.
    package static func purchase(_ request: PurchaseRequest, id: String, store: some CreditStore) throws -> CreditReceipt {
        if let existing = try store.recordedCredit(reference: id) {
            guard existing.kind == .purchase, existing.account == request.account, existing.amount == request.amount else {
                throw PurchaseRefusal.idConflict(id)
            }
            return existing
        }
        if try store.recordedCorrection(reference: id) != nil { throw PurchaseRefusal.idConflict(id) }
        let account = try store.accountFigures(named: request.account)
        let decision = try Credits.decidePurchase(request, account: account, totals: try store.ledgerTotals())
        return try record(decision, account: account, reference: id, store: store)
    }

    /// Records a grant whose amount, expiry and id passed the checks that need no account.
    package static func grant(_ request: GrantRequest, id: String, store: some CreditStore) throws -> CreditReceipt {
        if let existing = try store.recordedCredit(reference: id) {
            guard existing.kind == .grant, existing.account == request.account, existing.amount == request.amount,
                request.expiresAt == nil || request.expiresAt == existing.expiresAt
            else { throw GrantRefusal.idConflict(id) }
            return existing
        }
        if try store.recordedCorrection(reference: id) != nil { throw GrantRefusal.idConflict(id) }
        let account = try store.accountFigures(named: request.account)
        let decision = try Credits.decideGrant(request, account: account, totals: try store.ledgerTotals())
        return try record(decision, account: account, reference: id, store: store)
    }

    private static func record(
        _ decision: (writeOffs: [WriteOff], credit: CreditEffects), account: AccountFigures?, reference: String, store: some CreditStore
    ) throws -> CreditReceipt {
        guard let account else { preconditionFailure("a credit decided without its account") }
        // After this point the operation must succeed.
        try store.recordWriteOffs(decision.writeOffs, accountID: account.id)
        try store.recordCredit(decision.credit, accountID: account.id, reference: reference)
        try store.watchBalance(accountID: account.id, at: decision.credit.at)
        let credit = decision.credit
        return CreditReceipt(
            id: reference, kind: credit.lotKind, account: account.name, amount: credit.amount, balance: credit.balanceAfter, repaid: credit.repaid,
            at: credit.at, expiresAt: credit.expiresAt, duplicate: false)
    }
}
