import Foundation
import Testing
import TokenLedger
import TokenLedgerCore

/// `Ledger.statement`: opening + credits − usage − expired = closing exactly, on seeded random
/// operations across month boundaries, and the closing is the balance at the month's end.
@Suite("Statements")
struct StatementTests {
    /// What the run saw at one month's end: the balance and the live lots.
    struct MonthEnd {
        var balance: Money
        var lots: Set<LotValues>
    }

    struct LotValues: Hashable {
        var kind: LotKind
        var original: Money
        var remaining: Money
        var expiresAt: Timestamp
    }

    /// Purchases, grants with short expiries and charges (some into overdraft) over about four
    /// months; the balance is taken at each month end as the run crosses it.
    static func run(_ ledger: Ledger, seed: UInt64) throws -> (months: [Timestamp: MonthEnd], end: Timestamp) {
        var random = SplitMix64(seed: seed)
        try addCentModel(ledger)
        try makeAccount(ledger, "acme", at: utc(2025, 12, 1), maximumPurchase: .usd(1_000))
        var time = utc(2025, 12, 10)
        var monthStart = time.startOfMonth
        var months: [Timestamp: MonthEnd] = [:]
        func closeMonthsBefore(_ time: Timestamp) throws {
            while time >= monthStart.startOfNextMonth {
                let last = Timestamp(milliseconds: monthStart.startOfNextMonth.milliseconds - 1)
                let report = try ledger.balance(of: "acme", at: last)
                let lots = report.lots.map { LotValues(kind: $0.kind, original: $0.original, remaining: $0.remaining, expiresAt: $0.expiresAt) }
                months[monthStart] = MonthEnd(balance: report.balance, lots: Set(lots))
                monthStart = monthStart.startOfNextMonth
            }
        }
        for step in 0..<160 {
            time = time.plus(hours: Int64.random(in: 1...30, using: &random), minutes: Int64.random(in: 0...59, using: &random))
            try closeMonthsBefore(time)
            switch Int.random(in: 0..<10, using: &random) {
            case 0:
                _ = try ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(Int64.random(in: 5...60, using: &random)), at: time, id: "p-\(step)"))
            case 1:
                let expiry = time.plus(days: Int64.random(in: 1...40, using: &random))
                _ = try ledger.grant(
                    GrantRequest(account: "acme", amount: .usd(Int64.random(in: 1...20, using: &random)), at: time, expiresAt: expiry, id: "g-\(step)"))
            default:
                try chargeCents(ledger, "acme", Int64.random(in: 1...900, using: &random), at: time, id: "c-\(step)")
            }
        }
        let end = time.startOfNextMonth
        try closeMonthsBefore(end)
        return (months, end)
    }

    @Test("the identity holds exactly and the closing is the balance at the month's end", arguments: [UInt64(11), 12, 13, 14])
    func identity(seed: UInt64) throws {
        try withLedger { fixture in
            let (months, end) = try Self.run(fixture.ledger, seed: seed)
            var previousClosing = Money.zero
            for month in months.keys.sorted() {
                let statement = try fixture.ledger.statement(of: "acme", month: month, now: end)
                #expect(statement.balances, "\(month)")
                #expect(statement.opening == previousClosing, "\(month): opening is the previous closing")
                #expect(statement.closing == months[month]!.balance, "\(month): closing is the balance at the month's end")
                let live = statement.lots.filter { $0.remaining.nanos > 0 }
                    .map { LotValues(kind: $0.kind, original: $0.original, remaining: $0.remaining, expiresAt: $0.expiresAt) }
                #expect(Set(live) == months[month]!.lots, "\(month): lots at the month's end")
                try checkAgainstJournal(statement, fixture.ledger)
                previousClosing = statement.closing
            }
            #expect(months.count >= 3)
            let balance = try fixture.ledger.account(named: "acme")!.balance
            #expect(previousClosing == balance)
        }
    }

    /// The statement's lines equal the month's journal entries added up by kind.
    func checkAgainstJournal(_ statement: AccountStatement, _ ledger: Ledger) throws {
        let lines = try ledger.journal(account: statement.account, from: statement.month, to: statement.month.startOfNextMonth)
        func total(_ kind: TransferKind) -> Money { lines.filter { $0.kind == kind }.reduce(.zero) { $0 + $1.amount } }
        #expect(statement.purchases == total(.purchase))
        #expect(statement.grants == total(.grant))
        #expect(statement.recharges == total(.recharge))
        #expect(statement.usage == -total(.usage))
        #expect(statement.expired == -total(.expiry))
        #expect(statement.entries.count == lines.filter { $0.kind != .usage }.count)
        for (entry, previous) in zip(statement.entries.dropFirst(), statement.entries) {
            #expect(entry.at >= previous.at)
            #expect(entry.balanceAfter == entry.balanceBefore + entry.amount)
        }
        if let last = statement.dailyClosing.last, statement.month.startOfNextMonth == last.day.end {
            #expect(last.balance == statement.closing)
        }
    }

    /// acme: $10 bought and $5 granted (expiring on the 10th) on 2 January 2026, $3 charged on the 5th.
    static func purchaseGrantAndCharge(_ ledger: Ledger) throws {
        try addCentModel(ledger)
        try makeAccount(ledger, "acme", at: utc(2026, 1, 1))
        _ = try ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(10), at: utc(2026, 1, 2), id: "pay-1"))
        _ = try ledger.grant(GrantRequest(account: "acme", amount: .usd(5), at: utc(2026, 1, 2), expiresAt: utc(2026, 1, 10), id: "promo"))
        try chargeCents(ledger, "acme", 300, at: utc(2026, 1, 5))
    }

    @Test("a purchase, a grant that expires in the month and overdraft, by hand")
    func worked() throws {
        try withLedger { fixture in
            let ledger = fixture.ledger
            try Self.purchaseGrantAndCharge(ledger)
            try chargeCents(ledger, "acme", 1_500, at: utc(2026, 1, 20))
            _ = try ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(20), at: utc(2026, 2, 3), id: "pay-2"))
            let january = try ledger.statement(of: "acme", month: utc(2026, 1, 15), now: utc(2026, 2, 10))
            #expect(january.opening == .zero)
            #expect(january.purchases == .usd(10) && january.grants == .usd(5) && january.usage == .usd(18))
            #expect(january.expired == .usd(2))
            #expect(january.closing == -.usd(5))
            #expect(january.balances)
            #expect(january.entries.map(\.kind) == [.purchase, .grant, .expiry])
            #expect(january.entries[2].balanceBefore == .usd(12) && january.entries[2].balanceAfter == .usd(10))
            #expect(january.lots.map(\.remaining) == [.zero, .zero])
            #expect(january.dailyClosing.count == 31 && january.dailyClosing[4].balance == .usd(12))
            let february = try ledger.statement(of: "acme", month: utc(2026, 2, 1), now: utc(2026, 2, 10))
            #expect(february.opening == -.usd(5) && february.closing == .usd(15) && february.balances)
            #expect(february.dailyClosing.count == 10)
            #expect(february.lots.map(\.remaining) == [.usd(15)])
        }
    }

    @Test("an unknown account is refused")
    func unknown() throws {
        try withLedger { fixture in
            #expect(outcome { _ = try fixture.ledger.statement(of: "nobody", month: utc(2026, 1, 1), now: utc(2026, 2, 1)) } == "unknown_account")
        }
    }
}
