import Foundation
import Testing
import TokenLedger
import TokenLedgerCore

/// The dashboard's exports in their real shape: days without usage are rows of only empty
/// fields, with more separators than the header (`Tests/Fixtures/reconcile/README.md`).
@Suite("Reconcile: the dashboard's exports as they come")
struct ExportShapeTests {
    static func fixture(_ name: String) throws -> String {
        try String(contentsOf: reconcileFixtures.appendingPathComponent(name), encoding: .utf8)
    }

    /// The error `body` throws, as an ``InputError``.
    func inputError(_ body: () throws -> Void) -> InputError? {
        do {
            try body()
            return nil
        } catch let error as InputError {
            return error
        } catch {
            return InputError(reason: "not an input error: \(error)")
        }
    }

    @Test("a usage export of 24 columns with empty days of 26 empty fields imports; the empty days are empty buckets")
    func usageExportWithEmptyDays() throws {
        try withLedger { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(20))
            try fixture.addSnapshotPrices()
            let summary = try fixture.importUsage(try fixture.write("usage.csv", try Self.fixture("usage-export-days.csv")), format: .openAIUsageExport)
            #expect(summary.rowsRead == 4 && summary.charged == 2 && summary.empty == 2 && summary.skipped == 0)
            #expect(summary.cost == Money(nanos: 173_050_000))  // as the 9-column export of the same days
        }
    }

    @Test("a cost export of day totals with empty days of 11 fields against a 10-field header reconciles")
    func costExportWithEmptyDays() throws {
        try withLedger { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(20))
            try fixture.importUsageExport()
            let report = try fixture.reconcile([try fixture.write("costs.csv", try Self.fixture("cost-export-days.csv"))])
            #expect(report.rows.map(\.day.description) == ["2026-01-05", "2026-01-06", "2026-01-07"])
            #expect(report.rows.last?.status == .missingInLedger)
        }
    }

    @Test("data in a field past the header is still an error naming the file, line and field", arguments: ["usage", "costs"])
    func dataPastTheHeader(_ which: String) throws {
        try withLedger { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(20))
            try fixture.addSnapshotPrices()
            if which == "usage" {
                let text = try Self.fixture("usage-export-days.csv").replacingOccurrences(
                    of: "\n" + String(repeating: ",", count: 25) + "\n", with: "\n" + String(repeating: ",", count: 25) + "7\n")
                let path = try fixture.write("usage.csv", text)
                let error = inputError { _ = try fixture.importUsage(path, format: .openAIUsageExport) }
                #expect(error?.file == path && error?.line == 4 && error?.field == "field 26", "\(String(describing: error))")
            } else {
                let text = try Self.fixture("cost-export-days.csv").replacingOccurrences(of: "\n,,,,,,,,,,\n", with: "\n,,,,,,,,,,x\n")
                let path = try fixture.write("costs.csv", text)
                let error = inputError { _ = try fixture.reconcile([path]) }
                #expect(error?.file == path && error?.line == 4 && error?.field == "field 11", "\(String(describing: error))")
            }
        }
    }
}
