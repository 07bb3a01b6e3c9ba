import Dispatch
import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerTestSupport

@testable import TokenLedger
@testable import TokenLedgerPostgres

@Suite("PostgreSQL: charges, reservations and corrections, decided as on a file")
struct PostgresChargeTests {
    /// One operation on either store (``LedgerBooks``).
    enum Operation: CustomStringConvertible {
        case charge(ChargeRequest)
        case batch([ChargeRequest])
        case reserve(ReservationRequest)
        case settle(SettleRequest)
        case void(VoidRequest)
        case purchase(PurchaseRequest)
        case adjust(AdjustmentRequest)
        case refund(RefundRequest)
        case reverse(ReversalRequest)
        case balance(String, Timestamp)

        /// Its outcome (`ok` or a refusal's code) and its answer, as text.
        func run(on books: any LedgerBooks) -> String {
            var answer = ""
            let word = outcome {
                switch self {
                case .charge(let request): answer = "\(try books.charge(request))"
                case .batch(let requests): answer = "\(try books.charge(all: requests))"
                case .reserve(let request): answer = "\(try books.reserve(request))"
                case .settle(let request): answer = "\(try books.settle(request))"
                case .void(let request): answer = "\(try books.void(request))"
                case .purchase(let request): answer = "\(try books.purchase(request))"
                case .adjust(let request): answer = "\(try books.adjust(request))"
                case .refund(let request): answer = "\(try books.refund(request))"
                case .reverse(let request): answer = "\(try books.reverse(request))"
                case .balance(let account, let time): answer = "\(try books.balance(of: account, at: time))"
                }
            }
            return word + " " + answer
        }

        var description: String {
            switch self {
            case .charge(let request): "charge \(request.requestID ?? "-") \(request.account) \(request.model)"
            case .batch(let requests): "batch \(requests.compactMap(\.requestID))"
            case .reserve(let request): "reserve \(request.id ?? "-") \(request.account)"
            case .settle(let request): "settle \(request.reservation)"
            case .void(let request): "void \(request.reservation)"
            case .purchase(let request): "purchase \(request.id ?? "-") \(request.account)"
            case .adjust(let request): "adjust \(request.id ?? "-") \(request.account)"
            case .refund(let request): "refund \(request.id ?? "-") of \(request.purchaseID)"
            case .reverse(let request): "reverse \(request.id ?? "-") of \(request.chargeID)"
            case .balance(let account, let time): "balance \(account) at \(time.iso8601)"
            }
        }
    }

    /// Draws a run of operations over accounts with every control (limits, a project's limit,
    /// auto-recharge with a monthly cap, a low-balance watch, overdraft, an expiring grant),
    /// crossing a month: new charges and retries of old ones (the same usage, or other usage
    /// under the same id), enforced charges, batches, reservations settled, voided and retried,
    /// purchases, adjustments, refunds and reversals; names to resolve and names unknown.
    static func operations(seed: UInt64, count: Int, from start: Timestamp) -> [Operation] {
        var random = SplitMix64(seed: seed)
        // `empty` holds no credit and has no overdraft: enforced charges and holds there are refused.
        let accounts = ["alpha", "beta", "gamma", "empty", "nobody"]
        // Purchases go to some only: `beta` runs down to its auto-recharge, `empty` stays without credit.
        let purchasers = ["alpha", "gamma", "nobody"]
        let models = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4", "openai/gpt-4o", "gpt-4o-2024-08-06", "no-such-model"]
        let projects: [String?] = [nil, nil, "p1", "p2"]
        var time = start.milliseconds
        var charges: [ChargeRequest] = []
        var reservations: [String] = []
        var purchases: [String] = []
        var operations: [Operation] = []
        func charge(_ index: Int) -> ChargeRequest {
            var request = ChargeRequest(
                account: accounts[Int.random(in: 0..<accounts.count, using: &random)], model: models[Int.random(in: 0..<models.count, using: &random)],
                input: Int64.random(in: 0...140_000, using: &random), output: Int64.random(in: 0...8_000, using: &random),
                project: projects[Int.random(in: 0..<projects.count, using: &random)], requestID: "c-\(index)", at: Timestamp(milliseconds: time),
                enforce: Bool.random(using: &random))
            if Int.random(in: 0..<10, using: &random) == 0 { request.cachedTokens = request.inputTokens / 2 }
            return request
        }
        for index in 0..<count {
            time += Int64.random(in: 60_000...(3 * 3_600_000), using: &random)
            let at = Timestamp(milliseconds: time)
            switch Int.random(in: 0..<104, using: &random) {
            case 0..<40:
                let request = charge(index)
                charges.append(request)
                operations.append(.charge(request))
            case 40..<46 where !charges.isEmpty:
                // A retry: the same request, later; or other usage under the same id.
                var request = charges[Int.random(in: 0..<charges.count, using: &random)]
                request.at = at
                if Bool.random(using: &random) { request.outputTokens += 1 }
                operations.append(.charge(request))
            case 46..<50:
                let requests = (0..<Int.random(in: 1...4, using: &random)).map { charge(index * 10 + $0) }
                charges += requests
                operations.append(.batch(requests))
            case 50..<62:
                let id = "r-\(index)"
                reservations.append(id)
                operations.append(
                    .reserve(
                        ReservationRequest(
                            account: accounts[Int.random(in: 0..<4, using: &random)], model: models[Int.random(in: 0..<4, using: &random)],
                            input: Int64.random(in: 1...200_000, using: &random), maxOutput: Int64.random(in: 1...4_000, using: &random),
                            project: projects[Int.random(in: 0..<projects.count, using: &random)], id: id, at: at,
                            expiresInSeconds: Int64.random(in: 60...36_000, using: &random))))
            case 62..<72 where !reservations.isEmpty:
                // Mostly the latest reservations (still open), sometimes an older one (settled, voided or expired).
                let recent = reservations.suffix(3)
                let id = Bool.random(using: &random) ? recent.randomElement(using: &random)! : reservations.randomElement(using: &random)!
                operations.append(
                    .settle(
                        SettleRequest(
                            reservation: id, input: Int64.random(in: 0...200_000, using: &random), output: Int64.random(in: 0...5_000, using: &random),
                            at: at)))
            case 72..<76 where !reservations.isEmpty:
                operations.append(.void(VoidRequest(reservation: reservations[Int.random(in: 0..<reservations.count, using: &random)], at: at)))
            case 76..<84:
                let id = "p-\(index)"
                purchases.append(id)
                operations.append(
                    .purchase(
                        PurchaseRequest(
                            account: purchasers[Int.random(in: 0..<purchasers.count, using: &random)], amount: .usd(Int64.random(in: 4...12, using: &random)),
                            at: at, id: id)))
            case 84..<89:
                let cents = Int64.random(in: -300...300, using: &random)
                operations.append(
                    .adjust(
                        AdjustmentRequest(
                            account: accounts[Int.random(in: 0..<3, using: &random)], amount: Money(nanos: cents * Money.nanosPerCent), reason: "goodwill",
                            at: at, id: "a-\(index)")))
            case 89..<94 where !purchases.isEmpty:
                let cents = Int64.random(in: 0...600, using: &random)
                operations.append(
                    .refund(
                        RefundRequest(
                            purchaseID: purchases[Int.random(in: 0..<purchases.count, using: &random)],
                            amount: cents == 0 ? nil : Money(nanos: cents * Money.nanosPerCent),
                            at: at, id: "f-\(index)")))
            case 94..<100 where !charges.isEmpty:
                operations.append(
                    .reverse(ReversalRequest(chargeID: charges[Int.random(in: 0..<charges.count, using: &random)].requestID!, at: at, id: "v-\(index)")))
            case 100..<104:
                operations.append(.balance(accounts[Int.random(in: 0..<accounts.count, using: &random)], at))
            default:
                let request = charge(index)
                charges.append(request)
                operations.append(.charge(request))
            }
        }
        return operations
    }

    @Test("the same run on both stores: every answer the same, the same books, verify green on both")
    func sameAsTheFile() throws {
        try withLedger { fixture in
            let file = fixture.ledger
            let start = utc(2026, 5, 20)
            try Self.setUp(file, at: start)
            try withPostgresLedger { postgres, _ in
                _ = try postgres.copy(from: file)
                var outcomes: [String: Int] = [:]
                for operation in Self.operations(seed: 0x7E57_C0DE, count: 400, from: start) {
                    let onFile = operation.run(on: file)
                    let onPostgres = operation.run(on: postgres)
                    #expect(onFile == onPostgres, "\(operation)")
                    outcomes[String(onFile.prefix { $0 != " " }), default: 0] += 1
                }
                // The run reaches what it is for: refusals of every kind as well as answers.
                for code in ["ok", "unknown_account", "unknown_model", "id_conflict", "insufficient_balance", "hard_limit", "reservation_expired"] {
                    #expect(outcomes[code, default: 0] > 0, "no \(code) in \(outcomes)")
                }
                try Self.expectSameBooks(file, postgres)
            }
        }
    }

    /// The accounts of the seeded runs, with every control, on a new file.
    static func setUp(_ file: Ledger, at start: Timestamp) throws {
        try file.createAccount(NewAccount(name: "alpha", overdraftAllowance: .usd(2), at: start))
        _ = try file.purchase(PurchaseRequest(account: "alpha", amount: .usd(20), at: start, id: "setup-alpha"))
        _ = try file.grant(GrantRequest(account: "alpha", amount: .usd(3), at: start, expiresAt: utc(2026, 6, 3), id: "setup-grant"))
        _ = try file.setLimits(account: "alpha", soft: .usd(1), hard: .usd(2))
        _ = try file.setLimits(account: "alpha", scope: .project("p1"), hard: Money(nanos: 500_000_000))
        try file.createAccount(NewAccount(name: "beta", at: start))
        _ = try file.purchase(PurchaseRequest(account: "beta", amount: .usd(6), at: start, id: "setup-beta"))
        try file.setAutoRecharge(account: "beta", threshold: .usd(5), restoreTo: .usd(15), monthlyCap: .usd(40), at: start)
        _ = try file.setLowBalanceThreshold(account: "beta", threshold: .usd(4))
        try file.createAccount(NewAccount(name: "gamma", at: start))
        _ = try file.purchase(PurchaseRequest(account: "gamma", amount: .usd(5), at: start, id: "setup-gamma"))
        try file.createAccount(NewAccount(name: "empty", at: start))
    }

    /// Both stores' books verify, and are equal by content, and report the same.
    static func expectSameBooks(_ file: Ledger, _ postgres: PostgresLedger) throws {
        let fileReport = try file.verify()
        let postgresReport = try postgres.verify()
        #expect(fileReport.ok, "\(fileReport.problems)")
        #expect(postgresReport.ok, "\(postgresReport.problems)")
        // Keys are not compared: PostgreSQL's sequences skip the keys of rows a refused
        // batch wrote and rolled back (SQLite's rowids do not), so rows are compared by content.
        let onFile = try file.read { db in try Self.contentFigures(of: db) }
        let onPostgres = try postgres.withSession { session in try Self.contentFigures(of: session) }
        for (name, rows) in onFile {
            #expect(rows == onPostgres[name], "\(name)")
            #expect(!rows.isEmpty, "\(name)")
        }
        for month in [utc(2026, 5, 1), utc(2026, 6, 1), utc(2026, 7, 1)] {
            for account in ["alpha", "beta", "gamma"] {
                let onFile = try file.monthlyReport(account: account, month: month, by: [.model, .project, .day])
                let onPostgres = try postgres.monthlyReport(account: account, month: month, by: [.model, .project, .day])
                #expect(onFile.rows == onPostgres.rows)
            }
        }
        try expectSameReads(file, postgres)
    }

    /// What a person reads of the books, the same on both stores: statements, journals, charge
    /// pages, charges worked out, and events (by content: PostgreSQL's sequences skip numbers).
    static func expectSameReads(_ file: Ledger, _ postgres: PostgresLedger) throws {
        let now = utc(2026, 7, 20)
        var shown = 0
        for month in [utc(2026, 5, 1), utc(2026, 6, 1), utc(2026, 7, 1)] {
            for account in ["alpha", "beta", "gamma", "empty"] {
                let onFile = try file.statement(of: account, month: month, now: now)
                let onPostgres = try postgres.statement(of: account, month: month, now: now)
                #expect("\(onFile)" == "\(onPostgres)", "statement of \(account) for \(month.iso8601)")
                shown += onFile.entries.count
            }
        }
        #expect(shown > 0)
        for account in ["alpha", "beta", "gamma"] {
            for (from, to) in [(Timestamp.earliest, Timestamp.latest), (utc(2026, 6, 1), utc(2026, 6, 10))] {
                let onFile = try file.accountJournal(account: account, from: from, to: to)
                #expect(onFile == (try postgres.accountJournal(account: account, from: from, to: to)), "journal of \(account)")
            }
            let kinds: Set<TransferKind> = [.purchase, .recharge]
            #expect(try file.accountJournal(account: account, kinds: kinds) == (try postgres.accountJournal(account: account, kinds: kinds)))
        }
        #expect(throws: ChargeRefusal.unknownAccount("nobody")) { try postgres.accountJournal(account: "nobody") }
        // Every page, both orders, both sorts, filtered and not.
        var queries = [ChargeQuery(limit: ChargeQuery.maximumLimit), ChargeQuery(account: "beta", sort: .cost, descending: true, limit: 7)]
        queries[1].model = "gpt-4o-mini"
        var listed: [ChargeEntry] = []
        for var query in queries {
            while true {
                let onFile = try file.charges(matching: query)
                #expect(onFile == (try postgres.charges(matching: query)), "charges \(query)")
                listed += onFile.charges
                guard let next = onFile.next else { break }
                query.after = next
            }
        }
        #expect(listed.count > 50)
        for entry in listed.prefix(60) {
            let onFile = try file.charge(id: entry.id)
            #expect(onFile == (try postgres.charge(id: entry.id)), "charge \(entry.id)")
        }
        #expect(throws: ChargeLookupRefusal.unknownCharge("none")) { try postgres.charge(id: "none") }
        func content(_ page: EventPage) -> [String] { page.events.map { "\($0.account) \($0.kind) \($0.at) \($0.payload)" } }
        for account in [nil, "beta"] as [String?] {
            let onFile = try file.events(account: account, limit: Ledger.maximumEventPage)
            let onPostgres = try postgres.events(account: account, limit: Ledger.maximumEventPage)
            #expect(content(onFile) == content(onPostgres))
            #expect(!onFile.events.isEmpty)
            // Paged by sequence number, PostgreSQL's pages hold the same events.
            var paged: [LedgerEvent] = []
            var after: Int64 = 0
            while case let page = try postgres.events(after: after, account: account, limit: 3), let next = page.next {
                paged += page.events
                after = next
            }
            #expect(paged == onPostgres.events)
        }
    }

    @Test("the same run in groups, as the service commits them: every answer the same, the same books, verify green on both")
    func sameInGroups() throws {
        try withLedger { fixture in
            let file = fixture.ledger
            let start = utc(2026, 5, 20)
            try Self.setUp(file, at: start)
            try withPostgresLedger { postgres, _ in
                _ = try postgres.copy(from: file)
                var random = SplitMix64(seed: 0x6B0C_0117)
                let operations = Self.operations(seed: 0x6B0C_0117, count: 600, from: start)
                let locks = GroupLocks(accounts: ["alpha", "beta", "gamma", "empty", "nobody"])
                var outcomes: [String: Int] = [:]
                var next = 0
                while next < operations.count {
                    let group = Array(operations[next..<min(operations.count, next + Int(random.next() % 40) + 1)])
                    next += group.count
                    let steps = group.map { operation in { (books: any LedgerBooks) in operation.run(on: books) } }
                    let onFile = try file.commit(group: steps, locking: locks)
                    let onPostgres = try postgres.commit(group: steps, locking: locks)
                    for (operation, (fileAnswer, postgresAnswer)) in zip(group, zip(onFile, onPostgres)) {
                        // Keys aside: a refused batch's savepoint gives SQLite's rowids back, not PostgreSQL's sequences.
                        let answer = Self.withoutKeys(try fileAnswer.get())
                        let postgresText = Self.withoutKeys(try postgresAnswer.get())
                        #expect(answer == postgresText, "\(operation)")
                        outcomes[String(answer.prefix { $0 != " " }), default: 0] += 1
                    }
                }
                // Groups hold what the run is for: retries, conflicts and refused batches among charges.
                for code in ["ok", "id_conflict", "insufficient_balance", "hard_limit"] {
                    #expect(outcomes[code, default: 0] > 0, "no \(code) in \(outcomes)")
                }
                try Self.expectSameBooks(file, postgres)
            }
        }
    }

    /// An answer with the keys of lots left out.
    static func withoutKeys(_ answer: String) -> String {
        answer.replacing(/(Lot\(id|lotID): [0-9]+/) { match in match.output.1 + ": _" }
    }

    /// The default prices, and the accounts alpha and beta with $10 each, on `postgres` at `start`.
    static func alphaAndBeta(on postgres: PostgresLedger, at start: Timestamp) throws {
        try postgres.loadDefaultPrices()
        for name in ["alpha", "beta"] {
            try postgres.createAccount(NewAccount(name: name, at: start))
            _ = try postgres.purchase(PurchaseRequest(account: name, amount: .usd(10), at: start, id: "top-up-" + name))
        }
    }

    @Test("a request id another writer records while a group holds it: the group runs again and answers it as that id's")
    func recordedMeanwhile() throws {
        try withPostgresLedger { postgres, url in
            let start = utc(2026, 5, 20)
            try Self.alphaAndBeta(on: postgres, at: start)
            let other = try PostgresLedger.open(url: url)
            defer { other.close() }
            func charge(_ account: String, _ id: String) -> ChargeRequest {
                ChargeRequest(account: account, model: "gpt-4o", input: 1_000, output: 100, requestID: id, at: start)
            }
            let steps: [(any LedgerBooks) throws -> String] = [
                { books in outcome { _ = try books.charge(charge("alpha", "shared")) } },
                { books in outcome { _ = try books.charge(charge("alpha", "mine")) } },
                // Another instance records the same id (on another account) before the group writes its rows.
                { _ in outcome { _ = try other.charge(charge("beta", "shared")) } },
                { books in outcome { _ = try books.charge(charge("alpha", "mine")) } },
            ]
            let answers = try postgres.commit(group: steps, locking: GroupLocks(accounts: ["alpha"])).map { try $0.get() }
            // Run again, the group finds "shared" recorded (for beta: a conflict), "mine" once and its retry.
            #expect(answers == ["id_conflict", "ok", "ok", "ok"])
            let charges = try postgres.withSession { session in
                try session.select("SELECT a.name, u.request_id FROM usage u JOIN account a ON a.id = u.account_id ORDER BY u.request_id")
                    .map { "\($0["name"] as String) \($0["request_id"] as String)" }
            }
            #expect(charges == ["alpha mine", "beta shared"])
            let report = try postgres.verify()
            #expect(report.ok, "\(report.problems)")
        }
    }

    @Test(
        "a group on accounts and models it has seen takes two round trips: its locks with every read, its writes in one statement with its commit"
    )
    func groupRoundTrips() throws {
        try withPostgresLedger { postgres, _ in
            let start = utc(2026, 5, 20)
            try Self.alphaAndBeta(on: postgres, at: start)
            // The charges of a group, committed as the service commits them; their receipts and
            // the round trips the group took.
            func group(_ requests: [ChargeRequest]) throws -> (receipts: [ChargeReceipt], roundTrips: Int, statements: Int) {
                let before = (postgres.session.roundTrips, postgres.session.statementsSent)
                let steps: [(any LedgerBooks) throws -> ChargeReceipt] = requests.map { request in { try $0.charge(request) } }
                let results = try postgres.commit(group: steps, locking: GroupLocks(accounts: Set(requests.map(\.account))))
                return (try results.map { try $0.get() }, postgres.session.roundTrips - before.0, postgres.session.statementsSent - before.1)
            }
            func charges(_ range: ClosedRange<Int>, model: String = "gpt-4o") -> [ChargeRequest] {
                range.map { ChargeRequest(account: $0 % 2 == 0 ? "alpha" : "beta", model: model, input: 1_000, output: 100, requestID: "c\($0)", at: start) }
            }
            // The first group reads the model's price points, entry and rates (the accounts' keys
            // are known from their purchases).
            let first = try group(charges(1...2))
            #expect(first.roundTrips == 5)
            let second = try group(charges(3...22))
            #expect(second.receipts.count == 20 && second.receipts.allSatisfy { !$0.duplicate })
            #expect(second.roundTrips == 2)
            // BEGIN, the lock, and one statement reading the accounts' lots, payments and limits,
            // the usage tiers, the ledger's totals and the models' price points with their
            // minimum tiers; then every write in one statement, and COMMIT (it took 16: a
            // statement for each read and each table written).
            #expect(second.statements == 5)
            // So does a model not priced before, when first charged: three round trips more, once.
            #expect(try group(charges(23...24, model: "gpt-4o-mini")).roundTrips == 5)
            #expect(try group(charges(25...30, model: "gpt-4o-mini") + charges(31...32)).roundTrips == 2)
            // A retried id in a group is answered from its row, and the group still writes the rest.
            let retried = try group(charges(3...3) + charges(33...34))
            #expect(retried.receipts.map(\.duplicate) == [true, false, false])
            let report = try postgres.verify()
            #expect(report.ok, "\(report.problems)")
            #expect(try postgres.charges(matching: ChargeQuery(limit: 100)).charges.count == 34)
        }
    }

    @Test("a group whose accounts' names hold other keys than it knew (the books made anew under it) reads them afresh")
    func accountKeysChanged() throws {
        try withPostgresLedger { postgres, url in
            let start = utc(2026, 5, 20)
            try Self.alphaAndBeta(on: postgres, at: start)
            func charge(_ id: String) throws -> ChargeReceipt {
                let request = ChargeRequest(account: "alpha", model: "gpt-4o", input: 1_000, output: 100, requestID: id, at: start)
                return try postgres.commit(group: [{ try $0.charge(request) }], locking: GroupLocks(accounts: ["alpha"]))[0].get()
            }
            _ = try charge("before")
            // The books made anew by another process, beta first: alpha's key is now beta's old one.
            let other = try PostgresLedger.open(url: url)
            try other.withSession { try $0.execute("DROP SCHEMA \(PostgresSchema.namespace) CASCADE") }
            other.close()
            let remade = try PostgresLedger.open(url: url, create: true)
            defer { remade.close() }
            try remade.loadDefaultPrices()
            for (name, dollars) in [("beta", 7), ("alpha", 10)] {
                try remade.createAccount(NewAccount(name: name, at: start))
                _ = try remade.purchase(PurchaseRequest(account: name, amount: .usd(Int64(dollars)), at: start, id: "top-up-" + name))
            }
            let receipt = try charge("after")
            #expect(receipt.overdraft == .zero)
            let balance = try postgres.balance(of: "alpha", at: start)
            #expect(balance.balance == .usd(10) - receipt.cost)
            #expect(balance.lots.reduce(Money.zero) { $0 + $1.remaining } == balance.balance)
            #expect(try postgres.balance(of: "beta", at: start).balance == .usd(7))
            let report = try postgres.verify()
            #expect(report.ok, "\(report.problems)")
        }
    }

    /// The books' figures by content, without surrogate keys: each row as text, sorted.
    static func contentFigures(of db: some BooksReader) throws -> [String: [String]] {
        let queries: [(String, String)] = [
            ("balances", "SELECT name || ' ' || balance_nanos FROM account_balance"),
            (
                "lots",
                """
                SELECT a.name || ' ' || l.kind || ' ' || l.original_nanos || ' ' || l.remaining_nanos || ' ' || l.created_at_ms || ' ' || l.expires_at_ms
                FROM lot l JOIN account a ON a.id = l.account_id
                """
            ),
            (
                "transfers",
                """
                SELECT coalesce(t.reference, '-') || ' ' || t.kind || ' ' || d.name || ' ' || c.name || ' ' || t.amount_nanos || ' '
                    || t.occurred_at_ms || ' ' || t.balance_after_nanos
                FROM transfer t JOIN account d ON d.id = t.debit_account_id JOIN account c ON c.id = t.credit_account_id
                """
            ),
            (
                "charges",
                """
                SELECT u.request_id || ' ' || a.name || ' ' || u.model || ' ' || u.cost_nanos || ' ' || u.balance_after_nanos || ' '
                    || coalesce(u.lot_nanos, 0) || ' ' || coalesce(u.project, '-') || ' ' || coalesce(u.provider, '-')
                FROM usage u JOIN account a ON a.id = u.account_id
                """
            ),
            (
                "rollup",
                """
                SELECT a.name || ' ' || r.day_ms || ' ' || r.model || ' ' || r.project || ' ' || r.provider || ' ' || r.charges || ' '
                    || r.input_tokens || ' ' || r.cached_tokens || ' ' || r.output_tokens || ' ' || r.cost_nanos
                FROM usage_daily r JOIN account a ON a.id = r.account_id
                """
            ),
            (
                "reservations",
                """
                SELECT r.reference || ' ' || r.status || ' ' || r.hold_nanos || ' ' || r.expires_at_ms || ' ' || coalesce(r.closed_at_ms, 0) || ' '
                    || coalesce(u.request_id, '-') FROM reservation r LEFT JOIN usage u ON u.id = r.usage_id
                """
            ),
            (
                "alerts",
                """
                SELECT a.name || ' ' || s.project || ' ' || s.kind || ' ' || s.month_ms || ' ' || s.spend_nanos || ' ' || u.request_id
                FROM spend_alert s JOIN account a ON a.id = s.account_id JOIN usage u ON u.id = s.usage_id
                """
            ),
            (
                "recharges",
                """
                SELECT u.request_id || ' ' || r.amount_nanos || ' ' || r.status FROM recharge_attempt r JOIN usage u ON u.id = r.usage_id
                """
            ),
            (
                "events",
                "SELECT a.name || ' ' || e.kind || ' ' || e.occurred_at_ms || ' ' || e.payload FROM event e JOIN account a ON a.id = e.account_id"
            ),
        ]
        var figures: [String: [String]] = [:]
        for (name, sql) in queries {
            figures[name] = try db.select(sql).map { $0[0] as String }.sorted()
        }
        return figures
    }

    @Test("many instances reserving and settling on one small account with a hard limit: never more admitted than affordable")
    func reservationsNeverOverspend() throws {
        try withPostgresLedger { first, url in
            let now = utc(2026, 5, 1)
            try first.loadDefaultPrices()
            try first.createAccount(NewAccount(name: "tight", at: now))
            _ = try first.purchase(PurchaseRequest(account: "tight", amount: .usd(5), at: now, id: "fund"))
            let instances = try (0..<4).map { _ in try PostgresLedger.open(url: url) }
            defer { for instance in instances { instance.close() } }
            let failures = Locked<[String]>([])
            let admitted = Locked<Int>(0)
            let refused = Locked<Int>(0)
            DispatchQueue.concurrentPerform(iterations: instances.count) { index in
                var random = SplitMix64(seed: UInt64(index) + 1)
                for round in 0..<40 {
                    let id = "i\(index)-\(round)"
                    let at = Timestamp(milliseconds: now.milliseconds + Int64(round) * 1_000)
                    // Each hold is about $0.28 (gpt-4o: 100,000 input, 3,000 output at most).
                    let request = ReservationRequest(account: "tight", model: "gpt-4o", input: 100_000, maxOutput: 3_000, id: id, at: at)
                    do {
                        let held = try instances[index].reserve(request)
                        admitted.withLock { $0 += 1 }
                        // A retry through another instance is the same reservation.
                        let again = try instances[(index + 1) % instances.count].reserve(request)
                        if !again.duplicate || again.hold != held.hold { failures.withLock { $0.append("\(id): retry \(again)") } }
                        if Bool.random(using: &random) {
                            _ = try instances[(index + 2) % instances.count].void(reservation: id, at: at)
                        } else {
                            let settle = SettleRequest(reservation: id, input: 100_000, output: Int64.random(in: 0...3_000, using: &random), at: at)
                            let receipt = try instances[(index + 1) % instances.count].settle(settle)
                            let retried = try instances[(index + 3) % instances.count].settle(settle)
                            if !retried.duplicate || retried.charge.cost != receipt.charge.cost { failures.withLock { $0.append("\(id): settle retry") } }
                        }
                    } catch let refusal as ReservationRefusal where refusal.code == "insufficient_balance" {
                        refused.withLock { $0 += 1 }
                    } catch {
                        failures.withLock { $0.append("\(id): \(error)") }
                    }
                }
            }
            #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
            #expect(admitted.withLock { $0 } > 0)
            #expect(refused.withLock { $0 } > 0, "the balance ran out")
            let balance = try first.withSession { try $0.count("SELECT balance_nanos FROM account WHERE name = 'tight'") }
            #expect(balance >= 0, "settled usage never exceeds what the holds admitted")
            let report = try first.verify()
            #expect(report.ok, "\(report.problems)")
        }
    }

    @Test("charges from many instances on an account with auto-recharge: no recharge doubled, none missed")
    func rechargesNotDoubled() throws {
        try withPostgresLedger { first, url in
            let now = utc(2026, 5, 1)
            try first.loadDefaultPrices()
            try first.createAccount(NewAccount(name: "busy", maximumPurchase: .usd(1_000), at: now))
            _ = try first.purchase(PurchaseRequest(account: "busy", amount: .usd(10), at: now, id: "fund"))
            try first.withSession { session in
                try session.perform(
                    "INSERT INTO auto_recharge (account_id, threshold_nanos, restore_to_nanos, monthly_cap_nanos, updated_at_ms) SELECT id, ?, ?, NULL, ? FROM account WHERE name = 'busy'",
                    sqlValues(Money.usd(5).nanos, Money.usd(12).nanos, now.milliseconds))
            }
            let instances = try (0..<4).map { _ in try PostgresLedger.open(url: url) }
            defer { for instance in instances { instance.close() } }
            let failures = Locked<[String]>([])
            DispatchQueue.concurrentPerform(iterations: instances.count) { index in
                for round in 0..<50 {
                    // $0.25 a charge (gpt-4o, 100,000 input tokens).
                    let request = ChargeRequest(
                        account: "busy", model: "gpt-4o", input: 100_000, output: 0, requestID: "k\(index)-\(round)",
                        at: Timestamp(milliseconds: now.milliseconds + Int64(round)))
                    do {
                        _ = try instances[index].charge(request)
                        _ = try instances[(index + 1) % instances.count].charge(request)
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }
            }
            #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
            try first.withSession { session in
                // Every recharge was decided on the balance its charge left: below the threshold, and brought back to $12.
                let attempts = try session.select(
                    """
                    SELECT u.balance_after_nanos AS before, t.balance_after_nanos AS after FROM recharge_attempt r
                    JOIN usage u ON u.id = r.usage_id JOIN transfer t ON t.id = r.transfer_id ORDER BY r.id
                    """)
                #expect(!attempts.isEmpty)
                for attempt in attempts {
                    #expect((attempt["before"] as Int64) < Money.usd(5).nanos)
                    #expect((attempt["after"] as Int64) == Money.usd(12).nanos)
                }
                #expect(try session.count("SELECT count(*) FROM usage") == 200)
                let balance = try session.count("SELECT balance_nanos FROM account WHERE name = 'busy'")
                #expect(balance >= Money.usd(5).nanos - Money(nanos: 250_000_000).nanos)
            }
            let report = try first.verify()
            #expect(report.ok, "\(report.problems)")
        }
    }

    @Test("batches over the same accounts in opposite orders from two instances: no deadlock, every charge once")
    func batchesInAnyOrder() throws {
        try withPostgresLedger { first, url in
            let now = utc(2026, 5, 1)
            try first.loadDefaultPrices()
            let names = ["a1", "a2", "a3"]
            for name in names {
                try first.createAccount(NewAccount(name: name, at: now))
                _ = try first.purchase(PurchaseRequest(account: name, amount: .usd(50), at: now, id: "fund-\(name)"))
            }
            let instances = try (0..<2).map { _ in try PostgresLedger.open(url: url) }
            defer { for instance in instances { instance.close() } }
            let failures = Locked<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 2) { index in
                for round in 0..<30 {
                    let order = index == 0 ? names : names.reversed()
                    let requests = order.map { name in
                        ChargeRequest(account: name, model: "gpt-4o-mini", input: 1_000, output: 100, requestID: "b\(index)-\(round)-\(name)", at: now)
                    }
                    do { _ = try instances[index].charge(all: requests) } catch { failures.withLock { $0.append("\(error)") } }
                }
            }
            #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
            #expect(try first.withSession { try $0.count("SELECT count(*) FROM usage") } == 180)
            // A batch refused is all refused: nothing of it written.
            let refusedBatch = [
                ChargeRequest(account: "a1", model: "gpt-4o-mini", input: 1_000, output: 100, requestID: "x-1", at: now),
                ChargeRequest(account: "nobody", model: "gpt-4o-mini", input: 1_000, output: 100, requestID: "x-2", at: now),
            ]
            #expect(outcome { _ = try first.charge(all: refusedBatch) } == "unknown_account")
            #expect(try first.withSession { try $0.count("SELECT count(*) FROM usage WHERE request_id = 'x-1'") } == 0)
            #expect(try first.verify().ok)
        }
    }

    @Test("a file imported again, whose repeated ids outnumber three writes: each row's id is looked up, nothing recorded twice")
    func importAgainPastThreeWrites() throws {
        try withPostgresLedger { ledger, _ in
            try ledger.loadDefaultPrices()
            let start = Timestamp(year: 2026, month: 1, day: 1)
            try ledger.createAccount(NewAccount(name: "acme", at: start))
            _ = try ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(100), at: start, id: "p-1"))
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-pg-import-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let path = folder.appendingPathComponent("usage.csv").path
            let rows = (0..<800).map { "2026-01-02T00:\(String(format: "%02d:%02d", $0 / 60, $0 % 60))Z,gpt-4o-mini,\(100 + $0),0,10,r-\($0)" }
            try Data(("time,model,input_tokens,cached_tokens,output_tokens,request_id\n" + rows.joined(separator: "\n") + "\n").utf8).write(
                to: URL(fileURLWithPath: path))
            // Writes of 100 rows: a run that learned the recorded ids only from its failed writes
            // (100 a write, three runs at most) could not get through 800 repeated rows.
            ledger.importRowsPerWrite = 100
            let options = UsageImportOptions(account: "acme")
            let first = try ledger.importUsage(file: path, format: .csv, options: options)
            #expect(first.charged == 800 && first.duplicates == 0)
            let again = try ledger.importUsage(file: path, format: .csv, options: options)
            #expect(again.charged == 0 && again.duplicates == 800, "\(again)")
            #expect(again.balance == first.balance)
            #expect(try ledger.withSession { try $0.count("SELECT count(*) FROM usage") } == 800)
            #expect(try ledger.verify().ok)
        }
    }
}
