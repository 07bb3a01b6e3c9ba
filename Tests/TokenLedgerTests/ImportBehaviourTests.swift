import Foundation
import Testing
import TokenLedger
import TokenLedgerCore

/// How an import behaves whatever the format: all or nothing, --skip-bad, deterministic ids,
/// exact time scaling.
@Suite("Usage import: all or nothing, ids, time")
struct ImportBehaviourTests {
    static let header = "time,model,input_tokens,cached_tokens,output_tokens,project\n"

    /// `count` good rows a minute apart from 2026-01-01, then `extra` lines.
    static func csv(_ count: Int, then extra: [String] = []) -> String {
        var lines = (0..<count).map { "2026-01-01T00:\(String(format: "%02d", $0)):00Z,gpt-4o-mini,\(1_000 + $0),0,100,p" }
        lines += extra
        return header + lines.joined(separator: "\n") + "\n"
    }

    @Test(
        "a malformed row is named by line and field and nothing from the file is written",
        arguments: [
            ("2026-01-01T01:00:00Z,gpt-4o-mini,12.5,0,100,p", "bad_input line 4 (input_tokens)"),
            ("2026-01-01T01:00:00Z,gpt-4o-mini,100,0,100", "bad_input line 4 (-)"),
            ("2026-13-01T01:00:00Z,gpt-4o-mini,100,0,100,p", "bad_input line 4 (time)"),
            ("2026-01-01T01:00:00Z,gpt-4o-mini,100,200,100,p", "invalid_usage line 4 (cached_tokens)"),
            ("2026-01-01T01:00:00Z,gpt-9-ultra,100,0,100,p", "unknown_model line 4 (model)"),
        ])
    func corruptedRow(_ row: String, _ expected: String) throws {
        try withImportLedger { fixture in
            let path = try fixture.write("usage.csv", Self.csv(2, then: [row, "2026-01-01T02:00:00Z,gpt-4o-mini,1,0,1,p"]))
            let before = try fixture.raw.dump()
            #expect(importFailure { try fixture.importUsage(path, format: .csv) } == expected)
            #expect(try fixture.raw.dump() == before)
        }
    }

    @Test("a row beyond the model's context window is recorded at its price and flagged, not refused (the catalog can be wrong)")
    func beyondTheWindow() throws {
        try withImportLedger { fixture in
            // gpt-4o-mini: 128,000 input tokens at most. Line 4 sends 200,000, line 5 an aggregated row of 2 requests of 100,000.
            let text = """
                time,model,input_tokens,cached_tokens,output_tokens,project,requests
                2026-01-01T00:00:00Z,gpt-4o-mini,1000,0,100,p,1
                2026-01-01T00:01:00Z,gpt-4o-mini,1001,0,100,p,1
                2026-01-01T01:00:00Z,gpt-4o-mini,200000,0,100,p,1
                2026-01-01T02:00:00Z,gpt-4o-mini,200000,0,100,p,2

                """
            let path = try fixture.write("usage.csv", text)
            let summary = try fixture.importUsage(path, format: .csv)
            #expect(summary.charged == 4)
            #expect(summary.overContextWindow == 1 && summary.overContextWindowLines == [4])
            // 200,000 × $0.15 + 100 × $0.60 per million = $0.03006.
            #expect(try fixture.raw.int("SELECT cost_nanos FROM usage WHERE input_tokens = 200000 AND requests = 1") == 30_060_000)
            #expect(try fixture.ledger.verify().ok)
        }
    }

    @Test("the error of a refused row names the file, line and field; its exit code follows the refusal")
    func refusalMessage() throws {
        try withImportLedger { fixture in
            let path = try fixture.write("usage.csv", Self.csv(1, then: ["2026-01-01T01:00:00Z,gpt-9-ultra,100,0,100,p"]))
            do {
                try fixture.importUsage(path, format: .csv)
                Issue.record("the import should be refused")
            } catch let refusal as ImportRowRefusal {
                #expect(refusal.message == "\(path):3 (model): no prices for the model 'gpt-9-ultra' (see `tokenledger prices list`)")
                #expect(!refusal.isBadInput)
            }
            #expect(
                importFailure { _ = try fixture.ledger.importUsage(file: path, format: .csv, options: UsageImportOptions(account: "nobody")) }
                    == "unknown_account")
        }
    }

    @Test("--skip-bad records the good rows, lists the bad ones, and leaves no trace of a refused row")
    func skipBad() throws {
        try withImportLedger { fixture in
            let path = try fixture.write(
                "usage.csv",
                Self.csv(
                    3,
                    then: [
                        "2026-01-01T01:00:00Z,gpt-9-ultra,100,0,100,p",
                        "2026-01-01T01:01:00Z,gpt-4o-mini,x,0,100,p",
                        "2026-01-01T01:02:00Z,gpt-4o-mini,100,0,100,",
                        "2026-01-01T01:03:00Z,gpt-4o-mini,100,0,100,\(String(repeating: "p", count: 300))",
                    ]))
            let (transfersBefore, journalBefore) = (try fixture.raw.int("SELECT count(*) FROM transfer"), try fixture.raw.int("SELECT count(*) FROM journal"))
            let summary = try fixture.importUsage(path, format: .csv, skipBad: true)
            #expect((summary.rowsRead, summary.charged, summary.skipped) == (7, 4, 3))
            #expect(
                summary.badRows.map { "\($0.line) \($0.field ?? "-") \($0.code)" } == [
                    "5 model unknown_model", "6 input_tokens bad_input", "8 project invalid_attribution",
                ])
            #expect(try fixture.raw.int("SELECT count(*) FROM usage") == 4)
            #expect(try fixture.raw.int("SELECT count(*) FROM transfer") == transfersBefore)
            #expect(try fixture.raw.int("SELECT count(*) FROM journal") == journalBefore + 4)
            #expect(summary.balance == (try fixture.ledger.balance(of: "acme", at: utc(2026, 1, 2)).balance))
            try fixture.expectVerified()
            // The good rows are duplicates now; the bad ones are still bad.
            let again = try fixture.importUsage(path, format: .csv, skipBad: true)
            #expect((again.charged, again.duplicates, again.skipped) == (0, 4, 3))
        }
    }

    @Test("the bad-row list stops at 1,000 and counts the rest")
    func badRowCap() throws {
        try withImportLedger { fixture in
            let path = try fixture.write("usage.csv", Self.csv(1, then: Array(repeating: "2026-01-01T01:00:00Z,gpt-4o-mini,-1,0,1,p", count: 1_205)))
            let summary = try fixture.importUsage(path, format: .csv, skipBad: true)
            #expect((summary.charged, summary.skipped, summary.badRows.count) == (1, 1_205, 1_000))
            #expect(summary.badRows.last?.line == 1_002)
        }
    }

    @Test("ids are deterministic: appending rows keeps the earlier ids, a re-run after a partial import charges the rest")
    func deterministicIDs() throws {
        try withImportLedger { fixture in
            let first = try fixture.write("part.csv", Self.csv(3))
            #expect(try fixture.importUsage(first, format: .csv).charged == 3)
            let ids = try fixture.usageRows("request_id")
            // imp_, the row's time in milliseconds as 12 hex digits, _, 24 hex digits of hash: in time order.
            let times = try fixture.usageRows("occurred_at_ms").map { String(Int64($0)!, radix: 16) }
            #expect(ids.count == 3)
            for (id, time) in zip(ids, times) {
                #expect(id.count == 41 && id.hasPrefix("imp_" + String(repeating: "0", count: 12 - time.count) + time + "_"), "\(id)")
                #expect(id.dropFirst(4).allSatisfy { $0.isHexDigit || $0 == "_" })
            }
            #expect(ids == ids.sorted())
            let whole = try fixture.write("whole.csv", Self.csv(5))
            let summary = try fixture.importUsage(whole, format: .csv)
            #expect((summary.charged, summary.duplicates) == (2, 3))
            #expect(Array(try fixture.usageRows("request_id").prefix(3)) == ids)
            try fixture.expectVerified()
        }
    }

    @Test("identical rows in one file are separate requests; the same rows for another account or at another start are new")
    func identicalRows() throws {
        try withImportLedger { fixture in
            try makeAccount(fixture.ledger, "beta", at: utc(2023, 1, 1))
            let row = "2026-01-01T00:00:00Z,gpt-4o-mini,10,0,1,p"
            let path = try fixture.write("same.csv", Self.header + [row, row, row].joined(separator: "\n"))
            #expect(try fixture.importUsage(path, format: .csv).charged == 3)
            #expect(try fixture.importUsage(path, format: .csv).duplicates == 3)
            #expect(try fixture.importUsage(path, format: .csv, start: utc(2026, 2, 1)).charged == 3)
            let beta = try fixture.ledger.importUsage(file: path, format: .csv, options: UsageImportOptions(account: "beta"))
            #expect(beta.charged == 3)
            #expect(try fixture.raw.int("SELECT count(DISTINCT request_id) FROM usage") == 9)
            try fixture.expectVerified()
        }
    }

    @Test("a request id recorded with another request count is a conflict")
    func requestCountConflict() throws {
        try withImportLedger { fixture in
            let header = "time,model,input_tokens,cached_tokens,output_tokens,request_id,requests\n"
            let path = try fixture.write("a.csv", header + "2026-01-01,gpt-4o,10,0,1,r-1,4\n")
            #expect(try fixture.importUsage(path, format: .csv).requests == 4)
            let other = try fixture.write("b.csv", header + "2026-01-01,gpt-4o,10,0,1,r-1,5\n")
            #expect(importFailure { try fixture.importUsage(other, format: .csv) } == "id_conflict line 2 (request_id)")
            let zero = try fixture.write("c.csv", header + "2026-01-01,gpt-4o,10,0,1,r-2,0\n")
            #expect(importFailure { try fixture.importUsage(zero, format: .csv) } == "invalid_attribution line 2 (requests)")
            #expect(try fixture.raw.int("SELECT requests FROM usage WHERE request_id = 'r-1'") == 4)
        }
    }

    @Test(
        "time scale: offsets from the first request × K, exact, rounded once to milliseconds half to even",
        arguments: [
            // (K, the second request's offset in the file, the expected offset in ms)
            ("1", "00.0005", 0),  // 0.5 ms → 0 (even)
            ("1", "00.0015", 2),  // 1.5 ms → 2 (even)
            ("1", "00.0025", 2),  // 2.5 ms → 2 (even)
            ("3", "00.0005", 2),  // 1.5 ms → 2
            ("0.5", "00.001", 0),  // 0.5 ms → 0
            ("0.5", "00.003", 2),  // 1.5 ms → 2
            ("720", "04.3145790", 3_106_497),  // 3,106,496.88 ms
            ("744", "59.9999999", 44_640_000),  // 59,999.9999 ms × 744 = 44,639,999.9256 ms
            ("0.000000001", "00", 0),
        ])
    func timeScale(_ scale: String, _ second: String, _ expected: Int64) throws {
        try withImportLedger { fixture in
            let path = try fixture.write(
                "t.csv", Self.header + "2026-01-01T10:00:00.0000000,gpt-4o-mini,1,0,1,p\n2026-01-01T10:00:\(second),gpt-4o-mini,2,0,1,p\n")
            try fixture.importUsage(path, format: .csv, timeScale: scale, start: utc(2026, 3, 1))
            let start = utc(2026, 3, 1).milliseconds
            #expect(Set(try fixture.usageRows("occurred_at_ms - \(start), input_tokens")) == ["0 1", "\(expected) 2"])
        }
    }

    @Test("--time-scale takes a positive decimal of at most 9 decimals, up to a million")
    func timeScaleParsing() throws {
        #expect(try TimeScale(parsing: "720").billionths == 720_000_000_000)
        #expect(try TimeScale(parsing: "0.5").description == "0.5")
        #expect(try TimeScale(parsing: "31.250").description == "31.25")
        #expect(try TimeScale(parsing: "1000000").description == "1000000")
        for bad in ["0", "-2", "1.0000000001", "abc", "", "1000000.5", "1e400"] {
            #expect(throws: InputError.self, "\(bad)") { try TimeScale(parsing: bad) }
        }
    }
}
