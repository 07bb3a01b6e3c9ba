import Foundation
import Testing

/// `simulate` through the built binary, compared with `Expected/simulate.txt`; its errors and
/// exit codes; its charts.
@Suite("CLI: simulate")
struct SimulateCLITests {
    /// Twelve requests of 100,000 input and 1,000 output tokens, a minute apart (about $0.26 each as gpt-4o).
    static let trace =
        "TIMESTAMP,ContextTokens,GeneratedTokens\n"
        + (0..<12).map { "2023-11-16 18:\(10 + $0):00.5000000,\(100_000 + $0 * 1_000),1000" }.joined(separator: "\n") + "\n"

    static let simulate = "simulate --trace $TMP/azure.csv --model gpt-4o --start 2026-01-31T22:00:00Z --time-scale 24"

    static let commands = [
        "init",
        "\(simulate) --start-balance 6 --threshold 5 --restore-to 10",
        "\(simulate) --start-balance 6 --threshold 5 --restore-to 10 --format json",
        "\(simulate) --start-balance 6 --threshold 5 --restore-to 10 --monthly-cap 5 --format csv",
        "\(simulate) --start-balance 6 --threshold 5 --restore-to 10 --payment-failure-rate 0.5 --seed 7",
        "\(simulate) --no-recharge --start-balance 100 --hard-limit 1",
        "\(simulate) --repeat 3 --no-recharge --start-balance 2",
        "\(simulate) --sweep threshold=1..5:2,restore-to=4..8:2",
        "\(simulate) --sweep threshold=1..5:2,restore-to=4..8:2 --format csv",
        "\(simulate) --sweep restore-to=5..7:1 --threshold 4 --format json",
        "\(simulate) --sweep colour=1..2:1",
        "\(simulate) --sweep threshold=5..1:1",
        "\(simulate) --sweep threshold=1..5:1",
        "\(simulate) --threshold 10 --restore-to 5",
        "\(simulate) --threshold 10",
        "\(simulate) --threshold 5 --restore-to 10 --payment-failure-rate 2",
        "simulate --trace $TMP/azure.csv --start 2026-01-31",
        "simulate --trace $TMP/azure.csv --model gpt-4o",
        "simulate --trace $TMP/missing.csv --model gpt-4o",
    ]

    static func setUp() throws -> (folder: URL, database: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(trace.utf8).write(to: folder.appendingPathComponent("azure.csv"))
        return (folder, folder.appendingPathComponent("ledger.sqlite").path)
    }

    @Test("transcript: one policy, failures, limits, repeats, sweeps, and refusals")
    func transcript() throws {
        let (folder, database) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        try CLI.compare(try CLI.transcript(Self.commands, folder: folder, database: database), withExpected: "simulate")
    }

    @Test("without --db it prices with the bundled default price book, as a ledger's default prices would")
    func defaultPriceBook() throws {
        let (folder, database) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let arguments = Self.simulate.replacingOccurrences(of: "$TMP", with: folder.path).split(separator: " ").map(String.init) + ["--format", "json"]
        let withoutLedger = try CLI.run(arguments)
        #expect(withoutLedger.status == 0, "\(withoutLedger.stderr)")
        #expect(withoutLedger.stdout.contains("\"prices\": \"default price book\""))
        #expect(try CLI.run(["init", "--db", database]).status == 0)
        let withLedger = try CLI.run(arguments + ["--db", database])
        #expect(withLedger.stdout.replacingOccurrences(of: "ledger \(database)", with: "default price book") == withoutLedger.stdout)
        let missing = try CLI.run(arguments + ["--db", folder.appendingPathComponent("none.sqlite").path])
        #expect(missing.status == 4)
    }

    @Test("--chart writes an SVG document for one policy and for a sweep")
    func charts() throws {
        let (folder, _) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let base = Self.simulate.replacingOccurrences(of: "$TMP", with: folder.path).split(separator: " ").map(String.init)
        for (extra, name) in [(["--threshold", "5", "--restore-to", "10"], "one.svg"), (["--sweep", "threshold=1..5:2,restore-to=4..8:2"], "sweep.svg")] {
            let path = folder.appendingPathComponent(name).path
            let result = try CLI.run(base + extra + ["--chart", path])
            #expect(result.status == 0, "\(result.stderr)")
            let svg = try String(contentsOfFile: path, encoding: .utf8)
            #expect(svg.hasPrefix("<?xml"))
            #expect(svg.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""))
            #expect(svg.hasSuffix("</svg>\n"))
        }
        let refused = try CLI.run(base + ["--chart", folder.appendingPathComponent("chart.png").path])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("--chart writes SVG"))
    }
}
