import Foundation
import Testing
import TokenLedgerTestSupport

/// Webhooks from `serve` instances on one PostgreSQL database, posted to a receiver on loopback
/// (`ServiceClients/webhook_receiver.py`): each event claimed and posted by one instance at a
/// time, delivered once, in order per account; an instance killed while it posts leaves its
/// claim to lapse, and another posts the event.
@Suite("Webhooks from serve instances on PostgreSQL", .serialized)
struct PostgresWebhookTests {
    typealias Receiver = ServeWebhookTests.Receiver

    /// Books set up on a file and migrated into a new database, with `webhooks add` run there.
    static func books(_ name: String, behaviours: [String], setUp: [[String]] = []) throws -> (ScratchFolder, String, Receiver) {
        let folder = try ScratchFolder(name)
        let url = try PostgresTestServer.freshDatabase()
        _ = try PostgresServeTests.books(in: folder, url: url, purchaseDollars: "100", setUp: setUp)
        let receiver = try Receiver(folder: folder, behaviours: behaviours)
        try CLI.succeed(["webhooks", "add", "http://127.0.0.1:\(receiver.port)/hook", "--secret", ServeWebhookTests.secret], database: url)
        return (folder, url, receiver)
    }

    @Test("two instances, one receiver that fails twice: every event delivered once, in order per account, signed; the log has each attempt once")
    func twoInstancesDeliverOnce() throws {
        let (folder, url, receiver) = try Self.books(
            "pg-webhooks", behaviours: ["500", "500"],
            setUp: [["account", "create", "beta", "--at", "2026-01-01"], ["purchase", "beta", "100", "--at", "2026-01-01"]])
        defer { _ = folder }
        for name in ["acme", "beta"] { try CLI.succeed(["limit", name, "--soft", "1"], database: url) }
        let instances = try (0..<2).map { _ in try ServeProcess(database: url, arguments: ServeWebhookTests.fast) }
        defer { for instance in instances { instance.killNow() } }
        // A soft limit reached in each of six months, by each account: twelve events, charged through both instances' database.
        for month in 1...6 {
            for name in ["acme", "beta"] {
                try CLI.succeed(
                    ["charge", name, "--model", "milli", "--input", "15000", "--output", "0", "--at", "2026-0\(month)-02", "--id", "\(name)-\(month)"],
                    database: url)
            }
        }
        let seqs = try ServeWebhookTests.eventSeqs(database: url)
        #expect(seqs.count == 12)
        #expect(receiver.waitFor(Set(seqs), within: 60), "delivered \(receiver.delivered.sorted()) of \(seqs)")
        usleep(500_000)  // time for a second post of an event, were one to come
        let received = receiver.received.sorted { ($0["n"] as? Int ?? 0) < ($1["n"] as? Int ?? 0) }
        let answered = received.filter { $0["behaviour"] as? String == "ok" }.compactMap { $0["seq"] as? Int }
        #expect(answered.sorted() == seqs.sorted(), "each event answered 200 once: \(answered)")
        for account in ["acme", "beta"] {
            let order = received.filter { $0["account"] as? String == account }.compactMap { $0["seq"] as? Int }
            #expect(order == order.sorted(), "\(account) received out of order: \(order)")
        }
        #expect(received.allSatisfy { $0["valid"] as? Bool == true }, "\(received)")
        // The books' figures in either instance's metrics: the deliveries, the accounts, their balances.
        let created = try CLI.succeed(["keys", "create", "--role", "reader", "--format", "json"], database: url)
        let key = try #require((try JSONSerialization.jsonObject(with: Data(created.utf8)) as? [String: Any])?["secret"] as? String)
        let scraped = try RawConnection(port: instances[1].port).request("GET", "/metrics", headers: [("Authorization", "Bearer \(key)")])
        #expect(scraped.status == 200)
        for line in [#"tokenledger_webhook_deliveries{status="delivered"} 12"#, "tokenledger_accounts 2", #"tokenledger_events_total{kind="soft_limit"} 12"#] {
            #expect(scraped.text.contains(line), "\(line): \(scraped.text)")
        }
        #expect(scraped.text.contains(#"tokenledger_account_balance_usd{account="acme"} 91.000000000"#), "\(scraped.text)")
        for instance in instances {
            instance.signal(SIGTERM)
            #expect(instance.exitStatus(within: 30) == 0, "serve: \(instance.stderr)")
        }
        let attempts = try ServeWebhookTests.json(["webhooks", "log"], database: url)["attempts"] as? [[String: Any]] ?? []
        #expect(attempts.count == received.count, "one logged attempt per post: \(attempts)")
        #expect(attempts.filter { $0["outcome"] as? String == "retry" }.count == 2, "\(attempts)")
        let delivered = attempts.filter { $0["outcome"] as? String == "delivered" }.compactMap { $0["seq"] as? Int }
        #expect(delivered.sorted() == seqs.sorted(), "\(attempts)")
        let keys = attempts.map { "\($0["seq"] ?? "") \($0["attempt"] ?? "")" }
        #expect(Set(keys).count == keys.count, "an attempt number logged twice: \(keys)")
        let verified = try CLI.run(["verify", "--db", url])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
    }

    @Test("an instance SIGKILLed while it posts an event: another posts it once the claim lapses, and logs it")
    func claimLapses() throws {
        let (folder, url, receiver) = try Self.books("pg-webhooks-kill", behaviours: ["hang"])
        defer { _ = folder }
        let arguments = ["--webhook-retry-ms", "20", "--webhook-timeout-ms", "1000"]
        try CLI.succeed(["low-balance", "acme", "99.95"], database: url)
        let first = try ServeProcess(database: url, arguments: arguments)
        let second = try ServeProcess(database: url, arguments: arguments)
        defer { second.killNow() }
        try CLI.succeed(["charge", "acme", "--model", "milli", "--input", "1000", "--output", "0", "--id", "c1"], database: url)
        let seqs = try ServeWebhookTests.eventSeqs(database: url)
        #expect(seqs.count == 1)
        let deadline = Date().addingTimeInterval(30)
        while receiver.received.isEmpty && Date() < deadline { usleep(10_000) }
        #expect(receiver.received.count == 1, "the post did not arrive")
        // Whichever instance posted it, it dies before it records the attempt; the other one
        // posts it after the claim (timeout and margin: 11 s) lapses.
        first.killNow()
        second.killNow()
        let third = try ServeProcess(database: url, arguments: arguments)
        // The claim holds until then: a few seconds on, the event is not posted again.
        usleep(3_000_000)
        #expect(receiver.received.count == 1, "posted again before the claim lapsed: \(receiver.received)")
        #expect(receiver.waitFor(Set(seqs), within: 40), "not delivered after the claim lapsed: \(receiver.received)")
        third.signal(SIGTERM)
        #expect(third.exitStatus(within: 30) == 0, "serve: \(third.stderr)")
        let attempts = try ServeWebhookTests.json(["webhooks", "log"], database: url)["attempts"] as? [[String: Any]] ?? []
        #expect(attempts.map { $0["outcome"] as? String } == ["delivered"], "\(attempts)")
        #expect(receiver.received.count == 2, "\(receiver.received)")
    }
}
