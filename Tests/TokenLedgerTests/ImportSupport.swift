import Foundation
import Testing
import TokenLedger
import TokenLedgerCore

// Fixtures of the usage-import tests: files written into the test's scratch directory, the
// shared data beside the package, and a ledger with an account ready to be charged.

/// The shared data folder beside the package (`../shared/data`).
let sharedData = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("../shared/data").standardizedFileURL

/// The real Azure conversation trace.
var azureTracePath: String { sharedData.appendingPathComponent("traces/AzureLLMInferenceTrace_conv.csv").path }

extension LedgerFixture {
    /// Writes `text` to `name` in the scratch directory and returns its path.
    func write(_ name: String, _ text: String) throws -> String {
        let path = directory.path(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Imports `path` into `acme`.
    @discardableResult
    func importUsage(
        _ path: String, format: UsageImportFormat, model: String? = nil, timeScale: String? = nil, start: Timestamp? = nil, skipBad: Bool = false,
        map: [String: String] = [:]
    ) throws -> UsageImportSummary {
        let options = UsageImportOptions(
            account: "acme", model: model, timeScale: try timeScale.map(TimeScale.init(parsing:)) ?? .identity, start: start, skipBad: skipBad)
        return try ledger.importUsage(file: path, format: format, columnMap: map, options: options)
    }

    /// The imported usage rows, by time then id: the columns a test compares.
    func usageRows(_ columns: String = "model, service_tier, input_tokens, cached_tokens, cache_write_tokens, output_tokens, requests") throws -> [String] {
        try raw.queue.read { db in
            try String.fetchAll(
                db,
                sql:
                    "SELECT \(columns.split(separator: ",").map { "coalesce(\($0), '-')" }.joined(separator: " || ' ' || ")) FROM usage ORDER BY occurred_at_ms, request_id"
            )
        }
    }

    /// Asserts that the books verify.
    func expectVerified(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let report = try ledger.verify()
        #expect(report.ok, "\(report.problems)", sourceLocation: sourceLocation)
    }
}

/// A ledger with the default prices and an account `acme` opened on 2023-01-01, holding $20
/// bought on 2025-12-01 (so that it lasts through 2026).
func withImportLedger<T>(_ body: (LedgerFixture) throws -> T) throws -> T {
    try withLedger { fixture in
        try makeAccount(fixture.ledger, "acme", at: utc(2023, 1, 1))
        _ = try fixture.ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(20), at: utc(2025, 12, 1), id: "setup-acme"))
        return try body(fixture)
    }
}

/// What an import threw, in one comparable string: `bad_input FILE:LINE (FIELD)` or `CODE line LINE (FIELD)`.
func importFailure(_ body: () throws -> Void) -> String {
    do {
        try body()
        return "ok"
    } catch let error as InputError {
        return "bad_input line \(error.line.map(String.init) ?? "-") (\(error.field ?? "-"))"
    } catch let refusal as ImportRowRefusal {
        return "\(refusal.code) line \(refusal.line) (\(refusal.field ?? "-"))"
    } catch let refusal as any Refusal {
        return refusal.code
    } catch {
        return "error: \(error)"
    }
}

/// Dollars per million tokens, as nanodollars per million.
func perMillion(_ dollars: String) throws -> Int64 { try Money(parsing: dollars).nanos }
