import Foundation
import GRDB
import NIOCore
import Testing
import TokenLedgerCore
import TokenLedgerTestSupport

@testable import TokenLedger
@testable import TokenLedgerPostgres

@Suite("PostgreSQL: where a ledger is, read from its URL")
struct PostgresLocationTests {
    let noEnvironment: [String: String] = ["HOME": "/nonexistent"]

    @Test("a URL gives user, password, host, port, database and TLS mode; defaults as libpq's")
    func parsing() throws {
        let full = try PostgresLocation(url: "postgres://bob:s%3Ac%40ret@db.internal:6543/books?sslmode=require", environment: noEnvironment)
        #expect(full.user == "bob")
        #expect(full.password == "s:c@ret")
        #expect(full.host == "db.internal")
        #expect(full.port == 6543)
        #expect(full.database == "books")
        #expect(full.tlsMode == .require)
        let bare = try PostgresLocation(url: "postgresql://", environment: noEnvironment)
        #expect(bare.user == PostgresLocation.loginName())
        #expect(bare.database == bare.user)
        #expect(bare.host == nil)
        #expect(bare.socketPath == "/var/run/postgresql/.s.PGSQL.5432")
        #expect(bare.tlsMode == .prefer)
        let fromEnvironment = try PostgresLocation(
            url: "postgres:///books", environment: ["PGUSER": "carol", "PGHOST": "10.0.0.7", "PGPORT": "5499", "PGPASSWORD": "pw"])
        #expect(fromEnvironment.user == "carol")
        #expect(fromEnvironment.host == "10.0.0.7")
        #expect(fromEnvironment.port == 5499)
        #expect(fromEnvironment.password == "pw")
        let socket = try PostgresLocation(url: "postgres://dave@/books?host=/run/pg", environment: noEnvironment)
        #expect(socket.socketPath == "/run/pg/.s.PGSQL.5432")
        let v6 = try PostgresLocation(url: "postgres://dave@[::1]:5433/books", environment: noEnvironment)
        #expect(v6.host == "::1")
        #expect(v6.description == "postgres://dave@[::1]:5433/books")
    }

    @Test("the password is never shown: not in the description, not in an error about the URL")
    func passwordNeverShown() throws {
        let location = try PostgresLocation(url: "postgres://bob:hunter2@db:5432/books", environment: noEnvironment)
        #expect(location.description == "postgres://bob@db:5432/books")
        #expect(!"\(location)".contains("hunter2"))
        do {
            _ = try PostgresLocation(url: "postgres://bob:hunter2@db:5432/books?sslmode=sometimes", environment: noEnvironment)
            Issue.record("an unknown sslmode was accepted")
        } catch let error as InputError {
            #expect(error.field == "--db")
            #expect(error.reason.contains("sslmode 'sometimes'"))
            #expect(!error.description.contains("hunter2"), "\(error)")
        }
        #expect(PostgresLocation.redacted("postgres://u:hunter2@h/d?password=x&sslmode=disable") == "postgres://u:***@h/d?password=***&sslmode=disable")
    }

    @Test(
        "bad URLs are refused naming what is wrong",
        arguments: [
            ("postgres://h/books?fsync=off", "unknown parameter 'fsync'"),
            ("postgres://h:0/books", "port"),
            ("postgres://h/books/more", "not a database name"),
            ("postgres:///books?sslmode=verify-full", "needs a host"),
            ("postgres://h/books?connect_timeout=soon", "connect_timeout"),
        ])
    func refused(url: String, says: String) throws {
        do {
            _ = try PostgresLocation(url: url, environment: noEnvironment)
            Issue.record("\(url) was accepted")
        } catch let error as InputError {
            #expect(error.reason.contains(says), "\(error)")
        }
    }

    @Test("the password file gives the password of the first matching line, libpq's way, and only when private")
    func passwordFile() throws {
        try withScratchDirectory { directory in
            let file = directory.path(".pgpass")
            let lines = """
                # comment
                other:5432:books:bob:wrong
                db1:*:books:bob:pa\\:s\\\\s
                *:*:*:bob:fallback
                """
            try lines.write(toFile: file, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
            let environment = ["PGPASSFILE": file, "USER": "bob"]
            #expect(try PostgresLocation(url: "postgres://bob@db1:5432/books", environment: environment).password == "pa:s\\s")
            #expect(try PostgresLocation(url: "postgres://bob@elsewhere/x", environment: environment).password == "fallback")
            #expect(try PostgresLocation(url: "postgres://eve@elsewhere/x", environment: environment).password == nil)
            // The URL's password and PGPASSWORD come first.
            #expect(try PostgresLocation(url: "postgres://bob:given@elsewhere/x", environment: environment).password == "given")
            #expect(try PostgresLocation(url: "postgres://bob@elsewhere/x", environment: environment.merging(["PGPASSWORD": "env"]) { $1 }).password == "env")
            // A file others may read is not used.
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
            #expect(try PostgresLocation(url: "postgres://bob@elsewhere/x", environment: environment).password == nil)
        }
    }

    @Test("a migration's SQL splits into statements at the semicolons that end them, not inside quotes, bodies or comments")
    func statements() {
        let sql = """
            -- a comment; with a semicolon
            CREATE TABLE t (a text DEFAULT 'x;y', "odd;name" int);
            /* a block; /* nested; */ still */ INSERT INTO t VALUES ('it''s; fine', 1);
            CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;
            CREATE FUNCTION g() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 2; END $body$;
            SELECT $1::int;
              ;
            """
        let statements = PostgresSession.statements(in: sql)
        #expect(statements.count == 5, "\(statements)")
        #expect(statements.first?.hasSuffix("\"odd;name\" int)") == true, "\(statements)")
        #expect(statements[1].hasSuffix("VALUES ('it''s; fine', 1)"), "\(statements)")
        #expect(statements[2] == "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$")
        #expect(statements[3].hasSuffix("$body$ BEGIN RETURN 2; END $body$"))
        #expect(statements[4] == "SELECT $1::int")
        // ? placeholders become PostgreSQL's, numbered as SQLite numbers them; quoted ones stay.
        let query = try? PostgresSession.query("SELECT ?, '?', ?2, \"a?\" FROM t WHERE x = ? AND y = ?1", sqlValues(1, 2, 3))
        #expect(query?.sql == "SELECT $1, '?', $2, \"a?\" FROM t WHERE x = $3 AND y = $1")
    }

    @Test("a sum PostgreSQL gives as numeric reads as the exact integer")
    func numericWholeNumbers() throws {
        // (digits in base 10,000, weight, sign) as PostgreSQL sends them
        let cases: [([Int16], Int16, UInt16, Int64?)] = [
            ([], 0, 0, 0), ([1234, 5678], 1, 0, 12_345_678), ([1], 1, 0, 10_000), ([9], 4, 0x4000, -90_000_000_000_000_000),
            ([922, 3372, 368, 5477, 5807], 4, 0, Int64.max), ([5000], -1, 0, nil), ([922, 3372, 368, 5477, 5808], 4, 0, nil),
            ([1, 5000], 0, 0, nil),
        ]
        for (digits, weight, sign, expected) in cases {
            var buffer = ByteBuffer()
            buffer.writeInteger(Int16(digits.count))
            buffer.writeInteger(weight)
            buffer.writeInteger(sign)
            buffer.writeInteger(Int16(0))
            for digit in digits { buffer.writeInteger(digit) }
            #expect(PostgresSession.wholeNumber(numeric: &buffer) == expected, "\(digits) weight \(weight)")
        }
    }

    @Test("combined reads' JSON reads back as the cells would: whole numbers, text with every escape, booleans, NULL; no float, no nesting")
    func combinedReadsJSON() throws {
        var parser = CombinedReads.Parser(
            bytes: Array(#"[{"a":-9223372036854775808,"b":"q\"\\\/\b\f\n\r\t\u0001é\ud83d\ude00","c":true,"d":false,"e":null,"f":1200.000}"#.utf8)
                + Array(", \n {}]".utf8))
        let rows = try parser.rows()
        #expect(rows.count == 2)
        #expect(rows[0]["a"] as Int64 == Int64.min)
        #expect(rows[0]["b"] as String == "q\"\\/\u{8}\u{C}\n\r\t\u{1}é😀")
        #expect(rows[0]["c"] as Int64 == 1 && rows[0]["d"] as Int64 == 0 && rows[0]["f"] as Int64 == 1_200)
        #expect(rows[0]["e"] as DatabaseValue == .null)
        #expect(rows[1].isEmpty)
        var empty = CombinedReads.Parser(bytes: Array("[]".utf8))
        #expect(try empty.rows().isEmpty)
        for refused in [
            #"[{"x":1.5}]"#, #"[{"x":1e3}]"#, #"[{"x":[1]}]"#, #"[{"x":{"y":1}}]"#, #"[{"x":"unterminated}]"#, #"[{"x":1}"#, #"[{"x":99999999999999999999}]"#,
        ] {
            var parser = CombinedReads.Parser(bytes: Array(refused.utf8))
            #expect(throws: LedgerError.self, "\(refused)") { try parser.rows() }
        }
        #expect(CombinedReads.combinable("SELECT * FROM lot WHERE account_id IN (?, ?)"))
        #expect(!CombinedReads.combinable("SELECT * FROM account WHERE id = ? FOR UPDATE"))
        #expect(!CombinedReads.combinable("SELECT ?1, ?2"))
        #expect(!CombinedReads.combinable("INSERT INTO t VALUES (?)"))
    }
}

@Suite("PostgreSQL: the store on a real server")
struct PostgresStoreTests {
    @Test("init makes the schema (system accounts, tiers), once; without it a database is no ledger; a newer schema is refused")
    func schema() throws {
        let url = try PostgresTestServer.freshDatabase()
        do {
            _ = try PostgresLedger.open(url: url)
            Issue.record("an empty database opened as a ledger")
        } catch let error as LedgerError {
            #expect(error.kind == .missing)
        }
        let ledger = try PostgresLedger.open(url: url, create: true)
        #expect(try ledger.schemaVersion() == SchemaTests.migrationFileIdentifiers(postgres: true))
        #expect(try ledger.loadDefaultPrices() == DefaultPriceBook.entries.count)
        #expect(try ledger.loadDefaultPrices() == 0)
        let report = try ledger.verify()
        #expect(report.ok, "\(report.problems)")
        #expect(report.accounts == 0)
        let system = try ledger.withSession { try $0.select("SELECT name FROM account_balance ORDER BY id").map { $0["name"] as String } }
        #expect(system == ["@payments", "@grants", "@usage", "@expired", "@adjustments"])
        try ledger.withSession { try $0.execute("INSERT INTO tokenledger_migrations (identifier) VALUES ('pg9999_future')") }
        ledger.close()
        do {
            _ = try PostgresLedger.open(url: url)
            Issue.record("a newer schema opened")
        } catch let error as LedgerError {
            #expect(error.kind == .newerSchema)
            #expect(error.detail.contains("pg9999_future"))
        }
    }

    @Test("reads combined into one statement answer what they answer one by one, rows in order, types as read from the cells")
    func combinedReads() throws {
        try withPostgresLedger { ledger, _ in
            let statements: [(sql: String, arguments: [DatabaseValue])] = [
                (
                    "SELECT CAST(? AS bigint) AS n, CAST(? AS text) AS t, true AS yes, NULL::text AS nothing",
                    sqlValues(-42, "a \"quoted\"\\ tab\t line\n é 😀 \u{1}")
                ),
                ("SELECT g AS n FROM generate_series(1, ?) g ORDER BY g DESC", sqlValues(5)),
                ("SELECT name FROM account_balance WHERE id > ? ORDER BY id", sqlValues(100)),
                ("SELECT CAST(sum(g) AS numeric) AS total, count(*) AS n FROM generate_series(1, ?) g", sqlValues(10)),
                ("SELECT id, name FROM account_balance WHERE id IN (?, ?) ORDER BY id", sqlValues(3, 1)),
            ]
            let (one, combined, sent) = try ledger.withSession { session in
                let one = try session.selectAll(statements)
                let before = session.statementsSent
                let combined = try session.selectCombining(statements)
                return (one, combined, session.statementsSent - before)
            }
            #expect(sent == 1)
            #expect(combined == one)
            #expect(combined[0].first?["t"] as String? == "a \"quoted\"\\ tab\t line\n é 😀 \u{1}")
            #expect(combined[1].map { $0["n"] as Int64 } == [5, 4, 3, 2, 1])
            #expect(combined[2].isEmpty && combined[3].first?["total"] as Int64? == 55)
            #expect(combined[4].map { $0["name"] as String } == ["@payments", "@usage"])
        }
    }

    @Test("no floating point crosses the store's boundary: a float read or a double bound is an error naming the database")
    func noFloatingPoint() throws {
        try withPostgresLedger { ledger, _ in
            for (sql, arguments) in [("SELECT 1.5::float8 AS x", [DatabaseValue]()), ("SELECT CAST(? AS bigint) AS x", sqlValues(1.5))] {
                do {
                    _ = try ledger.withSession { try $0.select(sql, arguments) }
                    Issue.record("\(sql) gave a floating-point value")
                } catch let error as LedgerError {
                    #expect(error.detail.contains("floating-point"), "\(error)")
                    #expect(error.path == ledger.location.description, "\(error)")
                }
            }
        }
    }

    @Test("the month functions both stores use agree with Timestamp, at every month's edges")
    func monthFunctions() throws {
        try withPostgresLedger { ledger, _ in
            var instants: [Int64] = [0, 1, 86_399_999, 951_782_400_000 /* 2000-02-29 */, 253_402_300_799_999 /* 9999-12-31T23:59:59.999 */]
            for year in [1970, 2024, 2025, 2100] {
                for month in 1...12 {
                    let start = Timestamp(year: year, month: month, day: 1, hour: 0, minute: 0, second: 0).milliseconds
                    instants += [start - 1, start, start + 1]
                }
            }
            for ms in instants where ms >= 0 {
                let row = try ledger.withSession {
                    try $0.select("SELECT tokenledger_month_start(?) AS s, tokenledger_next_month_start(?) AS n", sqlValues(ms, ms))[0]
                }
                #expect(row["s"] as Int64 == Timestamp(milliseconds: ms).startOfMonth.milliseconds, "\(ms)")
                #expect(row["n"] as Int64 == Timestamp(milliseconds: ms).startOfNextMonth.milliseconds, "\(ms)")
            }
        }
    }

    @Test("books of every kind copy into PostgreSQL and back, proved equal, and verify on both")
    func roundTrip() throws {
        try withLedger { fixture in
            let run = RandomRun(ledger: fixture.ledger, raw: fixture.raw, seed: 0x9057_6E5A)
            try run.start()
            for step in 1...250 { try run.step(step) }
            try addControlsAndAccess(to: fixture.ledger, at: run.now)
            let report = try withPostgresLedger { postgres, url in
                let copied = try postgres.copy(from: fixture.ledger)
                #expect(copied.copyVerify.ok, "\(copied.copyVerify.problems)")
                #expect(copied.copyVerify.transfers == copied.sourceVerify.transfers)
                #expect(copied.copyVerify.usages == copied.sourceVerify.usages)
                #expect(copied.comparedFigures == BooksFingerprint.queries.count)
                for table in ["account", "transfer", "lot", "usage", "reservation", "spend_limit", "api_key", "event", "webhook_endpoint"] {
                    #expect(copied.rows.first { $0.table == table }!.count > 0, "no \(table) rows were copied")
                }
                // The monthly report reads the same from both stores, for every month the run touched and every grouping.
                var month = utc(2025, 3, 1)
                while month <= run.now {
                    for keys in [[ReportKey.model], [.day, .project], [.provider, .user, .apiKey]] {
                        for account in [nil, "acct-0"] as [String?] {
                            let file = try fixture.ledger.monthlyReport(account: account, month: month, by: keys)
                            let here = try postgres.monthlyReport(account: account, month: month, by: keys)
                            #expect(here.rows == file.rows && here.total == file.total, "\(month.dateString) by \(keys) for \(account ?? "all")")
                        }
                    }
                    month = month.startOfNextMonth
                }
                // No system account keeps a balance of its own: its shares hold it.
                let stored = try postgres.withSession {
                    try $0.count("SELECT count(*) FROM account WHERE kind = 'system' AND balance_nanos <> 0")
                }
                #expect(stored == 0)
                let back = fixture.directory.path("back.sqlite")
                let returned = try postgres.copy(intoNewFile: back)
                #expect(returned.copyVerify.ok, "\(returned.copyVerify.problems)")
                let again = try Ledger.open(at: back)
                #expect(try again.verify().ok)
                // The copy back is a working ledger: a new charge on it verifies.
                _ = try again.charge(ChargeRequest(account: "controls", model: "gpt-4o", input: 1_000, output: 100, at: run.now))
                #expect(try again.verify().ok)
                _ = url
                return copied
            }
            #expect(report.total > 300)
        }
    }

    @Test("a copy into books that are not new is refused, and the target is left as it was")
    func copyIntoBooks() throws {
        try withLedger { fixture in
            try fixture.ledger.createAccount(NewAccount(name: "acme", at: utc(2026, 1, 1)))
            try withPostgresLedger { postgres, _ in
                _ = try postgres.copy(from: fixture.ledger)
                let before = try postgres.withSession { try BooksFingerprint.figures(of: $0) }
                do {
                    _ = try postgres.copy(from: fixture.ledger)
                    Issue.record("a second copy into the same books was accepted")
                } catch let error as LedgerError {
                    #expect(error.detail.contains("already holds books"))
                }
                #expect(try postgres.withSession { try BooksFingerprint.figures(of: $0) } == before)
            }
        }
    }

    @Test("verify on PostgreSQL finds what is wrong: a balance, a lot, a charge's cost, the rollup")
    func verifyFindsProblems() throws {
        try withLedger { fixture in
            let ledger = fixture.ledger
            let now = utc(2026, 2, 3)
            try ledger.createAccount(NewAccount(name: "acme", at: now))
            _ = try ledger.purchase(PurchaseRequest(account: "acme", amount: Money(dollars: 20), at: now))
            _ = try ledger.charge(ChargeRequest(account: "acme", model: "gpt-4o", input: 10_000, output: 2_000, at: now))
            try withPostgresLedger { postgres, _ in
                _ = try postgres.copy(from: ledger)
                #expect(try postgres.verify().ok)
                // Tampering (past the append-only triggers, which refuse an UPDATE of the usage table).
                try postgres.withSession { session in
                    try session.execute("UPDATE account SET balance_nanos = balance_nanos + 1 WHERE name = 'acme'")
                    try session.execute("UPDATE lot SET remaining_nanos = remaining_nanos - 5")
                    try session.execute("UPDATE usage_daily SET cost_nanos = cost_nanos + 7")
                    try session.execute("UPDATE system_balance SET balance_nanos = balance_nanos + 3 WHERE system_account_id = 3")
                }
                let problems = try postgres.verify().problems
                #expect(problems.contains { $0.hasPrefix("account 'acme': stored balance") }, "\(problems)")
                #expect(problems.contains { $0.hasPrefix("account '@usage': stored balance") }, "\(problems)")
                #expect(problems.contains { $0.contains("lot 1 of 'acme': remaining") }, "\(problems)")
                #expect(problems.contains { $0.hasPrefix("usage_daily:") }, "\(problems)")
            }
        }
    }

    @Test("the journal is append-only on PostgreSQL too, with SQLite's messages")
    func appendOnly() throws {
        try withLedger { fixture in
            let now = utc(2026, 2, 3)
            try fixture.ledger.createAccount(NewAccount(name: "acme", at: now))
            _ = try fixture.ledger.purchase(PurchaseRequest(account: "acme", amount: Money(dollars: 20), at: now))
            try withPostgresLedger { postgres, _ in
                _ = try postgres.copy(from: fixture.ledger)
                for statement in ["UPDATE transfer SET amount_nanos = 1", "DELETE FROM transfer", "TRUNCATE transfer CASCADE"] {
                    do {
                        try postgres.withSession { try $0.execute(statement) }
                        Issue.record("\(statement) was allowed")
                    } catch let error as LedgerError {
                        #expect(error.detail.contains("the journal is append-only"), "\(statement): \(error)")
                    }
                }
            }
        }
    }

    @Test("transactions that append events take turns until they end, so that events' numbers are in the order they commit")
    func eventsTakeTurns() throws {
        try withPostgresLedger { postgres, url in
            let account = try postgres.createAccount(NewAccount(name: "acme", at: utc(2026, 2, 3)))
            let location = try PostgresLocation(url: url)
            let first = try PostgresSession.connect(to: location)
            let second = try PostgresSession.connect(to: location)
            defer {
                first.close()
                second.close()
            }
            func append(_ session: PostgresSession) throws -> Int64 {
                try session.perform("SET LOCAL lock_timeout = '200ms'", [])
                return try EventOutbox.insert(.lowBalance, accountID: account.id, at: utc(2026, 2, 3), payload: [], db: session)
            }
            let seq = try first.transaction {
                let seq = try append(first)
                // While the first has appended and not ended, the second waits for its turn (here: past its lock timeout).
                do {
                    _ = try second.transaction { try append(second) }
                    Issue.record("a second transaction appended an event while the first was still running")
                } catch let error as LedgerError {
                    #expect(error.detail.hasSuffix("[SQLSTATE 55P03]"), "\(error)")
                }
                return seq
            }
            // Once the first has committed, the second takes its turn at once, and comes after it.
            #expect(try second.transaction { try append(second) } > seq)
            #expect(try postgres.events(limit: 10).events.map(\.seq).count == 2)
        }
    }

    @Test("a server that cannot be reached is `unavailable`, naming the URL without its password")
    func unreachable() throws {
        let closed = try closedLoopbackPort()
        do {
            _ = try PostgresLedger.open(url: "postgres://bob:hunter2@127.0.0.1:\(closed)/books?connect_timeout=2")
            Issue.record("a closed port connected")
        } catch let error as LedgerError {
            #expect(error.kind == .unavailable)
            #expect(error.description.contains("postgres://bob@127.0.0.1:\(closed)/books"), "\(error)")
            #expect(!error.description.contains("hunter2"))
        }
        // A database that does not exist on a real server.
        let missing = PostgresTestServer.replacingDatabase(of: try PostgresTestServer.base.get(), with: "no_such_books")
        do {
            _ = try PostgresLedger.open(url: missing)
            Issue.record("a missing database opened")
        } catch let error as LedgerError {
            #expect(error.kind == .unavailable)
            #expect(error.detail.contains("3D000"), "\(error)")
        }
    }

    /// Reservations (open, settled, voided), a limit reached, auto-recharge, a low-balance watch
    /// that fired, an API key and a webhook: what `RandomRun` does not make.
    private func addControlsAndAccess(to ledger: Ledger, at now: Timestamp) throws {
        try ledger.createAccount(NewAccount(name: "controls", at: now))
        _ = try ledger.purchase(PurchaseRequest(account: "controls", amount: Money(dollars: 50), at: now))
        _ = try ledger.setLimits(account: "controls", soft: Money(dollars: 1), hard: Money(dollars: 40))
        try ledger.setAutoRecharge(account: "controls", threshold: Money(dollars: 45), restoreTo: Money(dollars: 60), at: now)
        _ = try ledger.setLowBalanceThreshold(account: "controls", threshold: Money(dollars: 49))
        let held = try ledger.reserve(ReservationRequest(account: "controls", model: "gpt-4o", input: 100_000, maxOutput: 10_000, id: "r-1", at: now))
        _ = try ledger.settle(SettleRequest(reservation: held.id, input: 90_000, output: 9_000, at: now))
        _ = try ledger.reserve(ReservationRequest(account: "controls", model: "gpt-4o", input: 1_000, maxOutput: 500, id: "r-2", at: now))
        _ = try ledger.void(reservation: "r-2", at: now)
        _ = try ledger.reserve(ReservationRequest(account: "controls", model: "gpt-4o", input: 1_000, maxOutput: 500, id: "r-3", at: now))
        for index in 0..<5 {
            _ = try ledger.charge(ChargeRequest(account: "controls", model: "gpt-4o", input: 1_000_000, output: 100_000, requestID: "big-\(index)", at: now))
        }
        _ = try ledger.createAPIKey(NewAPIKey(role: .gateway, account: "controls", name: "gateway", at: now))
        _ = try ledger.addWebhook(NewWebhook(url: "https://example.com/hook", account: "controls", at: now))
    }
}

/// A loopback port nothing listens on (bound, then released).
func closedLoopbackPort() throws -> Int {
    let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Runs `body` with a new PostgreSQL ledger in a database of its own.
func withPostgresLedger<T>(_ body: (PostgresLedger, String) throws -> T) throws -> T {
    let url = try PostgresTestServer.freshDatabase()
    let ledger = try PostgresLedger.open(url: url, create: true)
    defer { ledger.close() }
    return try body(ledger, url)
}

@Suite("PostgreSQL: purchases, grants and accounts, decided as on a file")
struct PostgresCreditTests {
    /// One operation on either store, its outcome as one word (`ok`, a refusal's code) and its receipt.
    enum Step {
        case account(String, overdraft: Money)
        case purchase(String, Money, id: String)
        case grant(String, Money, id: String, expires: Timestamp?)

        func run(file: Ledger, at time: Timestamp) -> (String, CreditReceipt?) {
            var receipt: CreditReceipt?
            let word = outcome {
                switch self {
                case .account(let name, let overdraft): _ = try file.createAccount(NewAccount(name: name, overdraftAllowance: overdraft, at: time))
                case .purchase(let name, let amount, let id): receipt = try file.purchase(PurchaseRequest(account: name, amount: amount, at: time, id: id))
                case .grant(let name, let amount, let id, let expires):
                    receipt = try file.grant(GrantRequest(account: name, amount: amount, at: time, expiresAt: expires, id: id))
                }
            }
            return (word, receipt)
        }

        func run(postgres: PostgresLedger, at time: Timestamp) -> (String, CreditReceipt?) {
            var receipt: CreditReceipt?
            let word = outcome {
                switch self {
                case .account(let name, let overdraft): try postgres.createAccount(NewAccount(name: name, overdraftAllowance: overdraft, at: time))
                case .purchase(let name, let amount, let id): receipt = try postgres.purchase(PurchaseRequest(account: name, amount: amount, at: time, id: id))
                case .grant(let name, let amount, let id, let expires):
                    receipt = try postgres.grant(GrantRequest(account: name, amount: amount, at: time, expiresAt: expires, id: id))
                }
            }
            return (word, receipt)
        }
    }

    @Test("the same purchases, grants and accounts on both stores: the same outcomes, receipts and books")
    func sameAsTheFile() throws {
        try withLedger { fixture in
            let file = fixture.ledger
            let start = utc(2026, 3, 1)
            // Books to start from, copied to PostgreSQL: an account in overdraft, one with a low-balance watch.
            try file.createAccount(NewAccount(name: "owes", overdraftAllowance: Money(dollars: 10), at: start))
            _ = try file.charge(ChargeRequest(account: "owes", model: "gpt-4o", input: 1_000_000, output: 100_000, requestID: "c-1", at: start))
            try file.createAccount(NewAccount(name: "watched", at: start))
            _ = try file.setLowBalanceThreshold(account: "watched", threshold: Money(dollars: 15))
            try withPostgresLedger { postgres, _ in
                _ = try postgres.copy(from: file)
                let day: Int64 = 86_400_000
                let steps: [(Int64, Step)] = [
                    (0, .purchase("owes", Money(dollars: 5), id: "p-1")),  // repays the overdraft first
                    (0, .purchase("owes", Money(dollars: 5), id: "p-1")),  // a retry
                    (0, .purchase("owes", Money(dollars: 6), id: "p-1")),  // the same id, another amount
                    (0, .purchase("owes", Money(cents: 499), id: "p-2")),  // below the minimum
                    (0, .purchase("nobody", Money(dollars: 5), id: "p-3")),
                    (0, .purchase("owes", Money(dollars: 101), id: "p-4")),  // above the maximum
                    (1, .grant("watched", Money(dollars: 3), id: "g-1", expires: Timestamp(milliseconds: start.milliseconds + 10 * day))),
                    (1, .grant("watched", Money(dollars: 3), id: "g-1", expires: nil)),  // a retry
                    (2, .purchase("watched", Money(dollars: 20), id: "p-5")),  // the watch arms
                    (30, .purchase("watched", Money(dollars: 5), id: "p-6")),  // the grant expired: written off first
                    (31, .grant("owes", Money(dollars: 0), id: "g-2", expires: nil)),
                    (31, .grant("owes", Money(dollars: 2), id: "g-3", expires: Timestamp(milliseconds: start.milliseconds))),  // expires before it is granted
                    (31, .account("new", overdraft: .zero)), (31, .account("new", overdraft: .zero)), (31, .account("@system", overdraft: .zero)),
                    (32, .purchase("new", Money(dollars: 7), id: "p-7")), (32, .grant("new", Money(dollars: 1), id: "p-7", expires: nil)),
                ]
                var words: [String] = []
                for (offset, step) in steps {
                    let time = Timestamp(milliseconds: start.milliseconds + offset * day)
                    let onFile = step.run(file: file, at: time)
                    let onPostgres = step.run(postgres: postgres, at: time)
                    #expect(onFile.0 == onPostgres.0, "\(step)")
                    #expect(onFile.1 == onPostgres.1, "\(step)")
                    words.append(onFile.0)
                }
                #expect(
                    words == [
                        "ok", "ok", "id_conflict", "below_minimum", "unknown_account", "above_maximum", "ok", "ok", "ok", "ok", "amount_not_positive",
                        "expiry_not_after_grant", "ok", "account_exists", "invalid_name", "ok", "id_conflict",
                    ])
                #expect(try postgres.verify().ok)
                let fileFigures = try file.verifyingFigures()
                let postgresFigures = try postgres.withSession { try BooksFingerprint.figures(of: $0) }
                #expect(BooksFingerprint.firstDifference(fileFigures, postgresFigures) == nil)
                #expect(try postgres.accounts().map(\.name) == file.accounts().map(\.name))
            }
        }
    }

    @Test("many writers on one account: every purchase recorded once, a shared id once, the books verify")
    func manyWriters() throws {
        try withPostgresLedger { first, url in
            let now = utc(2026, 3, 1)
            try first.createAccount(NewAccount(name: "acme", maximumPurchase: Money(dollars: 1_000), at: now))
            let writers = try (0..<6).map { _ in try PostgresLedger.open(url: url) }
            defer { for writer in writers { writer.close() } }
            let receipts = Locked<[CreditReceipt]>([])
            let failures = Locked<[String]>([])
            DispatchQueue.concurrentPerform(iterations: writers.count) { index in
                for round in 0..<20 {
                    do {
                        let own = try writers[index].purchase(PurchaseRequest(account: "acme", amount: Money(dollars: 5), at: now, id: "w\(index)-\(round)"))
                        let shared = try writers[index].purchase(PurchaseRequest(account: "acme", amount: Money(dollars: 7), at: now, id: "shared-\(round)"))
                        receipts.withLock { $0 += [own, shared] }
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }
            }
            #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
            let all = receipts.withLock { $0 }
            #expect(all.filter { $0.id.hasPrefix("shared-") && !$0.duplicate }.count == 20)
            let report = try first.verify()
            #expect(report.ok, "\(report.problems)")
            let balance = try first.withSession {
                try $0.count("SELECT balance_nanos FROM account WHERE name = 'acme'")
            }
            #expect(balance == Money(dollars: 6 * 20 * 5 + 20 * 7).nanos)
        }
    }
}

extension Ledger {
    /// The figures of the books (``BooksFingerprint``), read with every charge folded.
    func verifyingFigures() throws -> [BooksFingerprint.Figure] {
        try read { db in try BooksFingerprint.figures(of: db) }
    }
}
