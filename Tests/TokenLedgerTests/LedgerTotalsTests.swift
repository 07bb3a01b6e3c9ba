import Foundation
import Testing
import TokenLedger
import TokenLedgerCore

/// The ledger-wide totals (`@usage`, `@payments`, `@grants`) never pass their limit, so no stored
/// figure can overflow: a charge past it is refused, before anything is written, on every path.
@Suite("Ledger totals")
struct LedgerTotalsTests {
    /// $1,000,000,000 at a cent a token: the largest price and a tenth of the largest count.
    static let billion: Int64 = 100_000_000_000

    @Test("charges past the ledger's total usage are refused ledger_total_limit, one after another (the kept batch) or in a batch; the file stays usable")
    func usagePastTheLimit() throws {
        try withLedger(defaultPrices: false) { fixture in
            let ledger = fixture.ledger
            try addCentModel(ledger)
            for index in 0..<10 { try makeAccount(ledger, "a\(index)", at: utc(2026, 1, 1)) }
            // One process charging one request after another keeps its batch between charges:
            // the first reaches the limit exactly, every later one would pass it.
            var outcomes: [String] = []
            for index in 0..<10 {
                outcomes.append(outcome { try chargeCents(ledger, "a\(index)", Self.billion, at: utc(2026, 1, 2), id: "big-\(index)") })
            }
            #expect(outcomes == ["ok"] + Array(repeating: "ledger_total_limit", count: 9))
            #expect(outcome { try chargeCents(ledger, "a1", 1, at: utc(2026, 1, 2)) } == "ledger_total_limit")
            let batch = (1...2).map { ChargeRequest(account: "a2", model: centModel, input: 1, output: 0, requestID: "b-\($0)", at: utc(2026, 1, 3)) }
            #expect(outcome { _ = try ledger.charge(all: batch) } == "ledger_total_limit")
            // A retry of the accepted charge is still answered as a retry.
            #expect(try chargeCents(ledger, "a0", Self.billion, at: utc(2026, 1, 2), id: "big-0").duplicate)
            #expect(try ledger.verify().ok)
            // Another process (a new ledger on the file) folds what the first left and goes on.
            let reopened = try Ledger.open(at: fixture.path, create: true)
            #expect(try reopened.verify().ok)
            #expect(try reopened.balance(of: "a0", at: utc(2026, 1, 5)).balance == Money(nanos: -LedgerTotals.limit.nanos))
            #expect(outcome { try chargeCents(reopened, "a3", 1, at: utc(2026, 1, 4)) } == "ledger_total_limit")
            let report = try reopened.monthlyReport(account: nil, month: utc(2026, 1, 1), by: [.model])
            #expect(report.total.cost == LedgerTotals.limit)
            // Free usage still records.
            #expect(outcome { try chargeCents(reopened, "a3", 0, at: utc(2026, 1, 4)) } == "ok")
        }
    }
}
