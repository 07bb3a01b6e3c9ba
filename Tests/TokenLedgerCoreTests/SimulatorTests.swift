import Testing
import TokenLedgerCore

/// A trace from (time, cost in dollars as text) pairs.
// swift-format-ignore: NeverUseForceTry
private func trace(_ requests: [(Timestamp, String)]) -> SimulationTrace {
    SimulationTrace(timesMilliseconds: requests.map(\.0.milliseconds), costsNanos: requests.map { try! Money(parsing: $0.1).nanos })
}

// swift-format-ignore: NeverUseForceTry
private func money(_ text: String) -> Money { try! Money(parsing: text) }

// swift-format-ignore: NeverUseForceTry
private func recharge(_ threshold: String, _ restoreTo: String, cap: String? = nil, maximum: String = "100") -> AutoRechargePolicy {
    try! AutoRechargePolicy(threshold: money(threshold), restoreTo: money(restoreTo), monthlyCap: cap.map(money), maximumPurchase: money(maximum))
}

@Suite("Simulator: the ledger's rules over a trace in memory")
struct SimulatorTests {
    @Test("a request is blocked once the balance is zero or below; the charge before may overdraw")
    func blockedAtOrBelowZero() {
        let overdrawn = Simulator.run(
            trace([(utc(2026, 1, 1), "0.6"), (utc(2026, 1, 2), "0.6"), (utc(2026, 1, 3), "0.6"), (utc(2026, 1, 4), "0.6")]),
            policy: SimulationPolicy(startBalance: money("1")))
        #expect(overdrawn.charged == 2)
        #expect(overdrawn.blocked == 2)
        #expect(overdrawn.cost == money("1.2"))
        #expect(overdrawn.finalBalance == money("-0.2"))
        #expect(overdrawn.minimumBalance == money("-0.2"))
        let exactlyZero = Simulator.run(
            trace([(utc(2026, 1, 1), "0.5"), (utc(2026, 1, 2), "0.5"), (utc(2026, 1, 3), "0.5")]), policy: SimulationPolicy(startBalance: money("1")))
        #expect(exactlyZero.charged == 2)
        #expect(exactlyZero.blocked == 1)
        #expect(exactlyZero.finalBalance == .zero)
        let empty = Simulator.run(trace([(utc(2026, 1, 1), "0.5")]), policy: SimulationPolicy(startBalance: .zero))
        #expect(empty.blocked == 1)
    }

    @Test("a request is blocked once month-to-date spend reaches the hard limit, until the next month")
    func hardLimit() {
        let result = Simulator.run(
            trace([(utc(2026, 1, 5), "0.6"), (utc(2026, 1, 6), "0.6"), (utc(2026, 1, 7), "0.6"), (utc(2026, 2, 1), "0.6"), (utc(2026, 2, 2), "0.3")]),
            policy: SimulationPolicy(startBalance: money("100"), hardLimit: money("1")))
        #expect(result.blocked == 1)
        #expect(result.months.map(\.label) == ["2026-01", "2026-02"])
        #expect(result.months.map(\.blocked) == [1, 0])
        #expect(result.months.map(\.cost) == [money("1.2"), money("0.9")])
        let atTheLimit = Simulator.run(
            trace([(utc(2026, 1, 5), "0.5"), (utc(2026, 1, 6), "0.5"), (utc(2026, 1, 7), "0.01")]),
            policy: SimulationPolicy(startBalance: money("100"), hardLimit: money("1")))
        #expect(atTheLimit.blocked == 1)
    }

    @Test("purchased credit expires a year after purchase; what remains is written off then")
    func expiry() {
        let justBefore = Simulator.run(
            trace([(utc(2026, 1, 1), "1"), (Timestamp(milliseconds: utc(2027, 1, 1).milliseconds - 1), "1")]),
            policy: SimulationPolicy(startBalance: money("10")))
        #expect(justBefore.expired == .zero)
        #expect(justBefore.blocked == 0)
        #expect(justBefore.finalBalance == money("8"))
        let atExpiry = Simulator.run(
            trace([(utc(2026, 1, 1), "1"), (utc(2027, 1, 1), "1")]), policy: SimulationPolicy(startBalance: money("10")))
        #expect(atExpiry.expired == money("9"))
        #expect(atExpiry.blocked == 1)
        #expect(atExpiry.finalBalance == .zero)
        #expect(atExpiry.months.count == 13)
        #expect(atExpiry.months.last?.expired == money("9"))
    }

    @Test("a recharge made in overdraft repays it first: only the rest of it is a lot that can expire")
    func rechargeRepaysOverdraft() {
        let result = Simulator.run(
            trace([(utc(2026, 1, 1), "8"), (utc(2027, 1, 1), "1")]), policy: SimulationPolicy(startBalance: money("5"), recharge: recharge("5", "20")))
        #expect(result.recharges == 1)
        #expect(result.recharged == money("23"))
        #expect(result.expired == money("20"))
        #expect(result.blocked == 1)
        #expect(result.minimumBalance == money("-3"))
    }

    @Test("recharge after a charge that leaves the balance below the threshold, to restore-to")
    func rechargeRestores() {
        let result = Simulator.run(
            trace([(utc(2026, 1, 1), "6"), (utc(2026, 1, 2), "1"), (utc(2026, 1, 3), "12.345")]),
            policy: SimulationPolicy(startBalance: money("10"), recharge: recharge("5", "20")))
        // 10 − 6 = 4 → +16 → 20; 20 − 1 = 19; 19 − 12.345 = 6.655: not below 5.
        #expect(result.recharges == 1)
        #expect(result.recharged == money("16"))
        #expect(result.finalBalance == money("6.655"))
        #expect(result.minimumBalance == money("4"))
    }

    @Test("the monthly cap limits recharges within a calendar month, and a new month resets it")
    func monthlyCap() {
        let result = Simulator.run(
            trace([(utc(2026, 1, 1), "6"), (utc(2026, 1, 2), "10"), (utc(2026, 2, 1), "1")]),
            policy: SimulationPolicy(startBalance: money("10"), recharge: recharge("5", "20", cap: "10")))
        // 4 → +10 (cap) → 14; 4 → cap used up; February: 3 → +10 → 13.
        #expect(result.months.map(\.recharges) == [1, 1])
        #expect(result.months.map(\.recharged) == [money("10"), money("10")])
        #expect(result.finalBalance == money("13"))
    }

    @Test("failed payments add nothing; the same seed fails the same payments")
    func paymentFailures() {
        let requests = (0..<2_000).map { (utc(2026, 1, 1).milliseconds + Int64($0) * 60_000, Int64(3 * dollar)) }
        let trace = SimulationTrace(timesMilliseconds: requests.map(\.0), costsNanos: requests.map(\.1))
        func run(_ rate: String, seed: UInt64) -> SimulationResult {
            Simulator.run(
                trace,
                policy: SimulationPolicy(
                    startBalance: money("20"), recharge: recharge("10", "20"), paymentFailureRate: try! FailureRate(parsing: rate), seed: seed))
        }
        let first = run("0.3", seed: 42)
        #expect(first == run("0.3", seed: 42))
        #expect(first.failedRecharges > 0 && first.recharges > 0)
        #expect(first != run("0.3", seed: 43))
        #expect(run("0", seed: 1).failedRecharges == 0)
        let always = run("1", seed: 1)
        #expect(always.recharges == 0)
        #expect(always.recharged == .zero)
        #expect(always.failedRecharges > 0)
        #expect(always.blocked > 0)
    }

    @Test(
        "failure rates are read exactly, as decimals or percentages",
        arguments: [("0.05", 50_000), ("5%", 50_000), ("1", 1_000_000), ("0", 0), ("0.000001", 1)])
    func failureRates(text: String, partsPerMillion: Int64) throws {
        #expect(try FailureRate(parsing: text).partsPerMillion == partsPerMillion)
    }

    @Test("failure rates outside 0 to 1 or too precise are refused", arguments: ["1.5", "-0.1", "0.0000001", "abc", ""])
    func badFailureRates(text: String) {
        #expect(throws: FailureRateParseError.self) { try FailureRate(parsing: text) }
    }

    @Test("the average balance is weighted by time")
    func averageBalance() {
        let start = utc(2026, 1, 1).milliseconds
        let result = Simulator.run(
            SimulationTrace(timesMilliseconds: [start, start + 1_000, start + 3_000], costsNanos: [0, 4 * dollar, 0]),
            policy: SimulationPolicy(startBalance: money("10")))
        // 10 for 1 s, then 6 for 2 s: 22 / 3, half to even in nanodollars.
        #expect(result.averageBalance == Money(nanos: 7_333_333_333))
    }

    @Test("a trace repeated in tiles runs as the same requests written out")
    func tiles() {
        let times: [Int64] = [0, 500, 900].map { utc(2026, 1, 31, 23).milliseconds + $0 * 3_600 }
        let cheap: [Int64] = [dollar, 2 * dollar, 3 * dollar]
        let dear = cheap.map { $0 * 2 }
        let offsets: [Int64] = [0, 3_600_000, 7_200_000]
        let tiled = SimulationTrace(
            timesMilliseconds: times,
            tiles: [
                .init(offsetMilliseconds: 0, costIndex: 0), .init(offsetMilliseconds: offsets[1], costIndex: 1),
                .init(offsetMilliseconds: offsets[2], costIndex: 0),
            ],
            costArrays: [cheap, dear])
        let written = SimulationTrace(
            timesMilliseconds: offsets.flatMap { offset in times.map { $0 + offset } }, costsNanos: cheap + dear + cheap)
        let policy = SimulationPolicy(startBalance: money("20"), recharge: recharge("10", "30"))
        #expect(tiled.count == 9)
        #expect(Simulator.run(tiled, policy: policy) == Simulator.run(written, policy: policy))
        #expect(tiled.totalCost == written.totalCost)
    }

    @Test("the balance series records the run in fixed slices, with recharges and blocks")
    func series() {
        let requests = trace([(utc(2026, 1, 1), "6"), (utc(2026, 1, 2), "20"), (utc(2026, 1, 3), "1"), (utc(2026, 1, 4), "1")])
        let policy = SimulationPolicy(startBalance: money("10"), recharge: recharge("5", "20"), paymentFailureRate: .always)
        var series = BalanceSeries(
            firstMilliseconds: requests.firstMilliseconds!, lastMilliseconds: requests.lastMilliseconds!, startBalance: policy.startBalance, bucketCount: 3)
        let result = Simulator.run(requests, policy: policy, series: &series)
        #expect(result == Simulator.run(requests, policy: policy))
        #expect(series.recharges.count == 2)
        #expect(series.recharges.allSatisfy { !$0.succeeded })
        #expect(series.filledBuckets.map(\.blocked).reduce(0, +) == 2)
        #expect(series.filledBuckets.map(\.minimumNanos).min() == money("-16").nanos)
    }
}
