import Foundation
import Testing
import TokenLedger
import TokenLedgerCore
import TokenLedgerService

@Suite("GET /v1/events")
struct ServiceEventsTests {
    /// Two accounts with a $5 low-balance threshold, each crossing it three times: $10 bought, $10 spent, three times.
    static func makeEvents(_ ledger: Ledger) throws {
        let rate = PriceEntry.maximumRateNanosPerMillion  // a cent a token
        try ledger.setPrice(
            PriceEntry(model: "cent", effectiveFrom: Timestamp(milliseconds: 0), rates: [RateKey(.default): TokenRates(input: rate, output: rate)]))
        for name in ["acme", "beta"] {
            try ledger.createAccount(NewAccount(name: name, at: ServiceBooksTests.january))
            try ledger.setLowBalanceThreshold(account: name, threshold: Money(dollars: 5))
        }
        for round in 0..<3 {
            for name in ["acme", "beta"] {
                let at = Timestamp(milliseconds: ServiceBooksTests.january.milliseconds + Int64(round) * 3_600_000)
                _ = try ledger.purchase(PurchaseRequest(account: name, amount: Money(dollars: 10), at: at, id: "pay-\(name)-\(round)"))
                _ = try ledger.charge(
                    ChargeRequest(account: name, model: "cent", input: 1_000, output: 0, requestID: "c-\(name)-\(round)", at: at))
            }
        }
    }

    static func seqs(_ response: ServiceHarness.Response) -> [Int64] {
        ((response.json["events"] as? [[String: Any]]) ?? []).compactMap { ($0["seq"] as? NSNumber)?.int64Value }
    }

    static func accounts(_ response: ServiceHarness.Response) -> Set<String> {
        Set(((response.json["events"] as? [[String: Any]]) ?? []).compactMap { $0["account"] as? String })
    }

    @Test("pages by after and limit, in sequence order; the document is the CLI's; a reader sees every account")
    func paging() async throws {
        let service = try await ServiceHarness.start()
        defer { Task { await service.stop() } }
        try Self.makeEvents(service.ledger)
        let all = try service.ledger.events().events
        #expect(all.count == 6 && all.allSatisfy { $0.kind == .lowBalance })
        var seen: [Int64] = []
        var after: Int64 = 0
        while true {
            let page = try await service.get("/v1/events?after=\(after)&limit=4", key: service.reader)
            #expect(page.status == 200, "\(page.body)")
            let seqs = Self.seqs(page)
            if seqs.isEmpty {
                #expect(page.json["next_after"] is NSNull)
                break
            }
            seen += seqs
            after = try #require((page.json["next_after"] as? NSNumber)?.int64Value)
        }
        #expect(seen == all.map(\.seq))
        let first = try await service.get("/v1/events?limit=1", key: service.admin)
        let event = try #require((first.json["events"] as? [[String: Any]])?.first)
        let data = try #require(event["data"] as? [String: Any])
        #expect(event["kind"] as? String == "low_balance" && data["threshold_usd"] as? String == "5.000000000", "\(first.body)")
        let acme = try await service.get("/v1/events?account=beta", key: service.admin)
        #expect(Self.accounts(acme) == ["beta"] && Self.seqs(acme).count == 3)
        for bad in ["limit=0", "limit=1001", "after=-1"] {
            #expect(try await service.get("/v1/events?\(bad)", key: service.admin).status == 400, "\(bad)")
        }
        #expect(try await service.get("/v1/events", key: nil).status == 401)
        #expect(try await service.get("/v1/events?account=nobody", key: service.admin).status == 404)
    }

    @Test("a key limited to an account sees that account's events only, and may name no other")
    func scoping() async throws {
        let service = try await ServiceHarness.start(limited: "other")
        defer { Task { await service.stop() } }
        try Self.makeEvents(service.ledger)
        let limited = try ServiceBooksTests.key(service, .reader, account: "acme")
        let own = try await service.get("/v1/events", key: limited)
        #expect(own.status == 200 && Self.accounts(own) == ["acme"] && Self.seqs(own).count == 3, "\(own.body)")
        let named = try await service.get("/v1/events?account=acme", key: limited)
        #expect(Self.seqs(named) == Self.seqs(own))
        let other = try await service.get("/v1/events?account=beta", key: limited)
        #expect(other.status == 403 && other.string("code") == "account_forbidden", "\(other.body)")
        // The gateway key limited to `other`, which has no events.
        let empty = try await service.get("/v1/events", key: service.gateway)
        #expect(empty.status == 200 && Self.seqs(empty).isEmpty, "\(empty.body)")
    }

    @Test("/metrics: balances of the largest accounts and their total as exact decimals, recharges, events and deliveries by kind")
    func financeMetrics() async throws {
        let service = try await ServiceHarness.start()
        defer { Task { await service.stop() } }
        try Self.makeEvents(service.ledger)
        try service.ledger.createAccount(NewAccount(name: #"quote"and\slash"#, at: ServiceBooksTests.january))
        _ = try service.ledger.purchase(
            PurchaseRequest(account: #"quote"and\slash"#, amount: try Money(parsing: "12.34"), at: ServiceBooksTests.january, id: "pay-q"))
        let metrics = try await service.get("/metrics", key: service.reader)
        #expect(metrics.status == 200)
        let lines = Set(metrics.body.split(separator: "\n").map(String.init))
        for line in [
            #"tokenledger_account_balance_usd{account="quote\"and\\slash"} 12.340000000"#,
            #"tokenledger_account_balance_usd{account="acme"} 0.000000000"#,
            #"tokenledger_account_available_usd{account="beta"} 0.000000000"#,
            "tokenledger_accounts 3", "tokenledger_balance_usd_total 12.340000000",
            #"tokenledger_recharges_total{status="failed"} 0"#, #"tokenledger_events_total{kind="low_balance"} 6"#,
            #"tokenledger_events_total{kind="soft_limit"} 0"#, #"tokenledger_webhook_deliveries{status="pending"} 0"#,
        ] {
            #expect(lines.contains(line), "missing \(line) in \(metrics.body.suffix(1_500))")
        }
        #expect(try await service.get("/metrics", key: ServiceBooksTests.key(service, .reader, account: "acme")).status == 403)
    }
}
