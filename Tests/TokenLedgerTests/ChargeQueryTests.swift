import Foundation
import Testing
import TokenLedger
import TokenLedgerCore

/// `Ledger.charges(matching:)`, `Ledger.charge(id:)` and `Ledger.accountJournal`: finding
/// charges by every filter, sorted and paged; a charge worked out; the journal's running balance.
@Suite("Finding charges and the journal")
struct ChargeQueryTests {
    /// acme ($20 bought, a $5 grant) and beta ($10 bought), with seven charges of various models,
    /// tiers, projects, keys, users and times in January 2026.
    static func books(_ ledger: Ledger) throws {
        try makeAccount(ledger, "acme", at: utc(2026, 1, 1))
        try makeAccount(ledger, "beta", at: utc(2026, 1, 1), purchase: .usd(10))
        _ = try ledger.purchase(PurchaseRequest(account: "acme", amount: .usd(20), at: utc(2026, 1, 2), id: "pay-1"))
        _ = try ledger.grant(GrantRequest(account: "acme", amount: .usd(5), at: utc(2026, 1, 2), expiresAt: utc(2026, 2, 1), id: "welcome"))
        let charges: [ChargeRequest] = [
            ChargeRequest(
                account: "acme", model: "gpt-4o", input: 1_200, cached: 200, output: 300, project: "search", requestID: "a-1", at: utc(2026, 1, 3, 10)),
            ChargeRequest(
                account: "acme", model: "o3", tier: .flex, input: 10_000, output: 2_000, project: "search", user: "u-7", requestID: "a-2",
                at: utc(2026, 1, 3, 11)),
            ChargeRequest(account: "acme", model: "gpt-4o-mini", input: 5_000, output: 700, apiKey: "k-1", requestID: "a-3", at: utc(2026, 1, 4)),
            ChargeRequest(account: "beta", model: "gpt-4o", input: 100, output: 10, requestID: "b-1", at: utc(2026, 1, 3, 12)),
            ChargeRequest(account: "acme", model: "gpt-4o", input: 40_000, output: 9_000, project: "chat", user: "u-7", requestID: "a-4", at: utc(2026, 1, 10)),
            ChargeRequest(account: "acme", model: "gpt-4o", tier: .batch, input: 2_000, output: 100, requestID: "a-5", at: utc(2026, 1, 3, 10)),
            ChargeRequest(account: "beta", model: "o3", input: 1_000, output: 1_000, user: "u-7", requestID: "b-2", at: utc(2026, 1, 20)),
        ]
        for charge in charges { _ = try ledger.charge(charge) }
    }

    static func ids(_ ledger: Ledger, _ query: ChargeQuery) throws -> [String] {
        try ledger.charges(matching: query).charges.map(\.id)
    }

    @Test("every filter narrows the list, and they combine")
    func filters() throws {
        try withLedger { fixture in
            let ledger = fixture.ledger
            try Self.books(ledger)
            #expect(try Self.ids(ledger, ChargeQuery()) == ["a-1", "a-5", "a-2", "b-1", "a-3", "a-4", "b-2"])
            #expect(try Self.ids(ledger, ChargeQuery(account: "beta")) == ["b-1", "b-2"])
            #expect(try Self.ids(ledger, ChargeQuery(from: utc(2026, 1, 3, 11), to: utc(2026, 1, 10))) == ["a-2", "b-1", "a-3"])
            var query = ChargeQuery(account: "acme")
            query.model = "gpt-4o"
            #expect(try Self.ids(ledger, query) == ["a-1", "a-5", "a-4"])
            query.tier = .batch
            #expect(try Self.ids(ledger, query) == ["a-5"])
            var byUser = ChargeQuery()
            byUser.user = "u-7"
            #expect(try Self.ids(ledger, byUser) == ["a-2", "a-4", "b-2"])
            byUser.project = "search"
            #expect(try Self.ids(ledger, byUser) == ["a-2"])
            var byKey = ChargeQuery()
            byKey.apiKey = "k-1"
            #expect(try Self.ids(ledger, byKey) == ["a-3"])
            var byID = ChargeQuery(account: "beta")
            byID.requestID = "b-2"
            #expect(try Self.ids(ledger, byID) == ["b-2"])
            byID.requestID = "a-1"
            #expect(try Self.ids(ledger, byID).isEmpty, "a request id of another account")
        }
    }

    @Test("sorted by time or cost, either way, and paged by key: the pages add up to the whole list")
    func sortingAndPaging() throws {
        try withLedger { fixture in
            let ledger = fixture.ledger
            try Self.books(ledger)
            let costs = try ledger.charges(matching: ChargeQuery(sort: .cost)).charges.map(\.cost)
            #expect(costs == costs.sorted() && costs.count == 7)
            let latest = try Self.ids(ledger, ChargeQuery(descending: true))
            #expect(latest == ["b-2", "a-4", "a-3", "b-1", "a-2", "a-5", "a-1"])
            for sort in ChargeSort.allCases {
                for descending in [false, true] {
                    let whole = try Self.ids(ledger, ChargeQuery(sort: sort, descending: descending))
                    var pages: [String] = []
                    var after: String?
                    repeat {
                        let page = try ledger.charges(matching: ChargeQuery(sort: sort, descending: descending, limit: 2, after: after))
                        #expect(page.charges.count <= 2)
                        pages += page.charges.map(\.id)
                        after = page.next
                    } while after != nil
                    #expect(pages == whole, "\(sort) descending \(descending)")
                }
            }
            #expect(try ledger.charges(matching: ChargeQuery(limit: 7)).next == nil)
            #expect(try ledger.charges(matching: ChargeQuery(limit: 6)).next == "a-4")
        }
    }

    @Test("unknown accounts and cursors are refused, a limit out of range is bad input")
    func refusals() throws {
        try withLedger { fixture in
            let ledger = fixture.ledger
            try Self.books(ledger)
            #expect(outcome { _ = try ledger.charges(matching: ChargeQuery(account: "nobody")) } == "unknown_account")
            #expect(outcome { _ = try ledger.charges(matching: ChargeQuery(after: "nope")) } == "unknown_charge")
            #expect(outcome { _ = try ledger.charge(id: "nope") } == "unknown_charge")
            #expect(outcome { _ = try ledger.charges(matching: ChargeQuery(limit: 0)) }.contains("limit"))
            #expect(outcome { _ = try ledger.charges(matching: ChargeQuery(limit: ChargeQuery.maximumLimit + 1)) }.contains("limit"))
        }
    }

    @Test("a charge worked out: tokens × rates per class add up to the cost; the lots that paid it; the overdraft")
    func workedOut() throws {
        try withLedger { fixture in
            let ledger = fixture.ledger
            try Self.books(ledger)
            let first = try ledger.charge(id: "a-1")
            #expect(first.charge.account == "acme" && first.charge.model == "gpt-4o" && first.charge.project == "search")
            #expect(first.lines.map(\.tokens) == [1_000, 200, 0, 300])
            #expect(first.lines.map(\.rateNanosPerMillion) == [2_500_000_000, 1_250_000_000, 2_500_000_000, 10_000_000_000])
            #expect(first.lines.map(\.exactDollars) == ["0.0025", "0.00025", "0.00", "0.003"])
            #expect(first.charge.cost == Money(nanos: 5_750_000) && first.repriced == first.charge.cost)
            #expect(first.lines.reduce(Money.zero) { $0 + $1.share } == first.charge.cost)
            #expect(first.price.model == "gpt-4o" && first.priceSource == "default")
            #expect(first.price.effectiveFrom == first.charge.priceEffectiveFrom)
            #expect(first.draws.map(\.lotReference) == ["welcome"] && first.draws[0].amount == first.charge.cost)
            #expect(first.overdraft == .zero && first.recharge == nil)
            #expect(first.charge.balanceAfter == .usd(25) - first.charge.cost)
            // a-4 ($0.19) is paid by the grant alone: it still holds more than that.
            let big = try ledger.charge(id: "a-4")
            #expect(big.draws.map(\.lotKind) == [.grant])
            #expect(big.draws.reduce(Money.zero) { $0 + $1.amount } == big.charge.cost)
        }
    }

    @Test("a charge that outruns the credit shows the lots it emptied and the overdraft")
    func overdraft() throws {
        try withLedger { fixture in
            let ledger = fixture.ledger
            try addCentModel(ledger)
            try makeAccount(ledger, "acme", at: utc(2026, 1, 1), purchase: .usd(5))
            _ = try ledger.grant(GrantRequest(account: "acme", amount: .usd(1), at: utc(2026, 1, 1), expiresAt: utc(2026, 3, 1), id: "g"))
            _ = try chargeCents(ledger, "acme", 800, at: utc(2026, 1, 2), id: "big")
            let detail = try ledger.charge(id: "big")
            #expect(detail.draws.map(\.lotKind) == [.grant, .purchase])
            #expect(detail.draws.map(\.amount) == [.usd(1), .usd(5)])
            #expect(detail.overdraft == .usd(2))
            #expect(detail.charge.balanceAfter == -.usd(2))
        }
    }

    @Test("the journal lists every movement in time order with the running balance, from the balance before --from")
    func journal() throws {
        try withLedger { fixture in
            let ledger = fixture.ledger
            try Self.books(ledger)
            let whole = try ledger.accountJournal(account: "acme")
            #expect(whole.opening == .zero)
            #expect(whole.lines.map(\.kind) == [.purchase, .grant, .usage, .usage, .usage, .usage, .usage])
            #expect(whole.lines.compactMap(\.reference) == ["pay-1", "welcome", "a-1", "a-5", "a-2", "a-3", "a-4"])
            var running = Money.zero
            for line in whole.lines {
                running += line.amount
                #expect(line.runningBalance == running)
            }
            #expect(whole.closing == (try ledger.account(named: "acme")!.balance))
            // a-5 is recorded after a-2 but happened before it: its recorded balance is not the running one.
            let late = try #require(whole.lines.first { $0.reference == "a-5" })
            #expect(late.balanceAfter != late.runningBalance)
            let part = try ledger.accountJournal(account: "acme", from: utc(2026, 1, 3, 11), to: utc(2026, 1, 10))
            #expect(part.lines.compactMap(\.reference) == ["a-2", "a-3"])
            #expect(part.opening == whole.lines[3].runningBalance)
            #expect(part.closing == whole.lines[5].runningBalance)
            #expect(part.lines.first?.model == "o3")
            #expect(outcome { _ = try ledger.accountJournal(account: "nobody") } == "unknown_account")
        }
    }
}
