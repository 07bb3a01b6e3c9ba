import TokenLedgerCore

/// One charge, from request to receipt, over any ``LedgerStore``: load the snapshot, decide in
/// the core (``Charging/decide(_:usage:snapshot:)``), apply the effects, record the limits
/// reached, and take the auto-recharge the balance calls for.
///
/// Single charges, batches, imports and reservations' settles all charge through here.
package enum ChargeOperation {
    /// Records `request` (whose `usage` is valid) in `store`'s transaction and returns its
    /// receipt.
    ///
    /// Throws ``ChargeRefusal`` in check order, having written nothing. A request id already
    /// recorded with the same usage returns the original receipt with `duplicate` set; with
    /// different usage it is refused as `id_conflict`. (The id is checked by the store's insert
    /// itself rather than by a lookup before it; a request refused before the insert looks its id
    /// up, so that a retry is answered as a retry whatever the account's state now.)
    package static func charge(_ request: ChargeRequest, usage: TokenUsage, store: some LedgerStore, paymentMethod: any PaymentMethod) throws -> ChargeReceipt {
        let requestID = request.requestID ?? Ledger.generatedID("req")
        let effects: ChargeEffects
        do {
            effects = try Charging.decide(request, usage: usage, snapshot: try store.snapshot(for: request))
        } catch let refusal as ChargeRefusal {
            guard let existing = try store.recordedCharge(requestID: requestID) else { throw refusal }
            return try retried(request, usage: usage, existing: existing)
        }
        guard let usageID = try store.record(effects, of: request, usage: usage, requestID: requestID) else {
            guard let existing = try store.recordedCharge(requestID: requestID) else { preconditionFailure("usage row vanished") }
            return try retried(request, usage: usage, existing: existing)
        }
        // After this point the operation must succeed.
        var receipt = ChargeReceipt(
            id: requestID, account: request.account, model: effects.model, tier: request.tier, band: effects.band, usage: usage, cost: effects.cost,
            balance: effects.balanceAfter, overdraft: effects.uncovered, priceEffectiveFrom: effects.priceEffectiveFrom, at: request.at, duplicate: false,
            modelSent: request.model == effects.model ? nil : request.model, provider: effects.provider)
        var alerts: [ChargeAlert] = []
        for reached in effects.limitsReached where try store.recordAlert(reached, accountID: effects.accountID, usageID: usageID, at: request.at) {
            alerts.append(reached.alert)
        }
        if !alerts.isEmpty || !effects.flags.isEmpty { receipt.alerts = alerts + effects.flags }
        if let amount = effects.rechargeDue {
            receipt.recharge = try recharge(
                amount, after: effects, request: request, requestID: requestID, usageID: usageID, store: store, paymentMethod: paymentMethod)
        }
        try store.watchBalance(accountID: effects.accountID, at: request.at)
        return receipt
    }

    /// The auto-recharge after a charge: paid through the payment method, then credited as a
    /// purchase (``Credits/credit(_:kind:to:at:expiresAt:)``) when the payment succeeds; a
    /// failed attempt is recorded as such.
    private static func recharge(
        _ amount: Money, after effects: ChargeEffects, request: ChargeRequest, requestID: String, usageID: Int64, store: some LedgerStore,
        paymentMethod: any PaymentMethod
    ) throws -> RechargeAttempt {
        let balance = effects.balanceAfter
        var attempt = RechargeAttempt(
            account: request.account, amount: amount, status: .succeeded, failure: nil, at: request.at, balance: balance, repaid: .zero, requestID: requestID)
        if effects.rechargePassesLimit {
            // Nothing is paid: the credit would take the ledger's total payments past its limit.
            attempt.status = .failed
            attempt.failure = LedgerTotals.refusalMessage(.payments)
            try store.recordRecharge(attempt, credit: nil, accountID: effects.accountID, usageID: usageID)
            return attempt
        }
        let outcome = paymentMethod.pay(RechargePayment(account: request.account, amount: amount, at: request.at, key: "recharge:" + requestID))
        var credit: CreditEffects?
        switch outcome {
        case .failed(let reason):
            attempt.status = .failed
            attempt.failure = String((reason.isEmpty ? "the payment failed" : reason).prefix(1_024))
        case .succeeded:
            guard let credited = Credits.credit(amount, kind: .recharge, to: balance, at: request.at, expiresAt: Credits.purchaseExpiry(from: request.at))
            else { preconditionFailure("a balance below a threshold plus a purchase fits") }
            credit = credited
            attempt.balance = credited.balanceAfter
            attempt.repaid = credited.repaid
        }
        try store.recordRecharge(attempt, credit: credit, accountID: effects.accountID, usageID: usageID)
        return attempt
    }

    /// The answer to a request id already recorded: its receipt, or `id_conflict`.
    private static func retried(_ request: ChargeRequest, usage: TokenUsage, existing: RecordedCharge) throws -> ChargeReceipt {
        guard existing.matches(request, usage: usage) else { throw ChargeRefusal.idConflict(existing.receipt.id) }
        return existing.receipt
    }
}
