import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import TokenLedger
import TokenLedgerCore
import TokenLedgerService

/// The books routes end to end: each answers what its CLI command prints (the library's
/// ``JSONDocument``) for the same input, refuses the keys the README's table refuses, and
/// writes nothing when it refuses.
@Suite("Service: prices, usage imports, reports, statements, reconcile, FOCUS")
struct ServiceBooksTests {
    /// The shared data folder beside the package (`../shared/data`).
    static let sharedData = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("../shared/data").standardizedFileURL
    /// The reconciliation fixtures (`Tests/Fixtures/reconcile`).
    static let reconcileFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/reconcile")
    static let january = Timestamp(milliseconds: 1_767_225_600_000)  // 2026-01-01T00:00:00Z

    /// A small usage CSV of acme's January: two models, two projects.
    static let usageCSV = """
        time,model,input_tokens,cached_tokens,output_tokens,request_id,project
        2026-01-03T10:00:00Z,gpt-4o,1200,200,300,req-1,search
        2026-01-04T11:00:00Z,o3,10000,0,2000,req-2,a|b
        2026-01-05T12:00:00Z,gpt-4o-mini,5000,0,700,,search

        """

    @Test("prices set: the CLI's document, the same entry again replayed as added false, another at that time 409; admin keys only")
    func pricesSet() async throws {
        let service = try await ServiceHarness.start(limited: "acme")
        defer { Task { await service.stop() } }
        let body = #"""
            {"model": "house-1", "input_usd_per_million": "2", "output_usd_per_million": "8", "cached_input_usd_per_million": "0.5",
             "priority_input_usd_per_million": "4", "priority_output_usd_per_million": "16", "max_input_tokens": 200000,
             "effective_from": "2026-01-01T00:00:00Z"}
            """#
        let added = try await service.post("/v1/prices", body, key: service.admin)
        #expect(added.status == 201 && added.headers["Idempotent-Replayed"].isEmpty, "\(added.body)")
        let stored = try #require(try service.ledger.prices(model: "house-1", at: nil).first)
        #expect(Self.same(added.body, JSONDocument.priceSet(stored, added: true)), "\(added.body)")
        #expect(stored.entry.resolvedRates(tier: .priority)?.output == 16_000_000_000)
        let again = try await service.post("/v1/prices", body, key: service.admin)
        #expect(again.status == 201 && again.headers["Idempotent-Replayed"] == ["true"])
        #expect(Self.same(again.body, JSONDocument.priceSet(stored, added: false)), "\(again.body)")
        let other = try await service.post("/v1/prices", body.replacingOccurrences(of: #""8""#, with: #""9""#), key: service.admin)
        #expect(other.status == 409 && other.string("code") == "price_exists")
        let half = try await service.post(
            "/v1/prices", body.replacingOccurrences(of: #""priority_output_usd_per_million": "16","#, with: ""), key: service.admin)
        #expect(half.status == 400 && half.string("field") == "priority_output_usd_per_million", "\(half.body)")
        let badPrice = try await service.post("/v1/prices", body.replacingOccurrences(of: #""2""#, with: #""two""#), key: service.admin)
        #expect(badPrice.status == 400 && badPrice.string("field") == "input_usd_per_million")
        for key in [service.gateway, service.reader] {
            let refused = try await service.post("/v1/prices", body.replacingOccurrences(of: "house-1", with: "house-2"), key: key)
            #expect(refused.status == 403 && refused.string("code") == "role_forbidden")
        }
        let limited = try Self.key(service, .admin, account: "acme")
        let wholeLedger = try await service.post("/v1/prices", body.replacingOccurrences(of: "house-1", with: "house-2"), key: limited)
        #expect(wholeLedger.status == 403 && wholeLedger.string("code") == "account_forbidden")
        #expect(try service.ledger.prices(model: "house-2", at: nil).isEmpty)
        #expect(try service.ledger.prices(model: "house-1", at: nil).count == 1)
    }

    @Test(
        "prices import: LiteLLM's real catalog (past the JSON limit) gives the library's summary; again adds nothing; a malformed one is 400 naming line and field"
    )
    func pricesImport() async throws {
        var options = LedgerServer.Options()
        options.maximumBodyBytes = 1 << 20
        // An import on a loaded machine (CI runs every suite at once) may take past the idle timeout.
        options.idleTimeoutSeconds = 600
        let service = try await ServiceHarness.start(options: options)
        defer { Task { await service.stop() } }
        let catalogPath = Self.sharedData.appendingPathComponent("prices/litellm_model_prices_and_context_window.json").path
        let catalog = try Data(contentsOf: URL(fileURLWithPath: catalogPath))
        #expect(catalog.count > options.maximumBodyBytes)
        // The same import through the library, on a ledger of its own with the same prices.
        let expectedLedger = try Ledger.open(at: service.folder.appendingPathComponent("expected.sqlite").path, create: true)
        try expectedLedger.loadDefaultPrices()
        let effective = Timestamp(milliseconds: 1_767_225_600_000)
        let expected = try expectedLedger.importPrices(try LiteLLMCatalog.read(contentsOf: catalogPath), effectiveFrom: effective)
        #expect(!expected.added.isEmpty)
        let route = "/v1/prices/import?effective_from=2026-01-01T00:00:00Z&file=litellm.json"
        let imported = try await service.upload(route, .bytes(ByteBuffer(data: catalog)), key: service.admin, contentType: "application/json")
        #expect(imported.status == 201, "\(imported.body.prefix(300))")
        #expect(Self.same(imported.body, JSONDocument.priceImport(expected, file: "litellm.json")))
        let again = try await service.upload(route, .bytes(ByteBuffer(data: catalog)), key: service.admin, contentType: "application/json")
        #expect(again.status == 201 && again.json["added_count"] as? Int == 0)
        let malformed = "{\n  \"m\": {\n    \"input_cost_per_token\": 1e-06\n    \"output_cost_per_token\": 2e-06\n  }\n}"
        let bad = try await service.upload(
            "/v1/prices/import?file=bad.json", .bytes(ByteBuffer(string: malformed)), key: service.admin, contentType: "application/json")
        #expect(bad.status == 400 && bad.string("field") == "m.input_cost_per_token", "\(bad.body)")
        #expect(bad.string("detail")?.hasPrefix("bad.json:4 (m.input_cost_per_token): ") == true, "\(bad.body)")
        #expect(try service.ledger.prices(model: "m", at: nil).isEmpty)
        let byReader = try await service.upload(route, .bytes(ByteBuffer(data: catalog)), key: service.reader, contentType: "application/json")
        #expect(byReader.status == 403 && byReader.string("code") == "role_forbidden")
        // A JSON route still takes no more than its limit.
        let large = try await service.post("/v1/accounts", "{\"account\": \"" + String(repeating: "x", count: 2 << 20) + "\"}", key: service.admin)
        #expect(large.status == 413 && large.string("code") == "too_large")
        try Self.expectNoUploadsLeft(service)
    }

    @Test("prices import of a genai-prices catalog: the library's summary; a malformed entry is 400 unless skip_bad; provider picks providers")
    func genaiPricesImport() async throws {
        let service = try await ServiceHarness.start()
        defer { Task { await service.stop() } }
        let catalog = """
            [
              {"id": "acme", "models": [
                {"id": "acme-pro", "match": {"equals": "acme-pro"},
                 "prices": {"input_mtok": {"base": 1.25, "tiers": [{"start": 200000, "price": 2.5}]}, "output_mtok": 10}}]},
              {"id": "resell", "models": [
                {"id": "oops", "match": {"equals": "oops"}, "prices": {"input_mtok": -1, "output_mtok": 2}}]}
            ]
            """
        let route = "/v1/prices/import?input_format=genai-prices&effective_from=2026-01-01T00:00:00Z&file=data.json"
        let refused = try await service.upload(route, .bytes(ByteBuffer(string: catalog)), key: service.admin, contentType: "application/json")
        #expect(refused.status == 400 && refused.string("field") == "oops.prices.input_mtok", "\(refused.body)")
        #expect(try service.ledger.prices(model: "acme-pro", at: nil).isEmpty)
        let expectedLedger = try Ledger.open(at: service.folder.appendingPathComponent("expected.sqlite").path, create: true)
        try expectedLedger.loadDefaultPrices()
        let parsed = try PriceCatalog.parse(catalog, file: "data.json", format: .genaiPrices, skipBad: true)
        let expected = try expectedLedger.importPrices(parsed, effectiveFrom: Timestamp(milliseconds: 1_767_225_600_000))
        let skipping = try await service.upload(
            route + "&skip_bad=true", .bytes(ByteBuffer(string: catalog)), key: service.admin, contentType: "application/json")
        #expect(skipping.status == 201, "\(skipping.body)")
        #expect(Self.same(skipping.body, JSONDocument.priceImport(expected, file: "data.json")))
        #expect(skipping.string("format") == "genai-prices")
        #expect(try service.ledger.prices(model: "acme-pro", at: nil).first?.source == "genai-prices")
        let unknown = try await service.upload(
            route + "&provider=acme,nobody", .bytes(ByteBuffer(string: catalog)), key: service.admin, contentType: "application/json")
        #expect(unknown.status == 400 && unknown.string("field") == "provider", "\(unknown.body)")
        let litellm = try await service.upload(
            "/v1/prices/import?file=data.json", .bytes(ByteBuffer(string: catalog)), key: service.admin, contentType: "application/json")
        #expect(litellm.status == 400 && litellm.string("detail")?.contains("use --input-format genai-prices") == true, "\(litellm.body)")
        try Self.expectNoUploadsLeft(service)
    }

    @Test("usage import: the CLI's summary; a retry charges nothing twice; a bad line is 400 naming line and field and writes nothing")
    func usageImport() async throws {
        let service = try await ServiceHarness.start()
        defer { Task { await service.stop() } }
        try Self.fund(service.ledger, "acme")
        try service.ledger.createAccount(NewAccount(name: "beta", at: Self.january))
        // The same file through the library, into a ledger of its own with the same account.
        let expectedLedger = try Ledger.open(at: service.folder.appendingPathComponent("expected.sqlite").path, create: true)
        try expectedLedger.loadDefaultPrices()
        try Self.fund(expectedLedger, "acme")
        let file = service.folder.appendingPathComponent("usage.csv").path
        try Self.usageCSV.write(toFile: file, atomically: true, encoding: .utf8)
        var expected = try expectedLedger.importUsage(file: file, format: .csv, options: UsageImportOptions(account: "acme"))
        expected.file = "usage.csv"
        let route = "/v1/usage/import?account=acme&input_format=csv&file=usage.csv"
        let imported = try await service.upload(route, .bytes(ByteBuffer(string: Self.usageCSV)), key: service.admin)
        #expect(imported.status == 201, "\(imported.body)")
        #expect(Self.same(imported.body, JSONDocument.usageImport(expected)), "\(imported.body)")
        #expect(imported.json["charged"] as? Int == 3)
        let again = try await service.upload(route, .bytes(ByteBuffer(string: Self.usageCSV)), key: service.admin)
        #expect(again.status == 201 && again.json["charged"] as? Int == 0 && again.json["duplicates"] as? Int == 3)
        // A good row, then a bad one: nothing of the file is written.
        let bad = """
            time,model,input_tokens,cached_tokens,output_tokens,request_id,project
            2026-01-06T10:00:00Z,gpt-4o,1200,200,300,req-new,search
            2026-01-06T11:00:00Z,gpt-4o,1200.5,0,300,req-bad,search

            """
        let balance = try service.ledger.balance(of: "acme", at: Self.january).balance
        let refused = try await service.upload(
            "/v1/usage/import?account=acme&input_format=csv&file=bad.csv", .bytes(ByteBuffer(string: bad)), key: service.admin)
        #expect(refused.status == 400 && refused.string("code") == "bad_input" && refused.string("field") == "input_tokens", "\(refused.body)")
        #expect(refused.string("detail")?.hasPrefix("bad.csv:3 (input_tokens): ") == true, "\(refused.body)")
        #expect(try service.ledger.balance(of: "acme", at: Self.january).balance == balance)
        #expect(try service.ledger.verify().usages == 3)
        // With skip_bad the good row is recorded and the bad one listed, as the library does.
        let skipFile = service.folder.appendingPathComponent("bad.csv").path
        try bad.write(toFile: skipFile, atomically: true, encoding: .utf8)
        var expectedSkip = try expectedLedger.importUsage(file: skipFile, format: .csv, options: UsageImportOptions(account: "acme", skipBad: true))
        expectedSkip.file = "bad.csv"
        let skipped = try await service.upload(
            "/v1/usage/import?account=acme&input_format=csv&file=bad.csv&skip_bad=true", .bytes(ByteBuffer(string: bad)), key: service.admin)
        #expect(skipped.status == 201 && Self.same(skipped.body, JSONDocument.usageImport(expectedSkip)), "\(skipped.body)")
        #expect(skipped.json["skipped"] as? Int == 1 && skipped.json["charged"] as? Int == 1)
        #expect(try service.ledger.verify().usages == 4)
        // Options are checked and named as the query's parameters.
        let trace = "/v1/usage/import?account=acme&input_format=azure-trace"
        let noModel = try await service.upload(trace, .bytes(ByteBuffer(string: "TIMESTAMP,ContextTokens,GeneratedTokens\n")), key: service.admin)
        #expect(noModel.status == 400 && noModel.string("field") == "model", "\(noModel.body)")
        let scale = try await service.upload(route + "&time_scale=-1", .bytes(ByteBuffer(string: Self.usageCSV)), key: service.admin)
        #expect(scale.status == 400 && scale.string("field") == "time_scale", "\(scale.body)")
        // Roles: admin only; a key limited to acme imports into acme alone.
        for key in [service.gateway, service.reader] {
            let byRole = try await service.upload(route, .bytes(ByteBuffer(string: Self.usageCSV)), key: key)
            #expect(byRole.status == 403 && byRole.string("code") == "role_forbidden")
        }
        let limited = try Self.key(service, .admin, account: "acme")
        let elsewhere = try await service.upload(
            "/v1/usage/import?account=beta&input_format=csv", .bytes(ByteBuffer(string: Self.usageCSV)), key: limited)
        #expect(elsewhere.status == 403 && elsewhere.string("code") == "account_forbidden")
        #expect(try await service.upload(route, .bytes(ByteBuffer(string: Self.usageCSV)), key: limited).status == 201)
        #expect(try service.ledger.verify().ok && service.ledger.verify().usages == 4)
        // provider: the rows that name none record it, as `import usage --provider` does.
        let azure = """
            time,model,input_tokens,cached_tokens,output_tokens,request_id
            2026-01-07T10:00:00Z,gpt-4o,1000,0,100,req-azure

            """
        let named = try await service.upload(
            "/v1/usage/import?account=acme&input_format=csv&provider=azure", .bytes(ByteBuffer(string: azure)), key: service.admin)
        #expect(named.status == 201 && named.json["charged"] as? Int == 1, "\(named.body)")
        #expect(try service.ledger.charge(id: "req-azure").charge.provider == "azure")
        let badName = try await service.upload(
            "/v1/usage/import?account=acme&input_format=csv&provider=Azure%20OpenAI", .bytes(ByteBuffer(string: azure)), key: service.admin)
        #expect(badName.status == 400, "\(badName.body)")
        try Self.expectNoUploadsLeft(service)
    }

    @Test("a usage file of 20+ MiB, streamed without a length, is imported past the 8 MiB JSON limit; past the upload limit it is 413")
    func largeImport() async throws {
        // An import on a loaded machine (CI runs every suite at once) may take past the idle timeout.
        var patient = LedgerServer.Options()
        patient.idleTimeoutSeconds = 600
        let service = try await ServiceHarness.start(options: patient)
        defer { Task { await service.stop() } }
        try Self.fund(service.ledger, "acme")
        let rows = 84_000
        let (chunks, bytes) = Self.largeCSV(rows: rows)
        #expect(bytes > 20 << 20)
        let imported = try await service.upload(
            "/v1/usage/import?account=acme&input_format=csv&file=large.csv", .stream(Self.stream(chunks), length: .unknown), key: service.admin)
        #expect(imported.status == 201, "\(imported.body.prefix(300))")
        #expect(imported.json["charged"] as? Int == rows && imported.json["rows_read"] as? Int == rows)
        #expect(try service.ledger.verify().usages == rows)
        try Self.expectNoUploadsLeft(service)

        var options = LedgerServer.Options()
        options.maximumUploadBytes = 1 << 20
        let small = try await ServiceHarness.start(options: options)
        defer { Task { await small.stop() } }
        try Self.fund(small.ledger, "acme")
        let (few, _) = Self.largeCSV(rows: 10_000)
        let tooLarge = try await small.upload(
            "/v1/usage/import?account=acme&input_format=csv", .stream(Self.stream(few), length: .unknown), key: small.admin)
        #expect(tooLarge.status == 413 && tooLarge.string("code") == "too_large", "\(tooLarge.body.prefix(300))")
        #expect(try small.ledger.verify().usages == 0)
        try Self.expectNoUploadsLeft(small)
    }

    @Test("monthly report, statement and FOCUS export answer the library's documents; the CSV is the CLI's bytes; keys see their account")
    func reports() async throws {
        let service = try await ServiceHarness.start()
        defer { Task { await service.stop() } }
        try Self.fundWithUsage(service, ["acme", "beta"])
        let ledger = service.ledger
        let report = try await service.get("/v1/reports/monthly?month=2026-01&by=model,project", key: service.reader)
        let expectedReport = try ledger.monthlyReport(account: nil, month: Self.january, by: [.model, .project])
        #expect(report.status == 200 && Self.same(report.body, JSONDocument.monthlyReport(expectedReport)), "\(report.body)")
        #expect(report.json["account"] is NSNull)
        let badKey = try await service.get("/v1/reports/monthly?month=2026-01&by=colour", key: service.reader)
        #expect(badKey.status == 400 && badKey.string("field") == "by")
        let badMonth = try await service.get("/v1/reports/monthly?month=January", key: service.reader)
        #expect(badMonth.status == 400 && badMonth.string("field") == "month")

        let at = "2026-02-01T00:00:00Z"
        let statement = try await service.get("/v1/accounts/acme/statement?month=2026-01&at=\(at)", key: service.reader)
        let expectedStatement = try ledger.statement(of: "acme", month: Self.january, now: try Timestamp(parsing: at))
        #expect(statement.status == 200 && Self.same(statement.body, JSONDocument.statement(expectedStatement)), "\(statement.body)")

        let focusRows = try ledger.focusRows(account: nil, month: Self.january, provider: "OpenAI")
        #expect(focusRows.count > 6)
        let csv = try await service.get("/v1/exports/focus?month=2026-01", key: service.reader)
        #expect(csv.status == 200 && csv.headers["Content-Type"].first?.hasPrefix("text/csv") == true)
        #expect(csv.body == CSVText.render(header: FocusReport.columns, rows: focusRows.map { $0.map { $0 ?? "" } }) + "\n")
        let json = try await service.send(.GET, "/v1/exports/focus?month=2026-01", key: service.reader, headers: [("Accept", "application/json")])
        #expect(json.status == 200 && Self.same(json.body, JSONDocument.focus(month: Self.january, rows: focusRows)))
        // FOCUS requires ProviderName: an empty one is 400 naming the parameter (found by schemathesis).
        let noProvider = try await service.get("/v1/exports/focus?month=2026-01&provider=", key: service.reader)
        #expect(noProvider.status == 400 && noProvider.string("field") == "provider", "\(noProvider.body)")

        // A reader limited to acme: its own account only, named or not.
        let limited = try Self.key(service, .reader, account: "acme")
        let own = try await service.get("/v1/reports/monthly?month=2026-01", key: limited)
        let expectedOwn = try ledger.monthlyReport(account: "acme", month: Self.january, by: [.model])
        #expect(own.status == 200 && Self.same(own.body, JSONDocument.monthlyReport(expectedOwn)), "\(own.body)")
        let ownFocus = try await service.get("/v1/exports/focus?month=2026-01", key: limited)
        let acmeRows = try ledger.focusRows(account: "acme", month: Self.january, provider: "OpenAI")
        #expect(ownFocus.body == CSVText.render(header: FocusReport.columns, rows: acmeRows.map { $0.map { $0 ?? "" } }) + "\n")
        #expect(acmeRows.count * 2 == focusRows.count)
        for path in ["/v1/reports/monthly?account=beta", "/v1/exports/focus?month=2026-01&account=beta", "/v1/accounts/beta/statement"] {
            let refused = try await service.get(path, key: limited)
            #expect(refused.status == 403 && refused.string("code") == "account_forbidden", "\(path): \(refused.body)")
        }
        // A gateway reads balances, not the books.
        for path in ["/v1/reports/monthly", "/v1/exports/focus?month=2026-01", "/v1/accounts/acme/statement"] {
            let refused = try await service.get(path, key: service.gateway)
            #expect(refused.status == 403 && refused.string("code") == "role_forbidden", "\(path): \(refused.body)")
        }
        let unknown = try await service.get("/v1/accounts/nobody/statement", key: service.reader)
        #expect(unknown.status == 404 && unknown.string("code") == "unknown_account")
    }

    @Test("charges list and show, and the journal, answer the library's documents; paging by after; keys see their account only")
    func chargesAndJournal() async throws {
        let service = try await ServiceHarness.start()
        defer { Task { await service.stop() } }
        try Self.fundWithUsage(service, ["acme", "beta"])
        let ledger = service.ledger
        // Every account's, by cost, largest first, two to a page.
        var query = ChargeQuery(sort: .cost, descending: true, limit: 2)
        let first = try await service.get("/v1/charges?sort=cost&desc=true&limit=2", key: service.reader)
        let expectedFirst = try ledger.charges(matching: query)
        #expect(first.status == 200 && Self.same(first.body, JSONDocument.chargePage(expectedFirst)), "\(first.body)")
        let next = try #require(first.string("next_after"))
        query.after = next
        let second = try await service.get("/v1/charges?sort=cost&desc=true&limit=2&after=\(next)", key: service.reader)
        let expectedSecond = try ledger.charges(matching: query)
        #expect(second.status == 200 && Self.same(second.body, JSONDocument.chargePage(expectedSecond)), "\(second.body)")
        // Filters: acme's gpt-4o in January.
        var filtered = ChargeQuery(account: "acme", from: Self.january, to: Timestamp(milliseconds: Self.january.milliseconds + 31 * 86_400_000))
        filtered.model = "gpt-4o"
        let byModel = try await service.get("/v1/charges?account=acme&from=2026-01-01&to=2026-02-01&model=gpt-4o", key: service.reader)
        let expectedByModel = try ledger.charges(matching: filtered)
        #expect(byModel.status == 200 && Self.same(byModel.body, JSONDocument.chargePage(expectedByModel)), "\(byModel.body)")
        #expect((byModel.json["charges"] as? [Any])?.count == 1)

        let show = try await service.get("/v1/charges/acme-req-2", key: service.reader)
        let expectedShow = try ledger.charge(id: "acme-req-2")
        #expect(show.status == 200 && Self.same(show.body, JSONDocument.chargeDetail(expectedShow)), "\(show.body)")
        let journal = try await service.get("/v1/accounts/acme/journal?from=2026-01-01", key: service.reader)
        let expectedJournal = try ledger.accountJournal(account: "acme", from: Self.january)
        #expect(journal.status == 200 && Self.same(journal.body, JSONDocument.journal(expectedJournal)), "\(journal.body)")

        // Bad input names the parameter; unknown things are 404.
        for (path, field) in [("/v1/charges?limit=0", "limit"), ("/v1/charges?from=yesterday", "from"), ("/v1/accounts/acme/journal?to=soon", "to")] {
            let bad = try await service.get(path, key: service.reader)
            #expect(bad.status == 400 && bad.string("field") == field, "\(path): \(bad.body)")
        }
        for (path, code) in [
            ("/v1/charges/nope", "unknown_charge"), ("/v1/charges?after=nope", "unknown_charge"), ("/v1/charges?account=nobody", "unknown_account"),
            ("/v1/accounts/nobody/journal", "unknown_account"),
        ] {
            let missing = try await service.get(path, key: service.reader)
            #expect(missing.status == 404 && missing.string("code") == code, "\(path): \(missing.body)")
        }

        // A reader limited to acme: acme's charges only, named or not; beta's charge does not exist for it.
        let limited = try Self.key(service, .reader, account: "acme")
        let own = try await service.get("/v1/charges", key: limited)
        let expectedOwn = try ledger.charges(matching: ChargeQuery(account: "acme"))
        #expect(own.status == 200 && Self.same(own.body, JSONDocument.chargePage(expectedOwn)), "\(own.body)")
        let hidden = try await service.get("/v1/charges/beta-req-1", key: limited)
        #expect(hidden.status == 404 && hidden.string("code") == "unknown_charge", "\(hidden.body)")
        for path in ["/v1/charges?account=beta", "/v1/accounts/beta/journal"] {
            let refused = try await service.get(path, key: limited)
            #expect(refused.status == 403 && refused.string("code") == "account_forbidden", "\(path): \(refused.body)")
        }
        // A gateway reads balances, not the books.
        for path in ["/v1/charges", "/v1/charges/acme-req-1", "/v1/accounts/acme/journal"] {
            let refused = try await service.get(path, key: service.gateway)
            #expect(refused.status == 403 && refused.string("code") == "role_forbidden", "\(path): \(refused.body)")
        }
    }

    @Test("reconcile: the provider's cost export uploaded gives the library's reconciliation; a bad file is 400 naming it; limited keys refused")
    func reconcile() async throws {
        let service = try await ServiceHarness.start()
        defer { Task { await service.stop() } }
        try Self.fund(service.ledger, "acme")
        // The dated models the provider's files name, at their list prices.
        for (model, input, cached, output) in [("gpt-4o-2024-08-06", "2.50", "1.25", "10"), ("gpt-4o-mini-2024-07-18", "0.15", "0.075", "0.60")] {
            let body = """
                {"model": "\(model)", "input_usd_per_million": "\(input)", "cached_input_usd_per_million": "\(cached)",
                 "output_usd_per_million": "\(output)", "effective_from": "2025-01-01"}
                """
            #expect(try await service.post("/v1/prices", body, key: service.admin).status == 201)
        }
        let usage = Self.reconcileFixtures.appendingPathComponent("usage-export.csv").path
        _ = try service.ledger.importUsage(file: usage, format: .openAIUsageExport, options: UsageImportOptions(account: "acme"))
        let costsPath = Self.reconcileFixtures.appendingPathComponent("cost-export.csv").path
        let costs = try Data(contentsOf: URL(fileURLWithPath: costsPath))
        for granularity in ReconciliationGranularity.allCases {
            let route = "/v1/reconcile?account=acme&by=\(granularity.rawValue)&file=costs.csv"
            let answer = try await service.upload(route, .bytes(ByteBuffer(data: costs)), key: service.reader)
            let expected = try service.ledger.reconcile(ReconcileRequest(costFiles: [costsPath], account: "acme", granularity: granularity))
            #expect(answer.status == 200, "\(answer.body)")
            #expect(Self.same(answer.body, JSONDocument.reconciliation(expected, account: "acme")), "\(answer.body)")
            #expect(answer.json["ok"] as? Bool == expected.summary.isReconciled)
        }
        let tolerant = try await service.upload("/v1/reconcile?tolerance_usd=1", .bytes(ByteBuffer(data: costs)), key: service.reader)
        let expectedTolerant = try service.ledger.reconcile(ReconcileRequest(costFiles: [costsPath], tolerance: try Money(parsing: "1")))
        #expect(tolerant.status == 200 && Self.same(tolerant.body, JSONDocument.reconciliation(expectedTolerant, account: nil)))
        let bad = try await service.upload(
            "/v1/reconcile?file=costs.csv", .bytes(ByteBuffer(string: Self.badCosts)), key: service.reader)
        #expect(bad.status == 400 && bad.string("code") == "bad_input" && bad.string("detail")?.hasPrefix("costs.csv:2") == true, "\(bad.body)")
        let negative = try await service.upload("/v1/reconcile?tolerance_usd=-1", .bytes(ByteBuffer(data: costs)), key: service.reader)
        #expect(negative.status == 400 && negative.string("field") == "tolerance_usd")
        let limited = try Self.key(service, .reader, account: "acme")
        let wholeLedger = try await service.upload("/v1/reconcile?account=acme", .bytes(ByteBuffer(data: costs)), key: limited)
        #expect(wholeLedger.status == 403 && wholeLedger.string("code") == "account_forbidden")
        let byGateway = try await service.upload("/v1/reconcile", .bytes(ByteBuffer(data: costs)), key: service.gateway)
        #expect(byGateway.status == 403 && byGateway.string("code") == "role_forbidden")
        try Self.expectNoUploadsLeft(service)
    }

    // MARK: Support

    /// A cost export whose first row's amount is not a number.
    static let badCosts = """
        start_time,end_time,amount_value,amount_currency,line_item,project_id,organization_id,project_name,organization_name
        1767571200,1767657600,abc,usd,"gpt-4o-2024-08-06, input",proj_a,org_1,Alpha,Org

        """

    /// Whether the answer's JSON is `expected`'s, value for value (`null`s included).
    static func same(_ body: String, _ expected: JSONOutput) -> Bool {
        guard let answer = canonical(body), let wanted = canonical(expected.rendered()) else { return false }
        return answer == wanted
    }

    /// The JSON text with its keys sorted and no spaces: two equal values print the same.
    static func canonical(_ text: String) -> Data? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) else { return nil }
        return try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed])
    }

    /// An account with $100 of credit bought on 2026-01-01.
    static func fund(_ ledger: Ledger, _ name: String) throws {
        try ledger.createAccount(NewAccount(name: name, at: january))
        _ = try ledger.purchase(PurchaseRequest(account: name, amount: try Money(parsing: "100"), at: january, id: "pay-\(name)"))
    }

    /// Accounts funded with ``fund(_:_:)``, each with ``usageCSV``'s January (request ids
    /// prefixed with the account's name).
    static func fundWithUsage(_ service: ServiceHarness, _ accounts: [String]) throws {
        let file = service.folder.appendingPathComponent("usage.csv").path
        for account in accounts {
            try fund(service.ledger, account)
            try usageCSV.replacingOccurrences(of: "req-", with: "\(account)-req-").write(toFile: file, atomically: true, encoding: .utf8)
            _ = try service.ledger.importUsage(file: file, format: .csv, options: UsageImportOptions(account: account))
        }
    }

    /// A new key's secret.
    static func key(_ service: ServiceHarness, _ role: APIKeyRole, account: String?) throws -> String {
        try service.ledger.createAPIKey(NewAPIKey(role: role, account: account, at: Timestamp.now())).secret
    }

    /// A CSV of `rows` cheap charges whose `user` column fills each line to about 270 bytes, in
    /// chunks of about 1 MiB, and its size.
    static func largeCSV(rows: Int) -> (chunks: [String], bytes: Int) {
        let padding = String(repeating: "u", count: 220)
        var chunks: [String] = []
        var chunk = "time,model,input_tokens,cached_tokens,output_tokens,request_id,user\n"
        var bytes = 0
        for row in 0..<rows {
            chunk += "2026-01-05T00:00:00Z,gpt-4o-mini,10,0,1,large-\(row),\(padding)\(row)\n"
            if chunk.utf8.count >= 1 << 20 {
                bytes += chunk.utf8.count
                chunks.append(chunk)
                chunk = ""
            }
        }
        bytes += chunk.utf8.count
        chunks.append(chunk)
        return (chunks, bytes)
    }

    /// The chunks as a stream of buffers, made one at a time as the client sends them.
    static func stream(_ chunks: [String]) -> Chunks { Chunks(texts: chunks) }

    /// Text chunks as an async sequence of buffers (a request body of unknown length).
    struct Chunks: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        let texts: [String]

        struct AsyncIterator: AsyncIteratorProtocol {
            var remaining: ArraySlice<String>
            mutating func next() async -> ByteBuffer? { remaining.popFirst().map { ByteBuffer(string: $0) } }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(remaining: texts[...]) }
    }

    /// No uploaded file is left beside the ledger.
    static func expectNoUploadsLeft(_ service: ServiceHarness) throws {
        let left = try FileManager.default.contentsOfDirectory(atPath: service.folder.path).filter { $0.hasPrefix(".tokenledger-upload-") }
        #expect(left.isEmpty, "left: \(left)")
    }
}
