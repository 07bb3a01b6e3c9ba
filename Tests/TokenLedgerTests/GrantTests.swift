import Testing
import TokenLedger
import TokenLedgerCore

/// One grant attempt and its expected outcome (`ok` or a refusal code).
struct GrantCase: Sendable, CustomTestStringConvertible {
    var account: String
    var amount: Money
    var expiresAt: Timestamp?
    var id: String
    var expected: String
    var why: String
    var testDescription: String { "\(why): \(expected)" }
}

@Suite("Grants")
struct GrantTests {
    static let at = utc(2025, 3, 1)

    @Test("a grant with an explicit expiry")
    func explicitExpiry() throws {
        try withLedger(defaultPrices: false) { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2025, 1, 1))
            let receipt = try fixture.ledger.grant(
                GrantRequest(account: "acme", amount: Money(nanos: 2_500_000_001), at: Self.at, expiresAt: utc(2025, 4, 1), id: "signup"))
            #expect(
                receipt.fields
                    == CreditFields(
                        id: "signup", kind: .grant, account: "acme", amount: Money(nanos: 2_500_000_001), balance: Money(nanos: 2_500_000_001),
                        repaid: .zero, at: Self.at, expiresAt: utc(2025, 4, 1), duplicate: false))
            let lots = try fixture.ledger.balance(of: "acme", at: Self.at).lots
            #expect(lots.count == 1)
            #expect(lots.first?.kind == .grant)
            #expect(lots.first?.expiresAt == utc(2025, 4, 1))
            // From @grants, not from @payments: a grant is no card payment and does not raise the tier.
            #expect(try fixture.raw.int("SELECT debit_account_id FROM transfer WHERE reference = 'signup' AND kind = 'grant'") == 2)
            #expect(try fixture.ledger.balance(of: "acme", at: Self.at).tier.name == "free")
            #expect(try fixture.ledger.verify().ok)
        }
    }

    @Test("a grant without an expiry expires one year later")
    func defaultExpiry() throws {
        try withLedger(defaultPrices: false) { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2025, 1, 1))
            let receipt = try fixture.ledger.grant(GrantRequest(account: "acme", amount: .usd(10), at: utc(2025, 3, 1, 8, 15)))
            #expect(receipt.expiresAt == utc(2026, 3, 1, 8, 15))
            #expect(try fixture.ledger.balance(of: "acme", at: utc(2025, 3, 2)).lots.first?.expiresAt == utc(2026, 3, 1, 8, 15))
        }
    }

    static let cases: [GrantCase] = [
        GrantCase(account: "nobody", amount: .zero, expiresAt: at, id: "g-1", expected: "amount_not_positive", why: "zero"),
        GrantCase(account: "nobody", amount: Money(nanos: -1), expiresAt: at, id: "g-1", expected: "amount_not_positive", why: "negative"),
        GrantCase(account: "nobody", amount: Credits.ceiling + Money(nanos: 1), expiresAt: at, id: "g-1", expected: "above_maximum", why: "above $1,000,000"),
        GrantCase(account: "nobody", amount: .usd(1), expiresAt: at, id: "g-1", expected: "expiry_not_after_grant", why: "expiring when granted"),
        GrantCase(
            account: "nobody", amount: .usd(1), expiresAt: utc(2025, 2, 1), id: "g-1", expected: "expiry_not_after_grant", why: "expiring before it is granted"),
        GrantCase(account: "nobody", amount: .usd(2), expiresAt: nil, id: "g-1", expected: "id_conflict", why: "a used id with another amount"),
        GrantCase(account: "acme", amount: .usd(1), expiresAt: utc(2025, 6, 1), id: "g-1", expected: "id_conflict", why: "a used id with another expiry"),
        GrantCase(account: "nobody", amount: .usd(1), expiresAt: nil, id: "g-2", expected: "unknown_account", why: "no such account"),
        GrantCase(
            account: "acme", amount: Money(nanos: 1), expiresAt: at.plus(milliseconds: 1), id: "g-2", expected: "ok", why: "one nanodollar for one millisecond"),
        GrantCase(account: "acme", amount: Credits.ceiling, expiresAt: nil, id: "g-2", expected: "ok", why: "exactly $1,000,000"),
    ]

    @Test("each grant is refused in check order, or accepted", arguments: cases)
    func refusalsInOrder(_ attempt: GrantCase) throws {
        try withLedger(defaultPrices: false) { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2025, 1, 1))
            _ = try fixture.ledger.grant(GrantRequest(account: "acme", amount: .usd(1), at: utc(2025, 1, 1), expiresAt: utc(2025, 12, 1), id: "g-1"))
            let before = try fixture.raw.dump()
            let result = outcome {
                _ = try fixture.ledger.grant(
                    GrantRequest(account: attempt.account, amount: attempt.amount, at: Self.at, expiresAt: attempt.expiresAt, id: attempt.id))
            }
            #expect(result == attempt.expected)
            if attempt.expected == "ok" {
                #expect(try fixture.ledger.account(named: "acme")?.balance == .usd(1) + attempt.amount)
                #expect(try fixture.ledger.verify().ok)
            } else {
                #expect(try fixture.raw.dump() == before, "a refused grant changed the database")
            }
        }
    }

    @Test("retrying a grant returns the original receipt and writes nothing")
    func duplicate() throws {
        try withLedger(defaultPrices: false) { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2025, 1, 1))
            let original = try fixture.ledger.grant(GrantRequest(account: "acme", amount: .usd(3), at: Self.at, expiresAt: utc(2025, 5, 1), id: "promo"))
            let before = try fixture.raw.dump()
            var expected = original
            expected.duplicate = true
            // The same expiry, or none given (the original's stands), at another time.
            for expiresAt in [utc(2025, 5, 1), nil] {
                let retry = try fixture.ledger.grant(GrantRequest(account: "acme", amount: .usd(3), at: utc(2025, 3, 9), expiresAt: expiresAt, id: "promo"))
                #expect(retry == expected)
            }
            #expect(try fixture.raw.dump() == before)
            // A purchase id is no grant id.
            _ = try fixture.ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(5), at: Self.at, id: "card-1"))
            let afterPurchase = try fixture.raw.dump()
            #expect(throws: GrantRefusal.idConflict("card-1")) {
                try fixture.ledger.grant(GrantRequest(account: "acme", amount: .usd(5), at: Self.at, id: "card-1"))
            }
            #expect(try fixture.raw.dump() == afterPurchase)
        }
    }
}
