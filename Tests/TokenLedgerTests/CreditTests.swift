import Testing
import TokenLedger
import TokenLedgerCore

/// A lot as the balance report lists it, without its id.
struct LotView: Equatable, CustomStringConvertible {
    var kind: LotKind
    var original: Money
    var remaining: Money
    var expiresAt: Timestamp

    init(_ kind: LotKind, _ original: Money, _ remaining: Money, _ expiresAt: Timestamp) {
        self.kind = kind
        self.original = original
        self.remaining = remaining
        self.expiresAt = expiresAt
    }

    init(_ lot: Lot) { self.init(lot.kind, lot.original, lot.remaining, lot.expiresAt) }

    var description: String { "\(kind) \(remaining)/\(original) until \(expiresAt)" }
}

@Suite("Credits: lots, overdraft and expiry")
struct CreditTests {
    func lots(_ ledger: Ledger, _ account: String, at time: Timestamp) throws -> [LotView] {
        try ledger.balance(of: account, at: time).lots.map(LotView.init)
    }

    @Test("usage spends grants before purchases, and the lot expiring first")
    func spendingOrder() throws {
        try withLedger(defaultPrices: false) { fixture in
            let ledger = fixture.ledger
            try addCentModel(ledger)
            try makeAccount(ledger, "acme", at: utc(2025, 1, 1))
            _ = try ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(10), at: utc(2025, 1, 1), id: "p1"))
            _ = try ledger.grant(GrantRequest(account: "acme", amount: .usd(5), at: utc(2025, 1, 1), expiresAt: utc(2025, 12, 1), id: "g1"))
            _ = try ledger.grant(GrantRequest(account: "acme", amount: .usd(5), at: utc(2025, 1, 2), expiresAt: utc(2025, 6, 1), id: "g2"))
            _ = try ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(10), at: utc(2025, 2, 1), id: "p2"))
            _ = try ledger.grant(GrantRequest(account: "acme", amount: .usd(4), at: utc(2025, 2, 2), expiresAt: utc(2025, 12, 1), id: "g3"))
            // A grant that outlives every purchase is still spent before them.
            _ = try ledger.grant(GrantRequest(account: "acme", amount: .usd(1), at: utc(2025, 2, 3), expiresAt: utc(2030, 1, 1), id: "g4"))
            let (p1, p2) = (utc(2026, 1, 1), utc(2026, 2, 1))
            let march = utc(2025, 3, 1)
            #expect(
                try lots(ledger, "acme", at: march) == [
                    LotView(.grant, .usd(5), .usd(5), utc(2025, 6, 1)), LotView(.grant, .usd(5), .usd(5), utc(2025, 12, 1)),
                    LotView(.grant, .usd(4), .usd(4), utc(2025, 12, 1)), LotView(.grant, .usd(1), .usd(1), utc(2030, 1, 1)),
                    LotView(.purchase, .usd(10), .usd(10), p1), LotView(.purchase, .usd(10), .usd(10), p2),
                ])
            try chargeCents(ledger, "acme", 700, at: march)
            #expect(
                try lots(ledger, "acme", at: march) == [
                    LotView(.grant, .usd(5), .usd(3), utc(2025, 12, 1)), LotView(.grant, .usd(4), .usd(4), utc(2025, 12, 1)),
                    LotView(.grant, .usd(1), .usd(1), utc(2030, 1, 1)), LotView(.purchase, .usd(10), .usd(10), p1),
                    LotView(.purchase, .usd(10), .usd(10), p2),
                ])
            try chargeCents(ledger, "acme", 800, at: march)
            #expect(try lots(ledger, "acme", at: march) == [LotView(.purchase, .usd(10), .usd(10), p1), LotView(.purchase, .usd(10), .usd(10), p2)])
            let last = try chargeCents(ledger, "acme", 1_500, at: march, id: "last")
            #expect(last.balance == .usd(5))
            #expect(last.overdraft == .zero)
            #expect(try lots(ledger, "acme", at: march) == [LotView(.purchase, .usd(10), .usd(5), p2)])
            // The last charge is paid by two allocations: all of p1 (its first lot, inline), half of p2 (a further allocation).
            #expect(
                try fixture.raw.queue.read { db in
                    try Int64.fetchAll(
                        db,
                        sql: """
                            SELECT lot_nanos FROM usage WHERE request_id = 'last'
                            UNION ALL
                            SELECT x.amount_nanos FROM usage_allocation x JOIN usage u ON u.id = x.usage_id WHERE u.request_id = 'last'
                            """)
                } == [Money.usd(10).nanos, Money.usd(5).nanos])
            #expect(try ledger.verify().ok)
        }
    }

    @Test("usage past zero is recorded as overdraft, and the next purchase repays it first")
    func overdraft() throws {
        try withLedger(defaultPrices: false) { fixture in
            let ledger = fixture.ledger
            try addCentModel(ledger)
            try makeAccount(ledger, "acme", at: utc(2025, 1, 1), purchase: .usd(5))
            let receipt = try chargeCents(ledger, "acme", 800, at: utc(2025, 1, 2), id: "past-zero")
            #expect(receipt.cost == .usd(8))
            #expect(receipt.balance == -Money.usd(3))
            #expect(receipt.overdraft == .usd(3))
            #expect(try fixture.raw.int("SELECT count(*) FROM usage WHERE request_id = 'past-zero' AND cost_nanos = 8000000000") == 1)
            let report = try ledger.balance(of: "acme", at: utc(2025, 1, 2))
            #expect(report.balance == -Money.usd(3))
            #expect(report.available == -Money.usd(3))
            #expect(report.lots.isEmpty)
            #expect(try ledger.verify().ok)

            let repaying = try ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(10), at: utc(2025, 1, 3), id: "repay"))
            #expect(repaying.repaid == .usd(3))
            #expect(repaying.balance == .usd(7))
            #expect(try lots(ledger, "acme", at: utc(2025, 1, 3)) == [LotView(.purchase, .usd(10), .usd(7), utc(2026, 1, 3))])
            // The repayment is the new lot's allocation to its own transfer.
            #expect(
                try fixture.raw.int(
                    "SELECT x.amount_nanos FROM allocation x JOIN lot l ON l.id = x.lot_id JOIN transfer t ON t.id = l.transfer_id AND t.id = x.transfer_id WHERE t.reference = 'repay'"
                )
                    == Money.usd(3).nanos)
            #expect(try ledger.verify().ok)
        }
    }

    @Test("a debt larger than a purchase takes all of it, and the rest from the next")
    func overdraftLargerThanPurchase() throws {
        try withLedger(defaultPrices: false) { fixture in
            let ledger = fixture.ledger
            try addCentModel(ledger)
            try makeAccount(ledger, "acme", at: utc(2025, 1, 1), purchase: .usd(5))
            #expect(try chargeCents(ledger, "acme", 1_700, at: utc(2025, 1, 2)).balance == -Money.usd(12))
            let first = try ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(5), at: utc(2025, 1, 3)))
            #expect(first.repaid == .usd(5))
            #expect(first.balance == -Money.usd(7))
            #expect(try lots(ledger, "acme", at: utc(2025, 1, 3)).isEmpty)
            #expect(try fixture.raw.int("SELECT count(*) FROM lot WHERE remaining_nanos = 0 AND original_nanos = 5000000000") == 2)
            let second = try ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(10), at: utc(2025, 1, 4)))
            #expect(second.repaid == .usd(7))
            #expect(second.balance == .usd(3))
            #expect(try lots(ledger, "acme", at: utc(2025, 1, 4)) == [LotView(.purchase, .usd(10), .usd(3), utc(2026, 1, 4))])
            #expect(try chargeCents(ledger, "acme", 300, at: utc(2025, 1, 5)).balance == .zero)
            #expect(try ledger.verify().ok)
        }
    }

    @Test("after its expiry a lot's remaining credit is written off, once, at its expiry time")
    func expiry() throws {
        try withLedger(defaultPrices: false) { fixture in
            let ledger = fixture.ledger
            try addCentModel(ledger)
            try makeAccount(ledger, "acme", at: utc(2025, 1, 1), purchase: .usd(10))
            let expiresAt = utc(2025, 3, 1)
            _ = try ledger.grant(GrantRequest(account: "acme", amount: .usd(5), at: utc(2025, 1, 1), expiresAt: expiresAt, id: "promo"))
            try chargeCents(ledger, "acme", 200, at: utc(2025, 2, 1))

            let justBefore = try ledger.balance(of: "acme", at: expiresAt.plus(milliseconds: -1))
            #expect(justBefore.balance == .usd(13))
            #expect(justBefore.expiredNow.isEmpty)
            #expect(try fixture.raw.int("SELECT count(*) FROM transfer WHERE kind = 'expiry'") == 0)

            let atExpiry = try ledger.balance(of: "acme", at: expiresAt.plus(days: 3))
            #expect(atExpiry.balance == .usd(10))
            #expect(atExpiry.expiredNow.map(\.fields) == [ExpiryFields(account: "acme", lotKind: .grant, amount: .usd(3), expiredAt: expiresAt)])
            #expect(atExpiry.lots.map(\.kind) == [.purchase])
            #expect(
                try fixture.raw.int(
                    "SELECT count(*) FROM transfer WHERE kind = 'expiry' AND debit_account_id = 6 AND credit_account_id = 4 AND amount_nanos = ? AND occurred_at_ms = ? AND balance_after_nanos = ?",
                    [Money.usd(3).nanos, expiresAt.milliseconds, Money.usd(10).nanos]) == 1)
            #expect(try fixture.raw.int("SELECT remaining_nanos FROM lot l JOIN transfer t ON t.id = l.transfer_id WHERE t.reference = 'promo'") == 0)

            let again = try ledger.balance(of: "acme", at: expiresAt.plus(days: 4))
            #expect(again.expiredNow.isEmpty)
            #expect(again.balance == .usd(10))
            #expect(try fixture.raw.int("SELECT count(*) FROM transfer WHERE kind = 'expiry'") == 1)
            #expect(try ledger.verify().ok)
        }
    }

    @Test("a charge after a purchase expired writes it off first, then goes into overdraft")
    func chargeAfterExpiry() throws {
        try withLedger(defaultPrices: false) { fixture in
            let ledger = fixture.ledger
            try addCentModel(ledger)
            try makeAccount(ledger, "acme", at: utc(2025, 1, 1), purchase: .usd(10))
            let receipt = try chargeCents(ledger, "acme", 100, at: utc(2026, 1, 2))
            #expect(receipt.balance == -Money.usd(1))
            #expect(receipt.overdraft == .usd(1))
            #expect(
                try fixture.raw.int("SELECT amount_nanos FROM transfer WHERE kind = 'expiry' AND occurred_at_ms = ?", [utc(2026, 1, 1).milliseconds])
                    == Money.usd(10).nanos)
            #expect(try ledger.verify().ok)
        }
    }

    @Test("expireLots(at:) writes off every account's expired lots, and only those")
    func sweep() throws {
        try withLedger(defaultPrices: false) { fixture in
            let ledger = fixture.ledger
            try addCentModel(ledger)
            for name in ["a", "b", "c"] { try makeAccount(ledger, name, at: utc(2025, 1, 1)) }
            _ = try ledger.grant(GrantRequest(account: "a", amount: .usd(1), at: utc(2025, 1, 1), expiresAt: utc(2025, 2, 1)))
            _ = try ledger.purchase(PurchaseRequest(account: "b", amount: .usd(5), at: utc(2025, 1, 1)))
            try chargeCents(ledger, "b", 100, at: utc(2025, 1, 2))
            _ = try ledger.grant(GrantRequest(account: "c", amount: .usd(2), at: utc(2025, 1, 1), expiresAt: utc(2027, 1, 1)))

            let before = try fixture.raw.dump()
            #expect(try ledger.expireLots(at: utc(2025, 1, 31)).isEmpty)
            #expect(try fixture.raw.dump() == before)

            let records = try ledger.expireLots(at: utc(2026, 1, 1))
            #expect(
                Set(records.map(\.fields)) == [
                    ExpiryFields(account: "a", lotKind: .grant, amount: .usd(1), expiredAt: utc(2025, 2, 1)),
                    ExpiryFields(account: "b", lotKind: .purchase, amount: .usd(4), expiredAt: utc(2026, 1, 1)),
                ])
            #expect(try ledger.account(named: "a")?.balance == .zero)
            #expect(try ledger.account(named: "b")?.balance == .zero)
            #expect(try ledger.account(named: "c")?.balance == .usd(2))
            #expect(try ledger.expireLots(at: utc(2026, 6, 1)).isEmpty)
            #expect(try ledger.verify().ok)
        }
    }

    @Test("the usage tier follows card payments and days since the first, not grants")
    func tier() throws {
        try withLedger(defaultPrices: false) { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "acme", at: utc(2025, 1, 1))
            _ = try ledger.grant(GrantRequest(account: "acme", amount: .usd(500), at: utc(2025, 1, 1)))
            #expect(try ledger.balance(of: "acme", at: utc(2025, 1, 1)).tier.name == "free")
            _ = try ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(50), at: utc(2025, 1, 1)))
            #expect(try ledger.balance(of: "acme", at: utc(2025, 1, 7, 23, 59)).tier.name == "1")
            #expect(try ledger.balance(of: "acme", at: utc(2025, 1, 8)).tier.name == "2")
        }
    }
}
