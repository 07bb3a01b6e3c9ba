import Testing
import TokenLedger
import TokenLedgerCore

// Charges, balances, expiry sweeps, prices and accounts of a ``RandomRun``.

extension RandomRun {
    // MARK: Charges

    func drawTokens() -> (input: Int64, cached: Int64, cacheWrite: Int64, output: Int64) {
        var input: Int64
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<1: input = 0
        case 1..<50: input = number(1...2_000)
        case 50..<85: input = number(1...8_000)
        case 85..<95: input = number(1...50_000)
        default: input = number(100_000...300_000)
        }
        let cached = percent(40) ? number(0...input) : 0
        let cacheWrite = percent(20) ? number(0...(input - cached)) : 0
        var output = percent(90) ? number(0...4_000) : number(0...120_000)
        if input == 0 { output = 0 }
        if percent(2) { input = percent(50) ? -1 : cached + cacheWrite - 1 }
        return (input, cached, cacheWrite, output)
    }

    func drawCharge() -> ChargeRequest {
        let tokens = drawTokens()
        let model = percent(3) ? "gpt-9" : pick(Self.chargedModels)
        let tier: ServiceTier = percent(55) ? .default : pick([.flex, .batch, .priority])
        var project: String? = percent(70) ? nil : pick(["web", "api", "batch-jobs"])
        if percent(1) { project = "" }
        return ChargeRequest(
            account: drawAccount(), model: model, tier: tier, input: tokens.input, cached: tokens.cached, cacheWrite: tokens.cacheWrite,
            output: tokens.output, project: project, apiKey: percent(80) ? nil : pick(["key-1", "key-2"]),
            user: percent(80) ? nil : pick(["u-1", "u-2", "u-3"]), requestID: percent(10) ? nil : "c-\(stepNumber)", at: now, enforce: percent(30))
    }

    /// The model's prediction, and on acceptance the entry and cost it expects.
    func predict(_ request: ChargeRequest) -> (Expectation<ChargeFields>, PriceEntry?, Cost?) {
        let counts = [request.inputTokens, request.cachedTokens, request.cacheWriteTokens, request.outputTokens]
        if counts.contains(where: { $0 < 0 || $0 > TokenUsage.maximumTokens }) || request.cachedTokens + request.cacheWriteTokens > request.inputTokens {
            return (.refused("invalid_usage"), nil, nil)
        }
        for value in [request.project, request.apiKey, request.user, request.requestID, request.model] {
            if let value, value.isEmpty || value.unicodeScalars.count > 256 { return (.refused("invalid_attribution"), nil, nil) }
        }
        if let id = request.requestID, let recorded = books.charges[id] {
            return (recorded.matches(request) ? .duplicate(recorded.receipt) : .refused("id_conflict"), nil, nil)
        }
        guard var account = books.accounts[request.account] else { return (.refused("unknown_account"), nil, nil) }
        let entry: PriceEntry
        switch books.entry(model: request.model, at: request.at) {
        case .failure(let refusal): return (.refused(refusal.code), nil, nil)
        case .success(let found): entry = found
        }
        let usage = TokenUsage(input: request.inputTokens, cached: request.cachedTokens, cacheWrite: request.cacheWriteTokens, output: request.outputTokens)
        // Beyond the model's window: an enforced charge is refused, a plain one recorded (and flagged).
        let beyondInput = entry.maxInputTokens.map { request.inputTokens > $0 } ?? false
        let beyondOutput = entry.maxOutputTokens.map { request.outputTokens > $0 } ?? false
        if request.enforce, beyondInput || beyondOutput { return (.refused("context_window_exceeded"), nil, nil) }
        let cost: Cost
        do throws(PricingRefusal) {
            cost = try entry.cost(of: usage, tier: request.tier)
        } catch {
            switch error {
            case .contextWindowExceeded: return (.refused("context_window_exceeded"), nil, nil)
            case .noPriceForTier: return (.refused("no_price_for_tier"), nil, nil)
            case .noPriceForClass: return (.refused("no_price_for_class"), nil, nil)
            }
        }
        _ = account.expire(at: request.at, account: request.account)
        if request.enforce, cost.total.nanos > account.balance + account.overdraftAllowance { return (.refused("insufficient_balance"), nil, nil) }
        return (.accepted, entry, cost)
    }

    func charge(_ request: ChargeRequest) throws {
        let (expected, entry, cost) = predict(request)
        count("charge", expected)
        let ledger = self.ledger
        let detail =
            "\(request.account) \(request.model) \(request.tier) \(request.inputTokens)/\(request.cachedTokens)/\(request.cacheWriteTokens)/\(request.outputTokens) id \(request.requestID ?? "-")"
        let receipt = try execute("charge", detail, expected: code(expected), unchanged: isNoop(expected)) { try ledger.charge(request) }
        switch expected {
        case .refused: return
        case .duplicate(var original):
            original.duplicate = true
            try #require(receipt?.fields == original, "step \(stepNumber): a retried charge did not return its original receipt")
        case .accepted:
            let receipt = try #require(receipt)
            let (entry, cost) = (try #require(entry), try #require(cost))
            var state = try #require(books.accounts[request.account])
            for _ in state.expire(at: now, account: request.account) { tally["expiry:written_off", default: 0] += 1 }
            let (uncovered, draws) = state.spend(cost.total.nanos)
            if uncovered > 0 { tally["charge:overdraft", default: 0] += 1 }
            books.accounts[request.account] = state
            let fields = ChargeFields(
                id: receipt.id, account: request.account, model: request.model, tier: request.tier, band: cost.band,
                usage: TokenUsage(input: request.inputTokens, cached: request.cachedTokens, cacheWrite: request.cacheWriteTokens, output: request.outputTokens),
                cost: cost.total, balance: Money(nanos: state.balance), overdraft: Money(nanos: uncovered), priceEffectiveFrom: entry.effectiveFrom, at: now,
                duplicate: false)
            try #require(receipt.fields == fields, "step \(stepNumber): charge receipt")
            var recorded = request
            recorded.requestID = receipt.id
            books.charges[receipt.id] = ExpectedBooks.RecordedCharge(request: recorded, receipt: fields, draws: draws)
            chargeIDs.append(receipt.id)
        }
    }

    // MARK: Balances and expiry

    static func sorted(_ records: [ExpiryFields]) -> [ExpiryFields] {
        records.sorted { ($0.account, $0.expiredAt, $0.amount, $0.lotKind.rawValue) < ($1.account, $1.expiredAt, $1.amount, $1.lotKind.rawValue) }
    }

    func checkBalance(_ name: String) throws {
        let ledger = self.ledger, now = self.now
        guard var state = books.accounts[name] else {
            tally["balance:unknown_account", default: 0] += 1
            _ = try execute("balance", name, expected: "unknown_account", unchanged: true) { try ledger.balance(of: name, at: now) }
            return
        }
        tally["balance:ok", default: 0] += 1
        let expired = state.expire(at: now, account: name)
        tally["expiry:written_off", default: 0] += expired.count
        let report = try #require(try execute("balance", name, expected: "ok", unchanged: expired.isEmpty) { try ledger.balance(of: name, at: now) })
        books.accounts[name] = state
        try #require(report.balance.nanos == state.balance, "step \(stepNumber): balance of \(name)")
        try #require(report.available.nanos == state.balance + state.overdraftAllowance)
        let lots = report.lots.map { LotView($0) }
        let expectedLots = state.liveLots.map { LotView($0.kind, Money(nanos: $0.original), Money(nanos: $0.remaining), $0.expiresAt) }
        try #require(lots == expectedLots, "step \(stepNumber): lots of \(name)")
        try #require(Self.sorted(report.expiredNow.map(\.fields)) == Self.sorted(expired), "step \(stepNumber): expiries of \(name)")
    }

    func sweep() throws {
        tally["sweep:ok", default: 0] += 1
        var expected: [ExpiryFields] = []
        for name in books.accounts.keys.sorted() {
            expected += books.accounts[name]!.expire(at: now, account: name)
        }
        tally["expiry:written_off", default: 0] += expected.count
        let ledger = self.ledger, now = self.now
        let records = try #require(try execute("sweep", "", expected: "ok", unchanged: expected.isEmpty) { try ledger.expireLots(at: now) })
        try #require(Self.sorted(records.map(\.fields)) == Self.sorted(expected), "step \(stepNumber): swept expiries")
    }

    // MARK: Prices and accounts

    func drawPriceEntry() -> PriceEntry {
        let model = pick(["house-a", "o3", "gpt-4o-mini"])  // house-b keeps its one, future, price
        let effectiveFrom = Timestamp(milliseconds: now.milliseconds + number(-10 * 86_400_000...60 * 86_400_000))
        let input = number(1...20_000_000_000)
        var rates = [RateKey(.default): TokenRates(input: input, cachedInput: percent(50) ? nil : number(0...input), output: number(1...60_000_000_000))]
        if percent(30) { rates[RateKey(.flex)] = TokenRates(input: number(1...input), output: number(1...30_000_000_000)) }
        return PriceEntry(model: model, effectiveFrom: effectiveFrom, rates: rates, maxInputTokens: percent(50) ? nil : number(1_000...300_000))
    }

    func setPrice(_ given: PriceEntry? = nil) throws {
        var entry = given ?? drawPriceEntry()
        if given == nil, !setPrices.isEmpty, percent(40) {
            entry = pick(setPrices)
            if percent(40) { entry.rates[RateKey(.default)]?.output = number(1...60_000_000_000) }
        }
        let existing = books.priceBook.first { $0.model == entry.model && $0.effectiveFrom == entry.effectiveFrom }
        let expected = existing == nil ? "ok" : existing == entry ? "unchanged" : "price_exists"
        tally["price:\(expected)", default: 0] += 1
        let ledger = self.ledger
        let added = try execute(
            "setPrice", "\(entry.model) from \(entry.effectiveFrom)", expected: expected == "unchanged" ? "ok" : expected, unchanged: expected != "ok"
        ) {
            try ledger.setPrice(entry)
        }
        if expected != "price_exists" { try #require(added == (expected == "ok")) }
        if expected == "ok" {
            books.priceBook.append(entry)
            setPrices.append(entry)
        }
    }

    func createAccount(_ name: String) throws {
        let maximum = pick([Money.usd(5), .usd(100), .usd(250, 50), .usd(5_000)])
        let overdraft = pick([Money.zero, .zero, .usd(1), .usd(50)])
        let expected = books.accounts[name] == nil ? "ok" : "account_exists"
        tally["account:\(expected)", default: 0] += 1
        let ledger = self.ledger, now = self.now
        _ = try execute("createAccount", name, expected: expected, unchanged: expected != "ok") {
            try ledger.createAccount(NewAccount(name: name, maximumPurchase: maximum, overdraftAllowance: overdraft, at: now))
        }
        if expected == "ok" { books.accounts[name] = ExpectedBooks.AccountState(maximumPurchase: maximum.nanos, overdraftAllowance: overdraft.nanos) }
    }
}
