import Foundation
import Testing

/// Replays every saved fuzz input (`Fuzz/Corpus/<target>/`: the seeds and each finding once
/// fixed) through the plain build of `TokenLedgerFuzz`, so that no fixed crash comes back.
/// The fuzzing itself is `scripts/fuzz`.
@Suite("Fuzz corpus replay")
struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Fuzz/Corpus").standardized

    static var targets: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? []).sorted()
    }

    @Test(
        "every target has a seed corpus",
        arguments: [
            "money", "timestamp", "catalog", "costs", "usage-openai-jsonl", "usage-csv", "usage-azure-trace", "usage-mooncake-trace",
            "usage-openai-usage-api", "usage-openai-usage-export", "usage-anthropic-jsonl", "usage-gemini-jsonl", "usage-bedrock-jsonl",
            "usage-cohere-jsonl", "usage-auto",
        ])
    func seeded(_ target: String) throws {
        #expect(try !FileManager.default.contentsOfDirectory(atPath: Self.corpus.appendingPathComponent(target).path).isEmpty)
    }

    @Test("each saved input runs without a crash", arguments: targets)
    func replay(_ target: String) throws {
        let binary = CLI.executable.deletingLastPathComponent().appendingPathComponent("TokenLedgerFuzz")
        let process = Process()
        process.executableURL = binary
        process.arguments = [target, Self.corpus.appendingPathComponent(target).path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(target): \(printed)")
        #expect(printed.hasPrefix("\(target): "), "\(printed)")
    }
}
