import Testing
import TokenLedger
import TokenLedgerCore

// The operations of a ``RandomRun``: how each is drawn, what the model predicts, and how the
// prediction is checked and applied.

extension RandomRun {
    // MARK: Purchases

    func drawPurchase() -> PurchaseRequest {
        let account = drawAccount()
        let maximum = books.accounts[account]?.maximumPurchase ?? Credits.defaultMaximumPurchase.nanos
        let cent = Money.nanosPerCent
        let amount: Int64
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<3: amount = -number(0...(10 * cent))
        case 3..<8: amount = number(1...499) * cent
        case 8..<13: amount = number(500...10_000) * cent + number(1...(cent - 1))
        case 13..<23: amount = maximum + number(1...10_000) * cent
        case 23..<28: amount = Credits.minimumPurchase.nanos
        case 28..<33: amount = maximum
        case 33..<45: amount = number(500...(maximum / cent)) * cent
        default: amount = number(500...min(3_000, maximum / cent)) * cent
        }
        return PurchaseRequest(account: account, amount: Money(nanos: amount), at: now, id: percent(10) ? nil : "p-\(stepNumber)")
    }

    func predict(_ request: PurchaseRequest) -> Expectation<CreditFields> {
        if request.amount.nanos <= 0 { return .refused("amount_not_positive") }
        if request.amount.nanos % Money.nanosPerCent != 0 { return .refused("not_whole_cents") }
        if request.amount < Credits.minimumPurchase { return .refused("below_minimum") }
        if let id = request.id, books.corrections[id] != nil { return .refused("id_conflict") }
        if let id = request.id, let recorded = books.credits[id] {
            let same = recorded.kind == .purchase && recorded.account == request.account && recorded.amount == request.amount
            return same ? .duplicate(recorded.receipt) : .refused("id_conflict")
        }
        guard let account = books.accounts[request.account] else { return .refused("unknown_account") }
        if request.amount.nanos > account.maximumPurchase { return .refused("above_maximum") }
        return .accepted
    }

    func purchase(_ request: PurchaseRequest) throws {
        let expected = predict(request)
        count("purchase", expected)
        let ledger = self.ledger
        let receipt = try execute(
            "purchase", "\(request.account) \(request.amount) id \(request.id ?? "-")", expected: code(expected), unchanged: isNoop(expected)
        ) {
            try ledger.purchase(request)
        }
        try settle(receipt, expected, kind: .purchase, account: request.account, amount: request.amount, expiresAt: request.at.addingYears(1))
    }

    // MARK: Grants

    func drawGrant() -> GrantRequest {
        let amount: Int64
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<6: amount = -number(0...1_000)
        case 6..<10: amount = Credits.ceiling.nanos + number(1...1_000)
        default: amount = number(1...(10 * Money.nanosPerDollar))
        }
        let expiresAt: Timestamp?
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<15: expiresAt = nil
        case 15..<25: expiresAt = Timestamp(milliseconds: now.milliseconds - number(0...86_400_000))
        default: expiresAt = Timestamp(milliseconds: now.milliseconds + number(1...(400 * 86_400_000)))
        }
        return GrantRequest(account: drawAccount(), amount: Money(nanos: amount), at: now, expiresAt: expiresAt, id: percent(10) ? nil : "g-\(stepNumber)")
    }

    func predict(_ request: GrantRequest) -> Expectation<CreditFields> {
        if request.amount.nanos <= 0 { return .refused("amount_not_positive") }
        if request.amount > Credits.ceiling { return .refused("above_maximum") }
        if (request.expiresAt ?? request.at.addingYears(1)) <= request.at { return .refused("expiry_not_after_grant") }
        if let id = request.id, books.corrections[id] != nil { return .refused("id_conflict") }
        if let id = request.id, let recorded = books.credits[id] {
            let same =
                recorded.kind == .grant && recorded.account == request.account && recorded.amount == request.amount
                && (request.expiresAt == nil || request.expiresAt == recorded.expiresAt)
            return same ? .duplicate(recorded.receipt) : .refused("id_conflict")
        }
        if books.accounts[request.account] == nil { return .refused("unknown_account") }
        return .accepted
    }

    func grant(_ request: GrantRequest) throws {
        let expected = predict(request)
        count("grant", expected)
        let ledger = self.ledger
        let receipt = try execute(
            "grant", "\(request.account) \(request.amount) id \(request.id ?? "-")", expected: code(expected), unchanged: isNoop(expected)
        ) {
            try ledger.grant(request)
        }
        try settle(receipt, expected, kind: .grant, account: request.account, amount: request.amount, expiresAt: request.expiresAt ?? request.at.addingYears(1))
    }

    /// Checks a purchase's or grant's receipt and applies it to the model.
    func settle(_ receipt: CreditReceipt?, _ expected: Expectation<CreditFields>, kind: LotKind, account: String, amount: Money, expiresAt: Timestamp) throws {
        switch expected {
        case .refused: return
        case .duplicate(var original):
            original.duplicate = true
            try #require(receipt?.fields == original, "step \(stepNumber): a retried \(kind) did not return its original receipt")
        case .accepted:
            let receipt = try #require(receipt)
            var state = try #require(books.accounts[account])
            for _ in state.expire(at: now, account: account) { tally["expiry:written_off", default: 0] += 1 }
            books.lotsCreated += 1
            let repaid = state.credit(amount.nanos, kind: kind, expiresAt: expiresAt, order: books.lotsCreated)
            if repaid > 0 { tally["credit:repaid", default: 0] += 1 }
            books.accounts[account] = state
            let fields = CreditFields(
                id: receipt.id, kind: kind, account: account, amount: amount, balance: Money(nanos: state.balance), repaid: Money(nanos: repaid),
                at: now, expiresAt: expiresAt, duplicate: false)
            try #require(receipt.fields == fields, "step \(stepNumber): \(kind) receipt")
            books.credits[receipt.id] = ExpectedBooks.RecordedCredit(kind: kind, account: account, amount: amount, expiresAt: expiresAt, receipt: fields)
            if kind == .purchase { books.purchaseLots[receipt.id] = (account, books.lotsCreated) }
            creditIDs.append(receipt.id)
        }
    }

    // MARK: Retries

    /// Replays a recorded purchase, grant or charge at the current time: mostly unchanged (a
    /// duplicate), sometimes with other content (a conflict). The model tells which.
    func retry() throws {
        let changed = percent(30)
        if percent(50), !chargeIDs.isEmpty {
            var request = try #require(books.charges[pick(chargeIDs)]).request
            request.at = now
            request.enforce = percent(50)
            if changed { request.outputTokens += 1 }
            try charge(request)
        } else if !creditIDs.isEmpty {
            let id = pick(creditIDs)
            let recorded = try #require(books.credits[id])
            switch recorded.kind {
            case .purchase:
                let amount = changed ? recorded.amount + .usd(1) : recorded.amount
                try purchase(PurchaseRequest(account: recorded.account, amount: amount, at: now, id: id))
            case .grant:
                let amount = changed ? recorded.amount + Money(nanos: 1) : recorded.amount
                try grant(GrantRequest(account: recorded.account, amount: amount, at: now, expiresAt: percent(50) ? nil : recorded.expiresAt, id: id))
            }
        }
    }
}
