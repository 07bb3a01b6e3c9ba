import Testing
import TokenLedgerCore

@Suite("Auto-recharge: the amount rule and its settings")
struct AutoRechargeTests {
    /// One case of the rule: the settings, the state after a charge, and what must be recharged.
    struct Case: Sendable, CustomTestStringConvertible {
        var why: String
        var balance: String
        var threshold = "10"
        var restoreTo = "50"
        var cap: String?
        var rechargedThisMonth = "0"
        var maximumPurchase = "100"
        var expected: String?
        var testDescription: String { why }
    }

    static let cases: [Case] = [
        Case(why: "below the threshold: restore-to minus balance", balance: "9.99", expected: "40.01"),
        Case(why: "a fraction of a cent is rounded up, never to nearest", balance: "8.123456789", expected: "41.88"),
        Case(why: "one nanodollar over a whole cent rounds up a cent", balance: "9.999999999", expected: "40.01"),
        Case(why: "at the threshold: no recharge", balance: "10", expected: nil),
        Case(why: "above the threshold: no recharge", balance: "30", expected: nil),
        Case(why: "at least $5.00", balance: "48", threshold: "49", expected: "5"),
        Case(why: "at most the purchase maximum", balance: "-200", expected: "100"),
        Case(why: "overdraft is restored too", balance: "-20", expected: "70"),
        Case(why: "a lower purchase maximum", balance: "-30", restoreTo: "20", maximumPurchase: "25", expected: "25"),
        Case(why: "no more than the monthly cap leaves", balance: "9", cap: "60", rechargedThisMonth: "50", expected: "10"),
        Case(why: "the cap leaves exactly $5.00", balance: "9", cap: "60", rechargedThisMonth: "55", expected: "5"),
        Case(why: "the cap leaves less than $5.00: none", balance: "9", cap: "60", rechargedThisMonth: "56", expected: nil),
        Case(why: "the cap is used up: none", balance: "9", cap: "60", rechargedThisMonth: "60", expected: nil),
        Case(why: "a cap not yet reached does not limit", balance: "9", cap: "500", rechargedThisMonth: "100", expected: "41"),
        Case(why: "a new month starts with nothing recharged", balance: "9", cap: "60", rechargedThisMonth: "0", expected: "41"),
    ]

    @Test("the recharge amount", arguments: cases)
    func amount(_ test: Case) throws {
        let maximum = try Money(parsing: test.maximumPurchase)
        let policy = try AutoRechargePolicy(
            threshold: Money(parsing: test.threshold), restoreTo: Money(parsing: test.restoreTo), monthlyCap: test.cap.map { try Money(parsing: $0) },
            maximumPurchase: maximum)
        let amount = policy.rechargeAmount(
            balance: try Money(parsing: test.balance), rechargedThisMonth: try Money(parsing: test.rechargedThisMonth), maximumPurchase: maximum)
        #expect(amount == test.expected.map { try! Money(parsing: $0) })
        if let amount { #expect(amount.isWholeCents) }
    }

    @Test("a balance so far below zero that restore-to minus it overflows recharges the maximum")
    func overflow() throws {
        let policy = try AutoRechargePolicy(threshold: Money(dollars: 10), restoreTo: Money(dollars: 50), maximumPurchase: Credits.defaultMaximumPurchase)
        let amount = policy.rechargeAmount(balance: Money(nanos: .min), rechargedThisMonth: .zero, maximumPurchase: Credits.defaultMaximumPurchase)
        #expect(amount == Credits.defaultMaximumPurchase)
    }

    @Test(
        "settings are refused in check order",
        arguments: [
            ("0", "50", nil, "100", "threshold_not_positive"),
            ("-1", "0", nil, "100", "threshold_not_positive"),
            ("50", "50", nil, "100", "restore_to_not_above_threshold"),
            ("60", "50", nil, "100", "restore_to_not_above_threshold"),
            ("10", "150", nil, "100", "restore_to_above_maximum"),
            ("10", "50", "0", "100", "invalid_monthly_cap"),
            ("10", "50", "12.345", "100", "invalid_monthly_cap"),
        ] as [(String, String, String?, String, String)])
    func refusals(threshold: String, restoreTo: String, cap: String?, maximum: String, code: String) throws {
        let refusal = AutoRechargeRefusal.check(
            threshold: try Money(parsing: threshold), restoreTo: try Money(parsing: restoreTo), monthlyCap: try cap.map { try Money(parsing: $0) },
            maximumPurchase: try Money(parsing: maximum))
        #expect(refusal?.code == code)
        #expect(refusal?.isBadInput == true)
        #expect(throws: AutoRechargeRefusal.self) {
            try AutoRechargePolicy(
                threshold: Money(parsing: threshold), restoreTo: Money(parsing: restoreTo), monthlyCap: cap.map { try Money(parsing: $0) },
                maximumPurchase: Money(parsing: maximum))
        }
    }

    @Test("valid settings are accepted, restore-to up to the purchase maximum")
    func valid() throws {
        let policy = try AutoRechargePolicy(
            threshold: Money(dollars: 5), restoreTo: Money(dollars: 100), monthlyCap: Money(dollars: 300), maximumPurchase: Money(dollars: 100))
        #expect(policy.restoreTo == Money(dollars: 100))
    }

    @Test(
        "rounding up to a multiple",
        arguments: [
            (0, 0), (1, 10_000_000), (9_999_999, 10_000_000), (10_000_000, 10_000_000), (10_000_001, 20_000_000),
            (-1, 0), (-10_000_000, -10_000_000), (-15_000_000, -10_000_000), (12_345_000_001, 12_350_000_000),
        ] as [(Int64, Int64)])
    func roundingUp(value: Int64, expected: Int64) {
        #expect(Rounding.up(value, toMultipleOf: Money.nanosPerCent) == expected)
    }
}
