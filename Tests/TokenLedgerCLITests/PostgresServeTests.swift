import Foundation
import GRDB
import Testing
import TokenLedgerCore
import TokenLedgerTestSupport

/// `tokenledger serve` instances on one PostgreSQL database, under load from client processes
/// (`ServiceClients/service_client.py`, each request to the next instance in turn): a small
/// account with a hard limit, an account with auto-recharge, and instances killed (and the
/// database restarted) while clients retry through the others. The books are set up on a file
/// and migrated, as the README says, and checked by migrating them back.
@Suite("Service on PostgreSQL: many instances, one set of books", .serialized)
struct PostgresServeTests {
    static let seed = UInt64(ProcessInfo.processInfo.environment["TOKENLEDGER_SERVE_SEED"] ?? "") ?? 20_261_207
    static let cyclesPerClient = 400
    static let kills = 30

    /// The served ledger of ``ServedLedger``, moved into the PostgreSQL database `url`.
    static func books(in folder: ScratchFolder, url: String, purchaseDollars: String, setUp: [[String]] = []) throws -> ServedLedger {
        let ledger = try ServedLedger(in: folder, purchaseDollars: purchaseDollars, setUp: setUp)
        let moved = try CLI.run(["migrate", "--from", ledger.database, "--to", url])
        try #require(moved.status == 0, "\(moved.stdout)\(moved.stderr)")
        return ledger
    }

    /// The books in `url` copied back into a new file (proved equal by `migrate`), to read with
    /// the file's commands.
    static func copyBack(_ url: String, into folder: ScratchFolder, named name: String) throws -> String {
        let path = folder.path(name)
        let copied = try CLI.run(["migrate", "--from", url, "--to", path])
        #expect(copied.status == 0, "\(copied.stdout)\(copied.stderr)")
        return path
    }

    @Test(
        "two instances answer as one: a charge and its retry on the other, the balance, prices set, imported and charged by, the FOCUS export, a reconciliation and a usage import (again on the other: nothing twice), health names the database"
    )
    func twoInstancesAnswerAsOne() throws {
        let folder = try ScratchFolder("pg-serve-routes")
        let url = try PostgresTestServer.freshDatabase()
        let ledger = try Self.books(in: folder, url: url, purchaseDollars: "20")
        let first = try ServeProcess(database: url)
        let second = try ServeProcess(database: url)
        defer {
            first.killNow()
            second.killNow()
        }
        let auth = [("Authorization", "Bearer \(ledger.key)"), ("Content-Type", "application/json")]
        let charge = Array(#"{"account":"acme","model":"milli","input_tokens":100,"output_tokens":10,"id":"c-1","at":"2026-01-02T00:00:00Z"}"#.utf8)
        let made = try RawConnection(port: first.port).request("POST", "/v1/charges", headers: auth, body: charge)
        #expect(made.status == 201, "\(made.text)")
        #expect(made.json["cost_usd"] as? String == "0.011000000", "\(made.text)")
        let retried = try RawConnection(port: second.port).request("POST", "/v1/charges", headers: auth, body: charge)
        #expect(retried.status == 201)
        #expect(retried.headers["idempotent-replayed"] == "true", "\(retried.headers)")
        #expect(retried.json["balance_usd"] as? String == made.json["balance_usd"] as? String)
        let health = try RawConnection(port: second.port).request("GET", "/healthz")
        #expect(health.status == 200)
        #expect((health.json["ledger"] as? String)?.hasPrefix("postgres://tokenledger@127.0.0.1:") == true, "\(health.text)")
        let balance = try RawConnection(port: first.port).request("GET", "/v1/accounts/acme/balance?at=2026-01-03T00:00:00Z", headers: auth)
        #expect(balance.status == 200, "\(balance.text)")
        #expect(balance.json["balance_usd"] as? String == made.json["balance_usd"] as? String, "\(balance.text)")
        // An admin key made on PostgreSQL (`keys create` runs there) may read the books.
        let created = try CLI.run(["keys", "create", "--role", "admin", "--db", url, "--format", "json"])
        #expect(created.status == 0, "\(created.stderr)")
        let secret = try #require((try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])?["secret"] as? String)
        let admin = [("Authorization", "Bearer \(secret)")]
        let report = try RawConnection(port: first.port).request("GET", "/v1/reports/monthly?month=2026-01", headers: admin)
        #expect(report.status == 200, "\(report.text)")
        #expect(report.text.contains("\"cost_usd\":\"0.011000000\""), "\(report.text)")
        // The journal, the statement, charges and events read from PostgreSQL as from a file.
        let journal = try RawConnection(port: first.port).request("GET", "/v1/accounts/acme/journal", headers: admin)
        #expect(journal.status == 200, "\(journal.text)")
        #expect(journal.text.contains("\"id\":\"c-1\""), "\(journal.text)")
        let statement = try RawConnection(port: second.port).request(
            "GET", "/v1/accounts/acme/statement?month=2026-01&at=2026-02-01T00:00:00Z", headers: admin)
        #expect(statement.status == 200, "\(statement.text)")
        #expect(statement.text.contains("\"usage_usd\":\"0.011000000\""), "\(statement.text)")
        let charges = try RawConnection(port: second.port).request("GET", "/v1/charges?account=acme", headers: admin)
        #expect(charges.status == 200, "\(charges.text)")
        #expect(charges.text.contains("\"id\":\"c-1\""), "\(charges.text)")
        let shown = try RawConnection(port: first.port).request("GET", "/v1/charges/c-1", headers: admin)
        #expect(shown.status == 200, "\(shown.text)")
        let events = try RawConnection(port: first.port).request("GET", "/v1/events", headers: admin)
        #expect(events.status == 200, "\(events.text)")
        // Prices: set on one instance, its retry on the other replayed; listed, imported, and charged by.
        let adminJSON = admin + [("Content-Type", "application/json")]
        let price = Array(
            #"{"model":"house-1","input_usd_per_million":"2","output_usd_per_million":"8","effective_from":"2026-01-01T00:00:00Z"}"#.utf8)
        let priced = try RawConnection(port: first.port).request("POST", "/v1/prices", headers: adminJSON, body: price)
        #expect(priced.status == 201 && priced.headers["idempotent-replayed"] == nil, "\(priced.text)")
        let repriced = try RawConnection(port: second.port).request("POST", "/v1/prices", headers: adminJSON, body: price)
        #expect(repriced.status == 201 && repriced.headers["idempotent-replayed"] == "true", "\(repriced.text)")
        let otherPrice = Array(String(decoding: price, as: UTF8.self).replacingOccurrences(of: #""8""#, with: #""9""#).utf8)
        let conflict = try RawConnection(port: second.port).request("POST", "/v1/prices", headers: adminJSON, body: otherPrice)
        #expect(conflict.status == 409 && conflict.json["code"] as? String == "price_exists", "\(conflict.text)")
        let catalog = Array(#"{"house-2": {"input_cost_per_token": 0.000001, "output_cost_per_token": 0.000004, "mode": "chat"}}"#.utf8)
        let pricesImported = try RawConnection(port: second.port).request(
            "POST", "/v1/prices/import?effective_from=2026-01-01T00:00:00Z&file=house.json", headers: adminJSON, body: catalog)
        #expect(pricesImported.status == 201 && pricesImported.json["added_count"] as? Int == 1, "\(pricesImported.text)")
        let listed = try RawConnection(port: first.port).request("GET", "/v1/prices?model=house-2", headers: admin)
        #expect(listed.status == 200 && listed.text.contains("\"source\":\"litellm\""), "\(listed.text)")
        let onNewPrice = Array(#"{"account":"acme","model":"house-1","input_tokens":1000000,"output_tokens":0,"id":"c-2","at":"2026-01-02T00:00:00Z"}"#.utf8)
        let charged = try RawConnection(port: second.port).request("POST", "/v1/charges", headers: auth, body: onNewPrice)
        #expect(charged.status == 201 && charged.json["cost_usd"] as? String == "2.000000000", "\(charged.text)")
        let focus = try RawConnection(port: first.port).request("GET", "/v1/exports/focus?month=2026-01", headers: admin + [("Accept", "text/csv")])
        #expect(focus.status == 200 && focus.text.contains(",house-1,"), "\(focus.text)")
        let bill = Array("start_time,end_time,amount_value,amount_currency,line_item\n1767312000,1767398400,2.011,usd,\"house-1, input\"\n".utf8)
        let reconciled = try RawConnection(port: second.port).request(
            "POST", "/v1/reconcile?account=acme&file=costs.csv", headers: admin + [("Content-Type", "text/csv")], body: bill)
        #expect(reconciled.status == 200, "\(reconciled.text)")
        #expect(reconciled.text.contains("\"status\":\"match\""), "\(reconciled.text)")
        let usage = Array("time,model,input_tokens,cached_tokens,output_tokens\n2026-01-03T00:00:00Z,house-1,10,0,1\n".utf8)
        let imported = try RawConnection(port: first.port).request(
            "POST", "/v1/usage/import?account=acme&input_format=csv&file=usage.csv", headers: admin + [("Content-Type", "text/csv")], body: usage)
        #expect(imported.status == 201 && imported.json["charged"] as? Int == 1, "\(imported.text)")
        let reimported = try RawConnection(port: second.port).request(
            "POST", "/v1/usage/import?account=acme&input_format=csv&file=usage.csv", headers: admin + [("Content-Type", "text/csv")], body: usage)
        #expect(reimported.status == 201 && reimported.json["charged"] as? Int == 0 && reimported.json["duplicates"] as? Int == 1, "\(reimported.text)")
        let verify = try RawConnection(port: second.port).request("GET", "/v1/verify", headers: admin)
        #expect(verify.json["ok"] as? Bool == true, "\(verify.text)")
    }

    @Test(
        "3 instances, 4 client processes × 400 reserve/settle/void cycles through all of them against $5 with a $1 hard limit: never more admitted than affordable, the books equal what was acknowledged"
    )
    func clientsAgainstALimit() throws {
        let folder = try ScratchFolder("pg-serve-clients")
        let url = try PostgresTestServer.freshDatabase()
        let ledger = try Self.books(in: folder, url: url, purchaseDollars: "5", setUp: [["limit", "acme", "--hard", "1"]])
        let servers = try (0..<3).map { _ in try ServeProcess(database: url) }
        let ports = servers.map { "\($0.port)" }.joined(separator: ",")
        let clients = try (1...4).map { worker in
            try ClientProcess(["cycles", ports, ledger.key, "acme", "w\(worker)", "\(Self.cyclesPerClient)", "\(Self.seed &+ UInt64(worker))"])
        }
        let summaries = clients.map { $0.summary(within: 600) }
        for server in servers {
            server.signal(SIGTERM)
            #expect(server.exitStatus(within: 30) == 0, "\(server.stderr)")
        }
        var settled = 0, refused = 0, charged: Int64 = 0
        for (worker, summary) in summaries.enumerated() {
            let unexpected = summary["unexpected"] as? [String]
            #expect(unexpected?.isEmpty == true, "client \(worker + 1), seed \(Self.seed): \(unexpected?.prefix(5) ?? [])")
            let codes = summary["refused"] as? [String: Int] ?? [:]
            #expect(Set(codes.keys).isSubset(of: ["hard_limit", "insufficient_balance"]), "\(codes)")
            let admitted = summary["admitted"] as? Int ?? -1
            #expect(admitted + codes.values.reduce(0, +) == Self.cyclesPerClient)
            #expect((summary["settled"] as? Int ?? -1) + (summary["voided"] as? Int ?? -1) == admitted)
            // No hold was admitted past the balance, whichever instance admitted it.
            #expect((summary["min_available_nanos"] as? Int ?? -1) >= 0, "client \(worker + 1): \(summary)")
            settled += summary["settled"] as? Int ?? 0
            refused += codes.values.reduce(0, +)
            charged += Int64(summary["charged_nanos"] as? Int ?? -1)
        }
        #expect(refused > Self.cyclesPerClient, "only \(refused) refused: the limit was never under pressure")
        let back = ServedLedger(database: try Self.copyBack(url, into: folder, named: "back.sqlite"), key: ledger.key)
        let balance = try back.balance()
        let spent = try #require(nanos(balance["month_to_date_usd"]))
        #expect(spent == charged, "the books' spend against the settles acknowledged (seed \(Self.seed))")
        // Spend stops at the limit, within one hold ($0.003: 30 tokens at $0.0001) of it.
        #expect(spent <= 1_000_000_000 && spent > 1_000_000_000 - 3_000_000, "spent \(spent) nanodollars (seed \(Self.seed))")
        #expect(nanos(balance["balance_usd"]) == 5_000_000_000 - spent)
        #expect(nanos(balance["reserved_usd"]) == 0)
        let verify = try back.verify()
        #expect(verify["ok"] as? Bool == true && verify["charges"] as? Int == settled, "\(verify)")
    }

    @Test(
        "3 instances, 4 clients charging one account with auto-recharge through all of them: every recharge decided on the balance its own charge left, none doubled"
    )
    func rechargesNotDoubled() throws {
        let folder = try ScratchFolder("pg-serve-recharge")
        let url = try PostgresTestServer.freshDatabase()
        // `milli` at a cent a token from mid-2025: a charge of the client costs up to $0.11.
        let ledger = try Self.books(
            in: folder, url: url, purchaseDollars: "6",
            setUp: [
                ["recharge", "acme", "--threshold", "5", "--restore-to", "10", "--at", "2026-01-01"],
                ["prices", "set", "milli", "--input", "10000", "--output", "10000", "--effective-from", "2025-06-01"],
            ])
        let servers = try (0..<3).map { _ in try ServeProcess(database: url) }
        let ports = servers.map { "\($0.port)" }.joined(separator: ",")
        let stop = folder.path("stop")
        let clients = try (1...4).map { worker in try ClientProcess(["retrying", ports, ledger.key, "acme", "a\(worker)", stop]) }
        usleep(8_000_000)
        _ = FileManager.default.createFile(atPath: stop, contents: nil)
        let summaries = clients.map { $0.summary(within: 120) }
        for server in servers {
            server.signal(SIGTERM)
            #expect(server.exitStatus(within: 30) == 0, "\(server.stderr)")
        }
        var acknowledged = 0
        for summary in summaries {
            #expect((summary["unexpected"] as? [String])?.isEmpty == true, "\(summary["unexpected"] ?? "")")
            acknowledged += (summary["charges"] as? [String: Int])?.count ?? 0
            acknowledged += (summary["reservations"] as? [String: Int])?.count ?? 0
        }
        let back = try Self.copyBack(url, into: folder, named: "back.sqlite")
        let queue = try DatabaseQueue(path: back)
        let attempts = try queue.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT u.balance_after_nanos AS before, t.balance_after_nanos AS after, r.status FROM recharge_attempt r
                    JOIN usage u ON u.id = r.usage_id LEFT JOIN transfer t ON t.id = r.transfer_id ORDER BY r.id
                    """)
        }
        let charges = try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM usage") ?? -1 }
        try queue.close()
        #expect(charges == acknowledged)
        // Recharges happen, each when its own charge took the balance below $5, and bring it to $10.
        #expect(attempts.count >= 2, "\(attempts.count) recharges in \(charges) charges")
        for attempt in attempts {
            #expect((attempt["status"] as String) == "succeeded")
            #expect((attempt["before"] as Int64) < 5_000_000_000, "a recharge above the threshold: doubled")
            #expect((attempt["after"] as Int64) == 10_000_000_000)
        }
        #expect(try ServedLedger(database: back, key: ledger.key).verify()["ok"] as? Bool == true)
    }

    @Test(
        "as a new user would: the demo migrated into PostgreSQL, two instances charging it, and the books copied back equal the original plus the same charges"
    )
    func demoPlusCharges() throws {
        let folder = try ScratchFolder("pg-serve-demo")
        let demo = folder.path("demo.sqlite"), original = folder.path("original.sqlite")
        try CLI.succeed(["demo"], database: demo)
        let url = try PostgresTestServer.freshDatabase()
        let moved = try CLI.run(["migrate", "--from", demo, "--to", url])
        try #require(moved.status == 0, "\(moved.stdout)\(moved.stderr)")
        try FileManager.default.moveItem(atPath: demo, toPath: original)
        let created = try CLI.succeed(["keys", "create", "--role", "gateway", "--format", "json"], database: url)
        let key = try #require((try JSONSerialization.jsonObject(with: Data(created.utf8)) as? [String: Any])?["secret"] as? String)
        let instances = try (0..<2).map { _ in try ServeProcess(database: url) }
        defer { for instance in instances { instance.killNow() } }
        let auth = [("Authorization", "Bearer \(key)"), ("Content-Type", "application/json")]
        // Twelve charges, each to one instance in turn and retried on the other; the same charges on the original file.
        for number in 0..<12 {
            // Each at a time of its own: entries at the same time are listed in the order of their keys, which
            // on PostgreSQL each instance draws from a block of its own (not the order they were written in).
            let at = "2025-11-\(String(format: "%02d", number + 1))T12:00:00Z", input = 1_000 + 137 * number, output = 50 + 11 * number
            let body = Array(
                #"{"account":"acme","model":"gpt-4o-mini","input_tokens":\#(input),"output_tokens":\#(output),"id":"new-\#(number)","at":"\#(at)"}"#
                    .utf8)
            let made = try RawConnection(port: instances[number % 2].port).request("POST", "/v1/charges", headers: auth, body: body)
            #expect(made.status == 201, "\(made.text)")
            let retried = try RawConnection(port: instances[1 - number % 2].port).request("POST", "/v1/charges", headers: auth, body: body)
            #expect(retried.status == 201 && retried.headers["idempotent-replayed"] == "true", "\(retried.text)")
            try CLI.succeed(
                ["charge", "acme", "--model", "gpt-4o-mini", "--input", "\(input)", "--output", "\(output)", "--id", "new-\(number)", "--at", at],
                database: original)
        }
        for instance in instances {
            instance.signal(SIGTERM)
            #expect(instance.exitStatus(within: 30) == 0, "serve: \(instance.stderr)")
        }
        let back = try Self.copyBack(url, into: folder, named: "back.sqlite")
        for command in [
            ["balance", "acme", "--at", "2025-12-01"], ["report", "monthly", "--month", "2025-11", "--by", "model,day"],
            ["statement", "acme", "--month", "2025-11", "--at", "2025-12-01"], ["journal", "acme", "--from", "2025-11-01", "--to", "2025-12-01"],
            ["verify"],
        ] {
            let onCopy = try CLI.succeed(command + ["--format", "json"], database: back)
            #expect(onCopy == (try CLI.succeed(command + ["--format", "json"], database: original)), "\(command)")
        }
        #expect(try CLI.succeed(["verify"], database: back).contains("19,378 charges repriced exactly"))
    }

    @Test(
        "30 SIGKILLs of one of 3 instances, and a database restart, under 4 clients retrying through the others with the same Idempotency-Key: every acknowledged write once, nothing else, verify passes"
    )
    func killedUnderLoad() throws {
        var random = SplitMix64(seed: Self.seed)
        let folder = try ScratchFolder("pg-serve-kills")
        // A server of its own, to restart without disturbing other tests.
        let serverFolder = folder.path("postgres")
        let started = PostgresTestServer.run(PostgresTestServer.scriptPath, ["start", serverFolder])
        try #require(started.status == 0, "\(started.errors)")
        defer { _ = PostgresTestServer.run(PostgresTestServer.scriptPath, ["stop", serverFolder]) }
        let url = started.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let ledger = try Self.books(in: folder, url: url, purchaseDollars: "1000")
        // Each instance on a port of its own for every start, so clients find it again.
        let ports = try (0..<3).map { _ in try RawConnection.freePort() }
        var servers = try ports.map { try ServeProcess(database: url, port: $0) }
        let stop = folder.path("stop")
        let clients = try (1...4).map { worker in
            try ClientProcess(["retrying", ports.map(String.init).joined(separator: ","), ledger.key, "acme", "k\(worker)", stop])
        }
        for kill in 1...Self.kills {
            usleep(useconds_t(Int.random(in: 100...400, using: &random) * 1_000))
            let victim = Int.random(in: 0..<servers.count, using: &random)
            servers[victim].killNow()
            if kill == Self.kills / 2 {
                let restarted = PostgresTestServer.run(PostgresTestServer.scriptPath, ["restart", serverFolder])
                #expect(restarted.status == 0, "\(restarted.errors)")
            }
            servers[victim] = try ServeProcess(database: url, port: ports[victim])
        }
        usleep(300_000)
        _ = FileManager.default.createFile(atPath: stop, contents: nil)
        let summaries = clients.map { $0.summary(within: 120) }
        for server in servers {
            server.signal(SIGTERM)
            #expect(server.exitStatus(within: 30) == 0, "\(server.stderr)")
        }
        let acknowledged = AcknowledgedWrites(summaries, seed: Self.seed)
        #expect(acknowledged.retries > 0, "no request retried: the kills missed the clients")
        // The load was real: writes between the kills (not a speed: the speed targets are the benchmarks').
        #expect(acknowledged.costs.count > 3 * Self.kills, "only \(acknowledged.costs.count) writes acknowledged")
        let copy = ServedLedger(database: try Self.copyBack(url, into: folder, named: "back.sqlite"), key: ledger.key)
        try acknowledged.expectExactly(in: copy, purchasedNanos: 1_000_000_000_000, seed: Self.seed)
    }
}

extension ServedLedger {
    /// The ledger at `database` (a copy of one set up by the main initializer), with its key.
    init(database: String, key: String) {
        self.database = database
        self.key = key
    }
}
