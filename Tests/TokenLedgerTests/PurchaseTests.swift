import Testing
import TokenLedger
import TokenLedgerCore

/// One purchase attempt and its expected outcome (`ok` or a refusal code).
struct PurchaseCase: Sendable, CustomTestStringConvertible {
    var account: String
    var amount: Money
    var id: String
    var expected: String
    var why: String
    var testDescription: String { "\(why): \(expected)" }
}

@Suite("Purchases")
struct PurchaseTests {
    /// acme (maximum $100) bought $20 as "p-1"; big has a maximum of $500.
    static func setUp(_ fixture: LedgerFixture) throws {
        try makeAccount(fixture.ledger, "acme", at: utc(2025, 1, 1))
        try makeAccount(fixture.ledger, "big", at: utc(2025, 1, 1), maximumPurchase: .usd(500))
        _ = try fixture.ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(20), at: utc(2025, 1, 1), id: "p-1"))
    }

    static let cases: [PurchaseCase] = [
        // Each refusal wins over every later one: the attempts also break the later rules.
        PurchaseCase(account: "nobody", amount: .zero, id: "p-1", expected: "amount_not_positive", why: "zero"),
        PurchaseCase(account: "nobody", amount: -Money.usd(5), id: "p-1", expected: "amount_not_positive", why: "negative"),
        PurchaseCase(account: "nobody", amount: Money(nanos: -1_000_000), id: "p-1", expected: "amount_not_positive", why: "negative, not whole cents"),
        PurchaseCase(account: "nobody", amount: Money(nanos: 5_001_000_000), id: "p-1", expected: "not_whole_cents", why: "$5.001"),
        PurchaseCase(account: "nobody", amount: Money(nanos: 1), id: "p-1", expected: "not_whole_cents", why: "one nanodollar"),
        PurchaseCase(account: "nobody", amount: .usd(4, 99), id: "p-1", expected: "below_minimum", why: "$4.99"),
        PurchaseCase(account: "nobody", amount: .usd(0, 1), id: "p-1", expected: "below_minimum", why: "one cent"),
        PurchaseCase(account: "nobody", amount: .usd(300), id: "p-1", expected: "id_conflict", why: "a used id with another amount"),
        PurchaseCase(account: "big", amount: .usd(20), id: "p-1", expected: "id_conflict", why: "a used id for another account"),
        PurchaseCase(account: "nobody", amount: .usd(300), id: "p-2", expected: "unknown_account", why: "no such account"),
        PurchaseCase(account: "@payments", amount: .usd(10), id: "p-2", expected: "unknown_account", why: "a system account"),
        PurchaseCase(account: "acme", amount: .usd(100, 1), id: "p-2", expected: "above_maximum", why: "$100.01 with the default maximum"),
        PurchaseCase(account: "big", amount: .usd(500, 1), id: "p-2", expected: "above_maximum", why: "$500.01 with a $500 maximum"),
        PurchaseCase(account: "acme", amount: .usd(5), id: "p-2", expected: "ok", why: "exactly the $5.00 minimum"),
        PurchaseCase(account: "acme", amount: .usd(100), id: "p-2", expected: "ok", why: "exactly the default maximum"),
        PurchaseCase(account: "big", amount: .usd(500), id: "p-2", expected: "ok", why: "exactly a custom maximum"),
        PurchaseCase(account: "big", amount: .usd(123, 45), id: "p-2", expected: "ok", why: "whole cents"),
    ]

    @Test("each purchase is refused in check order, or accepted", arguments: cases)
    func refusalsInOrder(_ attempt: PurchaseCase) throws {
        try withLedger(defaultPrices: false) { fixture in
            try Self.setUp(fixture)
            let before = try fixture.raw.dump()
            let balanceBefore = try fixture.ledger.account(named: attempt.account)?.balance ?? .zero
            let at = utc(2025, 3, 1)
            var receipt: CreditReceipt?
            let result = outcome {
                receipt = try fixture.ledger.purchase(PurchaseRequest(account: attempt.account, amount: attempt.amount, at: at, id: attempt.id))
            }
            #expect(result == attempt.expected)
            if attempt.expected == "ok" {
                let receipt = try #require(receipt)
                #expect(
                    receipt.fields
                        == CreditFields(
                            id: attempt.id, kind: .purchase, account: attempt.account, amount: attempt.amount, balance: balanceBefore + attempt.amount,
                            repaid: .zero, at: at, expiresAt: utc(2026, 3, 1), duplicate: false))
                #expect(try fixture.ledger.account(named: attempt.account)?.balance == balanceBefore + attempt.amount)
                #expect(try fixture.ledger.verify().ok)
            } else {
                #expect(try fixture.raw.dump() == before, "a refused purchase changed the database")
            }
        }
    }

    @Test("the refusals carry their figures")
    func refusalValues() throws {
        try withLedger(defaultPrices: false) { fixture in
            try Self.setUp(fixture)
            let at = utc(2025, 3, 1)
            #expect(throws: PurchaseRefusal.belowMinimum(.usd(4, 99))) {
                try fixture.ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(4, 99), at: at))
            }
            #expect(throws: PurchaseRefusal.aboveMaximum(amount: .usd(100, 1), maximum: .usd(100))) {
                try fixture.ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(100, 1), at: at))
            }
            #expect(throws: PurchaseRefusal.idConflict("p-1")) {
                try fixture.ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(21), at: at, id: "p-1"))
            }
            #expect(throws: PurchaseRefusal.unknownAccount("nobody")) {
                try fixture.ledger.purchase(PurchaseRequest(account: "nobody", amount: .usd(21), at: at))
            }
        }
    }

    @Test("a purchase records a transfer from @payments and a lot that expires a year later")
    func recordsTransferAndLot() throws {
        try withLedger(defaultPrices: false) { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2024, 1, 1))
            // Bought on 29 February: the lot expires on 28 February of the next (common) year.
            let receipt = try fixture.ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(42, 17), at: utc(2024, 2, 29, 13, 30), id: "leap"))
            #expect(receipt.expiresAt == utc(2025, 2, 28, 13, 30))
            #expect(
                try fixture.raw.int(
                    "SELECT count(*) FROM transfer WHERE reference = 'leap' AND kind = 'purchase' AND debit_account_id = 1 AND amount_nanos = 42170000000") == 1
            )
            let report = try fixture.ledger.balance(of: "acme", at: utc(2024, 3, 1))
            #expect(report.balance == .usd(42, 17))
            #expect(report.lots.map(\.kind) == [.purchase])
            #expect(report.lots.first?.original == .usd(42, 17))
            #expect(report.lots.first?.remaining == .usd(42, 17))
            #expect(report.lots.first?.expiresAt == utc(2025, 2, 28, 13, 30))
            #expect(try fixture.ledger.verify().ok)
        }
    }

    @Test("retrying an id with the same content returns the original receipt and writes nothing")
    func duplicate() throws {
        try withLedger(defaultPrices: false) { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2025, 1, 1))
            let original = try fixture.ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(20), at: utc(2025, 1, 1), id: "p-1"))
            _ = try fixture.ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(30), at: utc(2025, 1, 2), id: "p-2"))
            let counts = try fixture.raw.rowCounts()
            let before = try fixture.raw.dump()
            // Retried later, after another purchase and after the lot expired: still the same purchase.
            for retryAt in [utc(2025, 1, 1), utc(2025, 1, 5), utc(2027, 1, 1)] {
                let retry = try fixture.ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(20), at: retryAt, id: "p-1"))
                #expect(retry.duplicate)
                var expected = original
                expected.duplicate = true
                #expect(retry == expected)
                #expect(try fixture.raw.rowCounts() == counts)
                #expect(try fixture.raw.dump() == before)
            }
            #expect(try fixture.ledger.account(named: "acme")?.balance == .usd(50))
        }
    }

    @Test("an id used by a grant cannot be used by a purchase")
    func idSharedWithGrants() throws {
        try withLedger(defaultPrices: false) { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2025, 1, 1))
            _ = try fixture.ledger.grant(GrantRequest(account: "acme", amount: .usd(20), at: utc(2025, 1, 1), id: "credit-1"))
            let before = try fixture.raw.dump()
            #expect(throws: PurchaseRefusal.idConflict("credit-1")) {
                try fixture.ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(20), at: utc(2025, 1, 1), id: "credit-1"))
            }
            #expect(try fixture.raw.dump() == before)
        }
    }

    @Test("purchases without an id get distinct generated ids")
    func generatedIDs() throws {
        try withLedger(defaultPrices: false) { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2025, 1, 1))
            let first = try fixture.ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(5), at: utc(2025, 1, 1)))
            let second = try fixture.ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(5), at: utc(2025, 1, 1)))
            #expect(first.id != second.id)
            #expect(!second.duplicate)
            #expect(try fixture.ledger.account(named: "acme")?.balance == .usd(10))
        }
    }

    // Found by this test: ids were not checked, and the schema's CHECK on transfer.reference
    // surfaced as LedgerError(.database) (an operating error, CLI exit 4) instead of bad input.
    @Test("an invalid purchase or grant id is refused as bad input and writes nothing", arguments: ["", String(repeating: "x", count: 257)])
    func invalidID(_ id: String) throws {
        try withLedger(defaultPrices: false) { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2025, 1, 1))
            let before = try fixture.raw.dump()
            var refusals: [any Refusal] = []
            for attempt in [
                { _ = try fixture.ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(20), at: utc(2025, 1, 1), id: id)) },
                { _ = try fixture.ledger.grant(GrantRequest(account: "acme", amount: .usd(20), at: utc(2025, 1, 1), id: id)) },
            ] as [() throws -> Void] {
                do {
                    try attempt()
                    Issue.record("an invalid id was accepted")
                } catch let refusal as any Refusal {
                    refusals.append(refusal)
                } catch {
                    Issue.record("an invalid id was reported as an operating error: \(error)")
                }
            }
            #expect(refusals.map(\.code) == ["invalid_id", "invalid_id"])
            let allBadInput = refusals.allSatisfy { $0.isBadInput }
            #expect(allBadInput)
            #expect(try fixture.raw.dump() == before)
            // 256 characters is a valid id.
            let longest = String(repeating: "x", count: 256)
            #expect(try fixture.ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(20), at: utc(2025, 1, 1), id: longest)).id == longest)
        }
    }
}
