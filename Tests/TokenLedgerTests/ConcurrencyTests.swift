import Foundation
import Synchronization
import Testing
import TokenLedger
import TokenLedgerCore

@Suite("Two handles on one file, writing at once")
struct ConcurrencyTests {
    @Test("concurrent enforced charges never spend the same credit twice")
    func enforcedChargesDoNotOverspend() throws {
        try withLedger(defaultPrices: false) { fixture in
            try addCentModel(fixture.ledger)
            try makeAccount(fixture.ledger, "acme", at: utc(2025, 1, 1), purchase: .usd(10))
            let handles = [fixture.ledger, try Ledger.open(at: fixture.path)]
            let outcomes = Locked<[String]>([])
            // 40 charges of $0.50 against $10: exactly 20 fit.
            DispatchQueue.concurrentPerform(iterations: 40) { index in
                let ledger = handles[index % handles.count]
                let result = outcome {
                    _ = try ledger.charge(
                        ChargeRequest(account: "acme", model: centModel, input: 50, output: 0, requestID: "r-\(index)", at: utc(2025, 1, 2), enforce: true))
                }
                outcomes.withLock { $0.append(result) }
            }
            let results = outcomes.withLock { $0 }
            #expect(results.filter { $0 == "ok" }.count == 20)
            #expect(results.filter { $0 == "insufficient_balance" }.count == 20, "\(Set(results))")
            #expect(try fixture.ledger.account(named: "acme")?.balance == .zero)
            #expect(try fixture.raw.int("SELECT count(*) FROM usage") == 20)
            #expect(try fixture.ledger.verify().ok)
        }
    }

    @Test("the same request id sent at once through two handles is recorded once")
    func concurrentRetriesRecordOnce() throws {
        try withLedger(defaultPrices: false) { fixture in
            try addCentModel(fixture.ledger)
            try makeAccount(fixture.ledger, "acme", at: utc(2025, 1, 1), purchase: .usd(10))
            let handles = [fixture.ledger, try Ledger.open(at: fixture.path)]
            let receipts = Locked<[ChargeFields]>([])
            DispatchQueue.concurrentPerform(iterations: 20) { index in
                let request = ChargeRequest(account: "acme", model: centModel, input: 123, output: 0, requestID: "same", at: utc(2025, 1, 2))
                if let receipt = try? handles[index % handles.count].charge(request) {
                    receipts.withLock { $0.append(receipt.fields) }
                }
            }
            let all = receipts.withLock { $0 }
            #expect(all.count == 20)
            #expect(all.filter { !$0.duplicate }.count == 1)
            #expect(Set(all.map(\.balance)) == [.usd(8, 77)])
            #expect(try fixture.raw.int("SELECT count(*) FROM usage") == 1)
            #expect(try fixture.ledger.account(named: "acme")?.balance == .usd(8, 77))
            #expect(try fixture.ledger.verify().ok)
        }
    }
}
