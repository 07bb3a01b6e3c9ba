import Foundation
import Testing
import TokenLedger
import TokenLedgerCore

/// The simulator against the ledger itself: the real Azure trace imported into an account with
/// the same settings must leave the same figures, to the nanodollar.
@Suite("Simulation equals the ledger's import")
struct SimulationLedgerTests {
    struct Scenario: Sendable, CustomTestStringConvertible {
        var why: String
        var start: Timestamp
        var timeScale: String
        var model: String
        var testDescription: String { why }
    }

    static let scenarios = [
        Scenario(why: "a month of gpt-4o", start: utc(2026, 1, 1), timeScale: "720", model: "gpt-4o"),
        Scenario(why: "three months of gpt-4o-mini, starting mid-month", start: utc(2026, 1, 20, 13, 5), timeScale: "2160.5", model: "gpt-4o-mini"),
        Scenario(why: "across gpt-4o's price change of 2024-10-02", start: utc(2024, 9, 25), timeScale: "500", model: "gpt-4o"),
    ]

    @Test("no recharge: cost, balances, average balance and months equal the ledger's", arguments: scenarios)
    func noRecharge(_ scenario: Scenario) throws {
        let options = SimulationTraceOptions(model: scenario.model, timeScale: try TimeScale(parsing: scenario.timeScale), start: scenario.start)
        let loaded = try TraceLoader.load(file: azureTracePath, format: .azureTrace, options: options, prices: .standard)
        #expect(loaded.trace.count == 19_366)
        // A start balance that covers the trace, so no request is blocked (the ledger never blocks an import).
        let startBalance = Money(dollars: loaded.trace.totalCost.nanos / Money.nanosPerDollar + 10)
        let result = Simulator.run(loaded.trace, policy: SimulationPolicy(startBalance: startBalance, maximumPurchase: Credits.ceiling))
        #expect(result.blocked == 0)
        let first = try #require(result.firstAt)
        let last = try #require(result.lastAt)
        let (summary, journal) = try Self.imported(
            startBalance: startBalance, at: first,
            options: UsageImportOptions(account: "sim", model: scenario.model, timeScale: options.timeScale, start: scenario.start))
        #expect(summary.charged == result.charged)
        #expect(summary.cost == result.cost)
        #expect(summary.balance == result.finalBalance)
        #expect(summary.firstAt == result.firstAt)
        #expect(summary.lastAt == result.lastAt)
        #expect(journal.map(\.balanceAfter).min() == result.minimumBalance)
        #expect(Self.averageBalance(journal, from: first, to: last) == result.averageBalance)
        var costByMonth: [String: Money] = [:]
        for line in journal where line.kind == .usage { costByMonth[String(line.at.dateString.prefix(7)), default: .zero] -= line.amount }
        let simulatedMonths = result.months.filter { $0.cost.nanos > 0 }.map { "\($0.label) \($0.cost)" }
        #expect(simulatedMonths == costByMonth.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" })
        for month in result.months {
            let closing = journal.last { $0.at < month.start.startOfNextMonth }?.balanceAfter
            #expect(month.closingBalance == closing, "\(month.label)")
        }
    }

    @Test(
        "auto-recharge: the same recharges, to the nanodollar, as the ledger's import with the same policy",
        arguments: [
            (Money.usd(5), Money.usd(25), Money?.none), (Money.usd(10), Money.usd(40), Money?.some(.usd(70))),
        ])
    func recharge(threshold: Money, restoreTo: Money, monthlyCap: Money?) throws {
        let scenario = Self.scenarios[0]
        let options = SimulationTraceOptions(model: scenario.model, timeScale: try TimeScale(parsing: scenario.timeScale), start: scenario.start)
        let loaded = try TraceLoader.load(file: azureTracePath, format: .azureTrace, options: options, prices: .standard)
        let policy = try AutoRechargePolicy(threshold: threshold, restoreTo: restoreTo, monthlyCap: monthlyCap, maximumPurchase: .usd(100))
        let result = Simulator.run(loaded.trace, policy: SimulationPolicy(startBalance: restoreTo, recharge: policy, maximumPurchase: .usd(100)))
        #expect(result.blocked == 0)
        #expect(result.recharges >= 3, "cost \(result.cost)")
        // With a cap, it binds: the month's recharges add up to it exactly.
        if let monthlyCap { #expect(result.recharged == monthlyCap) }
        let first = try #require(result.firstAt)
        let (summary, journal) = try Self.imported(
            startBalance: restoreTo, at: first, maximumPurchase: .usd(100), recharge: policy,
            options: UsageImportOptions(account: "sim", model: scenario.model, timeScale: options.timeScale, start: scenario.start))
        let recharges = journal.filter { $0.kind == .recharge }
        #expect(recharges.count == result.recharges)
        #expect(recharges.reduce(Money.zero) { $0 + $1.amount } == result.recharged)
        #expect(summary.cost == result.cost)
        #expect(summary.balance == result.finalBalance)
        #expect(journal.map(\.balanceAfter).min() == result.minimumBalance)
        for month in result.months {
            let inMonth = recharges.filter { month.start <= $0.at && $0.at < month.start.startOfNextMonth }
            #expect(inMonth.reduce(Money.zero) { $0 + $1.amount } == month.recharged, "\(month.label)")
            let closing = journal.last { $0.at < month.start.startOfNextMonth }?.balanceAfter
            #expect(month.closingBalance == closing, "\(month.label)")
        }
    }

    /// The Azure trace imported into a new account that bought `startBalance` at `time` (with
    /// auto-recharge by `recharge` when given): the import's summary and the account's journal.
    static func imported(
        startBalance: Money, at time: Timestamp, maximumPurchase: Money = Credits.ceiling, recharge: AutoRechargePolicy? = nil, options: UsageImportOptions
    ) throws -> (UsageImportSummary, [JournalLine]) {
        try withLedger { fixture in
            try makeAccount(fixture.ledger, "sim", at: utc(2020, 1, 1), maximumPurchase: maximumPurchase)
            _ = try fixture.ledger.purchase(PurchaseRequest(account: "sim", amount: startBalance, at: time, id: "start-balance"))
            if let recharge {
                try fixture.ledger.setAutoRecharge(
                    account: "sim", threshold: recharge.threshold, restoreTo: recharge.restoreTo, monthlyCap: recharge.monthlyCap, at: time)
            }
            let summary = try fixture.ledger.importUsage(file: azureTracePath, format: .azureTrace, options: options)
            return (summary, try fixture.ledger.journal(account: "sim"))
        }
    }

    /// The balance of the journal averaged over `[from, to]`, rounded half to even.
    static func averageBalance(_ journal: [JournalLine], from: Timestamp, to: Timestamp) -> Money {
        var area: Int128 = 0
        var balance: Int64 = 0
        var last = from.milliseconds
        for line in journal {
            let at = max(line.at.milliseconds, from.milliseconds)
            area += Int128(balance) * Int128(at - last)
            last = at
            balance = line.balanceAfter.nanos
        }
        area += Int128(balance) * Int128(to.milliseconds - last)
        return Money(nanos: Int64(Rounding.halfToEven(area, dividedBy: Int128(to.milliseconds - from.milliseconds))))
    }

    @Test("the trace is read with the import's readers: its bad rows are refused with file, line and field")
    func badRows() throws {
        try withScratchDirectory { directory in
            let path = directory.path("trace.csv")
            try Data("TIMESTAMP,ContextTokens,GeneratedTokens\n2026-01-01 00:00:00,10,5\n2026-01-01 00:00:01,ten,5\n".utf8).write(
                to: URL(fileURLWithPath: path))
            #expect(
                importFailure { _ = try TraceLoader.load(file: path, format: .azureTrace, options: .init(model: "gpt-4o"), prices: .standard) }
                    == "bad_input line 3 (ContextTokens)")
            #expect(
                importFailure { _ = try TraceLoader.load(file: path, format: .azureTrace, options: .init(), prices: .standard) } == "bad_input line - (--model)"
            )
            try Data("TIMESTAMP,ContextTokens,GeneratedTokens\n2026-01-01 00:00:00,10,5\n".utf8).write(to: URL(fileURLWithPath: path))
            #expect(
                importFailure { _ = try TraceLoader.load(file: path, format: .azureTrace, options: .init(model: "gpt-9"), prices: .standard) }
                    == "unknown_model line 2 (model)")
            #expect(
                importFailure {
                    _ = try TraceLoader.load(file: path, format: .azureTrace, options: .init(model: "gpt-4o", start: utc(2020, 1, 1)), prices: .standard)
                } == "no_price_at_time line 2 (model)")
            #expect(
                importFailure { _ = try TraceLoader.load(file: path, format: .azureTrace, options: .init(model: "gpt-4o", repeats: 0), prices: .standard) }
                    == "bad_input line - (--repeat)")
        }
    }

    @Test("a repeated trace tiles end to end, repriced where a price changes")
    func repeated() throws {
        // Two requests 10 minutes apart; each repetition starts 10 minutes after the last ends.
        try withScratchDirectory { directory in
            let path = directory.path("trace.csv")
            try Data("TIMESTAMP,ContextTokens,GeneratedTokens\n2024-10-01 23:20:00,100000,0\n2024-10-01 23:30:00,100000,0\n".utf8).write(
                to: URL(fileURLWithPath: path))
            let loaded = try TraceLoader.load(file: path, format: .azureTrace, options: .init(model: "gpt-4o", repeats: 5), prices: .standard)
            #expect(loaded.periodMilliseconds == 1_200_000)
            #expect(loaded.trace.count == 10)
            #expect(loaded.trace.lastMilliseconds == utc(2024, 10, 2, 0, 50).milliseconds)
            // $5 per million input tokens before 2024-10-02, $2.50 from then: 2 tiles before, 3 after, two cost arrays.
            #expect(loaded.trace.costArrays.count == 2)
            #expect(loaded.trace.totalCost == Money(cents: 4 * 50 + 6 * 25))
        }
    }
}
