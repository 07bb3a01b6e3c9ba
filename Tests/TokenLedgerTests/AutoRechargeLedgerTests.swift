import Testing
import TokenLedger
import TokenLedgerCore

@Suite("Auto-recharge in the ledger")
struct AutoRechargeLedgerTests {
    @Test("$10, threshold $5, restore-to $20: charged past $5, recharged to $20 once, journaled after its charge", arguments: BooksStore.allCases)
    func newUser(store: BooksStore) throws {
        try withCentBooks(on: store) { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(10))
            try ledger.setAutoRecharge(account: "acme", threshold: .usd(5), restoreTo: .usd(20), monthlyCap: nil, at: utc(2026, 1, 1))
            #expect(try chargeCents(ledger, "acme", 300, at: utc(2026, 1, 2), id: "c1").recharge == nil)
            let second = try chargeCents(ledger, "acme", 300, at: utc(2026, 1, 2, 1), id: "c2")
            #expect(second.balance == .usd(4))
            let recharge = try #require(second.recharge)
            #expect(recharge.amount == .usd(16) && recharge.status == .succeeded && recharge.balance == .usd(20))
            #expect(try chargeCents(ledger, "acme", 300, at: utc(2026, 1, 2, 2), id: "c3").recharge == nil)
            #expect(try ledger.account(named: "acme")?.balance == .usd(17))
            let journal = try ledger.accountJournal(account: "acme", from: .earliest, to: .latest, kinds: nil).lines
            #expect(journal.map(\.kind) == [.purchase, .usage, .usage, .recharge, .usage])
            #expect(journal.map(\.balanceAfter) == [.usd(10), .usd(7), .usd(4), .usd(20), .usd(17)])
            let attempts = try ledger.rechargeAttempts(account: "acme", from: .earliest, to: .latest)
            #expect(attempts.map(\.requestID) == ["c2"])
            // A recharge is a purchase: a lot that expires a year later, counted towards the tier.
            let balance = try ledger.balance(of: "acme", at: utc(2026, 1, 3))
            #expect(balance.lots.last?.kind == .purchase && balance.lots.last?.original == .usd(16))
            #expect(balance.lots.last?.expiresAt == utc(2027, 1, 2, 1))
            #expect(balance.rechargeAttempts.count == 1)
            // The retried charge answers with the recharge it caused, and recharges nothing again.
            let retried = try chargeCents(ledger, "acme", 300, at: utc(2026, 1, 5), id: "c2")
            #expect(retried.duplicate && retried.recharge?.amount == .usd(16))
            #expect(try ledger.rechargeAttempts(account: "acme", from: .earliest, to: .latest).count == 1)
            // The statement shows it, right after the charge that caused it.
            let statement = try ledger.statement(of: "acme", month: utc(2026, 1, 1), now: utc(2026, 1, 5))
            #expect(statement.recharges == .usd(16) && statement.balances)
            let entry = try #require(statement.entries.first { $0.kind == .recharge })
            #expect(entry.balanceBefore == .usd(4) && entry.balanceAfter == .usd(20))
            #expect(try ledger.verify().ok)
        }
    }

    @Test("the amount: restore-to minus balance rounded up to a cent, at least $5, at most the purchase maximum", arguments: BooksStore.allCases)
    func amounts(store: BooksStore) throws {
        try withCentBooks(on: store) { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "a", at: utc(2026, 1, 1), purchase: .usd(10))
            try ledger.setAutoRecharge(account: "a", threshold: .usd(9), restoreTo: .usd(10), monthlyCap: nil, at: utc(2026, 1, 1))
            // $10 - $0.001: restore-to minus balance is $0.001, at least $5.
            let small = try ledger.charge(ChargeRequest(account: "a", model: centModel, input: 0, output: 0, at: utc(2026, 1, 2)))
            #expect(small.recharge == nil)
            try ledger.setAutoRecharge(account: "a", threshold: .usd(10), restoreTo: .usd(12), monthlyCap: nil, at: utc(2026, 1, 2))
            let tenth = try chargeCents(ledger, "a", 1, at: utc(2026, 1, 2))
            #expect(tenth.recharge?.amount == .usd(5))
            try makeAccount(ledger, "b", at: utc(2026, 1, 1), purchase: .usd(10), maximumPurchase: .usd(50))
            try ledger.setAutoRecharge(account: "b", threshold: .usd(5), restoreTo: .usd(50), monthlyCap: nil, at: utc(2026, 1, 1))
            // Overdraft of $90: restore-to minus balance is $140, at most the $50 maximum.
            let deep = try chargeCents(ledger, "b", 10_000, at: utc(2026, 1, 2))
            #expect(deep.balance == .usd(-90) && deep.recharge?.amount == .usd(50) && deep.recharge?.repaid == .usd(50))
            #expect(deep.recharge?.balance == .usd(-40))
            #expect(try ledger.verify().ok)
        }
    }

    @Test("a recharge rounds a fraction of a cent up", arguments: BooksStore.allCases)
    func roundsUp(store: BooksStore) throws {
        try withCentBooks(on: store, defaultPrices: true) { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(10))
            try ledger.setAutoRecharge(account: "acme", threshold: .usd(10), restoreTo: .usd(20), monthlyCap: nil, at: utc(2026, 1, 1))
            // gpt-4o input $2.50 per million: 1,001 tokens cost $0.0025025.
            let receipt = try ledger.charge(ChargeRequest(account: "acme", model: "gpt-4o", input: 1_001, output: 0, at: utc(2026, 1, 2)))
            #expect(receipt.cost == Money(nanos: 2_502_500))
            #expect(receipt.recharge?.amount == .usd(10, 1))
        }
    }

    @Test("a monthly cap limits recharges to what it leaves, none below $5, and starts again next month", arguments: BooksStore.allCases)
    func monthlyCap(store: BooksStore) throws {
        try withCentBooks(on: store) { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(10))
            try ledger.setAutoRecharge(account: "acme", threshold: .usd(5), restoreTo: .usd(20), monthlyCap: .usd(30), at: utc(2026, 1, 1))
            let amounts = try (0..<6).map { step in
                try chargeCents(ledger, "acme", 1_000, at: utc(2026, 1, 10, step)).recharge?.amount
            }
            // $10 → $0: +$20; → $10, → $0: cap leaves $10: +$10; → $0: cap leaves $0: none; overdraft after.
            #expect(amounts == [.usd(20), nil, .usd(10), nil, nil, nil])
            let february = try chargeCents(ledger, "acme", 100, at: utc(2026, 2, 1))
            #expect(february.recharge?.amount == .usd(30))
            #expect(try ledger.verify().ok)
        }
    }

    @Test("a failed payment adds nothing and is recorded as a failed recharge; the next charge tries again", arguments: BooksStore.allCases)
    func failingPayment(store: BooksStore) throws {
        try withCentBooks(on: store, paymentMethod: FailingPaymentMethod()) { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(10))
            try ledger.setAutoRecharge(account: "acme", threshold: .usd(5), restoreTo: .usd(20), monthlyCap: nil, at: utc(2026, 1, 1))
            let receipt = try chargeCents(ledger, "acme", 600, at: utc(2026, 1, 2), id: "c1")
            #expect(receipt.recharge?.status == .failed && receipt.recharge?.failure == "card declined" && receipt.recharge?.balance == .usd(4))
            #expect(try ledger.account(named: "acme")?.balance == .usd(4))
            #expect(try fixture.probe.integer("SELECT count(*) FROM transfer WHERE kind = 'recharge'") == 0)
            #expect(try fixture.probe.integer("SELECT count(*) FROM lot") == 1)
            _ = try chargeCents(ledger, "acme", 100, at: utc(2026, 1, 3), id: "c2")
            let attempts = try ledger.rechargeAttempts(account: "acme", from: .earliest, to: .latest)
            #expect(attempts.map(\.status) == [.failed, .failed])
            #expect(attempts.map(\.amount) == [.usd(16), .usd(17)])
            #expect(try ledger.balance(of: "acme", at: utc(2026, 1, 4)).rechargeAttempts.count == 2)
            #expect(try chargeCents(ledger, "acme", 600, at: utc(2026, 1, 2), id: "c1").recharge?.status == .failed)
            let statement = try ledger.statement(of: "acme", month: utc(2026, 1, 1), now: utc(2026, 1, 5))
            #expect(statement.failedRecharges.map(\.failure) == ["card declined", "card declined"] && statement.recharges == .zero)
            #expect(try ledger.verify().ok)
        }
    }

    @Test("a flaky payment: failed attempts add nothing, succeeded ones are purchases; the cap counts only successes", arguments: BooksStore.allCases)
    func flakyPayment(store: BooksStore) throws {
        let payments = FlakyPaymentMethod()
        try withCentBooks(on: store, paymentMethod: payments) { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(10))
            try ledger.setAutoRecharge(account: "acme", threshold: .usd(5), restoreTo: .usd(20), monthlyCap: .usd(40), at: utc(2026, 1, 1))
            var statuses: [RechargeAttempt.Status?] = []
            for step in 0..<6 { statuses.append(try chargeCents(ledger, "acme", 600, at: utc(2026, 1, 2, step), id: "c\(step)").recharge?.status) }
            // $4: fails; -$2: +$22 → $20; $14; $8; $2: +$18 (what the cap leaves) fails; -$4: +$18 → $14.
            #expect(statuses == [.failed, .succeeded, nil, nil, .failed, .succeeded])
            #expect(payments.payments.map(\.amount) == [.usd(16), .usd(22), .usd(18), .usd(18)])
            #expect(payments.payments.first?.key == "recharge:c0")
            #expect(try ledger.account(named: "acme")?.balance == .usd(14))
            #expect(try fixture.probe.integer("SELECT count(*) FROM recharge_attempt WHERE status = 'failed'") == 2)
            #expect(try ledger.verify().ok)
        }
    }

    @Test("recharges inside one batch of charges feed the batch's later charges", arguments: BooksStore.allCases)
    func batch(store: BooksStore) throws {
        try withCentBooks(on: store) { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(10))
            try ledger.setAutoRecharge(account: "acme", threshold: .usd(5), restoreTo: .usd(20), monthlyCap: nil, at: utc(2026, 1, 1))
            let requests = (0..<20).map {
                ChargeRequest(account: "acme", model: centModel, input: 300, output: 0, requestID: "b\($0)", at: utc(2026, 1, 2, $0))
            }
            let receipts = try ledger.charge(all: requests)
            #expect(receipts.filter { $0.recharge != nil }.count == 4)
            #expect(receipts.allSatisfy { $0.overdraft == .zero })
            #expect(try ledger.account(named: "acme")?.balance == receipts.last.map { $0.recharge?.balance ?? $0.balance })
            #expect(try ledger.verify().ok)
        }
    }

    @Test("off: no recharge; settings are refused in check order", arguments: BooksStore.allCases)
    func settings(store: BooksStore) throws {
        try withCentBooks(on: store) { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(10))
            try ledger.setAutoRecharge(account: "acme", threshold: .usd(5), restoreTo: .usd(20), monthlyCap: nil, at: utc(2026, 1, 1))
            try ledger.turnOffAutoRecharge(account: "acme")
            #expect(try ledger.autoRecharge(account: "acme").policy == nil)
            #expect(try chargeCents(ledger, "acme", 900, at: utc(2026, 1, 2)).recharge == nil)
            let set = { (threshold: Money, restoreTo: Money, cap: Money?) in
                outcome { try ledger.setAutoRecharge(account: "acme", threshold: threshold, restoreTo: restoreTo, monthlyCap: cap, at: utc(2026, 1, 2)) }
            }
            #expect(set(.zero, .usd(20), nil) == "threshold_not_positive")
            #expect(set(.usd(20), .usd(20), nil) == "restore_to_not_above_threshold")
            #expect(set(.usd(5), .usd(101), nil) == "restore_to_above_maximum")
            #expect(set(.usd(5), .usd(20), Money(nanos: 1)) == "invalid_monthly_cap")
            #expect(
                outcome { try ledger.setAutoRecharge(account: "nobody", threshold: .usd(5), restoreTo: .usd(20), monthlyCap: nil, at: utc(2026, 1, 2)) }
                    == "unknown_account")
        }
    }
}
