import TokenLedgerCore

/// An adjustment, refund or reversal, from request to receipt, over any ``LedgerStore``: answer
/// a retried id, load what the decision needs, decide in the core (``Corrections``), and record
/// the write-offs and the correction.
package enum CorrectionOperation {
    /// Records an adjustment whose amount, reason and id passed the checks that need no account.
    package static func adjust(_ request: AdjustmentRequest, id: String, store: some LedgerStore) throws -> CorrectionReceipt {
        if let existing = try recorded(id, store: store) {
            guard existing.kind == .adjust, existing.account == request.account, existing.amount == request.amount, existing.reason == request.reason
            else { throw CorrectionRefusal.idConflict(id) }
            return existing
        }
        let account = try store.accountFigures(named: request.account)
        let holds = try account.map { try store.openHolds(accountID: $0.id, at: request.at) } ?? .zero
        let effects = try Corrections.decideAdjustment(request, account: account, holds: holds, totals: try store.ledgerTotals())
        return try record(effects, account: request.account, reference: id, reason: request.reason, target: (.account, nil), store: store)
    }

    /// Records a refund whose amount and id passed the checks that need no purchase.
    package static func refund(_ request: RefundRequest, id: String, store: some LedgerStore) throws -> CorrectionReceipt {
        if let existing = try recorded(id, store: store) {
            guard existing.kind == .refund, existing.corrects == request.purchaseID, request.amount.map({ -$0 == existing.amount }) ?? true
            else { throw CorrectionRefusal.idConflict(id) }
            return existing
        }
        guard let purchase = try store.purchase(reference: request.purchaseID) else { throw CorrectionRefusal.unknownPurchase(request.purchaseID) }
        guard let account = try store.accountFigures(named: purchase.account) else { preconditionFailure("a purchase of no account") }
        let effects = try Corrections.decideRefund(request, purchase: purchase, account: account)
        return try record(effects, account: purchase.account, reference: id, reason: nil, target: (.lot(purchase.lotID), purchase.reference), store: store)
    }

    /// Records a reversal whose reason and id passed the checks that need no charge.
    package static func reverse(_ request: ReversalRequest, id: String, store: some LedgerStore) throws -> CorrectionReceipt {
        if let existing = try recorded(id, store: store) {
            guard existing.kind == .reverse, existing.corrects == request.chargeID, existing.reason == request.reason
            else { throw CorrectionRefusal.idConflict(id) }
            return existing
        }
        guard let charge = try store.charge(requestID: request.chargeID) else { throw ChargeLookupRefusal.unknownCharge(request.chargeID) }
        guard let account = try store.accountFigures(named: charge.account) else { preconditionFailure("a charge of no account") }
        let lots = try store.unexpiredLots(accountID: account.id, at: request.at)
        let effects = try Corrections.decideReversal(request, charge: charge, account: account, lots: lots, totals: try store.ledgerTotals())
        return try record(effects, account: charge.account, reference: id, reason: request.reason, target: (.usage(charge.id), charge.requestID), store: store)
    }

    /// The correction recorded under `id`; refuses an id that a purchase or grant holds.
    private static func recorded(_ id: String, store: some LedgerStore) throws -> CorrectionReceipt? {
        if try store.recordedCredit(reference: id) != nil { throw CorrectionRefusal.idConflict(id) }
        return try store.recordedCorrection(reference: id)
    }

    private static func record(
        _ effects: CorrectionEffects, account: String, reference: String, reason: String?, target: (stored: CorrectionTarget, id: String?),
        store: some LedgerStore
    ) throws -> CorrectionReceipt {
        // After this point the operation must succeed.
        try store.recordWriteOffs(effects.writeOffs, accountID: effects.accountID)
        try store.recordCorrection(effects, reference: reference, reason: reason, target: target.stored)
        try store.watchBalance(accountID: effects.accountID, at: effects.at)
        return CorrectionReceipt(
            id: reference, kind: effects.kind, account: account, amount: effects.signedAmount, balance: effects.balanceAfter, reason: reason,
            corrects: target.id, repaid: effects.repaid, overdraft: effects.uncovered, returned: effects.returns.reduce(.zero) { $0 + $1.amount },
            lotExpiresAt: effects.newLot?.expiresAt, at: effects.at, duplicate: false)
    }
}
