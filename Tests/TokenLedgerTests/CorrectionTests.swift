import Testing
import TokenLedger
import TokenLedgerCore

/// Adjustments, refunds and reversals: new entries against `@adjustments`, never edits.
@Suite("Corrections: adjust, refund, reverse")
struct CorrectionTests {
    static let start = utc(2026, 1, 2)

    /// A ledger with the cent model and the account `acme` holding a $10 purchase (`pay-1`) and
    /// a $5 grant (`g-1`, expiring 2026-03-01).
    func withBooks(overdraft: Money = .zero, _ body: (LedgerFixture) throws -> Void) throws {
        try withLedger(defaultPrices: false) { fixture in
            try addCentModel(fixture.ledger)
            try makeAccount(fixture.ledger, "acme", at: utc(2026, 1, 1), overdraft: overdraft)
            _ = try fixture.ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(10), at: Self.start, id: "pay-1"))
            _ = try fixture.ledger.grant(GrantRequest(account: "acme", amount: .usd(5), at: Self.start, expiresAt: utc(2026, 3, 1), id: "g-1"))
            try body(fixture)
        }
    }

    func lots(_ ledger: Ledger, at time: Timestamp) throws -> [LotView] {
        try ledger.balance(of: "acme", at: time).lots.map(LotView.init)
    }

    func expectVerified(_ ledger: Ledger) throws {
        let report = try ledger.verify()
        #expect(report.ok, "\(report.problems)")
    }

    /// Runs a correction that must be refused with `code`, and checks that nothing was written.
    func expectRefused(_ code: String, _ fixture: LedgerFixture, _ body: () throws -> Void) throws {
        let before = try fixture.raw.dump()
        #expect(outcome(body) == code)
        #expect(try fixture.raw.dump() == before, "a refused \(code) wrote something")
    }

    @Test("a credit adjustment makes a grant lot that expires a year later; a debit draws lots in spending order")
    func adjustments() throws {
        try withBooks { fixture in
            let ledger = fixture.ledger
            let at = utc(2026, 1, 5)
            let credit = try ledger.adjust(AdjustmentRequest(account: "acme", amount: .usd(2), reason: "goodwill", at: at, id: "adj-1"))
            #expect(credit.amount == .usd(2) && credit.balance == .usd(17) && credit.kind == .adjust && credit.lotExpiresAt == utc(2027, 1, 5))
            #expect(try lots(ledger, at: at).contains(LotView(.grant, .usd(2), .usd(2), utc(2027, 1, 5))))
            let debit = try ledger.adjust(AdjustmentRequest(account: "acme", amount: -.usd(6), reason: "billing error", at: at, id: "adj-2"))
            #expect(debit.amount == -.usd(6) && debit.balance == .usd(11) && debit.overdraft == .zero)
            // Grants first (the one expiring first), then the purchase.
            #expect(
                try lots(ledger, at: at) == [
                    LotView(.grant, .usd(2), .usd(1), utc(2027, 1, 5)), LotView(.purchase, .usd(10), .usd(10), utc(2027, 1, 2)),
                ])
            try expectVerified(ledger)
            let statement = try ledger.statement(of: "acme", month: at, now: at)
            #expect(statement.adjustments == -.usd(4) && statement.balances && statement.closing == .usd(11))
            #expect(statement.entries.filter { $0.kind == .adjustment }.map(\.reference) == ["adj-1", "adj-2"])
        }
    }

    @Test("a debit adjustment may go into overdraft only within the allowance; a refusal writes nothing")
    func debitIntoOverdraft() throws {
        try withBooks(overdraft: .usd(3)) { fixture in
            let ledger = fixture.ledger
            let at = utc(2026, 1, 5)
            try expectRefused("insufficient_balance", fixture) {
                _ = try ledger.adjust(AdjustmentRequest(account: "acme", amount: -Money(nanos: Money.usd(18).nanos + 1), reason: "x", at: at))
            }
            let receipt = try ledger.adjust(AdjustmentRequest(account: "acme", amount: -.usd(18), reason: "chargeback", at: at, id: "cb"))
            #expect(receipt.balance == -.usd(3) && receipt.overdraft == .usd(3))
            #expect(try lots(ledger, at: at).isEmpty)
            try expectVerified(ledger)
            // The next credit repays the overdraft first.
            let credit = try ledger.adjust(AdjustmentRequest(account: "acme", amount: .usd(5), reason: "goodwill", at: at, id: "gw"))
            #expect(credit.repaid == .usd(3) && credit.balance == .usd(2))
            try expectVerified(ledger)
        }
    }

    @Test("adjustments refuse in check order, and are idempotent on their id")
    func adjustmentRefusalsAndRetries() throws {
        try withBooks { fixture in
            let ledger = fixture.ledger
            let at = utc(2026, 1, 5)
            func adjust(_ account: String = "acme", amount: Money = .usd(1), reason: String = "r", id: String? = "a1") throws -> CorrectionReceipt {
                try ledger.adjust(AdjustmentRequest(account: account, amount: amount, reason: reason, at: at, id: id))
            }
            try expectRefused("amount_not_positive", fixture) { _ = try adjust(amount: .zero) }
            try expectRefused("above_maximum", fixture) { _ = try adjust(amount: -.usd(1_000_001)) }
            try expectRefused("invalid_reason", fixture) { _ = try adjust(reason: "") }
            try expectRefused("invalid_id", fixture) { _ = try adjust(id: "") }
            try expectRefused("id_conflict", fixture) { _ = try adjust(id: "pay-1") }
            try expectRefused("unknown_account", fixture) { _ = try adjust("ghost") }
            let first = try adjust()
            let again = try adjust()
            #expect(again.duplicate && !first.duplicate)
            var original = first
            original.duplicate = true
            #expect(again == original)
            try expectRefused("id_conflict", fixture) { _ = try adjust(amount: .usd(2)) }
            try expectRefused("id_conflict", fixture) { _ = try adjust(reason: "other") }
            // A purchase or grant cannot take a correction's id either.
            try expectRefused("id_conflict", fixture) { _ = try ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(5), at: at, id: "a1")) }
            try expectRefused("id_conflict", fixture) { _ = try ledger.grant(GrantRequest(account: "acme", amount: .usd(1), at: at, id: "a1")) }
        }
    }

    @Test("a refund takes back what remains of a purchase's lot, never more")
    func refunds() throws {
        try withBooks { fixture in
            let ledger = fixture.ledger
            let at = utc(2026, 1, 5)
            try chargeCents(ledger, "acme", 700, at: at)  // $5 from the grant, $2 from the purchase
            try expectRefused("refund_exceeds_remaining", fixture) {
                _ = try ledger.refund(RefundRequest(purchaseID: "pay-1", amount: Money(nanos: Money.usd(8).nanos + 1), at: at))
            }
            try expectRefused("unknown_purchase", fixture) { _ = try ledger.refund(RefundRequest(purchaseID: "g-1", at: at)) }
            try expectRefused("amount_not_positive", fixture) { _ = try ledger.refund(RefundRequest(purchaseID: "pay-1", amount: .zero, at: at)) }
            try expectRefused("before_original", fixture) { _ = try ledger.refund(RefundRequest(purchaseID: "pay-1", at: utc(2026, 1, 1))) }
            let part = try ledger.refund(RefundRequest(purchaseID: "pay-1", amount: .usd(3), at: at, id: "r1"))
            #expect(part.amount == -.usd(3) && part.balance == .usd(5) && part.corrects == "pay-1" && part.kind == .refund)
            let rest = try ledger.refund(RefundRequest(purchaseID: "pay-1", at: at, id: "r2"))
            #expect(rest.amount == -.usd(5) && rest.balance == .zero)
            // A retry without an amount answers with the refund it made; the lot is empty now.
            #expect(try ledger.refund(RefundRequest(purchaseID: "pay-1", at: at, id: "r2")).duplicate)
            try expectRefused("id_conflict", fixture) { _ = try ledger.refund(RefundRequest(purchaseID: "pay-1", amount: .usd(1), at: at, id: "r2")) }
            try expectRefused("refund_exceeds_remaining", fixture) { _ = try ledger.refund(RefundRequest(purchaseID: "pay-1", at: at, id: "r3")) }
            try expectVerified(ledger)
            #expect(try ledger.statement(of: "acme", month: at, now: at).adjustments == -.usd(8))
        }
    }

    @Test("an expired purchase has nothing left to refund")
    func refundAfterExpiry() throws {
        try withBooks { fixture in
            try expectRefused("refund_exceeds_remaining", fixture) {
                _ = try fixture.ledger.refund(RefundRequest(purchaseID: "pay-1", at: utc(2027, 2, 1)))
            }
        }
    }

    @Test("a reversal gives the cost back to the lots that paid it; the usage stays in reports")
    func reversalToPayingLots() throws {
        try withBooks { fixture in
            let ledger = fixture.ledger
            let at = utc(2026, 1, 5)
            try chargeCents(ledger, "acme", 700, at: at, id: "wrong")
            let receipt = try ledger.reverse(ReversalRequest(chargeID: "wrong", reason: "double billed", at: at.plus(hours: 1), id: "rev-1"))
            #expect(receipt.amount == .usd(7) && receipt.returned == .usd(7) && receipt.balance == .usd(15) && receipt.lotExpiresAt == nil)
            // As of the reversal the lots hold what they held before the charge; as of the charge
            // (balances are historical) the charge's draw still shows.
            #expect(
                try lots(ledger, at: at.plus(hours: 1)) == [
                    LotView(.grant, .usd(5), .usd(5), utc(2026, 3, 1)), LotView(.purchase, .usd(10), .usd(10), utc(2027, 1, 2)),
                ])
            #expect(try ledger.balance(of: "acme", at: at).balance == .usd(8))
            try expectVerified(ledger)
            let statement = try ledger.statement(of: "acme", month: at, now: at.plus(days: 1))
            #expect(statement.usage == .usd(7) && statement.adjustments == .usd(7) && statement.balances && statement.closing == .usd(15))
            #expect(statement.lots.map(\.remaining) == [.usd(5), .usd(10)])
            #expect(try ledger.monthlyReport(account: "acme", month: at, by: [.model]).total.cost == .usd(7))
            try expectRefused("already_reversed", fixture) { _ = try ledger.reverse(ReversalRequest(chargeID: "wrong", at: at.plus(hours: 2), id: "rev-2")) }
            #expect(try ledger.reverse(ReversalRequest(chargeID: "wrong", reason: "double billed", at: at.plus(hours: 3), id: "rev-1")).duplicate)
            try expectRefused("id_conflict", fixture) { _ = try ledger.reverse(ReversalRequest(chargeID: "wrong", at: at, id: "rev-1")) }
        }
    }

    @Test("a reversal whose paying lot expired goes to the oldest unexpired lot with room, else to a new lot")
    func reversalAfterExpiry() throws {
        try withBooks { fixture in
            let ledger = fixture.ledger
            try chargeCents(ledger, "acme", 700, at: utc(2026, 1, 5), id: "mixed")  // $5 from the grant, $2 from the purchase
            try chargeCents(ledger, "acme", 500, at: utc(2026, 1, 6), id: "later")  // $5 from the purchase
            let late = utc(2026, 4, 1)  // the grant has expired
            let receipt = try ledger.reverse(ReversalRequest(chargeID: "mixed", at: late, id: "rev-mixed"))
            // $2 back to the purchase that paid them, the grant's $5 to the purchase too (it has room).
            #expect(receipt.returned == .usd(7) && receipt.lotExpiresAt == nil && receipt.balance == .usd(10))
            #expect(try lots(ledger, at: late) == [LotView(.purchase, .usd(10), .usd(10), utc(2027, 1, 2))])
            // No unexpired lot has room left: a new grant lot, a year from the reversal.
            let second = try ledger.reverse(ReversalRequest(chargeID: "later", at: late, id: "rev-later"))
            #expect(second.returned == .zero && second.lotExpiresAt == utc(2027, 4, 1))
            #expect(try lots(ledger, at: late).contains(LotView(.grant, .usd(5), .usd(5), utc(2027, 4, 1))))
            try expectVerified(ledger)
            try expectRefused("unknown_charge", fixture) { _ = try ledger.reverse(ReversalRequest(chargeID: "nope", at: late)) }
            try chargeCents(ledger, "acme", 1, at: late, id: "c3")
            try expectRefused("before_original", fixture) { _ = try ledger.reverse(ReversalRequest(chargeID: "c3", at: utc(2026, 1, 1))) }
        }
    }

    @Test("a reversal repays overdraft first; a charge that cost nothing has nothing to reverse")
    func reversalRepaysOverdraft() throws {
        try withBooks { fixture in
            let ledger = fixture.ledger
            let at = utc(2026, 1, 5)
            try chargeCents(ledger, "acme", 1_600, at: at, id: "big")  // $1 into overdraft
            let receipt = try ledger.reverse(ReversalRequest(chargeID: "big", at: at, id: "rev-big"))
            #expect(receipt.repaid == .usd(1) && receipt.returned == .usd(15) && receipt.balance == .usd(15))
            try expectVerified(ledger)
            _ = try ledger.charge(ChargeRequest(account: "acme", model: centModel, input: 0, output: 0, requestID: "free", at: at))
            let before = try fixture.raw.dump()
            #expect(outcome { _ = try ledger.reverse(ReversalRequest(chargeID: "free", at: at)) } == "nothing_to_reverse")
            #expect(try fixture.raw.dump() == before)
        }
    }

    @Test("verify finds an adjustment transfer that is no correction, and credit returned to a lot behind the journal's back")
    func verifyFindsTampering() throws {
        try withBooks { fixture in
            let ledger = fixture.ledger
            try chargeCents(ledger, "acme", 100, at: utc(2026, 1, 5), id: "c1")
            _ = try ledger.reverse(ReversalRequest(chargeID: "c1", at: utc(2026, 1, 5), id: "rev"))
            try expectVerified(ledger)
            let account = try fixture.raw.int("SELECT id FROM account WHERE name = 'acme'")
            try fixture.raw.execute(
                """
                INSERT INTO transfer (reference, kind, debit_account_id, credit_account_id, amount_nanos, occurred_at_ms, balance_after_nanos)
                VALUES ('bare', 'adjustment', 5, ?, 1, 0, 0)
                """, [account])
            let lot = try fixture.raw.int("SELECT min(id) FROM lot")
            try fixture.raw.execute("INSERT INTO lot_return (transfer_id, lot_id, amount_nanos) VALUES ((SELECT max(id) FROM transfer), ?, 1)", [lot])
            let problems = try ledger.verify().problems
            #expect(problems.contains { $0.contains("not one correction") }, "\(problems)")
            #expect(problems.contains { $0.contains("plus returns") }, "\(problems)")
        }
    }
}
