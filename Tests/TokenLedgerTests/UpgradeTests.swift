import GRDB
import Testing
import TokenLedger
import TokenLedgerCore

/// The schemas that have landed in main, frozen as they landed: ledger files made by each
/// must keep working with every later version (migrations are append-only, STYLE.md).
enum LandedSchema {
    /// `migrations/v0001_initial.sql` as it landed (the first landing of main).
    static let v0001Initial = """
        -- v0001_initial: the first TokenLedger schema.
        --
        -- What it holds: accounts; the append-only double-entry journal of transfers (every movement
        -- debits one account and credits another with a positive amount); credit lots (purchases and
        -- grants, with what remains and when they expire); allocations (which lot paid which part of
        -- which transfer); usage details per charge; the effective-dated price book.
        --
        -- Units are in the column names: money in integer nanodollars (1e-9 USD, `_nanos`), prices in
        -- nanodollars per million tokens (`_nanos_per_million`), times in integer UTC milliseconds since
        -- 1970 (`_ms`). Constraints live here as well as in Swift: trust SQLite more than ourselves.

        -- Marks the file as a TokenLedger ledger ('TkLd'), so other SQLite files are told apart.
        PRAGMA application_id = 1416315236;

        CREATE TABLE account (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 256),
            kind TEXT NOT NULL CHECK (kind IN ('customer', 'system')),
            -- credits minus debits of every transfer that touches the account; kept in the same write
            -- transaction as the transfer, and always equal to a re-fold of the journal (`verify`).
            balance_nanos INTEGER NOT NULL DEFAULT 0,
            max_purchase_nanos INTEGER NOT NULL DEFAULT 100000000000
                CHECK (max_purchase_nanos BETWEEN 5000000000 AND 1000000000000000 AND max_purchase_nanos % 10000000 = 0),
            overdraft_allowance_nanos INTEGER NOT NULL DEFAULT 0
                CHECK (overdraft_allowance_nanos BETWEEN 0 AND 1000000000000000),
            created_at_ms INTEGER NOT NULL,
            CHECK (kind = 'system' OR substr(name, 1, 1) <> '@')
        ) STRICT;

        -- The ledger's own accounts, the other side of every customer transfer.
        INSERT INTO account (id, name, kind, created_at_ms) VALUES
            (1, '@payments', 'system', 0),     -- card payments: purchases and auto-recharges
            (2, '@grants', 'system', 0),       -- free and promotional credit
            (3, '@usage', 'system', 0),        -- what usage consumed
            (4, '@expired', 'system', 0),      -- credit written off when its lot expired
            (5, '@adjustments', 'system', 0);  -- manual corrections

        CREATE TABLE transfer (
            id INTEGER PRIMARY KEY,
            -- the caller's id for purchases, grants and recharges (the idempotency key); NULL for
            -- usage (keyed by usage.request_id) and expiry (keyed by its lot)
            reference TEXT UNIQUE CHECK (reference IS NULL OR length(reference) BETWEEN 1 AND 256),
            kind TEXT NOT NULL CHECK (kind IN ('purchase', 'grant', 'usage', 'expiry', 'recharge', 'adjustment')),
            debit_account_id INTEGER NOT NULL REFERENCES account(id),
            credit_account_id INTEGER NOT NULL REFERENCES account(id),
            amount_nanos INTEGER NOT NULL CHECK (amount_nanos > 0),
            occurred_at_ms INTEGER NOT NULL,
            -- the customer account's balance right after this transfer
            balance_after_nanos INTEGER NOT NULL,
            CHECK (debit_account_id <> credit_account_id)
        ) STRICT;
        CREATE INDEX transfer_by_debit_account ON transfer(debit_account_id, occurred_at_ms);
        CREATE INDEX transfer_by_credit_account ON transfer(credit_account_id, occurred_at_ms);

        CREATE TRIGGER transfer_is_append_only_update BEFORE UPDATE ON transfer
        BEGIN SELECT RAISE(ABORT, 'the journal is append-only: transfers are never updated'); END;
        CREATE TRIGGER transfer_is_append_only_delete BEFORE DELETE ON transfer
        BEGIN SELECT RAISE(ABORT, 'the journal is append-only: transfers are never deleted'); END;

        CREATE TABLE lot (
            id INTEGER PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES account(id),
            kind TEXT NOT NULL CHECK (kind IN ('purchase', 'grant')),
            -- the purchase, grant or recharge that created the lot
            transfer_id INTEGER NOT NULL UNIQUE REFERENCES transfer(id),
            original_nanos INTEGER NOT NULL CHECK (original_nanos > 0),
            remaining_nanos INTEGER NOT NULL CHECK (remaining_nanos BETWEEN 0 AND original_nanos),
            created_at_ms INTEGER NOT NULL,
            expires_at_ms INTEGER NOT NULL CHECK (expires_at_ms > created_at_ms)
        ) STRICT;
        CREATE INDEX lot_live_by_account ON lot(account_id, expires_at_ms) WHERE remaining_nanos > 0;

        -- Which lot paid which part of a transfer: a usage or expiry debit spending a lot, or a new
        -- lot repaying overdraft (its own creating transfer). remaining = original - sum(allocations).
        CREATE TABLE allocation (
            transfer_id INTEGER NOT NULL REFERENCES transfer(id),
            lot_id INTEGER NOT NULL REFERENCES lot(id),
            amount_nanos INTEGER NOT NULL CHECK (amount_nanos > 0),
            PRIMARY KEY (transfer_id, lot_id)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX allocation_by_lot ON allocation(lot_id);

        CREATE TABLE price_entry (
            id INTEGER PRIMARY KEY,
            model TEXT NOT NULL CHECK (length(model) BETWEEN 1 AND 256),
            effective_from_ms INTEGER NOT NULL,
            source TEXT NOT NULL CHECK (source IN ('default', 'manual', 'litellm')),
            max_input_tokens INTEGER CHECK (max_input_tokens > 0),
            max_output_tokens INTEGER CHECK (max_output_tokens > 0),
            long_context_threshold_tokens INTEGER CHECK (long_context_threshold_tokens > 0),
            UNIQUE (model, effective_from_ms)
        ) STRICT;

        -- An entry's rates for one service tier and band; NULL where the catalog gives none.
        CREATE TABLE price_rate (
            price_entry_id INTEGER NOT NULL REFERENCES price_entry(id),
            service_tier TEXT NOT NULL CHECK (service_tier IN ('default', 'flex', 'batch', 'priority')),
            band TEXT NOT NULL CHECK (band IN ('standard', 'long_context')),
            input_nanos_per_million INTEGER CHECK (input_nanos_per_million BETWEEN 0 AND 10000000000000),
            cached_input_nanos_per_million INTEGER CHECK (cached_input_nanos_per_million BETWEEN 0 AND 10000000000000),
            cache_write_nanos_per_million INTEGER CHECK (cache_write_nanos_per_million BETWEEN 0 AND 10000000000000),
            output_nanos_per_million INTEGER CHECK (output_nanos_per_million BETWEEN 0 AND 10000000000000),
            PRIMARY KEY (price_entry_id, service_tier, band)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE usage (
            id INTEGER PRIMARY KEY,
            -- the provider's request id (or one given or generated): the idempotency key of a charge
            request_id TEXT NOT NULL UNIQUE CHECK (length(request_id) BETWEEN 1 AND 256),
            account_id INTEGER NOT NULL REFERENCES account(id),
            -- the usage transfer; NULL exactly when the usage cost nothing
            transfer_id INTEGER UNIQUE REFERENCES transfer(id),
            price_entry_id INTEGER NOT NULL REFERENCES price_entry(id),
            model TEXT NOT NULL,
            service_tier TEXT NOT NULL CHECK (service_tier IN ('default', 'flex', 'batch', 'priority')),
            band TEXT NOT NULL CHECK (band IN ('standard', 'long_context')),
            input_tokens INTEGER NOT NULL CHECK (input_tokens BETWEEN 0 AND 100000000000),
            cached_tokens INTEGER NOT NULL CHECK (cached_tokens BETWEEN 0 AND 100000000000),
            cache_write_tokens INTEGER NOT NULL CHECK (cache_write_tokens BETWEEN 0 AND 100000000000),
            output_tokens INTEGER NOT NULL CHECK (output_tokens BETWEEN 0 AND 100000000000),
            requests INTEGER NOT NULL DEFAULT 1 CHECK (requests >= 1),
            cost_nanos INTEGER NOT NULL CHECK (cost_nanos >= 0),
            occurred_at_ms INTEGER NOT NULL,
            -- the account's balance right after the charge (what a retried request id is answered with)
            balance_after_nanos INTEGER NOT NULL,
            project TEXT CHECK (project IS NULL OR length(project) BETWEEN 1 AND 256),
            api_key TEXT CHECK (api_key IS NULL OR length(api_key) BETWEEN 1 AND 256),
            end_user TEXT CHECK (end_user IS NULL OR length(end_user) BETWEEN 1 AND 256),
            CHECK (cached_tokens + cache_write_tokens <= input_tokens),
            CHECK ((cost_nanos = 0) = (transfer_id IS NULL))
        ) STRICT;
        CREATE INDEX usage_by_account_time ON usage(account_id, occurred_at_ms);
        """
}

@Suite("Ledger files made by earlier versions")
struct UpgradeTests {
    /// Makes a ledger file as a version whose newest migration was `identifier` did.
    static func makeOldLedger(at path: String, schema: String, identifier: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
            try db.execute(sql: schema)
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES (?)", arguments: [identifier])
        }
        try queue.close()
    }

    @Test(
        "a ledger made with the landed v0001 schema opens, upgrades and keeps recording")
    func landedV0001() throws {
        try withScratchDirectory { directory in
            let path = directory.path()
            try Self.makeOldLedger(at: path, schema: LandedSchema.v0001Initial, identifier: "v0001_initial")
            let ledger = try Ledger.open(at: path)
            #expect(try ledger.schemaVersion().last == SchemaTests.migrationFileIdentifiers().last)
            try ledger.loadDefaultPrices()
            try makeAccount(ledger, "acme", at: utc(2025, 7, 1), purchase: .usd(20))
            let request = ChargeRequest(account: "acme", model: "o3", input: 1_000, output: 500, requestID: "r-1", at: utc(2025, 7, 2))
            let first = try ledger.charge(request)
            var retried = try ledger.charge(request)
            #expect(retried.duplicate)
            retried.duplicate = false
            #expect(retried.fields == first.fields)
            #expect(try ledger.verify().ok)
        }
    }

    /// The CSV the v0001 fixture imported into acme.
    static let v0001CSV = """
        time,model,input_tokens,cached_tokens,output_tokens,project
        2025-07-22T00:00:00Z,gpt-4o-mini,1000,0,100,p
        2025-07-22T00:01:00Z,gpt-4o-mini,2000,500,100,p
        2025-07-22T00:01:00Z,gpt-4o-mini,2000,500,100,p

        """

    /// Loads `Tests/Fixtures/ledgers/NAME.sql` into a new file at `path`.
    static func loadFixture(_ name: String, at path: String) throws {
        let sql = try String(contentsOf: packageFolder.appendingPathComponent("Tests/Fixtures/ledgers/\(name).sql"), encoding: .utf8)
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in try db.execute(sql: sql) }
        try queue.close()
    }

    @Test("a v0001 ledger with books migrates to usage entries keeping every balance, lot, charge and imported id")
    func v0001Books() throws {
        try withScratchDirectory { directory in
            let path = directory.url.appendingPathComponent("old.sqlite").path()
            try Self.loadFixture("v0001_books", at: path)
            let ledger = try Ledger.open(at: path)
            #expect(try ledger.schemaVersion() == SchemaTests.migrationFileIdentifiers())
            let report = try ledger.verify()
            #expect(report.ok, "\(report.problems)")
            // v0001 counted 13 transfers (8 of them usage) and 9 charges; the journal is the same 13 entries.
            #expect((report.transfers, report.accounts, report.usages) == (13, 2, 9))
            // What the v0001 binary answered for `balance --at 2025-08-15` on the same file.
            let acme = try ledger.balance(of: "acme", at: utc(2025, 8, 15))
            #expect((acme.balance, acme.available, acme.monthToDate) == (Money(nanos: 19_996_777_500), Money(nanos: 24_996_777_500), .zero))
            #expect(acme.lots.map { "\($0.kind) \($0.remaining) \($0.expiresAt)" } == ["purchase $19.9967775 2026-07-01T01:00:00Z"])
            let beta = try ledger.balance(of: "beta", at: utc(2025, 8, 15))
            #expect((beta.balance, beta.available, beta.monthToDate) == (Money(nanos: 4_588_750_000), Money(nanos: 4_588_750_000), Money(nanos: 1_250_000)))
            // Charges answer retries as before: r-2 drew on two lots, b-1 was all overdraft.
            let retried = try ledger.charge(
                ChargeRequest(account: "acme", model: "o3", input: 1_000, output: 500, apiKey: "k1", user: "u1", requestID: "r-2", at: utc(2025, 7, 16)))
            #expect(
                (retried.duplicate, retried.cost, retried.balance, retried.overdraft) == (true, Money(nanos: 6_000_000), Money(nanos: 19_998_000_000), .zero))
            let overdrawn = try ledger.charge(
                ChargeRequest(account: "beta", model: "gpt-4o", input: 100_000, output: 16_000, requestID: "b-1", at: utc(2025, 7, 20)))
            #expect((overdrawn.duplicate, overdrawn.overdraft) == (true, Money(nanos: 410_000_000)))
            // The file imported under v0001 is still recognized: nothing is charged twice.
            let csv = directory.url.appendingPathComponent("usage.csv")
            try Self.v0001CSV.write(to: csv, atomically: true, encoding: .utf8)
            let again = try ledger.importUsage(file: csv.path(), format: .csv, options: UsageImportOptions(account: "acme"))
            #expect((again.charged, again.duplicates) == (0, 3))
            // Totals by model survive, now from the usage rows and the rebuilt rollup alike.
            let totals = try ledger.usageTotals(account: "acme", from: utc(2025, 7, 1), to: utc(2025, 8, 1))
            #expect(
                totals.map { "\($0.model) \($0.tier) \($0.requests) \($0.cost)" } == [
                    "o3 default 2 $0.012", "gpt-4o-mini default 3 $0.000855", "gpt-4o-mini flex 1 $0.0003675", "gpt-4o default 1 $0.00",
                ])
            #expect(try ledger.verify().ok)
        }
    }

    static let v0003CSV = """
        time,model,input_tokens,cached_tokens,output_tokens,project
        2026-01-22T00:00:00Z,gpt-4o-mini,1000,0,100,p
        2026-01-22T00:01:00Z,gpt-4o-mini,2000,500,100,p
        2026-01-22T00:01:00Z,gpt-4o-mini,2000,500,100,p

        """

    @Test("a v0003 ledger with controls migrates to the usage tail keeping every balance, lot, recharge, reservation and limit")
    func v0003Books() throws {
        try withScratchDirectory { directory in
            let path = directory.url.appendingPathComponent("old.sqlite").path()
            try Self.loadFixture("v0003_books", at: path)
            let ledger = try Ledger.open(at: path)
            #expect(try ledger.schemaVersion() == SchemaTests.migrationFileIdentifiers())
            let report = try ledger.verify()
            #expect(report.ok, "\(report.problems)")
            #expect((report.transfers, report.accounts, report.usages) == (13, 2, 9))
            // What the v0003 binary answered for `balance --at 2026-02-15` and `statement --month 2026-01`.
            let acme = try ledger.balance(of: "acme", at: utc(2026, 2, 15))
            #expect((acme.balance, acme.available, acme.monthToDate) == (Money(nanos: 19_995_707_500), Money(nanos: 24_995_707_500), .zero))
            #expect(acme.lots.map(\.remaining) == [Money(nanos: 8_485_707_500), Money(nanos: 11_510_000_000)])
            let beta = try ledger.balance(of: "beta", at: utc(2026, 2, 15))
            #expect((beta.balance, beta.monthToDate) == (Money(nanos: 4_588_750_000), Money(nanos: 1_250_000)))
            let statement = try ledger.statement(of: "acme", month: utc(2026, 1, 1), now: utc(2026, 2, 15))
            #expect(
                (statement.recharges, statement.usage, statement.closing) == (
                    Money(nanos: 11_510_000_000), Money(nanos: 12_514_292_500), Money(nanos: 19_995_707_500)
                ))
            #expect(try ledger.reservation(id: "res-1")?.status == .settled)
            // Settled before settles had ids: under the reservation's id, so the same settle again is a retry.
            #expect(try ledger.settle(SettleRequest(reservation: "res-1", input: 1_180, output: 412, at: utc(2026, 2, 1))).duplicate)
            #expect(
                outcome { _ = try ledger.settle(SettleRequest(reservation: "res-1", input: 1_180, output: 413, at: utc(2026, 2, 1))) }
                    == "reservation_settled")
            #expect(try ledger.limits(account: "acme").count == 2)
            // Retries are retries; the imported file is recognized.
            let retried = try ledger.charge(
                ChargeRequest(account: "acme", model: "pricey", input: 12_000, output: 500, apiKey: "k1", user: "u1", requestID: "r-big", at: utc(2026, 1, 3)))
            #expect(retried.duplicate)
            let csv = directory.url.appendingPathComponent("usage.csv")
            try Self.v0003CSV.write(to: csv, atomically: true, encoding: .utf8)
            let again = try ledger.importUsage(file: csv.path(), format: .csv, options: UsageImportOptions(account: "acme"))
            #expect((again.charged, again.duplicates) == (0, 3))
            // v0004 rewrote usage's tier CHECK in place; the rule still holds, and new charges fold.
            let raw = try RawDatabase(path: path)
            #expect(try raw.int("SELECT instr(sql, 'service_tier = ''default'' OR') > 0 FROM sqlite_master WHERE name = 'usage'") == 1)
            let refused = #expect(throws: DatabaseError.self) {
                try raw.execute(
                    "INSERT INTO usage SELECT 99, 'x', account_id, price_entry_id, model, 'turbo', band, input_tokens, cached_tokens, cache_write_tokens, output_tokens, requests, cost_nanos, occurred_at_ms, balance_after_nanos, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0 FROM usage LIMIT 1"
                )
            }
            #expect(refused?.message?.contains("CHECK constraint failed: service_tier = 'default' OR") == true, "\(String(describing: refused))")
            for number in 0..<3 {
                _ = try ledger.charge(ChargeRequest(account: "beta", model: "gpt-4o", input: 100, output: 100, requestID: "new-\(number)", at: utc(2026, 2, 3)))
            }
            #expect(try ledger.verify().ok)
        }
    }

    @Test("a v0003 ledger upgrades to providers: every charge keeps its cost and no provider, its entries price flex as before")
    func v0003Providers() throws {
        try withScratchDirectory { directory in
            let path = directory.url.appendingPathComponent("old.sqlite").path()
            try Self.loadFixture("v0003_books", at: path)
            let ledger = try Ledger.open(at: path)
            #expect(try ledger.schemaVersion().last == SchemaTests.migrationFileIdentifiers().last)
            // verify reprices every charge with its entry: no cost moved.
            let report = try ledger.verify()
            #expect(report.ok, "\(report.problems)")
            let raw = try RawDatabase(path: path)
            #expect(try raw.int("SELECT count(*) FROM usage WHERE provider IS NOT NULL") == 0)
            #expect(try raw.int("SELECT count(*) FROM usage_daily WHERE provider <> ''") == 0)
            // v0013: no old charge has tokens billed apart, and no old rate prices them.
            let apart = TokenBreakdown.fieldNames.joined(separator: " + ")
            #expect(try raw.int("SELECT count(*) FROM usage WHERE \(apart) > 0") == 0)
            #expect(try raw.int("SELECT count(*) FROM usage_daily WHERE \(apart) > 0") == 0)
            #expect(
                try raw.int("SELECT count(*) FROM price_rate WHERE coalesce(cache_write_1h_nanos_per_million, input_audio_nanos_per_million) IS NOT NULL") == 0)
            let unnamed = try raw.int("SELECT count(*) FROM price_entry WHERE provider IS NULL")
            let entries = try raw.int("SELECT count(*) FROM price_entry")
            #expect(unnamed > 0 && unnamed == entries)
            let charges = try ledger.charges(matching: ChargeQuery(limit: 100)).charges
            #expect(charges.count == 9 && charges.allSatisfy { $0.provider == nil })
            for charge in charges { #expect(try ledger.charge(id: charge.id).repriced == charge.cost, "\(charge.id)") }
            // Reported as no provider.
            let month = try ledger.monthlyReport(account: nil, month: utc(2026, 1, 1), by: [.provider])
            #expect(month.rows.map(\.values) == [[nil]])
            // Loading the new default book adds models and leaves the old entries as they were.
            #expect(try ledger.loadDefaultPrices() > 0)
            #expect(try raw.int("SELECT count(*) FROM price_entry WHERE provider IS NULL") == unnamed)
            // An old entry (no provider) still prices flex at half: gpt-4o-mini's, as r-3 was.
            let flex = try ledger.charge(
                ChargeRequest(
                    account: "beta", model: "gpt-4o-mini", tier: .flex, input: 5_000, cached: 1_000, output: 100, requestID: "flex-new", at: utc(2026, 2, 3)))
            #expect((flex.cost, flex.provider) == (Money(nanos: 367_500), nil))
            _ = try ledger.charge(
                ChargeRequest(account: "beta", model: "gpt-5", input: 1_000, output: 100, requestID: "new-provider", at: utc(2026, 2, 3)))
            #expect(try ledger.charge(id: "new-provider").charge.provider == "openai")
            #expect(try ledger.verify().ok)
        }
    }
}
