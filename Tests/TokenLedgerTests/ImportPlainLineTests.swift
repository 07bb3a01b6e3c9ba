import Foundation
import Testing
import TokenLedger
import TokenLedgerCore

/// The `csv` reader reads plain lines (ASCII, unquoted, canonical values) straight from their
/// bytes, and every other line by the general path. Quoting every field of a line sends it down
/// the general path with the same values: both must read the same row, or the same problem.
@Suite("Usage import: plain CSV lines read as the general path reads them")
struct ImportPlainLineTests {
    static let headers = [
        "time,model,input_tokens,cached_tokens,output_tokens,request_id",
        "time,model,tier,input_tokens,cached_tokens,cache_write_tokens,output_tokens,requests,request_id,project,api_key,user",
    ]

    /// Lines for the short header; each is also tried with the long header's extra fields filled in.
    static let lines = [
        "2026-01-01T00:00:00Z,gpt-4o,100,10,20,req-1",
        "2026-01-01T00:00:00.123Z,gpt-4o,100,10,20,req-1",
        "2026-01-01T00:00:00.1Z,gpt-4o,100,10,20,req-1",
        "2026-01-01T00:00:00.12Z,gpt-4o,100,10,20,req-1",
        "2026-01-01T00:00:00.1234Z,gpt-4o,100,10,20,req-1",
        "2026-01-01T00:00:00.123456789Z,gpt-4o,100,10,20,req-1",
        "2026-01-01T00:00:00.1234567891Z,gpt-4o,100,10,20,req-1",
        "2026-01-01T00:00:00.Z,gpt-4o,100,10,20,req-1",
        "2026-01-01T00:00:00,gpt-4o,100,10,20,req-1",
        "2026-01-01T00:00:00.5,gpt-4o,100,10,20,req-1",
        "2026-01-01t00:00:00z,gpt-4o,100,10,20,req-1",
        "2026-01-01 00:00:00,gpt-4o,100,10,20,req-1",
        "2026-01-01T00:00,gpt-4o,100,10,20,req-1",
        "2026-01-01,gpt-4o,100,10,20,req-1",
        "2026-01-01T00:00:00+02:00,gpt-4o,100,10,20,req-1",
        "2026-01-01T00:00:00.250-05:30,gpt-4o,100,10,20,req-1",
        "2024-02-29T23:59:59.999Z,gpt-4o,100,10,20,req-1",
        "2026-02-29T00:00:00Z,gpt-4o,100,10,20,req-1",
        "2026-13-01T00:00:00Z,gpt-4o,100,10,20,req-1",
        "2026-00-01T00:00:00Z,gpt-4o,100,10,20,req-1",
        "2026-01-00T00:00:00Z,gpt-4o,100,10,20,req-1",
        "2026-01-01T24:00:00Z,gpt-4o,100,10,20,req-1",
        "2026-01-01T23:60:00Z,gpt-4o,100,10,20,req-1",
        "2026-01-01T23:59:60Z,gpt-4o,100,10,20,req-1",
        "1969-12-31T23:59:59Z,gpt-4o,100,10,20,req-1",
        "1970-01-01T00:00:00Z,gpt-4o,100,10,20,req-1",
        "9999-12-31T23:59:59.999999999Z,gpt-4o,100,10,20,req-1",
        "10000-01-01T00:00:00Z,gpt-4o,100,10,20,req-1",
        "2026-1-01T00:00:00Z,gpt-4o,100,10,20,req-1",
        "2026-01-01T00:00:00ZZ,gpt-4o,100,10,20,req-1",
        " 2026-01-01T00:00:00Z,gpt-4o,100,10,20,req-1",
        "2026-01-01T00:00:00Z ,gpt-4o,100,10,20,req-1",
        "1767225600,gpt-4o,100,10,20,req-1",
        "1767225600.5,gpt-4o,100,10,20,req-1",
        "0,gpt-4o,100,10,20,req-1",
        "0001767225600,gpt-4o,100,10,20,req-1",
        "9223372036,gpt-4o,100,10,20,req-1",
        "9223372037,gpt-4o,100,10,20,req-1",
        "99999999999,gpt-4o,100,10,20,req-1",
        ",gpt-4o,100,10,20,req-1",
        "2026-01-01T00:00:00Z,,100,10,20,req-1",
        "2026-01-01T00:00:00Z, gpt-4o,100,10,20,req-1",
        "2026-01-01T00:00:00Z,gpt-4o ,100,10,20,req-1",
        "2026-01-01T00:00:00Z,gpt 4o,100,10,20,req-1",
        "2026-01-01T00:00:00Z,gpt-4o,,10,20,req-1",
        "2026-01-01T00:00:00Z,gpt-4o, 100,10,20,req-1",
        "2026-01-01T00:00:00Z,gpt-4o,100.0,10,20,req-1",
        "2026-01-01T00:00:00Z,gpt-4o,100.5,10,20,req-1",
        "2026-01-01T00:00:00Z,gpt-4o,1e3,10,20,req-1",
        "2026-01-01T00:00:00Z,gpt-4o,-1,10,20,req-1",
        "2026-01-01T00:00:00Z,gpt-4o,+1,10,20,req-1",
        "2026-01-01T00:00:00Z,gpt-4o,100000000000,10,20,req-1",
        "2026-01-01T00:00:00Z,gpt-4o,100000000001,10,20,req-1",
        "2026-01-01T00:00:00Z,gpt-4o,000000000000100,10,20,req-1",
        "2026-01-01T00:00:00Z,gpt-4o,0000000000000100,10,20,req-1",
        "2026-01-01T00:00:00Z,gpt-4o,999999999999999,10,20,req-1",
        "2026-01-01T00:00:00Z,gpt-4o,100,,20,req-1",
        "2026-01-01T00:00:00Z,gpt-4o,100, ,20,req-1",
        "2026-01-01T00:00:00Z,gpt-4o,100,200,20,req-1",
        "2026-01-01T00:00:00Z,gpt-4o,100,10,,req-1",
        "2026-01-01T00:00:00Z,gpt-4o,100,10,20,",
        "2026-01-01T00:00:00Z,gpt-4o,100,10,20, req-1",
        "2026-01-01T00:00:00Z,gpt-4o,100,10,20,req\t1",
        "2026-01-01T00:00:00Z,gpt-4o,100,10,20,req-1,",
        "2026-01-01T00:00:00Z,gpt-4o,100,10,20",
        "2026-01-01T00:00:00Z,gpt-4o-ñ,100,10,20,req-1",
        "2026-01-01T00:00:00Z,gpt-4o,100,10,20,réq-1",
        "2026-01-01T00:00:00Z,gpt-4o,100,10,20,\(String(repeating: "x", count: 300))",
    ]

    /// Values for the long header's extra columns (tier, cache_write_tokens, requests, project, api_key, user).
    static let extras: [[String]] = [
        ["", "", "", "", "", ""],
        ["flex", "5", "3", "proj", "key-1", "user@example.com"],
        ["FLEX", "0", "0", "p", "k", "u"],
        ["batch", " ", " ", " p", "k ", "u"],
        ["bogus", "5", "1", "p", "k", "u"],
        [" flex", "5.0", "2.0", "p", "k", "u"],
        ["priority", "x", "-3", "p", "k", "u"],
        ["default", "5", "1000000000000", "p", "k", "u"],
    ]

    @Test("every line reads the same row (or the same problem) quoted and unquoted")
    func plainLinesMatchTheGeneralPath() throws {
        for line in Self.lines {
            try compare(header: Self.headers[0], line: line)
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 6 else { continue }
            for extra in Self.extras {
                let long = [fields[0], fields[1], extra[0], fields[2], fields[3], extra[1], fields[4], extra[2], fields[5], extra[3], extra[4], extra[5]]
                try compare(header: Self.headers[1], line: long.joined(separator: ","))
            }
        }
    }

    @Test("tab-separated and CRLF lines")
    func otherLayouts() throws {
        try compare(header: "time\tmodel\tinput_tokens\tcached_tokens\toutput_tokens", line: "2026-01-01T00:00:00.5Z\tgpt-4o\t100\t10\t20", delimiter: "\t")
        try compare(header: Self.headers[0], line: "2026-01-01T00:00:00.5Z,gpt-4o,100,10,20,req-1\r")
    }

    /// Reads `line` after `header`, as it is and with every field quoted, and compares.
    @Test("a row of only empty fields, shorter or longer than the header, is a bad row that names the time (found by fuzzing: it trapped)")
    func blankRowOfAnyWidth() throws {
        for header in Self.headers + ["time,model,input_tokens,cached_tokens,output_tokens,audio_tokens"] {
            let results = try read(header + "\n,\n,,,,,,,,,,,,,,,,,,,,\n" + String(repeating: ",", count: header.filter { $0 == "," }.count) + "\n")
            #expect(results.count == 3, "header: \(header)")
            for (line, result) in zip(2..., results) {
                #expect(result.hasPrefix("bad \(line) time bad_input"), "header: \(header), \(result)")
            }
        }
    }

    private func compare(header: String, line: String, delimiter: String = ",") throws {
        let quoted = line.split(separator: Character(delimiter), omittingEmptySubsequences: false).map { field in
            let cr = field.hasSuffix("\r")
            let text = cr ? field.dropLast() : field
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" + (cr ? "\r" : "")
        }.joined(separator: delimiter)
        let plain = try read(header + "\n" + line + "\n")
        let general = try read(header + "\n" + quoted + "\n")
        #expect(plain == general, "line: \(line)")
    }

    private func read(_ text: String) throws -> [String] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("plain-line-\(UUID().uuidString).csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var rows = try UsageImport.rows(of: path, format: .csv)
        var results: [String] = []
        while let result = try rows.next() {
            switch result {
            case .bad(let bad): results.append("bad \(bad.line) \(bad.field ?? "-") \(bad.code) \(bad.reason)")
            case .row(let row):
                results.append(
                    "row \(row.line) \(row.timeNanoseconds) \(row.model ?? "nil") \(row.tier) \(row.inputTokens) \(row.cachedTokens) "
                        + "\(row.cacheWriteTokens) \(row.outputTokens) \(row.requests) \(row.requestID ?? "nil") \(row.project ?? "nil") "
                        + "\(row.apiKey ?? "nil") \(row.user ?? "nil") \(UsageField.allCases.map(row.fieldNames.name(of:)))")
            }
        }
        return results
    }
}
