import Testing
import TokenLedger
import TokenLedgerCore

/// The store decides nothing: every charge it records is what ``Charging/decide(_:usage:snapshot:)``
/// says on the account's figures, with the figures then changed by the decision's own effects
/// (``AccountFigures/apply(_:)``). A seeded run charges a ledger and folds the same requests
/// through the core in memory; receipts, refusals and the final balance and lots agree.
@Suite("The store applies the core's decisions")
struct DecisionStoreTests {
    /// What the test keeps of an account, as a store would: its figures and its month's figures.
    struct Books {
        var figures: AccountFigures
        var monthToDate: [Int64: Money] = [:]
        var recharged: [Int64: Money] = [:]
        var alerted: Set<String> = []
        var nextLotID: Int64 = 1_000_000
    }

    @Test("seeded charges, plain and enforced, across months, with a grant that expires, limits and auto-recharge", arguments: [1, 2, 3] as [UInt64])
    func seeded(seed: UInt64) throws {
        try withCentLedger { fixture in
            let ledger = fixture.ledger
            let start = utc(2026, 1, 1)
            try makeAccount(ledger, "acme", at: start, purchase: .usd(20))
            _ = try ledger.grant(GrantRequest(account: "acme", amount: .usd(5), at: start, expiresAt: utc(2026, 1, 1, 9), id: "promo"))
            try ledger.setAutoRecharge(account: "acme", threshold: .usd(5), restoreTo: .usd(15), monthlyCap: .usd(40), at: start)
            try ledger.setLimits(account: "acme", soft: .usd(20), hard: .usd(45))
            let opening = try ledger.balance(of: "acme", at: start)
            let policy = try AutoRechargePolicy(threshold: .usd(5), restoreTo: .usd(15), monthlyCap: .usd(40), maximumPurchase: Credits.defaultMaximumPurchase)
            var books = Books(
                figures: AccountFigures(
                    id: 0, name: "acme", balance: opening.balance, maximumPurchase: Credits.defaultMaximumPurchase, overdraftAllowance: .zero,
                    lots: opening.lots, limits: SpendLimits(soft: .usd(20), hard: .usd(45)), recharge: policy,
                    payments: PaymentHistory([(start.milliseconds, Money.usd(20).nanos)])))
            let entry = try #require(try ledger.prices(model: centModel, at: start).first?.entry)
            var generator = SplitMix64(seed: seed)
            var time = start
            var seen = (recharges: 0, refusals: 0, alerts: 0, writeOffs: 0)
            for number in 0..<400 {
                time = time.plus(minutes: Int64(generator.next() % 360))
                let request = ChargeRequest(
                    account: "acme", model: centModel, input: Int64(generator.next() % 150), output: 0, requestID: "c\(number)", at: time,
                    enforce: generator.next() % 3 == 0)
                let expected = Self.decide(request, on: &books, entry: entry)
                switch (expected, Result { try ledger.charge(request) }) {
                case (.success(let effects), .success(let receipt)):
                    seen.recharges += receipt.recharge == nil ? 0 : 1
                    seen.alerts += receipt.alerts.count
                    seen.writeOffs += effects.writeOffs.count
                    #expect(receipt.cost == effects.cost && receipt.balance == effects.balanceAfter && receipt.overdraft == effects.uncovered, "\(number)")
                    #expect(receipt.alerts.map(\.code) == Self.alerts(effects, &books) + effects.flags.map(\.code), "\(number)")
                    #expect(receipt.recharge?.amount == effects.rechargeDue, "\(number)")
                    if let recharge = receipt.recharge { #expect(recharge.balance == books.figures.balance, "\(number)") }
                case (.failure(let expected), .failure(let refusal as ChargeRefusal)):
                    #expect(refusal == expected, "\(number)")
                    seen.refusals += 1
                case (let expected, let actual):
                    Issue.record("request \(number): expected \(expected), got \(actual)")
                }
            }
            // The run reaches every kind of effect.
            #expect(seen.recharges > 0 && seen.refusals > 0 && seen.alerts > 0 && seen.writeOffs == 1, "\(seen)")
            let closing = try ledger.balance(of: "acme", at: time)
            #expect(closing.balance == books.figures.balance)
            books.figures.dropSpentLots()
            #expect(closing.lots.map(\.remaining) == books.figures.lots.filter { $0.expiresAt > time }.map(\.remaining))
            #expect(try ledger.verify().ok)
        }
    }

    /// Decides `request` on the books, as a store loads a snapshot, and applies the effects (and
    /// the recharge, which always succeeds here) to them.
    static func decide(_ request: ChargeRequest, on books: inout Books, entry: PriceEntry) -> Result<ChargeEffects, ChargeRefusal> {
        let month = MonthWindow(of: request.at)
        let snapshot = ChargeSnapshot(
            account: books.figures, price: .inForce(id: 1, entry: entry), month: month, monthToDate: books.monthToDate[month.startMilliseconds] ?? .zero,
            rechargedThisMonth: books.recharged[month.startMilliseconds] ?? .zero)
        let effects: ChargeEffects
        do throws(ChargeRefusal) {
            effects = try Charging.decide(request, usage: try request.validatedUsage(), snapshot: snapshot)
        } catch {
            return .failure(error)
        }
        books.figures.apply(effects)
        books.monthToDate[month.startMilliseconds] = effects.monthToDateAfter
        if let amount = effects.rechargeDue,
            let credit = Credits.credit(amount, kind: .recharge, to: books.figures.balance, at: request.at, expiresAt: Credits.purchaseExpiry(from: request.at))
        {
            books.figures.apply(credit, lotID: books.nextLotID)
            books.nextLotID += 1
            books.recharged[month.startMilliseconds, default: .zero] = (books.recharged[month.startMilliseconds] ?? .zero) + amount
        }
        return .success(effects)
    }

    /// The alerts a store records for `effects`: each limit once a month.
    static func alerts(_ effects: ChargeEffects, _ books: inout Books) -> [String] {
        effects.limitsReached.filter { books.alerted.insert("\($0.alert.code)@\($0.month.startMilliseconds)").inserted }.map(\.alert.code)
    }
}
