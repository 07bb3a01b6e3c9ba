import Testing
import TokenLedger
import TokenLedgerCore

@Suite("Soft and hard limits, usage tiers")
struct LimitTests {
    @Test("a soft limit records one alert a month, by the charge that reaches it, listed in balance", arguments: BooksStore.allCases)
    func softLimit(store: BooksStore) throws {
        try withCentBooks(on: store) { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(100))
            try ledger.setLimits(account: "acme", scope: .account, soft: .usd(10), hard: nil, clear: false)
            #expect(try chargeCents(ledger, "acme", 999, at: utc(2026, 1, 2)).alerts.map(\.code) == [])
            #expect(try chargeCents(ledger, "acme", 1, at: utc(2026, 1, 3), id: "reach").alerts.map(\.code) == ["soft_limit"])
            #expect(try chargeCents(ledger, "acme", 500, at: utc(2026, 1, 4)).alerts.map(\.code) == [])
            #expect(try chargeCents(ledger, "acme", 1, at: utc(2026, 1, 3), id: "reach").alerts.map(\.code) == ["soft_limit"])
            let alerts = try ledger.alerts(account: "acme", month: utc(2026, 1, 20))
            #expect(alerts.map(\.code) == ["soft_limit"] && alerts.first?.requestID == "reach" && alerts.first?.monthToDate == .usd(10))
            #expect(try ledger.balance(of: "acme", at: utc(2026, 1, 20)).alerts.count == 1)
            #expect(try chargeCents(ledger, "acme", 1_000, at: utc(2026, 2, 1)).alerts.map(\.code) == ["soft_limit"])
            #expect(try ledger.alerts(account: "acme", month: utc(2026, 2, 1)).count == 1)
            #expect(try ledger.verify().ok)
        }
    }

    @Test("a hard limit refuses enforced charges once reached; plain charges are recorded and flagged", arguments: BooksStore.allCases)
    func hardLimit(store: BooksStore) throws {
        try withCentBooks(on: store) { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(100))
            try ledger.setLimits(account: "acme", scope: .account, soft: nil, hard: .usd(10), clear: false)
            let enforced = { (cents: Int64, at: Timestamp) in
                outcome { _ = try ledger.charge(ChargeRequest(account: "acme", model: centModel, input: cents, output: 0, at: at, enforce: true)) }
            }
            #expect(enforced(999, utc(2026, 1, 2)) == "ok")
            // Below the limit before it: allowed, and it reaches the limit (recorded once).
            let reaching = try ledger.charge(ChargeRequest(account: "acme", model: centModel, input: 5, output: 0, at: utc(2026, 1, 3), enforce: true))
            #expect(reaching.alerts.map(\.code) == ["hard_limit"])
            #expect(enforced(1, utc(2026, 1, 4)) == "hard_limit")
            let plain = try chargeCents(ledger, "acme", 100, at: utc(2026, 1, 4))
            #expect(plain.alerts.map(\.code) == ["over_hard_limit"])
            #expect(enforced(1, utc(2026, 1, 5)) == "hard_limit")
            // A new month starts from zero.
            #expect(enforced(1, utc(2026, 2, 1)) == "ok")
            #expect(try ledger.verify().ok)
        }
    }

    @Test("a project's limits count that project's spend only", arguments: BooksStore.allCases)
    func projectLimit(store: BooksStore) throws {
        try withCentBooks(on: store) { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(100))
            try ledger.setLimits(account: "acme", scope: .project("search"), soft: .usd(1), hard: .usd(2), clear: false)
            let charge = { (project: String?, cents: Int64, enforce: Bool) throws -> ChargeReceipt in
                try ledger.charge(
                    ChargeRequest(account: "acme", model: centModel, input: cents, output: 0, project: project, at: utc(2026, 1, 2), enforce: enforce))
            }
            #expect(try charge(nil, 500, true).alerts.map(\.code) == [])
            #expect(try charge("chat", 500, true).alerts.map(\.code) == [])
            #expect(try charge("search", 150, true).alerts.map(\.code) == ["soft_limit:project=search"])
            #expect(try charge("search", 50, true).alerts.map(\.code) == ["hard_limit:project=search"])
            #expect(outcome { _ = try charge("search", 1, true) } == "hard_limit")
            #expect(try charge("search", 1, false).alerts.map(\.code) == ["over_hard_limit:project=search"])
            #expect(try charge("chat", 1, true).alerts.map(\.code) == [])
            #expect(try ledger.limits(account: "acme").map(\.scope) == [.project("search")])
        }
    }

    @Test("limits are refused when invalid; given ones replace, others stay; clear removes", arguments: BooksStore.allCases)
    func settings(store: BooksStore) throws {
        try withCentBooks(on: store) { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "acme", at: utc(2026, 1, 1))
            #expect(outcome { try ledger.setLimits(account: "acme", scope: .account, soft: .zero, hard: nil, clear: false) } == "invalid_limit")
            #expect(outcome { try ledger.setLimits(account: "acme", scope: .account, soft: .usd(5), hard: .usd(4), clear: false) } == "soft_above_hard")
            #expect(outcome { try ledger.setLimits(account: "acme", scope: .project(""), soft: .usd(5), hard: nil, clear: false) } == "invalid_attribution")
            #expect(outcome { try ledger.setLimits(account: "nobody", scope: .account, soft: .usd(5), hard: nil, clear: false) } == "unknown_account")
            try ledger.setLimits(account: "acme", scope: .account, soft: nil, hard: .usd(10), clear: false)
            #expect(outcome { try ledger.setLimits(account: "acme", scope: .account, soft: .usd(11), hard: nil, clear: false) } == "soft_above_hard")
            #expect(
                try ledger.setLimits(account: "acme", scope: .account, soft: .usd(5), hard: nil, clear: false).limits
                    == SpendLimits(soft: .usd(5), hard: .usd(10)))
            #expect(try ledger.setLimits(account: "acme", scope: .account, soft: nil, hard: .usd(20), clear: true).limits == SpendLimits(hard: .usd(20)))
            try ledger.setLimits(account: "acme", scope: .account, soft: nil, hard: nil, clear: true)
            #expect(try ledger.limits(account: "acme").isEmpty)
        }
    }

    @Test("the tier's monthly usage limit is a hard limit; payments raise the tier; the table is configurable")
    func tierLimit() throws {
        try withCentLedger { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "acme", at: utc(2026, 1, 1), overdraft: .usd(1_000))
            let enforced = { (cents: Int64, at: Timestamp) in
                outcome { _ = try ledger.charge(ChargeRequest(account: "acme", model: centModel, input: cents, output: 0, at: at, enforce: true)) }
            }
            // Free tier: $100 a month.
            #expect(try chargeCents(ledger, "acme", 10_000, at: utc(2026, 1, 2)).alerts.map(\.code) == ["tier_limit"])
            #expect(enforced(1, utc(2026, 1, 2)) == "hard_limit")
            #expect(try chargeCents(ledger, "acme", 1, at: utc(2026, 1, 2)).alerts.map(\.code) == ["over_tier_limit"])
            // $100 paid, 7 days later: tier 3, $1,000 a month.
            _ = try ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(100), at: utc(2026, 1, 3)))
            #expect(try ledger.balance(of: "acme", at: utc(2026, 1, 5)).tier.name == "1")
            #expect(enforced(1, utc(2026, 1, 5)) == "hard_limit")
            #expect(try ledger.balance(of: "acme", at: utc(2026, 1, 10)).tier.name == "3")
            #expect(enforced(1, utc(2026, 1, 10)) == "ok")
            // A table of one tier with a $50 limit.
            try ledger.setUsageTiers([UsageTier(name: "only", minimumPaid: .zero, minimumDaysSinceFirstPayment: 0, monthlyUsageLimit: .usd(50))])
            #expect(try ledger.balance(of: "acme", at: utc(2026, 2, 1)).tier.name == "only")
            #expect(enforced(5_000, utc(2026, 2, 1)) == "ok")
            #expect(enforced(1, utc(2026, 2, 1)) == "hard_limit")
            #expect(outcome { try ledger.setUsageTiers([]) } == "invalid_tier_table")
            #expect(try ledger.verify().ok)
        }
    }

    @Test("a model's minimum tier refuses enforced charges and reservations below it; plain charges are flagged")
    func minimumTier() throws {
        try withCentLedger { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "acme", at: utc(2026, 1, 1))
            try ledger.setMinimumTier(model: centModel, tier: "1")
            #expect(outcome { try ledger.setMinimumTier(model: centModel, tier: "9") } == "unknown_tier")
            #expect(
                outcome { _ = try ledger.charge(ChargeRequest(account: "acme", model: centModel, input: 1, output: 0, at: utc(2026, 1, 2), enforce: true)) }
                    == "tier_too_low")
            #expect(
                outcome { _ = try ledger.reserve(ReservationRequest(account: "acme", model: centModel, input: 1, maxOutput: 1, at: utc(2026, 1, 2))) }
                    == "tier_too_low")
            #expect(try chargeCents(ledger, "acme", 1, at: utc(2026, 1, 2)).alerts.map(\.code) == ["tier_too_low"])
            _ = try ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(5), at: utc(2026, 1, 3)))
            #expect(
                outcome { _ = try ledger.reserve(ReservationRequest(account: "acme", model: centModel, input: 1, maxOutput: 1, at: utc(2026, 1, 3))) } == "ok")
            #expect(
                outcome { try ledger.setUsageTiers([UsageTier(name: "free", minimumPaid: .zero, minimumDaysSinceFirstPayment: 0, monthlyUsageLimit: .usd(1))]) }
                    == "tier_in_use")
        }
    }

    @Test("month-to-date usage follows charges recorded out of order, across months", arguments: BooksStore.allCases)
    func outOfOrder(store: BooksStore) throws {
        try withCentBooks(on: store) { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(100))
            try ledger.setLimits(account: "acme", scope: .account, soft: nil, hard: .usd(10), clear: false)
            _ = try chargeCents(ledger, "acme", 900, at: utc(2026, 1, 20))
            _ = try chargeCents(ledger, "acme", 100, at: utc(2026, 2, 2))
            // Back in January: $9 spent there, so $1 more reaches the limit.
            #expect(try chargeCents(ledger, "acme", 100, at: utc(2026, 1, 25)).alerts.map(\.code) == ["hard_limit"])
            let requests = [
                ChargeRequest(account: "acme", model: centModel, input: 1, output: 0, at: utc(2026, 1, 26)),
                ChargeRequest(account: "acme", model: centModel, input: 850, output: 0, at: utc(2026, 2, 3)),
            ]
            #expect(try ledger.charge(all: requests).map { $0.alerts.map(\.code) } == [["over_hard_limit"], []])
            #expect(try chargeCents(ledger, "acme", 0, at: utc(2026, 2, 3)).alerts.map(\.code) == [])
            #expect(try chargeCents(ledger, "acme", 50, at: utc(2026, 2, 4)).alerts.map(\.code) == ["hard_limit"])
            #expect(try ledger.verify().ok)
        }
    }
}
