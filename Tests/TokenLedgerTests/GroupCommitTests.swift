import Foundation
import Testing
import TokenLedger
import TokenLedgerCore

/// `Ledger.group`: many operations in one transaction, each answering on its own.
@Suite("Group commit")
struct GroupCommitTests {
    @Test("each operation is decided on what the ones before it wrote; a refused one answers its refusal and the others are written")
    func refusalsAnswerAlone() throws {
        try withLedger { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "acme", at: utc(2026, 1, 1))
            try addCentModel(ledger)
            func charge(_ id: String, input: Int64, enforce: Bool = true) -> (Ledger) throws -> String {
                { ledger in
                    try ledger.charge(
                        ChargeRequest(account: "acme", model: centModel, input: input, output: 0, requestID: id, at: utc(2026, 1, 2), enforce: enforce)
                    ).balance.decimalString
                }
            }
            let results = try ledger.group([
                { ledger in try ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(5), at: utc(2026, 1, 2), id: "p-1")).balance.decimalString },
                charge("c-1", input: 250),  // $2.50
                charge("c-2", input: 300),  // $3.00: more than is left, refused
                charge("c-3", input: 250),  // $2.50: exactly what is left
                { ledger in try ledger.createAccount(NewAccount(name: "acme", at: utc(2026, 1, 2))).name },  // exists
                { ledger in try ledger.account(named: "acme")?.balance.decimalString ?? "none" },  // a read sees the group's writes
                charge("c-1", input: 250),  // a retry inside the group
            ])
            let answers = results.map { result -> String in
                switch result {
                case .success(let value): value
                case .failure(let error as any Refusal): error.code
                case .failure(let error): "error: \(error)"
                }
            }
            #expect(answers == ["5.000000000", "2.500000000", "insufficient_balance", "0.000000000", "account_exists", "0.000000000", "2.500000000"])
            #expect(try ledger.verify().usages == 2)
            #expect(try ledger.balance(of: "acme", at: utc(2026, 1, 3)).balance == .zero)
            #expect(try ledger.verify().ok)
        }
    }

    @Test("an error of the file rolls the whole group back: none of it is written")
    func fileErrorRollsBackAll() throws {
        try withLedger { fixture in
            let ledger = fixture.ledger
            try makeAccount(ledger, "acme", at: utc(2026, 1, 1))
            struct Broken: Error {}
            #expect(throws: Broken.self) {
                _ = try ledger.group([
                    { ledger in
                        _ = try ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(5), at: utc(2026, 1, 2), id: "p-1"))
                    },
                    { _ in throw Broken() },
                ])
            }
            #expect(try ledger.balance(of: "acme", at: utc(2026, 1, 3)).balance == .zero)
            // The ledger goes on: the same purchase is new.
            #expect(try !ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(5), at: utc(2026, 1, 2), id: "p-1")).duplicate)
            #expect(try ledger.verify().ok)
        }
    }
}
