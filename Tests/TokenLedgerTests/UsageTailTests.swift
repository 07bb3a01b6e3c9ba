import Foundation
import Testing
import TokenLedger
import TokenLedgerCore

/// One charge per transaction through one ledger commits only the usage row after the first:
/// balances, lots, month usage and the daily rollup trail the journal (the tail, schema v0004)
/// until every `ChargeState.pendingLimit` charges or until anything else reads or writes them.
/// These tests hold the tail to being invisible: every figure the library gives is the folded
/// one, whatever wrote in between (this connection, another connection, a crash).
@Suite("The usage tail")
struct UsageTailTests {
    static let start = utc(2026, 5, 1)
    static let tailSQL = "SELECT (SELECT max(id) FROM usage) - (SELECT usage_id FROM usage_fold)"

    static func prepare(_ ledger: Ledger) throws {
        try ledger.createAccount(NewAccount(name: "acme", at: start))
        try ledger.createAccount(NewAccount(name: "beta", at: start))
        _ = try ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(20), at: start, id: "p-acme"))
        _ = try ledger.purchase(PurchaseRequest(account: "beta", amount: .usd(20), at: start, id: "p-beta"))
    }

    /// A request at `start` plus `number + 1` minutes; `requests` for usage above gpt-4o-mini's
    /// context window (128K tokens a request).
    static func request(_ number: Int, account: String = "acme", enforce: Bool = false, input: Int64 = 1_000, requests: Int64 = 1) -> ChargeRequest {
        ChargeRequest(
            account: account, model: "gpt-4o-mini", input: input, output: 200, requestID: "\(account)-\(number)",
            at: Timestamp(milliseconds: start.milliseconds + 60_000 * Int64(number + 1)), enforce: enforce, requests: requests)
    }

    @Test("charges after the first commit only their usage row; every read sees them folded in")
    func tailIsInvisible() throws {
        try withLedger { fixture in
            try Self.prepare(fixture.ledger)
            var last: ChargeReceipt?
            for number in 0..<5 { last = try fixture.ledger.charge(Self.request(number)) }
            // The first charge wrote the figures; the next four only their rows.
            #expect(try fixture.raw.int(Self.tailSQL) == 4)
            let stored = try fixture.raw.int("SELECT balance_nanos FROM account WHERE name = 'acme'")
            let receipt = try #require(last)
            #expect(stored > receipt.balance.nanos)
            // The library's figures are the folded ones, and reading folded the tail into the file.
            #expect(try fixture.ledger.account(named: "acme")?.balance == receipt.balance)
            #expect(try fixture.raw.int(Self.tailSQL) == 0)
            #expect(try fixture.raw.int("SELECT balance_nanos FROM account WHERE name = 'acme'") == receipt.balance.nanos)
            #expect(try fixture.ledger.verify().ok)
        }
    }

    @Test("a ledger closed (or killed) with a tail is folded by the next transaction")
    func tailSurvivesClosing() throws {
        try withScratchDirectory { directory in
            let path = directory.path()
            var receipts: [ChargeReceipt] = []
            do {
                let ledger = try Ledger.open(at: path, create: true)
                try ledger.loadDefaultPrices()
                try Self.prepare(ledger)
                for number in 0..<10 { receipts.append(try ledger.charge(Self.request(number))) }
            }
            let raw = try RawDatabase(path: path)
            #expect(try raw.int(Self.tailSQL) == 9)
            let reopened = try Ledger.open(at: path)
            #expect(try reopened.verify().ok)
            #expect(try reopened.balance(of: "acme", at: utc(2026, 5, 2)).balance == receipts.last?.balance)
            #expect(try raw.int(Self.tailSQL) == 0)
            // A retry after the reopening is still a retry.
            #expect(try reopened.charge(Self.request(9)).duplicate)
        }
    }

    @Test("another connection's write between two charges is seen by the next charge")
    func otherConnectionWrites() throws {
        try withLedger { fixture in
            try Self.prepare(fixture.ledger)
            let other = try Ledger.open(at: fixture.path)
            let first = try fixture.ledger.charge(Self.request(0))
            let second = try fixture.ledger.charge(Self.request(1))
            // The other connection folds the tail and adds $10; then charges itself.
            _ = try other.purchase(PurchaseRequest(account: "acme", amount: .usd(10), at: Self.start, id: "p-more"))
            let third = try other.charge(Self.request(2))
            #expect(third.balance == second.balance + .usd(10) - third.cost)
            let fourth = try fixture.ledger.charge(Self.request(3))
            #expect(fourth.balance == third.balance - fourth.cost)
            let fifth = try other.charge(Self.request(4))
            #expect(fifth.balance == fourth.balance - fifth.cost)
            #expect(first.balance - second.cost == second.balance)
            #expect(try fixture.ledger.account(named: "acme")?.balance == fifth.balance)
            #expect(try other.verify().ok)
        }
    }

    @Test("this connection's other writes between two charges are seen by the next charge")
    func sameConnectionWrites() throws {
        try withLedger { fixture in
            try Self.prepare(fixture.ledger)
            _ = try fixture.ledger.charge(Self.request(0))
            let second = try fixture.ledger.charge(Self.request(1))
            _ = try fixture.ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(10), at: Self.start, id: "p-more"))
            let third = try fixture.ledger.charge(Self.request(2))
            #expect(third.balance == second.balance + .usd(10) - third.cost)
            #expect(try fixture.ledger.verify().ok)
        }
    }

    @Test("a refused charge keeps the kept batch and its tail; a retry writes nothing")
    func refusalKeepsTheBatch() throws {
        try withLedger { fixture in
            try Self.prepare(fixture.ledger)
            _ = try fixture.ledger.charge(Self.request(0))
            _ = try fixture.ledger.charge(Self.request(1))
            #expect(try fixture.raw.int(Self.tailSQL) == 1)
            let version = try fixture.raw.dataVersion()
            #expect(outcome { _ = try fixture.ledger.charge(Self.request(2, enforce: true, input: 1_000_000_000, requests: 10_000)) } == "insufficient_balance")
            #expect(try fixture.ledger.charge(Self.request(1)).duplicate)
            #expect(try fixture.raw.dataVersion() == version)
            // Still the same batch: the next charge adds to the tail rather than starting over.
            _ = try fixture.ledger.charge(Self.request(3))
            #expect(try fixture.raw.int(Self.tailSQL) == 2)
        }
    }

    @Test("the tail is folded every pendingLimit charges")
    func tailIsBounded() throws {
        try withLedger { fixture in
            try Self.prepare(fixture.ledger)
            // The first charge writes its figures; then pendingLimit − 1 charges make the tail.
            for number in 0..<1_024 { _ = try fixture.ledger.charge(Self.request(number, input: 10)) }
            #expect(try fixture.raw.int(Self.tailSQL) == 1_023)
            _ = try fixture.ledger.charge(Self.request(1_024, input: 10))
            #expect(try fixture.raw.int(Self.tailSQL) == 0)
        }
    }

    @Test("a batch holding more than accountLimit accounts is folded and not kept (memory stays bounded)")
    func accountsAreBounded() throws {
        try withLedger { fixture in
            let names = (0...4_096).map { "a\($0)" }
            for name in names { try fixture.ledger.createAccount(NewAccount(name: name, at: Self.start)) }
            for (number, name) in names.enumerated().dropLast() { _ = try fixture.ledger.charge(Self.request(number, account: name, input: 10)) }
            // 4,096 accounts kept: the first charge folded, the other 4,095 are the tail.
            #expect(try fixture.raw.int(Self.tailSQL) == 4_095 % 1_024)
            _ = try fixture.ledger.charge(Self.request(4_096, account: names.last!, input: 10))
            #expect(try fixture.raw.int(Self.tailSQL) == 0)
            // The next charge starts a new batch (and writes its figures), the one after adds to its tail.
            _ = try fixture.ledger.charge(Self.request(4_097, account: "a0", input: 10))
            _ = try fixture.ledger.charge(Self.request(4_098, account: "a1", input: 10))
            #expect(try fixture.raw.int(Self.tailSQL) == 1)
            #expect(try fixture.ledger.verify().ok)
        }
    }

    @Test("a charge that recharges, writes off an expired lot or spans two lots is folded with its tail")
    func eventsFold() throws {
        try withLedger { fixture in
            let ledger = fixture.ledger
            try Self.prepare(ledger)
            _ = try ledger.grant(GrantRequest(account: "beta", amount: .usd(0, 50), at: Self.start, expiresAt: utc(2026, 5, 1, 0, 3), id: "g-beta"))
            _ = try ledger.charge(Self.request(0, account: "beta", input: 10))
            _ = try ledger.charge(Self.request(1, account: "beta", input: 10))
            #expect(try fixture.raw.int(Self.tailSQL) == 1)
            // The grant expired at 00:03: this charge writes it off.
            _ = try ledger.charge(Self.request(5, account: "beta", input: 10))
            #expect(try fixture.raw.int(Self.tailSQL) == 0)
            _ = try ledger.charge(Self.request(6, account: "beta", input: 10))
            #expect(try fixture.raw.int(Self.tailSQL) == 1)
            // About $20 left; 110 million input tokens at $0.15 a million ($16.50) leave it below $5.
            try ledger.setAutoRecharge(account: "beta", threshold: .usd(5), restoreTo: .usd(20), at: Self.start)
            _ = try ledger.charge(Self.request(7, account: "beta", input: 10))
            _ = try ledger.charge(Self.request(8, account: "beta", input: 10))
            #expect(try fixture.raw.int(Self.tailSQL) == 1)
            let recharged = try ledger.charge(Self.request(9, account: "beta", input: 110_000_000, requests: 1_000))
            #expect(recharged.recharge?.status == .succeeded)
            #expect(try fixture.raw.int(Self.tailSQL) == 0)
            #expect(try ledger.verify().ok)
        }
    }

    @Test("reservations, settles and voids go on the kept batch: they see the tail and leave it unfolded")
    func reservationsKeepTheBatch() throws {
        try withLedger { fixture in
            let ledger = fixture.ledger
            try Self.prepare(ledger)
            _ = try ledger.charge(Self.request(0))
            let charged = try ledger.charge(Self.request(1))
            #expect(try fixture.raw.int(Self.tailSQL) == 1)
            let at = utc(2026, 5, 1, 0, 5)
            // The hold is decided on the balance with the tail in it, and the tail stays.
            let hold = try ledger.reserve(ReservationRequest(account: "acme", model: "gpt-4o-mini", input: 1_000, maxOutput: 500, id: "r-1", at: at))
            #expect(hold.available == charged.balance - hold.hold)
            #expect(try fixture.raw.int(Self.tailSQL) == 1)
            // The settle's charge joins the tail.
            let settled = try ledger.settle(SettleRequest(reservation: "r-1", input: 900, output: 100, at: at))
            #expect(settled.charge.balance == charged.balance - settled.charge.cost)
            #expect(try fixture.raw.int(Self.tailSQL) == 2)
            _ = try ledger.reserve(ReservationRequest(account: "acme", model: "gpt-4o-mini", input: 1_000, maxOutput: 500, id: "r-2", at: at))
            let voided = try ledger.void(reservation: "r-2", at: at)
            #expect(voided.available == settled.charge.balance)
            #expect(try fixture.raw.int(Self.tailSQL) == 2)
            // Retries answer from the file and the batch alike.
            #expect(try ledger.settle(SettleRequest(reservation: "r-1", input: 900, output: 100, at: at)).duplicate)
            #expect(try ledger.reserve(ReservationRequest(account: "acme", model: "gpt-4o-mini", input: 1_000, maxOutput: 500, id: "r-1", at: at)).duplicate)
            // Another connection's write drops the batch: the next hold sees it.
            let other = try Ledger.open(at: fixture.path)
            _ = try other.purchase(PurchaseRequest(account: "acme", amount: .usd(10), at: at, id: "p-more"))
            let after = try ledger.reserve(ReservationRequest(account: "acme", model: "gpt-4o-mini", input: 1_000, maxOutput: 500, id: "r-3", at: at))
            #expect(after.available == settled.charge.balance + .usd(10) - after.hold)
            #expect(try ledger.account(named: "acme")?.balance == settled.charge.balance + .usd(10))
            #expect(try ledger.verify().ok)
        }
    }

    @Test("a reservation on the kept batch writes off a lot that expired, as a charge does")
    func reservationWritesOffOnTheBatch() throws {
        try withLedger { fixture in
            let ledger = fixture.ledger
            try Self.prepare(ledger)
            _ = try ledger.grant(GrantRequest(account: "beta", amount: .usd(0, 50), at: Self.start, expiresAt: utc(2026, 5, 1, 0, 3), id: "g-beta"))
            let first = try ledger.charge(Self.request(0, account: "beta", input: 10))
            let charged = try ledger.charge(Self.request(1, account: "beta", input: 10))
            #expect(try fixture.raw.int(Self.tailSQL) == 1)
            // The grant expired at 00:03; what is left of it (grants are spent first) is written off before the hold.
            let left = Money.usd(0, 50) - first.cost - charged.cost
            let hold = try ledger.reserve(
                ReservationRequest(account: "beta", model: "gpt-4o-mini", input: 1_000, maxOutput: 500, id: "r-beta", at: utc(2026, 5, 1, 0, 5)))
            #expect(hold.available == charged.balance - left - hold.hold)
            #expect(try fixture.raw.int("SELECT count(*) FROM transfer WHERE kind = 'expiry'") == 1)
            #expect(try ledger.account(named: "beta")?.balance == charged.balance - left)
            #expect(try ledger.verify().ok)
        }
    }

    /// Charges through two ledgers on one file (two connections, each keeping its batch), with
    /// purchases, reads and reopenings between them, against the same operations done as
    /// batches of one by a single ledger (which never leaves a tail): the same receipts, and
    /// once folded, the same file.
    @Test("seeded runs: two connections charging in turn equal batches of one", arguments: [11, 12, 13] as [UInt64])
    func twoConnections(seed: UInt64) throws {
        try withLedger { fixture in
            try withLedger { reference in
                try Self.prepare(fixture.ledger)
                try Self.prepare(reference.ledger)
                var ledgers = [fixture.ledger, try Ledger.open(at: fixture.path)]
                var random = SplitMix64(seed: seed)
                var tails = 0
                for number in 0..<600 {
                    let pick = Int.random(in: 0..<2, using: &random)
                    switch Int.random(in: 0..<100, using: &random) {
                    case 0..<80:
                        let account = Bool.random(using: &random) ? "acme" : "beta"
                        let retry = number > 0 && Int.random(in: 0..<10, using: &random) == 0
                        let request = Self.request(
                            retry ? Int.random(in: 0..<number, using: &random) : number, account: account,
                            input: Int64.random(in: 0...2_000_000, using: &random), requests: 20)
                        var receipt: ChargeReceipt?
                        var expectedReceipt: ChargeReceipt?
                        let got = outcome { receipt = try ledgers[pick].charge(request) }
                        let expected = outcome { expectedReceipt = try reference.ledger.charge(all: [request]).first }
                        #expect(got == expected)
                        #expect(receipt == expectedReceipt)
                    case 80..<88:
                        let request = PurchaseRequest(account: "acme", amount: .usd(5), at: Self.start, id: "p-\(number)")
                        #expect(try ledgers[pick].purchase(request).balance == reference.ledger.purchase(request).balance)
                    case 88..<96:
                        #expect(try ledgers[pick].account(named: "beta") == reference.ledger.account(named: "beta"))
                    default:
                        ledgers[pick] = try Ledger.open(at: fixture.path)
                    }
                    if try fixture.raw.int(Self.tailSQL) > 0 { tails += 1 }
                }
                #expect(tails > 50)
                #expect(try ledgers[0].verify().ok)
                #expect(try fixture.raw.dump() == reference.raw.dump())
            }
        }
    }
}
