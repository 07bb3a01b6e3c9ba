import Foundation
import Testing
import TokenLedgerTestSupport

/// `tokenledger` with `--db postgres://…` against a real PostgreSQL server: `init`, `migrate`
/// both ways with the demo's books, `verify`, and the clear refusals of what does not run there.
@Suite("CLI: the books on PostgreSQL")
struct PostgresCLITests {
    @Test("init makes the schema and loads the prices; run again, it keeps everything")
    func initOnPostgres() throws {
        let url = try PostgresTestServer.freshDatabase()
        let first = try CLI.run(["init", "--db", url])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.hasPrefix("Created ledger at postgres://"), "\(first.stdout)")
        #expect(first.stdout.contains("(schema pg0001_initial); 34 default price entries added."), "\(first.stdout)")
        let second = try CLI.run(["init", "--db", url, "--format", "json"])
        #expect(second.status == 0)
        #expect(second.stdout.contains("\"created\": false"), "\(second.stdout)")
        #expect(second.stdout.contains("\"default_prices_added\": 0"), "\(second.stdout)")
        let verified = try CLI.run(["verify", "--db", url])
        #expect(verified.status == 0)
        #expect(verified.stdout == "OK: the books balance (0 transfers, 0 accounts, 0 charges repriced exactly).\n", "\(verified.stdout)")
    }

    @Test("the demo's books go to PostgreSQL and back, proved equal; reports and balances read the same from the copy")
    func migrateBothWays() throws {
        try withTemporaryFolder { folder in
            let original = folder.appendingPathComponent("demo.sqlite").path
            let back = folder.appendingPathComponent("back.sqlite").path
            let url = try PostgresTestServer.freshDatabase()
            #expect(try CLI.run(["demo", "--db", original]).status == 0)
            let there = try CLI.run(["migrate", "--from", original, "--to", url])
            #expect(there.status == 0, "\(there.stderr)")
            #expect(there.stdout.contains("usage"), "\(there.stdout)")
            #expect(there.stdout.contains("19,366 charges repriced exactly"), "\(there.stdout)")
            #expect(there.stdout.contains("figures of the books are equal."), "\(there.stdout)")
            let verified = try CLI.run(["verify", "--db", url, "--format", "json"])
            #expect(verified.status == 0)
            #expect(verified.stdout.contains("\"charges\": 19366"), "\(verified.stdout)")
            // The monthly report reads the same from PostgreSQL, in every grouping and format.
            for arguments in [
                ["--month", "2025-10", "--by", "day"], ["--month", "2025-10", "--by", "model,day"],
                ["--month", "2025-10", "--account", "acme", "--format", "json"], ["--month", "2025-10", "--by", "user", "--format", "csv"],
                ["--month", "2025-11"], ["--month", "2025-10", "--account", "nobody"],
            ] {
                let file = try CLI.run(["report", "monthly"] + arguments + ["--db", original])
                let postgres = try CLI.run(["report", "monthly"] + arguments + ["--db", url])
                #expect(file.status == postgres.status, "\(arguments)")
                #expect(file.stdout == postgres.stdout, "\(arguments)")
                #expect(file.stderr == postgres.stderr, "\(arguments)")
            }
            // What a person reads of the books reads the same from PostgreSQL: statements,
            // journals, charges listed and worked out, events.
            for command in [
                ["statement", "acme", "--month", "2025-10", "--at", "2025-11-02"],
                ["statement", "acme", "--month", "2025-10", "--at", "2025-11-02", "--format", "json"],
                ["journal", "acme", "--from", "2025-10-03", "--to", "2025-10-04"],
                ["journal", "acme", "--from", "2025-10-03", "--to", "2025-10-04", "--format", "csv"],
                ["charges", "list", "--account", "acme", "--sort", "cost", "--desc", "--limit", "25"],
                ["charges", "list", "--model", "gpt-4o-mini", "--limit", "40", "--format", "json"], ["events", "list", "--limit", "50"],
                ["statement", "nobody", "--month", "2025-10"], ["charges", "show", "no-such-charge"],
            ] {
                let file = try CLI.run(command + ["--db", original])
                let postgres = try CLI.run(command + ["--db", url])
                #expect(file.status == postgres.status, "\(command)")
                #expect(file.stdout == postgres.stdout, "\(command)")
                #expect(file.stderr == postgres.stderr, "\(command)")
            }
            let listed = try CLI.run(["charges", "list", "--account", "acme", "--limit", "3", "--format", "json", "--db", url])
            let firstID = try #require(listed.stdout.firstMatch(of: /"id": "([^"]+)"/)?.output.1)
            let shownOnFile = try CLI.run(["charges", "show", String(firstID), "--db", original])
            #expect(shownOnFile.status == 0, "\(shownOnFile.stderr)")
            #expect(shownOnFile.stdout == (try CLI.run(["charges", "show", String(firstID), "--db", url])).stdout)
            let home = try CLI.run(["migrate", "--from", url, "--to", back, "--format", "json"])
            #expect(home.status == 0, "\(home.stderr)")
            #expect(home.stdout.contains("\"equal\": true"), "\(home.stdout)")
            // What a user reads from the copy is what the original says.
            for command in [
                ["report", "monthly", "--month", "2025-10", "--by", "day"], ["balance", "acme", "--at", "2025-10-20"],
                ["statement", "acme", "--month", "2025-10"], ["account", "list"],
            ] {
                let before = try CLI.run(command + ["--db", original])
                let after = try CLI.run(command + ["--db", back])
                #expect(before.status == 0, "\(command): \(before.stderr)")
                #expect(after.status == 0, "\(command): \(after.stderr)")
                #expect(before.stdout == after.stdout, "\(command)")
            }
        }
    }

    @Test("accounts, purchases and grants print the same on PostgreSQL as on a file, refusals and retries included")
    func creditsAsOnAFile() throws {
        try withTemporaryFolder { folder in
            let file = folder.appendingPathComponent("books.sqlite").path
            let url = try PostgresTestServer.freshDatabase()
            let commands: [[String]] = [
                ["account", "create", "acme", "--overdraft", "5", "--at", "2026-01-02"],
                ["account", "create", "acme", "--at", "2026-01-02"],
                ["purchase", "acme", "20", "--id", "p-1", "--at", "2026-01-03"],
                ["purchase", "acme", "20", "--id", "p-1", "--at", "2026-01-03", "--format", "json"],
                ["purchase", "acme", "4.99", "--at", "2026-01-03"],
                ["grant", "acme", "2.50", "--id", "g-1", "--at", "2026-01-04", "--expires-at", "2026-02-01"],
                ["purchase", "acme", "10", "--id", "p-2", "--at", "2026-03-01"],
                ["grant", "nobody", "1", "--id", "g-2", "--at", "2026-03-01"],
                ["account", "list"],
                ["verify"],
            ]
            let statuses = try Self.sameOnBoth(commands, file: file, url: url)
            #expect(statuses == [0, 2, 0, 0, 2, 0, 0, 2, 0, 0])
            let listed = try CLI.run(["account", "list", "--db", url])
            #expect(listed.stdout.contains("acme"), "\(listed.stdout)")
        }
    }

    @Test("charges, reservations and corrections print the same on PostgreSQL as on a file, refusals and retries included")
    func chargesAsOnAFile() throws {
        try withTemporaryFolder { folder in
            let file = folder.appendingPathComponent("books.sqlite").path
            let url = try PostgresTestServer.freshDatabase()
            let commands: [[String]] = [
                ["account", "create", "acme", "--overdraft", "1", "--at", "2026-01-02"],
                ["purchase", "acme", "5", "--id", "p-1", "--at", "2026-01-03"],
                ["charge", "acme", "--model", "gpt-4o", "--input", "1200", "--output", "300", "--id", "c-1", "--at", "2026-01-04"],
                ["charge", "acme", "--model", "gpt-4o", "--input", "1200", "--output", "300", "--id", "c-1", "--at", "2026-01-05"],
                ["charge", "acme", "--model", "gpt-4o", "--input", "1201", "--output", "300", "--id", "c-1", "--at", "2026-01-05"],
                [
                    "charge", "acme", "--model", "openai/gpt-4o-mini", "--input", "5000", "--output", "100", "--id", "c-2", "--at", "2026-01-05", "--format",
                    "json",
                ],
                ["charge", "acme", "--model", "claude-sonnet-4", "--input", "2000000", "--output", "1", "--id", "c-3", "--at", "2026-01-05", "--enforce"],
                ["charge", "acme", "--model", "no-such-model", "--input", "1", "--output", "1", "--at", "2026-01-05"],
                ["charge", "nobody", "--model", "gpt-4o", "--input", "1", "--output", "1", "--at", "2026-01-05"],
                ["reserve", "acme", "--model", "gpt-4o", "--input", "10000", "--max-output", "2000", "--id", "r-1", "--at", "2026-01-06T10:00:00Z"],
                ["reserve", "acme", "--model", "gpt-4o", "--input", "10000", "--max-output", "2000", "--id", "r-1", "--at", "2026-01-06T10:00:01Z"],
                ["reserve", "acme", "--model", "gpt-4o", "--input", "9000000", "--max-output", "2000", "--id", "r-2", "--at", "2026-01-06T10:00:00Z"],
                ["settle", "r-1", "--input", "9000", "--output", "1500", "--at", "2026-01-06T10:00:05Z"],
                ["settle", "r-1", "--input", "9000", "--output", "1500", "--at", "2026-01-06T10:00:09Z"],
                ["settle", "r-1", "--input", "9000", "--output", "1501", "--at", "2026-01-06T10:00:09Z"],
                ["reserve", "acme", "--model", "gpt-4o", "--input", "100", "--max-output", "100", "--id", "r-3", "--at", "2026-01-06T11:00:00Z"],
                ["void", "r-3", "--at", "2026-01-06T11:00:01Z"],
                ["void", "r-3", "--at", "2026-01-06T11:00:02Z", "--format", "json"],
                ["settle", "r-3", "--input", "1", "--output", "1", "--at", "2026-01-06T11:00:03Z"],
                ["adjust", "acme", "+2", "--reason", "goodwill", "--id", "a-1", "--at", "2026-01-07"],
                ["reverse", "c-2", "--id", "v-1", "--at", "2026-01-08"],
                ["reverse", "c-2", "--id", "v-2", "--at", "2026-01-08"],
                ["refund", "p-1", "1", "--id", "f-1", "--at", "2026-01-09"],
                ["refund", "p-1", "100", "--id", "f-2", "--at", "2026-01-09"],
                ["report", "monthly", "--month", "2026-01", "--by", "model,day"],
                ["balance", "acme", "--at", "2026-01-06T10:00:30Z"],
                ["balance", "acme", "--at", "2026-01-10", "--format", "json"],
                ["grant", "acme", "1", "--id", "g-1", "--at", "2026-01-10", "--expires-at", "2026-01-12"],
                ["balance", "acme", "--at", "2026-01-20"],
                ["balance", "nobody"],
                ["statement", "acme", "--month", "2026-01", "--at", "2026-01-20"],
                ["journal", "acme", "--format", "json"],
                ["charges", "list", "--sort", "cost", "--desc"],
                ["charges", "show", "c-2", "--format", "json"],
                ["events", "list", "--account", "acme"],
                ["verify"],
            ]
            let statuses = try Self.sameOnBoth(commands, file: file, url: url)
            // Answers and refusals both: a run where every command failed alike would prove nothing.
            #expect(
                statuses == [0, 0, 0, 0, 2, 0, 1, 2, 2, 0, 0, 1, 0, 0, 2, 0, 0, 0, 2, 0, 0, 2, 0, 2, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0],
                "\(statuses)")
            let verified = try CLI.run(["verify", "--db", url])
            #expect(verified.stdout.contains("3 charges repriced exactly"), "\(verified.stdout)")
        }
    }

    @Test("controls, prices and model aliases print the same on PostgreSQL as on a file, and its charges obey them")
    func controlsAsOnAFile() throws {
        try withTemporaryFolder { folder in
            let file = folder.appendingPathComponent("books.sqlite").path
            let url = try PostgresTestServer.freshDatabase()
            let catalog = folder.appendingPathComponent("catalog.json")
            try Data(
                """
                {"house-model": {"input_cost_per_token": 0.000002, "output_cost_per_token": 0.000008, "litellm_provider": "openai",
                  "mode": "chat", "max_input_tokens": 100000},
                 "gpt-4o-mini": {"input_cost_per_token": 0.00000015, "output_cost_per_token": 0.0000006, "litellm_provider": "openai",
                  "mode": "chat", "max_input_tokens": 128000, "max_output_tokens": 16384}}
                """.utf8
            ).write(to: catalog)
            // A provider's bill for the charges below: one line item matches, one is off, one is missing.
            let bill = folder.appendingPathComponent("costs.csv")
            try Data(
                """
                start_time,end_time,amount_value,amount_currency,line_item
                1767571200,1767657600,0.00015,usd,"gpt-4o-mini, input"
                1767571200,1767657600,0.05,usd,"house-model, output"
                1767571200,1767657600,1.00,usd,"o3, input"

                """.utf8
            ).write(to: bill)
            let commands: [[String]] = [
                ["account", "create", "acme", "--at", "2026-01-02"],
                ["account", "create", "beta", "--at", "2026-01-02"],
                ["account", "show", "acme"],
                ["account", "show", "nobody"],
                ["purchase", "acme", "20", "--id", "p-1", "--at", "2026-01-03"],
                ["grant", "beta", "1", "--id", "g-1", "--at", "2026-01-03", "--expires-at", "2026-01-10"],
                ["limit", "acme", "--soft", "0.01", "--hard", "0.05"],
                ["limit", "acme", "--project", "web", "--hard", "1"],
                ["limit", "acme", "--soft", "5"],
                ["limit", "nobody", "--hard", "1"],
                ["limit", "acme", "--format", "json"],
                ["recharge", "acme", "--threshold", "19.99", "--restore-to", "25", "--at", "2026-01-03"],
                ["recharge", "acme", "--threshold", "19", "--restore-to", "5000", "--at", "2026-01-03"],
                ["recharge", "acme", "--format", "json"],
                ["recharge", "nobody"],
                ["low-balance", "acme", "19.995"],
                ["low-balance", "acme", "0"],
                ["low-balance", "acme", "--format", "json"],
                ["tiers", "--require", "gpt-4o", "--tier", "3"],
                ["tiers", "--require", "gpt-4o", "--tier", "nope"],
                ["tiers", "--format", "json"],
                ["models", "alias", "my-deploy", "gpt-4o-mini"],
                ["models", "alias", "my-deploy", "gpt-4o-mini"],
                ["models", "alias", "other", "no-such-model"],
                ["models", "aliases"],
                ["models", "unalias", "nope"],
                ["prices", "set", "house-model", "--input", "3", "--output", "9", "--effective-from", "2026-01-01"],
                ["prices", "set", "house-model", "--input", "3", "--output", "9", "--effective-from", "2026-01-01"],
                ["prices", "set", "house-model", "--input", "4", "--output", "9", "--effective-from", "2026-01-01"],
                ["prices", "diff", catalog.path, "--at", "2026-01-04"],
                ["prices", "import", catalog.path, "--effective-from", "2026-01-04"],
                ["prices", "import", catalog.path, "--effective-from", "2026-01-04", "--format", "json"],
                ["prices", "list", "--model", "house-model", "--all"],
                ["prices", "list", "--at", "2026-01-05", "--format", "csv"],
                ["prices", "resolve", "my-deploy", "--at", "2026-01-05"],
                ["prices", "resolve", "openai/house-model", "--at", "2026-01-05"],
                ["charge", "acme", "--model", "my-deploy", "--input", "1000", "--output", "100", "--id", "c-1", "--at", "2026-01-05"],
                ["charge", "acme", "--model", "gpt-4o", "--input", "1000", "--output", "100", "--id", "c-2", "--at", "2026-01-05", "--enforce"],
                ["tiers", "--require", "gpt-4o", "--tier", "none"],
                ["charge", "acme", "--model", "house-model", "--input", "20000", "--output", "5000", "--id", "c-3", "--at", "2026-01-05"],
                ["charge", "acme", "--model", "gpt-4o", "--input", "1000", "--output", "100", "--id", "c-4", "--at", "2026-01-05", "--enforce"],
                ["recharge", "acme", "--off"],
                ["adjust", "acme", "-6", "--reason", "test", "--id", "a-1", "--at", "2026-01-06"],
                ["balance", "acme", "--at", "2026-01-06", "--format", "json"],
                ["expire", "--at", "2026-02-01"],
                ["expire", "--at", "2026-02-01", "--format", "json"],
                ["events", "list"],
                ["webhooks", "list"],
                ["webhooks", "add", "ftp://127.0.0.1/x"],
                ["webhooks", "add", "http://127.0.0.1:9/x", "--account", "nobody"],
                ["webhooks", "add", "http://127.0.0.1:9/x", "--secret", "short"],
                ["webhooks", "remove", "wh_0123456789abcdef"],
                ["webhooks", "log", "--seq", "1"],
                ["statement", "acme", "--month", "2026-01", "--at", "2026-02-01"],
                ["export", "focus", "--month", "2026-01"],
                ["export", "focus", "--month", "2026-01", "--account", "acme", "--format", "json"],
                ["reconcile", "--costs", bill.path, "--account", "acme"],
                ["reconcile", "--costs", bill.path, "--by", "line-item", "--format", "json"],
                ["models", "unalias", "my-deploy"],
                ["low-balance", "acme", "--off"],
                ["limit", "acme", "--clear"],
                ["limit", "acme"],
                ["verify"],
            ]
            let statuses = try Self.sameOnBoth(commands, file: file, url: url)
            // Answers and refusals both: a run where every command failed alike would prove nothing.
            #expect(
                statuses == [
                    0, 0, 0, 2, 0, 0, 0, 0, 1, 2, 0, 0, 1, 0, 2, 0, 1, 0, 0, 1, 0, 0, 0, 2, 0, 2, 0, 0, 2, 0,
                    0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 2, 1, 2, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0,
                ], "\(statuses)")
            // An endpoint added, listed (never its secret) and removed there.
            let added = try CLI.run(["webhooks", "add", "http://127.0.0.1:9/x", "--account", "acme", "--events", "low_balance", "--db", url])
            #expect(added.status == 0, "\(added.stderr)")
            let id = try #require(added.stdout.split(separator: " ").first { $0.hasPrefix("wh_") }.map(String.init), "\(added.stdout)")
            let secret = try #require(added.stdout.split(separator: "\n").first { $0.hasPrefix("secret: ") }?.dropFirst(8), "\(added.stdout)")
            let listedHooks = try CLI.run(["webhooks", "list", "--db", url, "--format", "json"])
            #expect(listedHooks.stdout.contains(id) && listedHooks.stdout.contains("low_balance"), "\(listedHooks.stdout)")
            #expect(!listedHooks.stdout.contains(secret), "the secret was listed")
            #expect(try CLI.run(["webhooks", "remove", id, "--at", "2026-02-02", "--db", url]).status == 0)
            let removed = try CLI.run(["webhooks", "list", "--db", url, "--format", "csv"])
            #expect(removed.stdout.contains("2026-02-02T00:00:00Z"), "\(removed.stdout)")
            let listed = try CLI.run(["events", "list", "--db", url])
            for kind in ["soft_limit", "hard_limit", "low_balance", "recharge_succeeded", "lot_expired"] {
                #expect(listed.stdout.contains(kind), "\(kind): \(listed.stdout)")
            }
        }
    }

    @Test("usage imports print the same on PostgreSQL as on a file: the same ids, retries recorded once, bad rows refused or skipped")
    func importsAsOnAFile() throws {
        try withTemporaryFolder { folder in
            let file = folder.appendingPathComponent("books.sqlite").path
            let url = try PostgresTestServer.freshDatabase()
            func write(_ name: String, _ text: String) throws -> String {
                let path = folder.appendingPathComponent(name).path
                try Data(text.utf8).write(to: URL(fileURLWithPath: path))
                return path
            }
            // The first 800 requests of Azure's public trace (rows without ids: the ids made must
            // be the same on both stores, and a second import must find every one).
            let wholeTrace = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("../shared/data/traces/AzureLLMInferenceTrace_conv.csv").standardizedFileURL
            let traceLines = String(decoding: try Data(contentsOf: wholeTrace), as: UTF8.self).split(whereSeparator: \.isNewline)
            let trace = try write("trace.csv", traceLines.prefix(801).joined(separator: "\n") + "\n")
            // The same trace grown by 200 requests: the first 800 are found recorded, the rest charged.
            let grown = try write("grown.csv", traceLines.prefix(1_001).joined(separator: "\n") + "\n")
            let good = try write(
                "good.csv",
                """
                time,model,input_tokens,cached_tokens,output_tokens,request_id,project
                2026-01-03T10:00:00Z,gpt-4o,1200,200,300,req-1,search
                2026-01-04T11:00:00Z,o3,10000,0,2000,req-2,
                2026-01-05T12:00:00Z,gpt-4o-mini,5000,0,700,,search

                """)
            let malformed = try write(
                "malformed.csv",
                """
                time,model,input_tokens,cached_tokens,output_tokens
                2026-01-06T10:00:00Z,gpt-4o,100,0,10
                2026-01-06T10:00:01Z,gpt-4o,12.5,0,10
                2026-01-06T10:00:02Z,no-such-model,100,0,10
                2026-01-06T10:00:03Z,gpt-4o-mini,100,0,10

                """)
            let commands: [[String]] = [
                ["account", "create", "acme", "--at", "2026-01-01"],
                ["purchase", "acme", "20", "--id", "p-1", "--at", "2026-01-01"],
                ["import", "usage", trace, "--input-format", "azure-trace", "--model", "gpt-4o-mini", "--start", "2026-01-02T00:00:00Z", "--account", "acme"],
                ["import", "usage", trace, "--input-format", "azure-trace", "--model", "gpt-4o-mini", "--start", "2026-01-02T00:00:00Z", "--account", "acme"],
                ["import", "usage", grown, "--input-format", "azure-trace", "--model", "gpt-4o-mini", "--start", "2026-01-02T00:00:00Z", "--account", "acme"],
                ["import", "usage", good, "--input-format", "csv", "--account", "acme", "--format", "json"],
                ["import", "usage", good, "--input-format", "csv", "--account", "acme"],
                ["import", "usage", malformed, "--input-format", "csv", "--account", "acme"],
                ["import", "usage", malformed, "--input-format", "csv", "--account", "acme", "--skip-bad", "--format", "json"],
                ["import", "usage", good, "--input-format", "csv", "--account", "nobody"],
                ["balance", "acme", "--at", "2026-01-31"],
                ["report", "monthly", "--month", "2026-01", "--by", "model,day"],
                ["charges", "list", "--limit", "5", "--format", "csv"],
                ["verify"],
            ]
            let statuses = try Self.sameOnBoth(commands, file: file, url: url)
            #expect(statuses == [0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0], "\(statuses)")
            let verified = try CLI.run(["verify", "--db", url])
            #expect(verified.stdout.contains("1,005 charges repriced exactly"), "\(verified.stdout)")
            let again = try CLI.run([
                "import", "usage", grown, "--input-format", "azure-trace", "--model", "gpt-4o-mini", "--start", "2026-01-02T00:00:00Z", "--account", "acme",
                "--db", url,
            ])
            #expect(again.stdout.contains("duplicates  1,000"), "\(again.stdout)")
        }
    }

    /// Runs each command on the file and on the database (`--create`): the same status, output
    /// and errors; returns the statuses.
    static func sameOnBoth(_ commands: [[String]], file: String, url: String) throws -> [Int32] {
        var statuses: [Int32] = []
        for arguments in commands {
            let onFile = try CLI.run(arguments + ["--db", file, "--create"])
            let onPostgres = try CLI.run(arguments + ["--db", url, "--create"])
            #expect(onFile.status == onPostgres.status, "\(arguments)")
            #expect(onFile.stdout == onPostgres.stdout, "\(arguments)")
            #expect(onFile.stderr == onPostgres.stderr, "\(arguments)")
            statuses.append(onFile.status)
        }
        return statuses
    }

    @Test("a copy into books that are not new, or over an existing file, is refused and changes nothing")
    func migrateRefusals() throws {
        try withTemporaryFolder { folder in
            let original = folder.appendingPathComponent("books.sqlite").path
            #expect(try CLI.run(["init", "--db", original]).status == 0)
            #expect(try CLI.run(["account", "create", "acme", "--db", original]).status == 0)
            let url = try PostgresTestServer.freshDatabase()
            #expect(try CLI.run(["migrate", "--from", original, "--to", url]).status == 0)
            let again = try CLI.run(["migrate", "--from", original, "--to", url])
            #expect(again.status == 4)
            #expect(again.stderr.contains("already holds books"), "\(again.stderr)")
            let over = try CLI.run(["migrate", "--from", url, "--to", original])
            #expect(over.status == 1)
            #expect(over.stderr.contains("exists: migrate copies into a new file only"), "\(over.stderr)")
            let both = try CLI.run(["migrate", "--from", original, "--to", original])
            #expect(both.status != 0)
            #expect(both.stderr.contains("one must be a ledger file and the other a postgres:// URL"), "\(both.stderr)")
        }
    }

    @Test("a server that cannot be reached is exit 4; a database without a ledger says run init; a password is never printed")
    func refusals() throws {
        let url = try PostgresTestServer.freshDatabase()
        #expect(try CLI.run(["init", "--db", url]).status == 0)
        // The test server trusts every login, so a password in the URL is taken and ignored.
        let secret = url.replacingOccurrences(of: "tokenledger@", with: "tokenledger:hunter2@")
        let withPassword = try CLI.run(["init", "--db", secret])
        #expect(withPassword.status == 0)
        #expect(!withPassword.stdout.contains("hunter2") && !withPassword.stderr.contains("hunter2"), "\(withPassword.stdout)")
        let nowhere = try CLI.run(["verify", "--db", "postgres://bob:hunter2@127.0.0.1:1/books?connect_timeout=2"])
        #expect(nowhere.status == 4)
        #expect(nowhere.stderr.contains("cannot use the database at postgres://bob@127.0.0.1:1/books"), "\(nowhere.stderr)")
        #expect(!nowhere.stderr.contains("hunter2"))
        let missing = try CLI.run(["verify", "--db", PostgresTestServer.freshDatabase()])
        #expect(missing.status == 4)
        #expect(missing.stderr.contains("run `tokenledger init`"), "\(missing.stderr)")
    }
}

/// Runs `body` with a new temporary folder, removed afterwards.
private func withTemporaryFolder<T>(_ body: (URL) throws -> T) throws -> T {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-pgcli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    return try body(folder)
}
