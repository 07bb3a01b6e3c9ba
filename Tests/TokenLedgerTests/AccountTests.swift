import Testing
import TokenLedger
import TokenLedgerCore

/// One attempt to create an account and the refusal expected (nil: accepted).
struct AccountCase: Sendable, CustomTestStringConvertible {
    var name: String
    var maximumPurchase: Money = Credits.defaultMaximumPurchase
    var overdraft: Money = .zero
    var expected: String?
    var why: String
    var testDescription: String { why }
}

@Suite("Accounts")
struct AccountTests {
    @Test("a new account has the default limits, no balance, and is listed")
    func create() throws {
        try withLedger { fixture in
            let account = try fixture.ledger.createAccount(NewAccount(name: "acme", at: utc(2025, 1, 1)))
            #expect(account.name == "acme")
            #expect(account.maximumPurchase == .usd(100))
            #expect(account.overdraftAllowance == .zero)
            #expect(account.balance == .zero)
            #expect(account.createdAt == utc(2025, 1, 1))
            try makeAccount(fixture.ledger, "beta", at: utc(2025, 1, 2), maximumPurchase: .usd(250), overdraft: .usd(10))
            #expect(try fixture.ledger.accounts().map(\.name) == ["acme", "beta"])
            let beta = try #require(try fixture.ledger.account(named: "beta"))
            #expect(beta.maximumPurchase == .usd(250))
            #expect(beta.overdraftAllowance == .usd(10))
            #expect(try fixture.ledger.account(named: "gamma") == nil)
            // System accounts are not customer accounts.
            #expect(try fixture.ledger.account(named: "@usage") == nil)
        }
    }

    static let cases: [AccountCase] = [
        AccountCase(name: "", maximumPurchase: .usd(1), overdraft: Money(nanos: -1), expected: "invalid_name", why: "an empty name, before every other check"),
        AccountCase(
            name: "acme", maximumPurchase: .usd(1), overdraft: Money(nanos: -1), expected: "invalid_max_purchase",
            why: "a taken name is checked after the values"),
        AccountCase(name: "@payments", expected: "invalid_name", why: "'@' names are the ledger's own"),
        AccountCase(name: "bell\u{7}", expected: "invalid_name", why: "a control character"),
        AccountCase(name: String(repeating: "n", count: 257), expected: "invalid_name", why: "257 characters"),
        AccountCase(name: String(repeating: "\u{E9}", count: 256), expected: nil, why: "256 characters, not ASCII"),
        AccountCase(
            name: "low", maximumPurchase: Money(nanos: 4_990_000_000), overdraft: Money(nanos: -1), expected: "invalid_max_purchase",
            why: "a maximum purchase below $5"),
        AccountCase(
            name: "cents", maximumPurchase: Money(nanos: 10_005_000_000), expected: "invalid_max_purchase", why: "a maximum purchase not in whole cents"),
        AccountCase(name: "huge", maximumPurchase: Credits.ceiling + .usd(0, 1), expected: "invalid_max_purchase", why: "a maximum purchase above $1,000,000"),
        AccountCase(name: "smallest", maximumPurchase: .usd(5), expected: nil, why: "a maximum purchase of exactly $5"),
        AccountCase(
            name: "largest", maximumPurchase: Credits.ceiling, overdraft: Credits.ceiling, expected: nil, why: "the largest maximum purchase and overdraft"),
        AccountCase(name: "owing", overdraft: Money(nanos: -1), expected: "invalid_overdraft", why: "a negative overdraft allowance"),
        AccountCase(name: "owing", overdraft: Credits.ceiling + Money(nanos: 1), expected: "invalid_overdraft", why: "an overdraft allowance above $1,000,000"),
        AccountCase(name: "acme", expected: "account_exists", why: "a taken name"),
    ]

    @Test("refusals come in check order and write nothing", arguments: cases)
    func refusals(_ attempt: AccountCase) throws {
        try withLedger { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2025, 1, 1))
            let before = try fixture.raw.dump()
            let result = outcome {
                try fixture.ledger.createAccount(
                    NewAccount(name: attempt.name, maximumPurchase: attempt.maximumPurchase, overdraftAllowance: attempt.overdraft, at: utc(2025, 2, 1)))
            }
            #expect(result == (attempt.expected ?? "ok"))
            if attempt.expected != nil {
                #expect(try fixture.raw.dump() == before)
            } else {
                let created = try #require(try fixture.ledger.account(named: attempt.name))
                #expect(created.maximumPurchase == attempt.maximumPurchase)
                #expect(created.overdraftAllowance == attempt.overdraft)
                #expect(try fixture.ledger.verify().ok)
            }
        }
    }

    @Test("the refusal carries what was wrong")
    func refusalValues() throws {
        try withLedger { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2025, 1, 1))
            #expect(throws: AccountRefusal.accountExists("acme")) {
                try fixture.ledger.createAccount(NewAccount(name: "acme", at: utc(2025, 1, 2)))
            }
            #expect(throws: AccountRefusal.invalidMaximumPurchase(.usd(4, 99))) {
                try fixture.ledger.createAccount(NewAccount(name: "x", maximumPurchase: .usd(4, 99), at: utc(2025, 1, 2)))
            }
            #expect(throws: AccountRefusal.invalidOverdraft(Money(nanos: -5))) {
                try fixture.ledger.createAccount(NewAccount(name: "x", overdraftAllowance: Money(nanos: -5), at: utc(2025, 1, 2)))
            }
        }
    }
}
