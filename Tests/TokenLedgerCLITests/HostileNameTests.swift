import Foundation
import GRDB
import Testing

/// Names made to break things (quotes, semicolons, SQL, Unicode, control characters, the
/// longest allowed) for accounts, models, projects, API keys, users and ids: stored and printed
/// byte for byte, never interpreted as SQL, escaped in CSV; one character past a limit refused.
@Suite("CLI: hostile names")
struct HostileNameTests {
    static let names = [
        "Robert'); DROP TABLE account;--",
        "a \"quoted\", name; with, commas",
        "名前 🚀 e\u{301} עברית",
        "x' OR '1'='1",
        "pipe | <script>alert(1)</script> \\ back",
        String(repeating: "長", count: 256),
    ]

    /// Control, invisible and bidirectional characters: allowed in attribution (a provider may
    /// send them), never in account names.
    static let attribution = ["tab\there", "line\nbreak\r\nand CR", "nul-free \u{1B}[31mred\u{1B}[0m", "\u{202E}reversed \u{FEFF}\u{200B}"]

    @Test("stored and printed faithfully in JSON and CSV, never run as SQL", arguments: names)
    func faithful(_ name: String) throws {
        let folder = try ScratchFolder("hostile")
        let database = folder.path("ledger.sqlite")
        try CLI.succeed(["init"], database: database)
        try CLI.succeed(["account", "create", name, "--at", "2026-01-01"], database: database)
        try CLI.succeed(["purchase", name, "10", "--at", "2026-01-01", "--id", name], database: database)
        try CLI.succeed(["prices", "set", name, "--input", "1", "--output", "2", "--effective-from", "2025-01-01"], database: database)
        for (index, label) in ([name] + Self.attribution).enumerated() {
            try CLI.succeed(
                [
                    "charge", name, "--model", name, "--input", "1000", "--output", "10", "--project", label, "--api-key", label, "--user", label,
                    "--id", "\(index)-\(name.prefix(200))", "--at", "2026-01-02",
                ], database: database)
        }
        let balance = try JSONSerialization.jsonObject(with: Data(try CLI.succeed(["balance", name, "--format", "json"], database: database).utf8))
        #expect((balance as? [String: Any])?["account"] as? String == name)
        let accounts = try CSV.rows(try CLI.succeed(["account", "list", "--format", "csv"], database: database))
        #expect(accounts.count == 2 && accounts[1].first == name, "\(accounts)")
        let focus = try CSV.rows(try CLI.succeed(["export", "focus", "--month", "2026-01"], database: database))
        let header = try #require(focus.first)
        let project = try #require(header.firstIndex(of: "SubAccountId")), model = try #require(header.firstIndex(of: "x_Model"))
        #expect(Set(focus.dropFirst().map { $0[project] }) == Set([name] + Self.attribution))
        #expect(Set(focus.dropFirst().map { $0[model] }) == [name])
        #expect(focus.dropFirst().allSatisfy { $0.count == header.count })

        try Self.expectReports(database: database, names: Set([name] + Self.attribution))
        // For a terminal, control characters are shown escaped, never sent: no escape code can
        // move the cursor or change colours, no line break splits a row.
        let table = try CLI.succeed(["report", "monthly", "--month", "2026-01", "--by", "project"], database: database)
        #expect(!table.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x0D || $0.value == 0x09 }, "\(table)")
        #expect(table.contains("nul-free \\u{1B}[31mred\\u{1B}[0m") && table.contains("line\\u{A}break\\u{D}\\u{A}and CR"), "\(table)")
        #expect(table.contains("\\u{202E}reversed \\u{FEFF}\\u{200B}") && !table.unicodeScalars.contains { $0.value == 0x202E }, "\(table)")

        let queue = try DatabaseQueue(path: database)
        defer { try? queue.close() }
        let stored = try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT project, api_key, end_user FROM usage ORDER BY id").map { [$0[0], $0[1], $0[2]] as [String] }
        }
        #expect(stored == ([name] + Self.attribution).map { [$0, $0, $0] })
        #expect(try CLI.succeed(["verify"], database: database).hasPrefix("OK"))
    }

    /// The monthly report by project, API key and user: in CSV the names read back exactly; in
    /// Markdown every row keeps its cells (no name ends a cell, a line or opens HTML).
    static func expectReports(database: String, names: Set<String>) throws {
        let arguments = ["report", "monthly", "--month", "2026-01", "--by", "project,api-key,user"]
        let csv = try CSV.rows(try CLI.succeed(arguments + ["--format", "csv"], database: database))
        let header = try #require(csv.first)
        for key in ["project", "api_key", "user"] {
            let column = try #require(header.firstIndex(of: key), "\(header)")
            #expect(Set(csv.dropFirst().map { $0[column] }) == names, "\(key)")
        }
        let lines = try CLI.succeed(arguments + ["--format", "markdown"], database: database).split(separator: "\n").filter { $0.hasPrefix("|") }
        let cells = lines.map { line in line.replacingOccurrences(of: "\\\\", with: "").replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count }
        #expect(lines.count >= names.count + 2 && Set(cells).count == 1, "\(lines)")
        #expect(lines.allSatisfy { !$0.contains("<script") })
    }

    @Test("one character past each length limit is refused, and nothing is written")
    func limits() throws {
        let folder = try ScratchFolder("hostile")
        let database = folder.path("ledger.sqlite")
        try CLI.succeed(["init"], database: database)
        try CLI.succeed(["account", "create", "acme", "--at", "2026-01-01"], database: database)
        let long = String(repeating: "é", count: 257)
        let attempts: [[String]] = [
            ["account", "create", long, "--at", "2026-01-02"],
            ["account", "create", "bad\u{7}bell", "--at", "2026-01-02"],
            ["purchase", "acme", "10", "--id", long, "--at", "2026-01-02"],
            ["prices", "set", long, "--input", "1", "--output", "1", "--effective-from", "2026-01-02"],
            ["charge", "acme", "--model", "gpt-4o", "--input", "1", "--output", "1", "--project", long, "--at", "2026-01-02"],
            ["charge", "acme", "--model", "gpt-4o", "--input", "1", "--output", "1", "--api-key", long, "--at", "2026-01-02"],
            ["charge", "acme", "--model", "gpt-4o", "--input", "1", "--output", "1", "--user", long, "--at", "2026-01-02"],
            ["charge", "acme", "--model", "gpt-4o", "--input", "1", "--output", "1", "--id", long, "--at", "2026-01-02"],
        ]
        let before = try CLI.succeed(["verify", "--format", "json"], database: database)
        for attempt in attempts {
            let result = try CLI.run(attempt + ["--db", database])
            #expect([1, 2].contains(result.status), "\(attempt.prefix(3)): \(result.status) \(result.stderr)")
            #expect(result.stderr.hasPrefix("error"), "\(attempt.prefix(3)): \(result.stderr)")
        }
        #expect(try CLI.succeed(["verify", "--format", "json"], database: database) == before)
    }
}

extension HostileNameTests {
    /// A new ledger in `folder` where `acme` holds $10, and `verify`'s JSON on it (refusals
    /// must leave it as it is).
    static func fundedLedger(in folder: ScratchFolder) throws -> (database: String, verified: String) {
        let database = folder.path("ledger.sqlite")
        try CLI.succeed(["init"], database: database)
        try CLI.succeed(["account", "create", "acme", "--at", "2026-01-01"], database: database)
        try CLI.succeed(["purchase", "acme", "10", "--at", "2026-01-01"], database: database)
        return (database, try CLI.succeed(["verify", "--format", "json"], database: database))
    }

    @Test("account names with invisible or bidirectional characters are refused (exit 1), naming the character")
    func hiddenCharacters() throws {
        let folder = try ScratchFolder("hostile")
        let (database, _) = try Self.fundedLedger(in: folder)
        for (name, code) in [("\u{FEFF}acme", "FEFF"), ("acme\u{202E}", "202E"), ("ac\u{200B}me", "200B"), ("acme\u{2066}x", "2066")] {
            let result = try CLI.run(["account", "create", name, "--db", database])
            #expect(result.status == 1 && result.stderr.contains("invalid_name") && result.stderr.contains("U+\(code)"), "\(result.stderr)")
        }
        let accounts = try CSV.rows(try CLI.succeed(["account", "list", "--format", "csv"], database: database))
        #expect(accounts.dropFirst().map { $0.first } == ["acme"])
    }

    @Test("an argument that is not UTF-8 is refused (exit 1) naming it, never repaired into another name")
    func invalidUTF8Arguments() throws {
        let folder = try ScratchFolder("hostile")
        let (database, before) = try Self.fundedLedger(in: folder)
        // Through a shell, which passes the bytes as they are (Foundation's Process takes Strings).
        let attempts: [(script: String, place: String)] = [
            (#"exec "$1" account create "$(printf 'b\377ad')" --db "$2""#, "argument 3: not valid UTF-8 ('b\\xFFad')"),
            (#"exec "$1" account create "$(printf 'b\376ad')" --db "$2""#, "argument 3: not valid UTF-8 ('b\\xFEad')"),
            (
                #"exec "$1" charge acme --model gpt-4o --input 1 --output 1 --project "$(printf 'p\377')" --db "$2""#,
                "argument 10 (after --project): not valid UTF-8"
            ),
            (#"exec "$1" charge acme --model gpt-4o --input 1 --output 1 "--user=$(printf 'u\300')" --db "$2""#, "(the value of --user)"),
            (#"exec "$1" purchase acme 10 --id "$(printf '\351t\351')" --db "$2""#, "argument 5 (after --id): not valid UTF-8 ('\\xE9t\\xE9')"),
        ]
        for attempt in attempts {
            let result = try CLI.run([database], prefix: ["/bin/sh", "-c", attempt.script, "sh"])
            #expect(result.status == 1, "\(attempt.script): \(result.stderr)")
            #expect(result.stderr.hasPrefix("error: bad_input: argument") && result.stderr.contains(attempt.place), "\(result.stderr)")
        }
        #expect(try CLI.succeed(["verify", "--format", "json"], database: database) == before)
    }

    @Test("a NUL in an imported field is refused (exit 1) naming the line and field; nothing is written")
    func nulInImports() throws {
        let folder = try ScratchFolder("hostile")
        let (database, before) = try Self.fundedLedger(in: folder)
        let csv = try folder.write(
            "usage.csv",
            "time,model,input_tokens,cached_tokens,output_tokens,request_id,project\n2026-01-02T00:00:00Z,gpt-4o,10,0,10,a,fine\n2026-01-02T00:00:00Z,gpt-4o,10,0,10,b,cut\u{0}here\n"
        )
        let jsonl = try folder.write(
            "usage.jsonl",
            #"{"id":"r\u0000v","object":"chat.completion","created":1767312000,"model":"gpt-4o","usage":{"prompt_tokens":10,"completion_tokens":10}}"# + "\n")
        for (file, format, place) in [(csv, "csv", "usage.csv:3 (project)"), (jsonl, "openai-jsonl", "usage.jsonl:1 (id)")] {
            let result = try CLI.run(["import", "usage", file, "--account", "acme", "--input-format", format, "--db", database])
            #expect(result.status == 1, "\(format): \(result.stdout)\(result.stderr)")
            #expect(result.stderr.contains(place) && result.stderr.contains("NUL"), "\(format): \(result.stderr)")
        }
        #expect(try CLI.succeed(["verify", "--format", "json"], database: database) == before)
    }
}

/// A strict RFC 4180 reader for the tests: quoted fields, doubled quotes, line breaks inside quotes.
enum CSV {
    struct Malformed: Error {}

    static func rows(_ text: String) throws -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false, afterQuote = false
        var iterator = Array(text.unicodeScalars).makeIterator()
        while let scalar = iterator.next() {
            if quoted {
                if scalar == "\"" { quoted = false; afterQuote = true } else { field.unicodeScalars.append(scalar) }
                continue
            }
            switch scalar {
            case "\"":
                if afterQuote { field += "\"" } else if !field.isEmpty { throw Malformed() }
                quoted = true
                afterQuote = false
            case ",": row.append(field); field = ""; afterQuote = false
            case "\r": continue
            case "\n": row.append(field); rows.append(row); row = []; field = ""; afterQuote = false
            default:
                if afterQuote { throw Malformed() }
                field.unicodeScalars.append(scalar)
            }
        }
        if quoted { throw Malformed() }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }
}
