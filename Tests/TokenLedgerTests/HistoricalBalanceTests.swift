import Foundation
import Testing
import TokenLedger
import TokenLedgerCore

/// `Ledger.balance(of:at:)` for a past time: only the entries up to it, the lots as they stood
/// then, and the statement's closing balance at the same instant.
@Suite("Balances as of any time")
struct HistoricalBalanceTests {
    /// After a random run, the balance at many past instants is the journal's running balance
    /// then, its lots add up to it, and at each month's end it is the statement's closing balance.
    @Test("the balance at any past instant is the journal's then, and the statement's at a month's end", arguments: [UInt64(21), 22, 23])
    func asOfAnyTime(seed: UInt64) throws {
        try withLedger { fixture in
            let ledger = fixture.ledger
            let (months, end) = try StatementTests.run(ledger, seed: seed)
            let journal = try ledger.journal(account: "acme")
            let first = try #require(journal.first).at, last = try #require(journal.last).at
            var random = SplitMix64(seed: seed)
            var instants = journal.map(\.at) + journal.map { Timestamp(milliseconds: $0.at.milliseconds - 1) }
            instants += (0..<60).map { _ in Timestamp(milliseconds: Int64.random(in: first.milliseconds...last.milliseconds, using: &random)) }
            let monthEnds = Dictionary(uniqueKeysWithValues: months.keys.map { (Timestamp(milliseconds: $0.startOfNextMonth.milliseconds - 1), $0) })
            instants += monthEnds.keys
            for time in Set(instants).sorted() {
                let report = try ledger.balance(of: "acme", at: time)
                let expected = journal.last { $0.at <= time }?.runningBalance ?? .zero
                #expect(report.balance == expected, "\(time)")
                #expect(report.expiredNow.isEmpty, "the run wrote every expiry off as it went")
                #expect(report.lots.allSatisfy { $0.createdAt <= time && $0.expiresAt > time && $0.remaining.nanos > 0 }, "\(time)")
                // Overdraft is owed only when no lot holds credit: the lots hold the balance, or nothing.
                let credit = report.lots.reduce(Money.zero) { $0 + $1.remaining }
                #expect(credit == max(report.balance, .zero), "\(time)")
                if let month = monthEnds[time] {
                    #expect(try ledger.statement(of: "acme", month: month, now: end).closing == report.balance, "\(month)")
                }
            }
        }
    }

    @Test("a lot made later is absent, a lot's remaining is what it was, a later expiry or purchase changes nothing")
    func byHand() throws {
        try withLedger { fixture in
            let ledger = fixture.ledger
            try StatementTests.purchaseGrantAndCharge(ledger)  // $10 + $5 grant (to the 10th) on the 2nd, $3 charged on the 5th
            try chargeCents(ledger, "acme", 100, at: utc(2026, 1, 5, 12))
            _ = try ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(20), at: utc(2026, 2, 3), id: "pay-2"))
            _ = try ledger.balance(of: "acme", at: utc(2026, 2, 10))  // writes off the grant's last $1 on the 10th
            let fourth = try ledger.balance(of: "acme", at: utc(2026, 1, 4))
            #expect(fourth.balance == .usd(15) && fourth.available == .usd(15))
            #expect(fourth.lots.map(\.remaining) == [.usd(5), .usd(10)])
            let morning = try ledger.balance(of: "acme", at: utc(2026, 1, 5, 6))
            #expect(morning.balance == .usd(12) && morning.monthToDate == .usd(3), "the charge at noon is later that day")
            #expect(morning.lots.map(\.kind) == [.grant, .purchase] && morning.lots.map(\.remaining) == [.usd(2), .usd(10)])
            let evening = try ledger.balance(of: "acme", at: utc(2026, 1, 5, 18))
            #expect(evening.balance == .usd(11) && evening.monthToDate == .usd(4))
            let afterExpiry = try ledger.balance(of: "acme", at: utc(2026, 1, 10))
            #expect(afterExpiry.balance == .usd(10) && afterExpiry.lots.map(\.kind) == [.purchase])
            let endOfJanuary = try ledger.balance(of: "acme", at: utc(2026, 2, 1).plus(milliseconds: -1))
            #expect(endOfJanuary.balance == (try ledger.statement(of: "acme", month: utc(2026, 1, 1), now: utc(2026, 2, 10))).closing)
            #expect(endOfJanuary.lots.count == 1, "the purchase of 3 February is not there yet")
            let now = try ledger.balance(of: "acme", at: utc(2026, 2, 10))
            #expect(now.balance == .usd(30) && now.lots.map(\.remaining) == [.usd(10), .usd(20)])
            #expect(now.balance == (try ledger.account(named: "acme")!.balance))
        }
    }

    @Test("holds count where they were open at the time")
    func holds() throws {
        try withLedger { fixture in
            let ledger = fixture.ledger
            try addCentModel(ledger)
            try makeAccount(ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(10))
            _ = try ledger.reserve(
                ReservationRequest(account: "acme", model: centModel, input: 100, maxOutput: 100, id: "r", at: utc(2026, 1, 2), expiresInSeconds: 86_400))
            _ = try ledger.void(VoidRequest(reservation: "r", at: utc(2026, 1, 2, 18)))
            #expect(try ledger.balance(of: "acme", at: utc(2026, 1, 1, 12)).reserved == .zero)
            #expect(try ledger.balance(of: "acme", at: utc(2026, 1, 2, 12)).reserved == .usd(2))
            #expect(try ledger.balance(of: "acme", at: utc(2026, 1, 2, 12)).available == .usd(8))
            #expect(try ledger.balance(of: "acme", at: utc(2026, 1, 2, 20)).reserved == .zero)
        }
    }
}
