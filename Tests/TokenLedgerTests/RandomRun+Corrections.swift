import Testing
import TokenLedger
import TokenLedgerCore

// Corrections of a ``RandomRun``: adjustments, refunds and reversals, predicted by the model
// (``ExpectedBooks``) and checked like every other operation.

extension RandomRun {
    func correct() throws {
        switch Int.random(in: 0..<3, using: &random) {
        case 0: try adjust(drawAdjustment())
        case 1: try refund(drawRefund())
        default: try reverse(drawReversal())
        }
    }

    /// Replays a recorded correction, mostly unchanged (a duplicate), sometimes with other
    /// content or under a purchase's or grant's id (a conflict).
    func retryCorrection() throws {
        guard let id = books.corrections.keys.sorted().randomElement(using: &random), let recorded = books.corrections[id]?.receipt else { return }
        let changed = percent(25)
        let usedID = percent(10) && !creditIDs.isEmpty ? pick(creditIDs) : id
        switch recorded.kind {
        case .adjust:
            let amount = changed ? recorded.amount + Money(nanos: 1) : recorded.amount
            try adjust(AdjustmentRequest(account: recorded.account, amount: amount, reason: recorded.reason ?? "", at: now, id: usedID))
        case .refund:
            let amount: Money? = percent(50) ? nil : (changed ? -recorded.amount + Money(nanos: 1) : -recorded.amount)
            try refund(RefundRequest(purchaseID: recorded.corrects ?? "", amount: amount, at: now, id: usedID))
        case .reverse:
            try reverse(ReversalRequest(chargeID: recorded.corrects ?? "", reason: changed ? "other" : recorded.reason, at: now, id: usedID))
        }
    }

    // MARK: Drawing

    func drawAdjustment() -> AdjustmentRequest {
        let account = drawAccount()
        let amount: Int64
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<4: amount = 0
        case 4..<7: amount = -(Credits.ceiling.nanos + number(1...1_000))
        case 7..<45: amount = number(1...(10 * Money.nanosPerDollar))
        case 45..<65:
            // Into the overdraft allowance, when the account has one and credit to spare.
            let state = books.accounts[account]
            amount = -max(1, (state?.balance ?? 0) + number(0...max(0, state?.overdraftAllowance ?? 0)))
        default: amount = -number(1...(40 * Money.nanosPerDollar))
        }
        return AdjustmentRequest(
            account: account, amount: Money(nanos: amount), reason: percent(3) ? "" : pick(["goodwill", "billing error"]), at: now,
            id: percent(10) ? nil : "x-\(stepNumber)")
    }

    func drawRefund() -> RefundRequest {
        // Sometimes a grant's id or an unknown one: neither is a purchase.
        let purchase =
            percent(10) || books.purchaseLots.isEmpty ? "nope" : percent(20) && !creditIDs.isEmpty ? pick(creditIDs) : pick(books.purchaseLots.keys.sorted())
        let amount: Money? = percent(50) ? nil : Money(nanos: number(-1...(20 * Money.nanosPerDollar)))
        return RefundRequest(purchaseID: purchase, amount: amount, at: now, id: percent(10) ? nil : "x-\(stepNumber)")
    }

    func drawReversal() -> ReversalRequest {
        let charge = percent(15) || chargeIDs.isEmpty ? "nope" : pick(chargeIDs)
        return ReversalRequest(chargeID: charge, reason: percent(50) ? nil : "wrong model", at: now, id: percent(10) ? nil : "x-\(stepNumber)")
    }

    // MARK: Predicting and checking

    /// The refusal a retried id gets, or the duplicate, or nil for a new id.
    func recorded(_ id: String?, same: (CorrectionReceipt) -> Bool) -> Expectation<CorrectionReceipt>? {
        guard let id else { return nil }
        if books.credits[id] != nil { return .refused("id_conflict") }
        guard let recorded = books.corrections[id]?.receipt else { return nil }
        return same(recorded) ? .duplicate(recorded) : .refused("id_conflict")
    }

    func adjust(_ request: AdjustmentRequest) throws {
        var expected: Expectation<CorrectionReceipt> = .accepted
        var state = books.accounts[request.account]
        var effect: (repaid: Int64, uncovered: Int64, lot: Timestamp?) = (0, 0, nil)
        if request.amount.nanos == 0 {
            expected = .refused("amount_not_positive")
        } else if request.amount.nanos.magnitude > Credits.ceiling.nanos.magnitude {
            expected = .refused("above_maximum")
        } else if request.reason.isEmpty {
            expected = .refused("invalid_reason")
        } else if let answer = recorded(
            request.id, same: { $0.kind == .adjust && $0.account == request.account && $0.amount == request.amount && $0.reason == request.reason })
        {
            expected = answer
        } else if state == nil {
            expected = .refused("unknown_account")
        } else {
            _ = state!.expire(at: now, account: request.account)
            if request.amount.nanos < 0 {
                if -request.amount.nanos > state!.balance + state!.overdraftAllowance {
                    expected = .refused("insufficient_balance")
                } else {
                    effect.uncovered = state!.spend(-request.amount.nanos, charged: false).uncovered
                }
            } else {
                (effect.repaid, _, effect.lot) = correctionCredit(request.amount.nanos, draws: nil, state: &state!)
            }
        }
        try run("adjust", expected, request.account, request.id, state: state, effect: effect, reason: request.reason, corrects: nil) {
            try $0.adjust(request)
        }
        if effect.uncovered > 0, case .accepted = expected { tally["adjust:overdraft", default: 0] += 1 }
    }

    func refund(_ request: RefundRequest) throws {
        var expected: Expectation<CorrectionReceipt> = .accepted
        let purchase = books.purchaseLots[request.purchaseID]
        var state = purchase.flatMap { books.accounts[$0.account] }
        if let amount = request.amount, amount.nanos <= 0 {
            expected = .refused("amount_not_positive")
        } else if let answer = recorded(
            request.id,
            same: { recorded in recorded.kind == .refund && recorded.corrects == request.purchaseID && (request.amount.map { -$0 == recorded.amount } ?? true) }
        ) {
            expected = answer
        } else if let purchase, state != nil {
            _ = state!.expire(at: now, account: purchase.account)
            let index = state!.lots.firstIndex { $0.order == purchase.order }!
            let remaining = state!.lots[index].remaining
            let amount = request.amount?.nanos ?? remaining
            if remaining == 0 || amount > remaining {
                expected = .refused("refund_exceeds_remaining")
            } else {
                state!.lots[index].remaining -= amount
                state!.adjusted -= amount
            }
        } else {
            expected = .refused("unknown_purchase")
        }
        try run("refund", expected, purchase?.account ?? "", request.id, state: state, effect: (0, 0, nil), reason: nil, corrects: request.purchaseID) {
            try $0.refund(request)
        }
    }

    func reverse(_ request: ReversalRequest) throws {
        var expected: Expectation<CorrectionReceipt> = .accepted
        let charge = books.charges[request.chargeID]
        var state = charge.flatMap { books.accounts[$0.request.account] }
        var effect: (repaid: Int64, uncovered: Int64, lot: Timestamp?) = (0, 0, nil)
        var returned: Int64 = 0
        if let answer = recorded(request.id, same: { $0.kind == .reverse && $0.corrects == request.chargeID && $0.reason == request.reason }) {
            expected = answer
        } else if let charge, state != nil {
            if charge.reversedBy != nil {
                expected = .refused("already_reversed")
            } else if charge.receipt.cost.nanos == 0 {
                expected = .refused("nothing_to_reverse")
            } else {
                _ = state!.expire(at: now, account: charge.request.account)
                (effect.repaid, returned, effect.lot) = correctionCredit(charge.receipt.cost.nanos, draws: charge.draws, state: &state!)
            }
        } else {
            expected = .refused("unknown_charge")
        }
        let receipt = try run(
            "reverse", expected, charge?.request.account ?? "", request.id, state: state, effect: effect, reason: request.reason,
            corrects: request.chargeID, returned: returned
        ) { try $0.reverse(request) }
        if let receipt, case .accepted = expected {
            books.charges[request.chargeID]?.reversedBy = receipt.id
            if returned > 0 { tally["reverse:returned", default: 0] += 1 }
            if effect.lot != nil { tally["reverse:new_lot", default: 0] += 1 }
            if effect.repaid > 0 { tally["reverse:repaid", default: 0] += 1 }
        }
    }

    /// A credit by a correction in the model: overdraft repaid first; for a reversal (`draws`,
    /// nil for an adjustment) back to the paying lots that have not expired (in spending order,
    /// each up to what it paid and what was spent of it), then to the oldest unexpired lots with
    /// room; the rest in a new grant lot.
    /// Returns the repayment, what went back into lots, and the new lot's expiry.
    func correctionCredit(_ amount: Int64, draws: [(order: Int, amount: Int64)]?, state: inout ExpectedBooks.AccountState) -> (Int64, Int64, Timestamp?) {
        let repaid = min(amount, state.debt)
        state.debt -= repaid
        state.adjusted += amount
        var left = amount - repaid
        func give(_ order: Int, upTo limit: Int64) {
            guard let index = state.lots.firstIndex(where: { $0.order == order }), state.lots[index].expiresAt > now else { return }
            let given = min(left, limit, state.lots[index].original - state.lots[index].remaining)
            state.lots[index].remaining += given
            left -= given
        }
        let spendingOrder = state.lots.sorted {
            if $0.kind != $1.kind { return $0.kind == .grant }
            if $0.expiresAt != $1.expiresAt { return $0.expiresAt < $1.expiresAt }
            return $0.order < $1.order
        }.map(\.order)
        if let draws {
            for order in spendingOrder { for draw in draws where draw.order == order { give(order, upTo: draw.amount) } }
            for lot in state.lots.sorted(by: { $0.order < $1.order }) { give(lot.order, upTo: left) }
        }
        let returned = amount - repaid - left
        guard left > 0 || repaid > 0 else { return (repaid, returned, nil) }
        books.lotsCreated += 1
        let expiresAt = now.addingYears(1)
        state.lots.append(ExpectedBooks.LotState(order: books.lotsCreated, kind: .grant, original: left + repaid, remaining: left, expiresAt: expiresAt))
        return (repaid, returned, expiresAt)
    }

    /// Runs a correction, checks its outcome and receipt against the model, and records it.
    @discardableResult
    func run(
        _ operation: String, _ expected: Expectation<CorrectionReceipt>, _ account: String, _ id: String?, state: ExpectedBooks.AccountState?,
        effect: (repaid: Int64, uncovered: Int64, lot: Timestamp?), reason: String?, corrects: String?, returned: Int64 = 0,
        _ body: (any LedgerBooks) throws -> CorrectionReceipt
    ) throws -> CorrectionReceipt? {
        count(operation, expected)
        let ledger = self.ledger
        let receipt = try execute(operation, "\(account) id \(id ?? "-")", expected: code(expected), unchanged: isNoop(expected)) { try body(ledger) }
        switch expected {
        case .refused: return nil
        case .duplicate(var original):
            original.duplicate = true
            try #require(receipt == original, "step \(stepNumber): a retried \(operation) did not return its original receipt")
            return receipt
        case .accepted:
            let receipt = try #require(receipt)
            let state = try #require(state)
            let before = try #require(books.accounts[account])
            let amount = Money(nanos: state.adjusted - before.adjusted)
            let expectedReceipt = CorrectionReceipt(
                id: receipt.id, kind: CorrectionKind(rawValue: operation)!, account: account, amount: amount, balance: Money(nanos: state.balance),
                reason: reason, corrects: corrects, repaid: Money(nanos: effect.repaid), overdraft: Money(nanos: effect.uncovered),
                returned: Money(nanos: returned), lotExpiresAt: effect.lot, at: now, duplicate: false)
            try #require(receipt == expectedReceipt, "step \(stepNumber): \(operation) receipt")
            if state.expired > before.expired { tally["expiry:written_off", default: 0] += 1 }
            books.accounts[account] = state
            books.corrections[receipt.id] = RecordedCorrection(receipt: receipt)
            return receipt
        }
    }
}
