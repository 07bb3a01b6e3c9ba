import Testing
import TokenLedger
import TokenLedgerCore

/// One charge attempt and its expected outcome (`ok` or a refusal code).
struct ChargeCase: Sendable, CustomTestStringConvertible {
    var request: ChargeRequest
    var expected: String
    var why: String
    var testDescription: String { "\(why): \(expected)" }
}

@Suite("Charges")
struct ChargeTests {
    static let at = utc(2025, 5, 2)

    /// acme bought $5 on 2025-05-01 and has recorded "r-1" (o3, 1,000 in, 500 out: $0.03 at April's prices).
    static func setUp(_ fixture: LedgerFixture) throws {
        try makeAccount(fixture.ledger, "acme", at: utc(2025, 5, 1), purchase: .usd(5))
        _ = try fixture.ledger.charge(ChargeRequest(account: "acme", model: "o3", input: 1_000, output: 500, requestID: "r-1", at: utc(2025, 5, 1, 12)))
    }

    static func request(
        account: String = "acme", model: String = "o3", tier: ServiceTier = .default, input: Int64 = 1_000, cached: Int64 = 0, cacheWrite: Int64 = 0,
        output: Int64 = 100, project: String? = nil, apiKey: String? = nil, user: String? = nil, id: String? = "r-2", at: Timestamp = at,
        enforce: Bool = false
    ) -> ChargeRequest {
        ChargeRequest(
            account: account, model: model, tier: tier, input: input, cached: cached, cacheWrite: cacheWrite, output: output, project: project,
            apiKey: apiKey, user: user, requestID: id, at: at, enforce: enforce)
    }

    static let long = String(repeating: "k", count: 257)

    static let cases: [ChargeCase] = [
        // Each refusal wins over every later one: the attempts also break the later rules.
        ChargeCase(request: request(account: "nobody", model: "gpt-9", input: -1, project: "", id: "r-1"), expected: "invalid_usage", why: "negative input"),
        ChargeCase(
            request: request(account: "nobody", input: 1_000, cached: 600, cacheWrite: 401, project: ""), expected: "invalid_usage",
            why: "cached and cache write above the input"),
        ChargeCase(request: request(output: TokenUsage.maximumTokens + 1), expected: "invalid_usage", why: "more than 100 billion output tokens"),
        ChargeCase(request: request(account: "nobody", model: "gpt-9", project: "", id: "r-1"), expected: "invalid_attribution", why: "an empty project"),
        ChargeCase(request: request(apiKey: long), expected: "invalid_attribution", why: "a 257-character API key"),
        ChargeCase(request: request(user: ""), expected: "invalid_attribution", why: "an empty user"),
        ChargeCase(request: request(id: ""), expected: "invalid_attribution", why: "an empty request id"),
        ChargeCase(request: request(id: long), expected: "invalid_attribution", why: "a 257-character request id"),
        ChargeCase(request: request(model: ""), expected: "invalid_attribution", why: "an empty model"),
        ChargeCase(request: request(account: "nobody", model: "gpt-9", input: 999, id: "r-1"), expected: "id_conflict", why: "a recorded id with other usage"),
        ChargeCase(request: request(account: "nobody", model: "gpt-9"), expected: "unknown_account", why: "no such account"),
        ChargeCase(request: request(account: "@usage"), expected: "unknown_account", why: "a system account"),
        ChargeCase(request: request(model: "gpt-9", tier: .priority, input: 9_000_000), expected: "unknown_model", why: "a model without prices"),
        ChargeCase(
            request: request(tier: .priority, input: 9_000_000, at: utc(2025, 4, 15, 23, 59, 59)), expected: "no_price_at_time", why: "o3 before its launch"),
        ChargeCase(
            request: request(model: "gpt-4", tier: .priority, input: 8_193, enforce: true), expected: "context_window_exceeded",
            why: "gpt-4 with 8,193 input tokens"),
        ChargeCase(
            request: request(model: "gpt-4", input: 10, output: 4_097, enforce: true), expected: "context_window_exceeded",
            why: "gpt-4 with 4,097 output tokens, enforced"),
        ChargeCase(
            request: request(model: "gpt-4", tier: .priority, input: 8_192, output: 4_096, enforce: true), expected: "no_price_for_tier",
            why: "gpt-4 has no priority prices"),
        ChargeCase(request: request(tier: .priority), expected: "no_price_for_tier", why: "o3 had no priority prices in May 2025"),
        ChargeCase(request: request(input: 200_000, output: 100_000, enforce: true), expected: "insufficient_balance", why: "an enforced $6 charge on $4.97"),
        ChargeCase(request: request(model: "gpt-4", input: 8_192, output: 4_096, enforce: true), expected: "ok", why: "the largest gpt-4 request"),
        ChargeCase(request: request(input: 200_000, output: 100_000), expected: "ok", why: "the same $6 charge, not enforced"),
        ChargeCase(request: request(id: String(repeating: "k", count: 256)), expected: "ok", why: "a 256-character request id"),
        ChargeCase(
            request: request(model: "gpt-4", input: 10, output: 4_097), expected: "ok", why: "gpt-4 with 4,097 output tokens, not enforced: recorded, flagged"),
    ]

    @Test("each charge is refused in check order and writes nothing, or is recorded", arguments: cases)
    func refusalsInOrder(_ attempt: ChargeCase) throws {
        try withLedger { fixture in
            try Self.setUp(fixture)
            let before = try fixture.raw.dump()
            let usagesBefore = try fixture.raw.int("SELECT count(*) FROM usage")
            #expect(outcome { _ = try fixture.ledger.charge(attempt.request) } == attempt.expected)
            if attempt.expected == "ok" {
                #expect(try fixture.raw.int("SELECT count(*) FROM usage") == usagesBefore + 1)
                #expect(try fixture.ledger.verify().ok)
            } else {
                #expect(try fixture.raw.dump() == before, "a refused charge changed the database")
            }
        }
    }

    @Test("usage beyond the context window is recorded at its price and flagged over_context_window; enforced, it is refused")
    func beyondTheWindow() throws {
        try withLedger { fixture in
            try Self.setUp(fixture)
            // gpt-4: 8,192 input tokens at most; 10,000 at $30 and 100 at $60 per million = $0.306.
            let receipt = try fixture.ledger.charge(Self.request(model: "gpt-4", input: 10_000, output: 100, id: "long"))
            #expect(receipt.cost == Money(nanos: 306_000_000))
            #expect(receipt.alerts.map(\.code) == ["over_context_window"])
            #expect(try fixture.ledger.verify().ok)
            let retried = try fixture.ledger.charge(Self.request(model: "gpt-4", input: 10_000, output: 100, id: "long"))
            #expect(retried.duplicate && retried.cost == receipt.cost)
            #expect(
                outcome { _ = try fixture.ledger.charge(Self.request(model: "gpt-4", input: 10_000, output: 100, id: "long-2", enforce: true)) }
                    == "context_window_exceeded")
        }
    }

    @Test("the refusals carry their figures")
    func refusalValues() throws {
        try withLedger { fixture in
            try Self.setUp(fixture)
            #expect(throws: ChargeRefusal.noPriceAtTime(model: "o3", time: utc(2025, 4, 1), earliest: utc(2025, 4, 16))) {
                try fixture.ledger.charge(Self.request(at: utc(2025, 4, 1)))
            }
            #expect(throws: ChargeRefusal.contextWindowExceeded(field: "input", tokens: 8_193, limit: 8_192)) {
                try fixture.ledger.charge(Self.request(model: "gpt-4", input: 8_193, enforce: true))
            }
            #expect(throws: ChargeRefusal.noPriceForTier(model: "gpt-4", tier: .priority)) {
                try fixture.ledger.charge(Self.request(model: "gpt-4", tier: .priority))
            }
            // $2 + $4 at April's o3 prices, against $5 − $0.03.
            #expect(throws: ChargeRefusal.insufficientBalance(cost: .usd(6), available: .usd(4, 97))) {
                try fixture.ledger.charge(Self.request(input: 200_000, output: 100_000, enforce: true))
            }
        }
    }

    @Test("a charge records its usage (its journal entry), the lot that paid it, its rollup and a receipt with the exact cost")
    func recorded() throws {
        try withLedger { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2025, 5, 1), purchase: .usd(5))
            let request = ChargeRequest(
                account: "acme", model: "o3", input: 12_345, cached: 2_345, output: 6_789, project: "web", apiKey: "key-1", user: "u-42",
                requestID: "req-1", at: Self.at)
            let receipt = try fixture.ledger.charge(request)
            // 10,000 uncached × $10/M + 2,345 cached × $2.50/M + 6,789 output × $40/M.
            let cost = Money(nanos: 100_000_000 + 5_862_500 + 271_560_000)
            #expect(
                receipt.fields
                    == ChargeFields(
                        id: "req-1", account: "acme", model: "o3", tier: .default, band: .standard,
                        usage: TokenUsage(input: 12_345, cached: 2_345, output: 6_789), cost: cost, balance: .usd(5) - cost, overdraft: .zero,
                        priceEffectiveFrom: utc(2025, 4, 16), at: Self.at, duplicate: false))
            #expect(try fixture.ledger.account(named: "acme")?.balance == .usd(5) - cost)
            #expect(
                try fixture.raw.int(
                    """
                    SELECT count(*) FROM usage u JOIN lot l ON l.id = u.lot_id
                    WHERE u.request_id = 'req-1' AND u.cost_nanos = ? AND u.project = 'web' AND u.api_key = 'key-1' AND u.end_user = 'u-42'
                      AND u.occurred_at_ms = ? AND u.account_id = 6 AND u.lot_nanos = ? AND l.account_id = 6 AND l.remaining_nanos = ?
                    """, [cost.nanos, Self.at.milliseconds, cost.nanos, (Money.usd(5) - cost).nanos]) == 1)
            #expect(
                try fixture.raw.int(
                    """
                    SELECT count(*) FROM journal WHERE reference = 'req-1' AND kind = 'usage' AND amount_nanos = ? AND debit_account_id = 6
                      AND credit_account_id = 3
                    """, [cost.nanos]) == 1)
            #expect(
                try fixture.raw.int(
                    """
                    SELECT count(*) FROM usage_daily WHERE account_id = 6 AND day_ms = ? AND model = 'o3' AND service_tier = 'default'
                      AND band = 'standard' AND project = 'web' AND api_key = 'key-1' AND end_user = 'u-42' AND charges = 1 AND requests = 1
                      AND input_tokens = 12345 AND cached_tokens = 2345 AND cache_write_tokens = 0 AND output_tokens = 6789 AND cost_nanos = ?
                    """, [Self.at.milliseconds - Self.at.milliseconds % 86_400_000, cost.nanos]) == 1)
            #expect(try fixture.raw.int("SELECT count(*) FROM transfer WHERE kind = 'usage'") == 0)
            #expect(try fixture.ledger.balance(of: "acme", at: Self.at).monthToDate == cost)
            #expect(try fixture.ledger.verify().ok)
        }
    }

    @Test("a charge without a request id gets a generated one")
    func generatedRequestID() throws {
        try withLedger { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2025, 5, 1), purchase: .usd(5))
            let first = try fixture.ledger.charge(ChargeRequest(account: "acme", model: "o3", input: 10, output: 10, at: Self.at))
            let second = try fixture.ledger.charge(ChargeRequest(account: "acme", model: "o3", input: 10, output: 10, at: Self.at))
            #expect(first.id != second.id)
            #expect(first.id.hasPrefix("req_"))
            #expect(!second.duplicate)
            #expect(try fixture.raw.int("SELECT count(*) FROM usage") == 2)
        }
    }

    @Test("a charge of no tokens costs nothing and records usage without a transfer")
    func zeroCost() throws {
        try withLedger { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2025, 5, 1), purchase: .usd(5))
            let transfers = try fixture.raw.int("SELECT count(*) FROM transfer")
            let receipt = try fixture.ledger.charge(ChargeRequest(account: "acme", model: "o3", input: 0, output: 0, requestID: "empty", at: Self.at))
            #expect(receipt.cost == .zero)
            #expect(receipt.balance == .usd(5))
            #expect(try fixture.raw.int("SELECT count(*) FROM transfer") == transfers)
            #expect(try fixture.raw.int("SELECT count(*) FROM usage WHERE request_id = 'empty' AND lot_id IS NULL AND cost_nanos = 0") == 1)
            #expect(try fixture.raw.int("SELECT count(*) FROM journal WHERE reference = 'empty'") == 0)
            #expect(try fixture.ledger.verify().ok)
        }
    }

    @Test("enforce refuses beyond the balance plus the overdraft allowance, to the nanodollar")
    func enforceWithOverdraftAllowance() throws {
        try withLedger { fixture in
            try addCentModel(fixture.ledger)
            try makeAccount(fixture.ledger, "owing", at: utc(2025, 5, 1), purchase: .usd(5), overdraft: .usd(2))
            let enforced = { (cents: Int64, id: String) in
                try fixture.ledger.charge(ChargeRequest(account: "owing", model: centModel, input: cents, output: 0, requestID: id, at: Self.at, enforce: true))
            }
            #expect(try enforced(600, "a").balance == -Money.usd(1))
            let before = try fixture.raw.dump()
            #expect(throws: ChargeRefusal.insufficientBalance(cost: .usd(1, 1), available: .usd(1))) { try enforced(101, "b") }
            #expect(try fixture.raw.dump() == before)
            let last = try enforced(100, "c")
            #expect(last.balance == -Money.usd(2))
            #expect(last.overdraft == .usd(1))
            #expect(try fixture.ledger.balance(of: "owing", at: Self.at).available == .zero)
            #expect(try fixture.ledger.verify().ok)
        }
    }

    @Test("an enforced charge refused after lots expired does not even write the expiry")
    func refusedChargeWritesNoExpiry() throws {
        try withLedger { fixture in
            try addCentModel(fixture.ledger)
            try makeAccount(fixture.ledger, "acme", at: utc(2025, 1, 1), purchase: .usd(5))
            let before = try fixture.raw.dump()
            let late = utc(2026, 2, 1)
            #expect(throws: ChargeRefusal.insufficientBalance(cost: .usd(0, 1), available: .zero)) {
                try fixture.ledger.charge(ChargeRequest(account: "acme", model: centModel, input: 1, output: 0, at: late, enforce: true))
            }
            #expect(try fixture.raw.dump() == before)
            #expect(try fixture.raw.int("SELECT count(*) FROM transfer WHERE kind = 'expiry'") == 0)
            // Without enforce the same charge writes the lot off first and goes into overdraft.
            let receipt = try fixture.ledger.charge(ChargeRequest(account: "acme", model: centModel, input: 1, output: 0, at: late))
            #expect(receipt.balance == -Money.usd(0, 1))
            #expect(receipt.overdraft == .usd(0, 1))
            #expect(try fixture.raw.int("SELECT amount_nanos FROM transfer WHERE kind = 'expiry'") == Money.usd(5).nanos)
            #expect(try fixture.ledger.verify().ok)
        }
    }
}

/// A change to a recorded charge's content, which makes a retry a conflict.
struct ChargeChange: Sendable, CustomTestStringConvertible {
    var what: String
    var change: @Sendable (inout ChargeRequest) -> Void
    var testDescription: String { what }
}

@Suite("Charges are idempotent on their request id")
struct ChargeIdempotencyTests {
    static let original = ChargeRequest(
        account: "acme", model: "o3", tier: .flex, input: 5_000, cached: 1_000, cacheWrite: 500, output: 2_000, project: "web", apiKey: "key-1",
        user: "u-1", requestID: "req-1", at: utc(2025, 7, 1))

    /// acme and beta each bought $20; acme recorded ``original``.
    static func setUp(_ fixture: LedgerFixture) throws -> ChargeReceipt {
        try makeAccount(fixture.ledger, "acme", at: utc(2025, 6, 1), purchase: .usd(20))
        try makeAccount(fixture.ledger, "beta", at: utc(2025, 6, 1), purchase: .usd(20))
        return try fixture.ledger.charge(original)
    }

    @Test("the same request again returns the original receipt, marked duplicate, and writes nothing")
    func sameContent() throws {
        try withLedger { fixture in
            let first = try Self.setUp(fixture)
            #expect(!first.duplicate)
            try addCentModel(fixture.ledger)
            // Later charges move the balance; the retry still reports the balance right after it.
            try chargeCents(fixture.ledger, "acme", 250, at: utc(2025, 7, 2))
            let counts = try fixture.raw.rowCounts()
            let before = try fixture.raw.dump()
            var expected = first
            expected.duplicate = true
            for retryAt in [utc(2025, 7, 1), utc(2025, 7, 3), utc(2027, 1, 1)] {
                var retry = Self.original
                retry.at = retryAt
                retry.enforce = true
                #expect(try fixture.ledger.charge(retry) == expected)
                #expect(try fixture.raw.rowCounts() == counts)
                #expect(try fixture.raw.dump() == before)
            }
        }
    }

    @Test("a retry of a charge that went into overdraft reports the same overdraft")
    func duplicateOfOverdraft() throws {
        try withLedger { fixture in
            try addCentModel(fixture.ledger)
            try makeAccount(fixture.ledger, "acme", at: utc(2025, 6, 1), purchase: .usd(5))
            let first = try chargeCents(fixture.ledger, "acme", 700, at: utc(2025, 6, 2), id: "big")
            #expect(first.overdraft == .usd(2))
            _ = try fixture.ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(10), at: utc(2025, 6, 3)))
            var expected = first
            expected.duplicate = true
            #expect(try chargeCents(fixture.ledger, "acme", 700, at: utc(2025, 6, 4), id: "big") == expected)
        }
    }

    static let changes: [ChargeChange] = [
        ChargeChange(what: "another account") { $0.account = "beta" },
        ChargeChange(what: "another model") { $0.model = "o4-mini" },
        ChargeChange(what: "another tier") { $0.tier = .default },
        ChargeChange(what: "one more input token") { $0.inputTokens += 1 },
        ChargeChange(what: "one more cached token") { $0.cachedTokens += 1 },
        ChargeChange(what: "one more cache-write token") { $0.cacheWriteTokens += 1 },
        ChargeChange(what: "one more output token") { $0.outputTokens += 1 },
        ChargeChange(what: "another project") { $0.project = "api" },
        ChargeChange(what: "no project") { $0.project = nil },
        ChargeChange(what: "another API key") { $0.apiKey = "key-2" },
        ChargeChange(what: "another user") { $0.user = nil },
    ]

    @Test("the same request id with other content is an id conflict and writes nothing", arguments: changes)
    func otherContent(_ change: ChargeChange) throws {
        try withLedger { fixture in
            _ = try Self.setUp(fixture)
            let before = try fixture.raw.dump()
            var retry = Self.original
            change.change(&retry)
            #expect(throws: ChargeRefusal.idConflict("req-1")) { try fixture.ledger.charge(retry) }
            #expect(try fixture.raw.dump() == before)
        }
    }

    // Found by this test: a usage without a transfer had no recorded balance, and its retry
    // reported the account's current balance instead.
    @Test("a retried charge that cost nothing reports the balance right after it")
    func duplicateOfZeroCostCharge() throws {
        try withLedger { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2025, 6, 1), purchase: .usd(5))
            let first = try fixture.ledger.charge(ChargeRequest(account: "acme", model: "o3", input: 0, output: 0, requestID: "empty", at: utc(2025, 7, 1)))
            #expect(first.balance == .usd(5))
            _ = try fixture.ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(10), at: utc(2025, 7, 2)))
            let retry = try fixture.ledger.charge(ChargeRequest(account: "acme", model: "o3", input: 0, output: 0, requestID: "empty", at: utc(2025, 7, 3)))
            var expected = first
            expected.duplicate = true
            #expect(retry == expected)
        }
    }
}
