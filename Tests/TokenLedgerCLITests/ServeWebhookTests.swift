import Foundation
import Testing

/// `tokenledger serve` posting events to a receiver on loopback (`ServiceClients/webhook_receiver.py`,
/// which checks each signature with the README's Python verifier).
@Suite("Webhooks delivered by serve", .serialized)
struct ServeWebhookTests {
    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("README.md")
    static let secret = "test-secret-0123456789"
    /// Short delays, so that a test's retries take milliseconds.
    static let fast = ["--webhook-retry-ms", "20", "--webhook-timeout-ms", "500", "--webhook-attempts", "50"]

    /// The receiver process, answering the first requests as `behaviours` says.
    final class Receiver {
        static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("ServiceClients/webhook_receiver.py")
        let child: ChildProcess
        let port: Int
        let log: String

        init(folder: ScratchFolder, behaviours: [String]) throws {
            log = folder.path("received.jsonl")
            child = try ChildProcess(
                URL(fileURLWithPath: "/usr/bin/env"),
                ["python3", Self.script.path, ServeWebhookTests.readme.path, ServeWebhookTests.secret, log, behaviours.joined(separator: ",")])
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline {
                if let line = child.stdout.split(separator: "\n").first(where: { $0.hasPrefix("listening ") }), let port = Int(line.dropFirst(10)) {
                    self.port = port
                    return
                }
                if !child.process.isRunning { break }
                usleep(10_000)
            }
            throw ServeFailure(status: -1, stderr: "the receiver did not listen: \(child.stderr)")
        }

        /// The requests received so far.
        var received: [[String: Any]] {
            guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return [] }
            return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }

        /// The seqs answered 200 so far.
        var delivered: Set<Int> {
            Set(received.filter { $0["behaviour"] as? String != "500" && $0["behaviour"] as? String != "hang" }.compactMap { $0["seq"] as? Int })
        }

        /// Waits until every one of `seqs` was answered 200 (at most `seconds`).
        func waitFor(_ seqs: Set<Int>, within seconds: Double) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if seqs.isSubset(of: delivered) { return true }
                usleep(50_000)
            }
            return false
        }
    }

    static func json(_ arguments: [String], database: String) throws -> [String: Any] {
        let output = try CLI.succeed(arguments + ["--format", "json"], database: database)
        return try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output)")
    }

    static func eventSeqs(database: String) throws -> [Int] {
        (try json(["events", "list", "--limit", "1000"], database: database)["events"] as? [[String: Any]] ?? []).compactMap { $0["seq"] as? Int }
    }

    @Test("a receiver that fails (500), times out, then recovers: every event delivered, in order per account, signed; the log has every attempt")
    func failsTimesOutRecovers() throws {
        let folder = try ScratchFolder("webhooks")
        let ledger = try ServedLedger(
            in: folder, setUp: [["account", "create", "beta", "--at", "2026-01-01"], ["purchase", "beta", "100", "--at", "2026-01-01"]])
        let receiver = try Receiver(folder: folder, behaviours: ["500", "hang", "500"])
        try CLI.succeed(["webhooks", "add", "http://127.0.0.1:\(receiver.port)/hook", "--secret", Self.secret], database: ledger.database)
        for name in ["acme", "beta"] { try CLI.succeed(["limit", name, "--soft", "1"], database: ledger.database) }
        let server = try ServeProcess(database: ledger.database, arguments: Self.fast)
        // A soft limit reached in each of four months, by each account: eight events.
        for month in 1...4 {
            for name in ["acme", "beta"] {
                try CLI.succeed(
                    ["charge", name, "--model", "milli", "--input", "15000", "--output", "0", "--at", "2026-0\(month)-02", "--id", "\(name)-\(month)"],
                    database: ledger.database)
            }
        }
        let seqs = try Self.eventSeqs(database: ledger.database)
        #expect(seqs.count == 8)
        #expect(receiver.waitFor(Set(seqs), within: 60), "delivered \(receiver.delivered.sorted()) of \(seqs)")
        let received = receiver.received.sorted { ($0["n"] as? Int ?? 0) < ($1["n"] as? Int ?? 0) }
        for account in ["acme", "beta"] {
            let order = received.filter { $0["account"] as? String == account }.compactMap { $0["seq"] as? Int }
            #expect(order == order.sorted(), "\(account) received out of order: \(order)")
        }
        #expect(received.allSatisfy { $0["valid"] as? Bool == true }, "\(received)")
        #expect(received.allSatisfy { $0["wrong_secret_valid"] as? Bool == false }, "the verifier took a wrong secret")
        #expect(received.allSatisfy { $0["kind"] as? String == "soft_limit" && $0["event_header"] as? String == "soft_limit" })
        server.signal(SIGTERM)
        #expect(server.exitStatus(within: 30) == 0, "serve: \(server.stderr)")
        let attempts = try Self.json(["webhooks", "log"], database: ledger.database)["attempts"] as? [[String: Any]] ?? []
        #expect(attempts.contains { $0["outcome"] as? String == "retry" && $0["status_code"] as? Int == 500 }, "\(attempts)")
        #expect(attempts.contains { $0["outcome"] as? String == "retry" && $0["status_code"] is NSNull && $0["error"] is String }, "\(attempts)")
        #expect(Set(attempts.filter { $0["outcome"] as? String == "delivered" }.compactMap { $0["seq"] as? Int }) == Set(seqs))
        #expect(try ledger.verify()["ok"] as? Bool == true)
    }

    /// A served ledger whose one event (a low balance) is being posted to a receiver that hangs
    /// on it: the ledger, the receiver, the running serve and the event's seq.
    static func postHanging(_ name: String, arguments: [String]) throws -> (ScratchFolder, ServedLedger, Receiver, ServeProcess, Int) {
        let folder = try ScratchFolder(name)
        let ledger = try ServedLedger(in: folder)
        let receiver = try Receiver(folder: folder, behaviours: ["hang"])
        try CLI.succeed(["webhooks", "add", "http://127.0.0.1:\(receiver.port)/hook", "--secret", Self.secret], database: ledger.database)
        try CLI.succeed(["low-balance", "acme", "99.95"], database: ledger.database)
        let server = try ServeProcess(database: ledger.database, arguments: arguments)
        try CLI.succeed(["charge", "acme", "--model", "milli", "--input", "1000", "--output", "0", "--id", "c1"], database: ledger.database)
        let seqs = try Self.eventSeqs(database: ledger.database)
        #expect(seqs.count == 1)
        let deadline = Date().addingTimeInterval(30)
        while receiver.received.isEmpty && Date() < deadline { usleep(10_000) }
        #expect(receiver.received.count == 1, "the post did not arrive")
        return (folder, ledger, receiver, server, seqs.first ?? -1)
    }

    @Test("serve SIGKILLed while an event is being posted (committed, not delivered): after a restart it is delivered")
    func killedBetweenCommitAndDelivery() throws {
        let arguments = ["--webhook-retry-ms", "20", "--webhook-timeout-ms", "10000"]
        let (folder, ledger, receiver, first, seq) = try Self.postHanging("webhooks-kill", arguments: arguments)
        defer { _ = folder }
        first.killNow()
        #expect(receiver.delivered.isEmpty)
        let second = try ServeProcess(database: ledger.database, arguments: arguments)
        #expect(receiver.waitFor([seq], within: 30), "not delivered after the restart: \(receiver.received)")
        second.signal(SIGTERM)
        #expect(second.exitStatus(within: 30) == 0, "serve: \(second.stderr)")
        let attempts = try Self.json(["webhooks", "log"], database: ledger.database)["attempts"] as? [[String: Any]] ?? []
        #expect(attempts.map { $0["outcome"] as? String } == ["delivered"], "\(attempts)")
        #expect(try ledger.verify()["ok"] as? Bool == true)
    }

    @Test("SIGTERM while a post hangs: serve exits 0 at once, the post unrecorded, and the next serve sends it")
    func promptShutdown() throws {
        let arguments = ["--webhook-retry-ms", "20", "--webhook-timeout-ms", "30000"]
        let (folder, ledger, receiver, first, seq) = try Self.postHanging("webhooks-term", arguments: arguments)
        defer { _ = folder }
        let signalled = Date()
        first.signal(SIGTERM)
        #expect(first.exitStatus(within: 20) == 0, "serve: \(first.stderr)")
        #expect(Date().timeIntervalSince(signalled) < 2.5, "the stop waited for the hanging post")
        #expect((try Self.json(["webhooks", "log"], database: ledger.database)["attempts"] as? [Any])?.isEmpty == true)
        let second = try ServeProcess(database: ledger.database, arguments: arguments)
        #expect(receiver.waitFor([seq], within: 30), "\(receiver.received)")
        second.signal(SIGTERM)
        #expect(second.exitStatus(within: 30) == 0, "serve: \(second.stderr)")
    }
}
