import Testing
import TokenLedgerCore

/// A model whose output costs one cent a token (and input nothing), from 2025 on, with a
/// 10,000-token output window.
private let centEntry = PriceEntry(
    model: "cent", effectiveFrom: utc(2025, 1, 1), rates: [RateKey(.default): TokenRates(input: 0, output: 10_000 * dollar)], maxOutputTokens: 10_000)
private let now = utc(2026, 3, 10, 12)
private let march = MonthWindow(of: now)

private func cents(_ count: Int64) -> Money { Money(nanos: count * Money.nanosPerCent) }

private func lot(_ id: Int64, _ kind: LotKind, cents amount: Int64, expires: Timestamp) -> Lot {
    Lot(id: id, kind: kind, original: cents(amount), remaining: cents(amount), createdAt: utc(2026, 1, 1), expiresAt: expires)
}

/// acme with a $10 purchase (lot 1) and a $2 grant (lot 2), both live, $5 paid on 1 January
/// (usage tier 1, $100 a month).
private func account(balance: Money = cents(1_200), lots: [Lot]? = nil) -> AccountFigures {
    AccountFigures(
        id: 7, name: "acme", balance: balance, maximumPurchase: Money(dollars: 100), overdraftAllowance: .zero,
        lots: lots ?? [lot(1, .purchase, cents: 1_000, expires: utc(2027, 1, 1)), lot(2, .grant, cents: 200, expires: utc(2026, 6, 1))],
        payments: PaymentHistory([(utc(2026, 1, 1).milliseconds, Money(dollars: 5).nanos)]))
}

private func snapshot(_ account: AccountFigures? = account()) -> ChargeSnapshot {
    ChargeSnapshot(account: account, price: .inForce(id: 3, entry: centEntry), month: march)
}

private func request(_ output: Int64, enforce: Bool = false, project: String? = nil) -> ChargeRequest {
    ChargeRequest(account: "acme", model: "cent", input: 0, output: output, project: project, requestID: "r", at: now, enforce: enforce)
}

private func decide(_ request: ChargeRequest, _ snapshot: ChargeSnapshot) -> Result<ChargeEffects, ChargeRefusal> {
    do throws(ChargeRefusal) {
        return .success(try Charging.decide(request, usage: try request.validatedUsage(), snapshot: snapshot))
    } catch {
        return .failure(error)
    }
}

private func decideHold(_ output: Int64, _ snapshot: ChargeSnapshot) -> Result<Money, ReservationRefusal> {
    do throws(ReservationRefusal) {
        return .success(try Charging.decideHold(request(output), usage: TokenUsage(input: 0, output: output), snapshot: snapshot))
    } catch {
        return .failure(error)
    }
}

extension Result {
    /// The error, or nil for a success.
    var refusal: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

@Suite("The charge decision")
struct ChargingTests {
    /// Each step makes one more check fail, in check order: with steps 0…k applied, the
    /// decision refuses with step k's code (the earlier checks win).
    static let steps: [(code: String, change: @Sendable (inout ChargeRequest, inout ChargeSnapshot) -> Void)] = [
        ("ledger_total_limit", { _, snapshot in snapshot.totals = LedgerTotals(usage: LedgerTotals.limit - cents(1)) }),
        ("balance_overflow", { _, snapshot in snapshot.account?.balance = Money(nanos: .min + 1) }),
        (
            "insufficient_balance",
            { request, snapshot in
                request.enforce = true
                snapshot.account?.balance = cents(5)
            }
        ),
        (
            "hard_limit",
            { _, snapshot in
                snapshot.account?.limits = SpendLimits(hard: cents(100))
                snapshot.monthToDate = cents(100)
            }
        ),
        ("tier_too_low", { _, snapshot in snapshot.requiredTierRank = 3 }),
        ("no_price_for_tier", { request, _ in request.tier = .priority }),
        ("context_window_exceeded", { request, _ in request.outputTokens = 10_001 }),
        ("no_price_at_time", { _, snapshot in snapshot.price = .notYetInForce(earliest: utc(2027, 1, 1)) }),
        ("unknown_model", { _, snapshot in snapshot.price = .unknownModel }),
        ("unknown_account", { _, snapshot in snapshot.account = nil }),
    ]

    @Test("Refusals come in check order", arguments: 0..<steps.count)
    func checkOrder(upTo last: Int) throws {
        var request = request(10)
        var snapshot = snapshot()
        for step in Self.steps[...last] { step.change(&request, &snapshot) }
        // The usage is valid; only the snapshot and the tier change, so decide on the usage as it is.
        let usage = TokenUsage(input: request.inputTokens, output: request.outputTokens)
        var refused: String?
        do throws(ChargeRefusal) {
            _ = try Charging.decide(request, usage: usage, snapshot: snapshot)
        } catch {
            refused = error.code
        }
        #expect(refused == Self.steps[last].code)
    }

    @Test("A plain charge spends the grant first, then the purchase; what they cannot cover is overdraft")
    func draws() throws {
        let effects = try decide(request(250), snapshot()).get()
        #expect(effects.cost == cents(250) && effects.band == .standard && effects.priceEntryID == 3)
        #expect(effects.firstDraw == Allocation(lotID: 2, amount: cents(200)))
        #expect(effects.furtherDraws == [Allocation(lotID: 1, amount: cents(50))])
        #expect(effects.balanceAfter == cents(950) && effects.uncovered == .zero)
        let over = try decide(request(1_000), snapshot(account(balance: cents(300), lots: [lot(1, .purchase, cents: 300, expires: utc(2027, 1, 1))]))).get()
        #expect(over.firstDraw == Allocation(lotID: 1, amount: cents(300)) && over.uncovered == cents(700) && over.balanceAfter == cents(-700))
    }

    @Test("Lots expired by the request's time are written off first, each with the balance after it")
    func writeOffs() throws {
        let lots = [lot(1, .purchase, cents: 1_000, expires: utc(2027, 1, 1)), lot(2, .grant, cents: 200, expires: utc(2026, 3, 1))]
        let effects = try decide(request(100), snapshot(account(lots: lots))).get()
        #expect(effects.writeOffs == [WriteOff(lotID: 2, lotKind: .grant, amount: cents(200), expiredAt: utc(2026, 3, 1), balanceAfter: cents(1_000))])
        #expect(effects.firstDraw == Allocation(lotID: 1, amount: cents(100)) && effects.balanceAfter == cents(900))
        #expect(!effects.isPlain)
        var figures = account(lots: lots)
        figures.apply(effects)
        #expect(figures.balance == cents(900) && figures.lots.map(\.remaining) == [.zero, cents(900)])
    }

    @Test("An enforced charge may spend the balance less open holds plus the overdraft allowance, and no more")
    func enforcedAvailable() throws {
        var snapshot = snapshot()
        snapshot.openHolds = cents(200)
        snapshot.account?.overdraftAllowance = cents(100)
        #expect(try decide(request(1_100, enforce: true), snapshot).get().balanceAfter == cents(100))
        #expect(decide(request(1_101, enforce: true), snapshot).refusal == .insufficientBalance(cost: cents(1_101), available: cents(1_100)))
        // A plain charge is recorded all the same: usage that happened is never dropped.
        #expect(try decide(request(1_301), snapshot).get().uncovered == cents(101))
    }

    @Test("Limits reached with the charge are alerts; limits already reached flag a plain charge, in order")
    func alertsAndFlags() throws {
        var snapshot = snapshot()
        snapshot.account?.limits = SpendLimits(soft: cents(50), hard: cents(100))
        snapshot.projectLimits = SpendLimits(soft: cents(10), hard: cents(20))
        snapshot.monthToDate = cents(40)
        snapshot.projectMonthToDate = cents(5)
        let first = try decide(request(10, project: "search"), snapshot).get()
        #expect(first.monthToDateAfter == cents(50) && first.projectMonthToDateAfter == cents(15))
        #expect(first.limitsReached.map(\.alert.code) == ["soft_limit", "soft_limit:project=search"])
        #expect(first.flags.isEmpty)
        snapshot.monthToDate = cents(100)
        snapshot.projectMonthToDate = cents(20)
        snapshot.requiredTierRank = 2
        let flagged = try decide(request(1, project: "search"), snapshot).get()
        #expect(flagged.flags.map(\.code) == ["tier_too_low", "over_hard_limit", "over_hard_limit:project=search"])
        #expect(flagged.limitsReached.map(\.alert.code) == ["soft_limit", "hard_limit", "soft_limit:project=search", "hard_limit:project=search"])
        #expect(decide(request(1, enforce: true, project: "search"), snapshot).refusal?.code == "tier_too_low")
        // The usage tier's monthly limit ($100 at tier 1) is a hard limit too.
        var tier = self.snapshotWithTierLimitReached()
        #expect(try decide(request(1), tier).get().flags == [.overTierLimit])
        tier.monthToDate = cents(9_999)
        #expect(try decide(request(1), tier).get().limitsReached.map(\.kind) == [.tierLimit])
    }

    private func snapshotWithTierLimitReached() -> ChargeSnapshot {
        var snapshot = snapshot()
        snapshot.monthToDate = Money(dollars: 100)
        return snapshot
    }

    @Test("The balance below the threshold calls for the recharge the policy gives, within the month's cap")
    func rechargeDue() throws {
        var snapshot = snapshot()
        snapshot.account?.recharge = try AutoRechargePolicy(
            threshold: cents(500), restoreTo: cents(2_000), monthlyCap: cents(3_000), maximumPurchase: Money(dollars: 100))
        #expect(try decide(request(700), snapshot).get().rechargeDue == nil)
        #expect(try decide(request(701), snapshot).get().rechargeDue == cents(1_501))
        snapshot.rechargedThisMonth = cents(2_000)
        #expect(try decide(request(701), snapshot).get().rechargeDue == cents(1_000))
        snapshot.rechargedThisMonth = cents(2_501)
        #expect(try decide(request(701), snapshot).get().rechargeDue == nil)
    }

    @Test("A hold counts open holds against hard limits and the available balance, after the charge's checks")
    func holds() throws {
        var snapshot = snapshot()
        snapshot.account?.limits = SpendLimits(hard: cents(1_000))
        snapshot.monthToDate = cents(600)
        snapshot.openHolds = cents(300)
        #expect(try decideHold(100, snapshot).get() == cents(100))
        #expect(decideHold(101, snapshot).refusal == .hardLimit(LimitReached(scope: .account, limit: cents(1_000), monthToDate: cents(900))))
        snapshot.account?.limits = SpendLimits()
        #expect(decideHold(901, snapshot).refusal == .insufficientBalance(hold: cents(901), available: cents(900)))
        snapshot.requiredTierRank = 3
        #expect(decideHold(1, snapshot).refusal?.code == "tier_too_low")
    }

    @Test("A project's hard limit counts that project's spend and holds; the account's limits count every hold")
    func projectHolds() throws {
        let hold = { (project: String, snapshot: ChargeSnapshot) -> Result<Money, ReservationRefusal> in
            do throws(ReservationRefusal) {
                return .success(try Charging.decideHold(request(200, project: project), usage: TokenUsage(input: 0, output: 200), snapshot: snapshot))
            } catch {
                return .failure(error)
            }
        }
        var snapshot = snapshot()
        snapshot.projectLimits = SpendLimits(hard: cents(300))
        // $5 held for another project: not the project's, so its $3 limit leaves room for $2.
        snapshot.openHolds = cents(500)
        #expect(try hold("search", snapshot).get() == cents(200))
        snapshot.projectOpenHolds = cents(101)
        #expect(hold("search", snapshot).refusal == .hardLimit(LimitReached(scope: .project("search"), limit: cents(300), monthToDate: cents(101))))
        snapshot.projectOpenHolds = .zero
        snapshot.account?.limits = SpendLimits(hard: cents(600))
        #expect(hold("search", snapshot).refusal == .hardLimit(LimitReached(scope: .account, limit: cents(600), monthToDate: cents(500))))
    }

    @Test("A credit repays overdraft first; the rest is the lot; a grant is a grant lot")
    func credits() throws {
        let credit = try #require(Credits.credit(cents(2_000), kind: .recharge, to: cents(-300), at: now, expiresAt: utc(2027, 3, 10)))
        #expect(credit.repaid == cents(300) && credit.lotRemaining == cents(1_700) && credit.balanceAfter == cents(1_700) && credit.lotKind == .purchase)
        #expect(Credits.credit(cents(500), kind: .grant, to: .zero, at: now, expiresAt: utc(2027, 1, 1))?.lotKind == .grant)
        #expect(Credits.credit(cents(500), kind: .grant, to: Money(nanos: .max - 1), at: now, expiresAt: utc(2027, 1, 1)) == nil)
        var figures = account(balance: cents(-300), lots: [])
        figures.apply(credit, lotID: 9)
        #expect(figures.balance == cents(1_700) && figures.lots.map(\.id) == [9] && figures.payments.paidNanos == Money(dollars: 25).nanos)
    }

    @Test("The month counter adds in its month, starts over in a later one, ignores an earlier one")
    func monthCounter() {
        let counter = MonthCounter(startMilliseconds: march.startMilliseconds, usageNanos: 5)
        #expect(counter.adding(2, monthStart: march.startMilliseconds).usageNanos == 7)
        let april = utc(2026, 4, 1).milliseconds
        #expect(counter.adding(2, monthStart: april) == MonthCounter(startMilliseconds: april, usageNanos: 2))
        #expect(counter.adding(2, monthStart: utc(2026, 2, 1).milliseconds) == counter)
    }

    @Test("The entry in force is the latest not after the time")
    func priceHistory() {
        let history = PriceHistory(effectiveFromMilliseconds: [10, 20, 30])
        #expect([9, 10, 19, 20, 35].map { history.indexInForce(at: Timestamp(milliseconds: $0)) } == [nil, 0, 0, 1, 2])
        #expect(PriceHistory(effectiveFromMilliseconds: []).indexInForce(at: now) == nil)
    }

    @Test("The usage tier counts the payments made by the time")
    func paymentHistory() {
        var payments = PaymentHistory()
        payments.append(at: utc(2026, 1, 20), amount: Money(dollars: 100))
        payments.append(at: utc(2026, 1, 1), amount: Money(dollars: 5))
        #expect(payments.milliseconds == [utc(2026, 1, 1).milliseconds, utc(2026, 1, 20).milliseconds])
        #expect(payments.tierRank(at: utc(2026, 1, 10), table: UsageTier.defaultTable) == 1)
        #expect(payments.tierRank(at: utc(2026, 1, 30), table: UsageTier.defaultTable) == 3)
    }

    @Test("A purchase or grant writes off expired lots first, then credits; refusals need the account")
    func creditDecisions() throws {
        let lots = [lot(1, .purchase, cents: 1_000, expires: utc(2027, 1, 1)), lot(2, .grant, cents: 200, expires: utc(2026, 3, 1))]
        let purchase = PurchaseRequest(account: "acme", amount: Money(dollars: 20), at: now)
        let (writeOffs, credit) = try Credits.decidePurchase(purchase, account: account(lots: lots), totals: LedgerTotals())
        #expect(writeOffs.map(\.amount) == [cents(200)] && credit.balanceAfter == cents(3_000) && credit.expiresAt == utc(2027, 3, 10, 12))
        var refusal: PurchaseRefusal?
        do throws(PurchaseRefusal) { _ = try Credits.decidePurchase(purchase, account: nil, totals: LedgerTotals()) } catch { refusal = error }
        #expect(refusal == .unknownAccount("acme"))
        do throws(PurchaseRefusal) {
            _ = try Credits.decidePurchase(PurchaseRequest(account: "acme", amount: Money(dollars: 101), at: now), account: account(), totals: LedgerTotals())
        } catch { refusal = error }
        #expect(refusal == .aboveMaximum(amount: Money(dollars: 101), maximum: Money(dollars: 100)))
        do throws(PurchaseRefusal) { _ = try Credits.decidePurchase(purchase, account: account(balance: Money(nanos: .max - 1)), totals: LedgerTotals()) } catch
        { refusal = error }
        #expect(refusal == .balanceOverflow)
        let grant = try Credits.decideGrant(
            GrantRequest(account: "acme", amount: cents(500), at: now), account: account(balance: cents(-100), lots: []), totals: LedgerTotals())
        #expect(grant.credit.lotKind == .grant && grant.credit.repaid == cents(100) && grant.credit.expiresAt == utc(2027, 3, 10, 12))
    }

    @Test("No total of the ledger passes its limit: a charge, purchase or grant past it is refused, a recharge past it fails")
    func ledgerTotals() throws {
        let limit = LedgerTotals.limit
        // Up to the limit exactly is fine; a nanodollar past it is not.
        var nearLimit = snapshot()
        nearLimit.totals = LedgerTotals(usage: limit - cents(250))
        #expect(try decide(request(250), nearLimit).get().cost == cents(250))
        nearLimit.totals.usage += Money(nanos: 1)
        #expect(decide(request(250), nearLimit).refusal == .ledgerTotalLimit)
        let purchase = PurchaseRequest(account: "acme", amount: Money(dollars: 20), at: now)
        var refusal: PurchaseRefusal?
        do throws(PurchaseRefusal) {
            _ = try Credits.decidePurchase(purchase, account: account(), totals: LedgerTotals(payments: limit - Money(dollars: 20)))
            _ = try Credits.decidePurchase(purchase, account: account(), totals: LedgerTotals(payments: limit - Money(dollars: 19)))
        } catch { refusal = error }
        #expect(refusal == .ledgerTotalLimit)
        var grantRefusal: GrantRefusal?
        do throws(GrantRefusal) {
            _ = try Credits.decideGrant(GrantRequest(account: "acme", amount: cents(500), at: now), account: account(), totals: LedgerTotals(grants: limit))
        } catch { grantRefusal = error }
        #expect(grantRefusal == .ledgerTotalLimit)
        // A recharge the balance calls for, past the total payments: the charge stands, the recharge is marked.
        var recharging = snapshot(account(balance: cents(300), lots: [lot(1, .purchase, cents: 300, expires: utc(2027, 1, 1))]))
        recharging.account?.recharge = try AutoRechargePolicy(threshold: cents(500), restoreTo: cents(2_000), maximumPurchase: Money(dollars: 100))
        #expect(try decide(request(100), recharging).get().rechargePassesLimit == false)
        recharging.totals.payments = limit - cents(100)
        let effects = try decide(request(100), recharging).get()
        #expect(effects.rechargeDue == cents(1_800) && effects.rechargePassesLimit)
    }
}
