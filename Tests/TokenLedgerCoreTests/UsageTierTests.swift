import Testing
import TokenLedgerCore

private let firstPayment = utc(2026, 1, 1, 9, 30)

/// `days` whole days after the first payment, plus `extraMilliseconds`.
private func daysLater(_ days: Int64, _ extraMilliseconds: Int64 = 0) -> Timestamp {
    Timestamp(milliseconds: firstPayment.milliseconds + days * 86_400_000 + extraMilliseconds)
}

@Suite("Usage tiers")
struct UsageTierTests {
    @Test("The default table is DOMAIN.md's, lowest first")
    func defaultTable() {
        let table = UsageTier.defaultTable
        #expect(table.map(\.name) == ["free", "1", "2", "3", "4", "5"])
        #expect(table.map(\.minimumPaid) == [0, 5, 50, 100, 250, 1_000].map { Money(dollars: $0) })
        #expect(table.map(\.minimumDaysSinceFirstPayment) == [0, 0, 7, 7, 14, 30])
        #expect(table.map(\.monthlyUsageLimit) == [100, 100, 500, 1_000, 5_000, 200_000].map { Money(dollars: $0) })
    }

    @Test(
        "The highest tier reached by amount paid and days since the first payment",
        arguments: [
            (Int64(0), Int64?.none, "free"),
            (0, 0, "free"),
            (499, 0, "free"),
            (500, 0, "1"),
            (500, 400, "1"),
            (5_000, 6, "1"),  // $50 but only six days
            (5_000, 7, "2"),
            (9_999, 30, "2"),
            (10_000, 7, "3"),
            (25_000, 13, "3"),  // $250 but only 13 days
            (25_000, 14, "4"),
            (100_000, 29, "4"),  // $1,000 but only 29 days
            (100_000, 30, "5"),
            (100_000, 7, "3"),  // $1,000 after a week: tier 3, the highest both rules allow
            (100_000, 0, "1"),
            (1_000_000_000, 3_650, "5"),
        ] as [(Int64, Int64?, String)])
    func reached(paidCents: Int64, days: Int64?, tier: String) {
        let time = daysLater(days ?? 0, 1)
        let reached = UsageTier.reached(paid: Money(cents: paidCents), firstPayment: days == nil ? nil : firstPayment, at: time)
        #expect(reached.name == tier)
    }

    @Test("Days are whole days: one millisecond short of seven days is still six")
    func wholeDays() {
        let paid = Money(dollars: 50)
        #expect(UsageTier.reached(paid: paid, firstPayment: firstPayment, at: daysLater(7, -1)).name == "1")
        #expect(UsageTier.reached(paid: paid, firstPayment: firstPayment, at: daysLater(7)).name == "2")
    }

    @Test("A first payment after the time counts as zero days, never negative")
    func firstPaymentInTheFuture() {
        let early = Timestamp(milliseconds: firstPayment.milliseconds - 30 * 86_400_000)
        #expect(UsageTier.reached(paid: Money(dollars: 1_000), firstPayment: firstPayment, at: early).name == "1")
        #expect(UsageTier.reached(paid: Money(dollars: 1), firstPayment: firstPayment, at: early).name == "free")
    }

    @Test("A custom table is used as given; below its first tier the first tier applies")
    func customTable() {
        let table = [
            UsageTier(name: "starter", minimumPaid: Money(dollars: 10), minimumDaysSinceFirstPayment: 0, monthlyUsageLimit: Money(dollars: 20)),
            UsageTier(name: "pro", minimumPaid: Money(dollars: 20), minimumDaysSinceFirstPayment: 3, monthlyUsageLimit: Money(dollars: 2_000)),
        ]
        #expect(UsageTier.reached(paid: .zero, firstPayment: nil, at: firstPayment, table: table).name == "starter")
        #expect(UsageTier.reached(paid: Money(dollars: 20), firstPayment: firstPayment, at: daysLater(2), table: table).name == "starter")
        let pro = UsageTier.reached(paid: Money(dollars: 20), firstPayment: firstPayment, at: daysLater(3), table: table)
        #expect(pro == table[1])
        #expect(pro.monthlyUsageLimit == Money(dollars: 2_000))
    }

    @Test("Paying more or waiting longer never lowers the tier (seeded random)")
    func monotone() {
        var generator = SplitMix64(seed: 5)
        let order = UsageTier.defaultTable.map(\.name)
        for _ in 0..<1_000 {
            let paid = Money(cents: Int64.random(in: 0...200_000, using: &generator))
            let days = Int64.random(in: 0...60, using: &generator)
            let base = UsageTier.reached(paid: paid, firstPayment: firstPayment, at: daysLater(days))
            let morePaid = UsageTier.reached(
                paid: paid + Money(cents: Int64.random(in: 0...50_000, using: &generator)), firstPayment: firstPayment, at: daysLater(days))
            let later = UsageTier.reached(paid: paid, firstPayment: firstPayment, at: daysLater(days + Int64.random(in: 0...30, using: &generator)))
            let rank = { (tier: UsageTier) in order.firstIndex(of: tier.name)! }
            #expect(rank(morePaid) >= rank(base))
            #expect(rank(later) >= rank(base))
            #expect(paid >= base.minimumPaid && days >= Int64(base.minimumDaysSinceFirstPayment))
        }
    }
}
