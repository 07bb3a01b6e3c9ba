import Testing
import TokenLedgerCore

private let now = utc(2026, 10, 5, 12)

private func lot(_ id: Int64, _ kind: LotKind, remaining dollars: Int64, expires: Timestamp) -> Lot {
    Lot(id: id, kind: kind, original: Money(dollars: 100), remaining: Money(dollars: dollars), createdAt: utc(2026, 1, 1), expiresAt: expires)
}

@Suite("Credits")
struct CreditsTests {
    @Test("The rule's constants")
    func constants() {
        #expect(Credits.minimumPurchase == Money(dollars: 5))
        #expect(Credits.defaultMaximumPurchase == Money(dollars: 100))
        #expect(Credits.ceiling == Money(dollars: 1_000_000))
        #expect(Credits.purchaseLifetimeYears == 1)
    }

    @Test("Grants are spent before purchases, and within each kind the lot that expires first")
    func spendingOrder() {
        let lots = [
            lot(1, .purchase, remaining: 10, expires: utc(2027, 3, 1)),
            lot(2, .grant, remaining: 3, expires: utc(2026, 12, 1)),
            lot(3, .purchase, remaining: 10, expires: utc(2027, 1, 1)),
            lot(4, .grant, remaining: 2, expires: utc(2026, 11, 1)),
        ]
        let (allocations, uncovered) = Credits.allocate(Money(dollars: 20), from: lots, at: now)
        #expect(
            allocations == [
                Allocation(lotID: 4, amount: Money(dollars: 2)),
                Allocation(lotID: 2, amount: Money(dollars: 3)),
                Allocation(lotID: 3, amount: Money(dollars: 10)),
                Allocation(lotID: 1, amount: Money(dollars: 5)),
            ])
        #expect(uncovered == .zero)
    }

    @Test("A grant that expires later is still spent before a purchase that expires sooner")
    func grantsFirstWhateverTheirExpiry() {
        let lots = [
            lot(1, .purchase, remaining: 10, expires: utc(2026, 10, 6)),
            lot(2, .grant, remaining: 10, expires: utc(2030, 1, 1)),
        ]
        #expect(Credits.allocate(Money(dollars: 4), from: lots, at: now).allocations == [Allocation(lotID: 2, amount: Money(dollars: 4))])
    }

    @Test("Lots that expire together are spent oldest id first")
    func tieByID() {
        let expiry = utc(2027, 1, 1)
        let lots = [lot(9, .purchase, remaining: 5, expires: expiry), lot(7, .purchase, remaining: 5, expires: expiry)]
        #expect(
            Credits.allocate(Money(dollars: 6), from: lots, at: now).allocations == [
                Allocation(lotID: 7, amount: Money(dollars: 5)), Allocation(lotID: 9, amount: Money(dollars: 1)),
            ])
        #expect(Credits.spentBefore(lots[1], lots[0]))
        #expect(!Credits.spentBefore(lots[0], lots[1]))
        #expect(!Credits.spentBefore(lots[0], lots[0]))
    }

    @Test("Expired and empty lots are skipped; what no lot covers is returned as overdraft")
    func skipsExpiredAndReturnsOverdraft() {
        let lots = [
            lot(1, .grant, remaining: 50, expires: utc(2026, 10, 1)),  // expired
            lot(2, .grant, remaining: 50, expires: now),  // expires exactly now: no longer live
            lot(3, .grant, remaining: 0, expires: utc(2027, 1, 1)),  // spent
            lot(4, .purchase, remaining: 7, expires: utc(2027, 1, 1)),
        ]
        let (allocations, uncovered) = Credits.allocate(Money(dollars: 10), from: lots, at: now)
        #expect(allocations == [Allocation(lotID: 4, amount: Money(dollars: 7))])
        #expect(uncovered == Money(dollars: 3))
        #expect(!lots[1].isLive(at: now))
        #expect(lots[1].isLive(at: Timestamp(milliseconds: now.milliseconds - 1)))
        #expect(!lots[2].isLive(at: now))
    }

    @Test("With no live lot, the whole debit is overdraft; a zero debit takes nothing")
    func edgeAmounts() {
        let none = Credits.allocate(Money(nanos: 123), from: [], at: now)
        #expect(none.allocations.isEmpty && none.uncovered == Money(nanos: 123))
        let lots = [lot(1, .purchase, remaining: 5, expires: utc(2027, 1, 1))]
        let zero = Credits.allocate(.zero, from: lots, at: now)
        #expect(zero.allocations.isEmpty && zero.uncovered == .zero)
        let exact = Credits.allocate(Money(dollars: 5), from: lots, at: now)
        #expect(exact.allocations == [Allocation(lotID: 1, amount: Money(dollars: 5))] && exact.uncovered == .zero)
    }

    @Test("Allocation invariants over seeded random lots and debits")
    func allocationInvariants() {
        var generator = SplitMix64(seed: 0x107)
        for _ in 0..<500 {
            let time = Timestamp(milliseconds: now.milliseconds + Int64.random(in: -10...10, using: &generator) * 86_400_000)
            let lots = (0..<Int.random(in: 0...8, using: &generator)).map { index in
                Lot(
                    id: Int64(index), kind: Bool.random(using: &generator) ? .grant : .purchase,
                    original: Money(dollars: 100), remaining: Money(nanos: Int64.random(in: 0...20 * dollar, using: &generator)),
                    createdAt: utc(2026, 1, 1),
                    expiresAt: Timestamp(milliseconds: now.milliseconds + Int64.random(in: -5...30, using: &generator) * 86_400_000))
            }
            let amount = Money(nanos: Int64.random(in: 0...100 * dollar, using: &generator))
            let (allocations, uncovered) = Credits.allocate(amount, from: lots, at: time)
            let byID = Dictionary(uniqueKeysWithValues: lots.map { ($0.id, $0) })
            // Nothing is lost: allocations plus overdraft is the debit.
            #expect(allocations.reduce(Money.zero) { $0 + $1.amount } + uncovered == amount)
            #expect(uncovered >= .zero)
            // Only live lots, each at most once, never more than it holds, never nothing.
            #expect(Set(allocations.map(\.lotID)).count == allocations.count)
            for allocation in allocations {
                let source = byID[allocation.lotID]!
                #expect(source.isLive(at: time))
                #expect(allocation.amount > .zero && allocation.amount <= source.remaining)
            }
            // Overdraft only once every live lot is used up; then every one is spent in full.
            let live = lots.filter { $0.isLive(at: time) }
            let liveTotal = live.reduce(Money.zero) { $0 + $1.remaining }
            #expect(uncovered == max(.zero, amount - liveTotal))
            // The order is the spending order, and only the last allocation may leave credit behind.
            let ordered = live.sorted(by: Credits.spentBefore).map(\.id)
            #expect(Array(ordered.prefix(allocations.count)) == allocations.map(\.lotID))
            for allocation in allocations.dropLast() { #expect(allocation.amount == byID[allocation.lotID]!.remaining) }
        }
    }

    @Test(
        "A new credit repays overdraft first",
        arguments: [
            (5, -3, 3), (5, -10, 5), (5, -5, 5), (5, 0, 0), (5, 20, 0),
        ] as [(Int64, Int64, Int64)])
    func repayment(amount: Int64, balance: Int64, repaid: Int64) {
        #expect(Credits.repayment(of: Money(dollars: amount), balance: Money(dollars: balance)) == Money(dollars: repaid))
    }

    @Test("Expired lots to write off: remaining credit, expiry not after now, earliest expiry then id first")
    func expired() {
        let lots = [
            lot(1, .purchase, remaining: 5, expires: utc(2026, 10, 1)),
            lot(2, .grant, remaining: 5, expires: utc(2026, 9, 1)),
            lot(3, .grant, remaining: 0, expires: utc(2026, 8, 1)),  // already spent or written off
            lot(4, .purchase, remaining: 5, expires: now),  // expires exactly now
            lot(5, .grant, remaining: 5, expires: utc(2026, 10, 6)),  // still live
            lot(0, .purchase, remaining: 1, expires: utc(2026, 10, 1)),
        ]
        #expect(Credits.expired(lots, at: now).map(\.id) == [2, 0, 1, 4])
        #expect(Credits.expired(lots, at: utc(2026, 1, 1)).isEmpty)
        // A lot is either live or due for write-off, never both, once it has credit.
        for lot in lots where lot.remaining > .zero {
            #expect(lot.isLive(at: now) != Credits.expired([lot], at: now).contains(lot))
        }
    }

    @Test(
        "Purchased credit expires one year later, 29 February becoming 28 February",
        arguments: [
            ("2026-10-05T12:34:56.789Z", "2027-10-05T12:34:56.789Z"),
            ("2028-02-29T23:00:00Z", "2029-02-28T23:00:00Z"),
            ("2027-02-28T00:00:00Z", "2028-02-28T00:00:00Z"),
            ("2026-12-31T23:59:59.999Z", "2027-12-31T23:59:59.999Z"),
        ])
    func purchaseExpiry(purchased: String, expires: String) throws {
        #expect(Credits.purchaseExpiry(from: try Timestamp(parsing: purchased)).iso8601 == expires)
    }
}
