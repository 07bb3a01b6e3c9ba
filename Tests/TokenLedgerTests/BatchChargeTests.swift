import Foundation
import Testing
import TokenLedger
import TokenLedgerCore

/// `charge(all:)` keeps accounts, lots and prices in memory for its transaction; these tests
/// hold it to charging one request at a time: the same receipts, the same refusals, and a file
/// equal to the byte of every row.
@Suite("Charging many at once equals charging one at a time")
struct BatchChargeTests {
    @Test("seeded runs: receipts, journal, lots and balances are those of single charges", arguments: [1, 2, 3, 4] as [UInt64])
    func sameAsSingleCharges(seed: UInt64) throws {
        try withLedger { batched in
            try withLedger { single in
                try Self.prepare(batched.ledger)
                try Self.prepare(single.ledger)
                var random = SplitMix64(seed: seed)
                let requests = Self.requests(count: 400, random: &random)
                var start = 0
                while start < requests.count {
                    let end = min(requests.count, start + Int.random(in: 1...60, using: &random))
                    let chunk = Array(requests[start..<end])
                    let receipts = try batched.ledger.charge(all: chunk)
                    let expected = try chunk.map { try single.ledger.charge($0) }
                    #expect(receipts == expected)
                    start = end
                }
                // One charge at a time through one ledger leaves its last charges unfolded (the
                // tail); batches never do. Any read folds the tail in: then the files are equal.
                #expect(try single.raw.int("SELECT (SELECT max(id) FROM usage) - (SELECT usage_id FROM usage_fold)") > 0)
                #expect(try batched.raw.int("SELECT (SELECT max(id) FROM usage) - (SELECT usage_id FROM usage_fold)") == 0)
                #expect(try batched.ledger.verify().ok)
                #expect(try single.ledger.verify().ok)
                #expect(try batched.raw.dump() == single.raw.dump())
            }
        }
    }

    @Test("a refused request refuses the batch, at its index, with the single charge's refusal, and writes nothing")
    func refusalsMatch() throws {
        try withLedger { batched in
            try withLedger { single in
                try Self.prepare(batched.ledger)
                try Self.prepare(single.ledger)
                let time = utc(2026, 3, 1)
                let good = ChargeRequest(account: "alice", model: "gpt-4o", input: 1_000, output: 100, requestID: "r1", at: time)
                var refused: [ChargeRequest] = []
                refused.append(ChargeRequest(account: "alice", model: "gpt-4o", input: 999, output: 100, requestID: "r1", at: time))
                refused.append(ChargeRequest(account: "nobody", model: "gpt-4o", input: 1, output: 1, requestID: "r2", at: time))
                refused.append(ChargeRequest(account: "alice", model: "no-such-model", input: 1, output: 1, requestID: "r3", at: time))
                refused.append(ChargeRequest(account: "alice", model: "gpt-4o", input: 1, output: 1, requestID: "r4", at: utc(1990, 1, 1)))
                refused.append(
                    ChargeRequest(account: "bob", model: "gpt-4o", input: 100_000, output: 10_000, requestID: "r5", at: time, enforce: true))
                _ = try single.ledger.charge(good)
                for request in refused {
                    let before = try batched.raw.dump()
                    let singleOutcome = outcome { _ = try single.ledger.charge(request) }
                    #expect(singleOutcome != "ok")
                    do {
                        _ = try batched.ledger.charge(all: [good, good, request])
                        Issue.record("the batch was not refused")
                    } catch let refusal as BatchRefusal {
                        #expect(refusal.index == 2)
                        #expect(refusal.code == singleOutcome)
                    }
                    #expect(try batched.raw.dump() == before)
                }
            }
        }
    }

    /// Two accounts, grants that expire along the way, a purchase, and a price change of gpt-4o.
    static func prepare(_ ledger: Ledger) throws {
        let opened = utc(2026, 1, 1)
        try ledger.createAccount(NewAccount(name: "alice", overdraftAllowance: .usd(1), at: opened))
        try ledger.createAccount(NewAccount(name: "bob", at: opened))
        _ = try ledger.purchase(PurchaseRequest(account: "alice", amount: .usd(5), at: opened, id: "p1"))
        _ = try ledger.grant(GrantRequest(account: "alice", amount: .usd(0, 40), at: opened, expiresAt: utc(2026, 1, 10), id: "g1"))
        _ = try ledger.grant(GrantRequest(account: "alice", amount: .usd(0, 30), at: opened, expiresAt: utc(2026, 1, 20), id: "g2"))
        _ = try ledger.grant(GrantRequest(account: "bob", amount: .usd(0, 5), at: opened, expiresAt: utc(2026, 1, 5), id: "g3"))
        var changed = try #require(ledger.prices(model: "gpt-4o", at: opened).first).entry
        changed.effectiveFrom = utc(2026, 1, 15)
        changed.rates = changed.rates.mapValues { rates in
            var rates = rates
            rates.input = rates.input.map { $0 * 2 }
            return rates
        }
        try ledger.setPrice(changed)
    }

    /// Requests over a month: new ids, retries of earlier ones, free usage, both accounts.
    static func requests(count: Int, random: inout SplitMix64) -> [ChargeRequest] {
        var requests: [ChargeRequest] = []
        var time = utc(2026, 1, 2).milliseconds
        for number in 0..<count {
            time += Int64.random(in: 0...(3 * 3_600_000), using: &random)
            if !requests.isEmpty, Int.random(in: 0..<10, using: &random) == 0 {
                requests.append(requests[Int.random(in: 0..<requests.count, using: &random)])
                continue
            }
            let free = Int.random(in: 0..<20, using: &random) == 0
            let input: Int64 = free ? 0 : Int64.random(in: 1...20_000, using: &random)
            requests.append(
                ChargeRequest(
                    account: Bool.random(using: &random) ? "alice" : "bob", model: Bool.random(using: &random) ? "gpt-4o" : "gpt-4o-mini",
                    input: input, cached: input / 4, output: free ? 0 : Int64.random(in: 0...2_000, using: &random),
                    requestID: "req-\(number)", at: Timestamp(milliseconds: time)))
        }
        return requests
    }
}
