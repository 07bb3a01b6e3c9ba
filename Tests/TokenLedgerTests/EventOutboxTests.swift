import Foundation
import Testing
import TokenLedger
import TokenLedgerCore

@Suite("The event outbox")
struct EventOutboxTests {
    /// The kinds of every event, oldest first.
    private func kinds(_ ledger: Ledger, account: String? = nil) throws -> [LedgerEventKind] {
        try ledger.events(account: account, limit: 1_000).events.map(\.kind)
    }

    @Test("a limit reached, a recharge and a low balance are written with the charge that caused them; a refused charge writes none")
    func writtenWithTheirCause() throws {
        try withCentLedger { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(10))
            _ = try ledger.setLimits(account: "acme", soft: .usd(3), hard: .usd(8))
            try ledger.setLowBalanceThreshold(account: "acme", threshold: .usd(6))
            #expect(try kinds(ledger).isEmpty)
            try chargeCents(ledger, "acme", 300, at: utc(2026, 1, 2), id: "c1")
            #expect(try kinds(ledger) == [.softLimit])
            try chargeCents(ledger, "acme", 200, at: utc(2026, 1, 2, 1), id: "c2")
            let page = try ledger.events()
            #expect(page.events.map(\.kind) == [.softLimit, .lowBalance])
            #expect(page.events.map(\.seq) == page.events.map(\.seq).sorted() && page.next == page.events.last?.seq)
            let low = try #require(page.events.last)
            #expect(low.account == "acme" && low.at == utc(2026, 1, 2, 1))
            #expect(low.payload == #"{"available_usd":"5.000000000","balance_usd":"5.000000000","threshold_usd":"6.000000000"}"#)
            #expect(page.events.first?.payload.contains(#""limit_usd":"3.000000000""#) == true)
            // A page size out of range is bad input naming the field, not a crash.
            for limit in [0, Ledger.maximumEventPage + 1] {
                do {
                    _ = try ledger.events(limit: limit)
                    Issue.record("a limit of \(limit) was taken")
                } catch let error as InputError {
                    #expect(error.field == "limit")
                }
            }
            // A refused charge (enforced past the balance) and its retry leave no event.
            do {
                _ = try ledger.charge(
                    ChargeRequest(account: "acme", model: centModel, input: 10_000, output: 0, requestID: "big", at: utc(2026, 1, 3), enforce: true))
                Issue.record("an enforced charge past the balance was accepted")
            } catch is ChargeRefusal {}
            #expect(try kinds(ledger).count == 2)
            // An idempotent retry writes no second event.
            try chargeCents(ledger, "acme", 200, at: utc(2026, 1, 2, 1), id: "c2")
            #expect(try kinds(ledger).count == 2)
            // Auto-recharge: succeeded, with its event after the charge's.
            try ledger.setAutoRecharge(account: "acme", threshold: .usd(4), restoreTo: .usd(20), at: utc(2026, 1, 3))
            try chargeCents(ledger, "acme", 200, at: utc(2026, 1, 3, 1), id: "c3")
            #expect(try kinds(ledger) == [.softLimit, .lowBalance, .rechargeSucceeded])
            #expect(try ledger.verify().ok)
        }
    }

    @Test("a failed recharge and a lot's expiry are events too")
    func failedRechargeAndExpiry() throws {
        try withCentLedger(paymentMethod: FailingPaymentMethod()) { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(10))
            _ = try ledger.grant(GrantRequest(account: "acme", amount: .usd(2), at: utc(2026, 1, 1), expiresAt: utc(2026, 1, 5), id: "g1"))
            try ledger.setAutoRecharge(account: "acme", threshold: .usd(5), restoreTo: .usd(20), at: utc(2026, 1, 1))
            try ledger.setLowBalanceThreshold(account: "acme", threshold: .usd(1))
            try chargeCents(ledger, "acme", 600, at: utc(2026, 1, 6), id: "c1")
            let events = try ledger.events().events
            #expect(events.map(\.kind) == [.lotExpired, .rechargeFailed])
            #expect(events.first?.payload.contains(#""amount_usd":"2.000000000""#) == true)
            #expect(events.last?.payload.contains(#""failure":"card declined""#) == true)
            #expect(try ledger.verify().ok)
        }
    }

    @Test("low balance fires once when the credit crosses below the threshold, and again only after it was back above")
    func lowBalanceRearms() throws {
        try withCentLedger { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(10))
            try ledger.setLowBalanceThreshold(account: "acme", threshold: .usd(5))
            for (index, cents) in [300, 300, 100, 100].enumerated() {
                try chargeCents(ledger, "acme", Int64(cents), at: utc(2026, 1, 2, index), id: "c\(index)")
            }
            #expect(try kinds(ledger) == [.lowBalance])  // $7, $4 (fires), $3, $2
            _ = try ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(10), at: utc(2026, 1, 3), id: "p2"))  // $12: re-armed
            #expect(try ledger.lowBalanceWatch(account: "acme")?.armed == true)
            try chargeCents(ledger, "acme", 800, at: utc(2026, 1, 4), id: "c9")  // $4: fires again
            #expect(try kinds(ledger) == [.lowBalance, .lowBalance])
            // Setting a threshold above the credit fires nothing, and leaves it disarmed.
            try makeAccount(ledger, "beta", at: utc(2026, 1, 1), purchase: .usd(5))
            #expect(try ledger.setLowBalanceThreshold(account: "beta", threshold: .usd(6))?.armed == false)
            try chargeCents(ledger, "beta", 100, at: utc(2026, 1, 4), id: "b1")
            #expect(try kinds(ledger, account: "beta").isEmpty)
        }
    }

    @Test("the low-balance rule on values")
    func rule() {
        let watch = LowBalanceWatch(threshold: .usd(5), armed: true)
        #expect(watch.after(credit: .usd(5)) == (LowBalanceWatch(threshold: .usd(5), armed: true), false))
        #expect(watch.after(credit: .usd(4)) == (LowBalanceWatch(threshold: .usd(5), armed: false), true))
        #expect(LowBalanceWatch(threshold: .usd(5), armed: false).after(credit: .usd(4)).fires == false)
    }

    @Test("a webhook queues the events written after it, for its account and kinds only")
    func queued() throws {
        try withCentLedger { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(10))
            try makeAccount(ledger, "beta", at: utc(2026, 1, 1), purchase: .usd(10))
            let all = try ledger.addWebhook(NewWebhook(url: "http://127.0.0.1:9/all", at: utc(2026, 1, 1)))
            #expect(all.secret.hasPrefix("whsec_") && all.secret.count == 70)
            _ = try ledger.addWebhook(
                NewWebhook(url: "http://127.0.0.1:9/acme", secret: "0123456789abcdef", account: "acme", kinds: [.lowBalance], at: utc(2026, 1, 1)))
            for name in ["acme", "beta"] {
                try ledger.setLowBalanceThreshold(account: name, threshold: .usd(5))
                _ = try ledger.setLimits(account: name, soft: .usd(1))
                try chargeCents(ledger, name, 600, at: utc(2026, 1, 2), id: name)
            }
            #expect(try kinds(ledger) == [.softLimit, .lowBalance, .softLimit, .lowBalance])
            let due = try ledger.dueDeliveries(at: utc(2030, 1, 1))
            // Heads only: per endpoint and account, the oldest pending event.
            #expect(
                due.map { "\($0.url) \($0.event.account) \($0.event.kind.rawValue)" }.sorted() == [
                    "http://127.0.0.1:9/acme acme low_balance", "http://127.0.0.1:9/all acme soft_limit", "http://127.0.0.1:9/all beta soft_limit",
                ])
            #expect(try ledger.webhooks().count == 2)
            do {
                _ = try ledger.addWebhook(NewWebhook(url: "ftp://x", at: utc(2026, 1, 1)))
                Issue.record("an ftp URL was accepted")
            } catch let refusal as WebhookRefusal {
                #expect(refusal.code == "invalid_url")
            }
        }
    }

    @Test("an import and a group commit write their events too; importing the file again writes none")
    func importAndGroup() throws {
        try withCentLedger { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(10))
            try ledger.setLowBalanceThreshold(account: "acme", threshold: .usd(5))
            let csv =
                "time,model,input_tokens,cached_tokens,output_tokens,request_id\n"
                + (0..<3).map { "2026-01-02T0\($0):00:00Z,\(centModel),300,0,0,row-\($0)" }.joined(separator: "\n") + "\n"
            let path = fixture.directory.path("usage.csv")
            try Data(csv.utf8).write(to: URL(fileURLWithPath: path))
            let options = UsageImportOptions(account: "acme")
            _ = try ledger.importUsage(file: path, format: .csv, options: options)
            #expect(try kinds(ledger) == [.lowBalance])  // $7, $4 (fires), $1
            _ = try ledger.importUsage(file: path, format: .csv, options: options)
            #expect(try kinds(ledger) == [.lowBalance])
            // A group: a purchase re-arms, a charge fires, a refused charge writes nothing.
            let results = try ledger.group(
                [
                    { try $0.purchase(PurchaseRequest(account: "acme", amount: .usd(10), at: utc(2026, 1, 3), id: "p2")) },
                    { try chargeCents($0, "acme", 700, at: utc(2026, 1, 3, 1), id: "g1") },
                    {
                        try $0.charge(
                            ChargeRequest(account: "acme", model: centModel, input: 100_000, output: 0, requestID: "g2", at: utc(2026, 1, 3, 2), enforce: true))
                    },
                ] as [(Ledger) throws -> Any])
            #expect(results.map { if case .success = $0 { true } else { false } } == [true, true, false])
            #expect(try kinds(ledger) == [.lowBalance, .lowBalance])
            #expect(try ledger.verify().ok)
        }
    }

    @Test("verify: a low-balance watch that disagrees with its account's credit is a problem")
    func verifyWatch() throws {
        try withCentLedger { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(10))
            try ledger.setLowBalanceThreshold(account: "acme", threshold: .usd(5))
            try chargeCents(ledger, "acme", 600, at: utc(2026, 1, 2), id: "c1")
            #expect(try ledger.verify().ok)
            try fixture.raw.execute("UPDATE low_balance_watch SET armed = 1")
            let report = try ledger.verify()
            #expect(!report.ok && report.problems.contains { $0.contains("low-balance watch armed with credit $4.00") }, "\(report.problems)")
        }
    }
}
