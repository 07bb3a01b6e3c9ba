import Benchmark
import Foundation
import TokenLedger
import TokenLedgerCore

/// Issue 6's speed targets, measured here:
///
/// - `Simulation: one policy`: at least 20 million simulated requests per second on one core
///   (beside `Simulation: bare loop`, the same arithmetic with no rules, about 220 million);
/// - `Simulation: sweep of 1000 policies`: 1,000 policies over one million requests in under a
///   minute on all cores (2 here), with its peak memory;
/// - `Simulation: Azure trace repeated 1000 times`: 19 million requests read, priced and run,
///   in the memory of one repetition (memory flat in the number of repetitions).
func simulationBenchmarks() {
    let requestsPerSecond = BenchmarkMetric.custom("requests/s", polarity: .prefersLarger, useScalingFactor: false)
    let single = Benchmark.Configuration(metrics: [.wallClock, requestsPerSecond], warmupIterations: 1, maxDuration: .seconds(10), maxIterations: 20)
    Benchmark("Simulation: one policy, \(SimulationFixture.trace.count) requests", configuration: single) { benchmark in
        let trace = SimulationFixture.trace
        let clock = ContinuousClock()
        benchmark.startMeasurement()
        let started = clock.now
        let result = Simulator.run(trace, policy: SimulationFixture.policy)
        let elapsed = clock.now - started
        benchmark.stopMeasurement()
        precondition(result.requests == trace.count && result.recharges > 0)
        benchmark.measurement(requestsPerSecond, perSecond(trace.count, elapsed))
    }
    Benchmark("Simulation: bare loop, \(SimulationFixture.trace.count) requests", configuration: single) { benchmark in
        let trace = SimulationFixture.trace
        let clock = ContinuousClock()
        benchmark.startMeasurement()
        let started = clock.now
        blackHole(SimulationFixture.bareLoop(trace))
        let elapsed = clock.now - started
        benchmark.stopMeasurement()
        benchmark.measurement(requestsPerSecond, perSecond(trace.count, elapsed))
    }
    let tiled = Benchmark.Configuration(metrics: [.wallClock, requestsPerSecond, .peakMemoryResident], warmupIterations: 0, maxIterations: 3)
    Benchmark("Simulation: Azure trace repeated 1000 times, peak memory", configuration: tiled) { benchmark in
        var rows = RepeatedAzureTrace(count: BenchmarkFixture.trace.count)
        let options = SimulationTraceOptions(model: "gpt-4o", start: Timestamp(year: 2026, month: 1, day: 1), repeats: 1_000)
        let clock = ContinuousClock()
        benchmark.startMeasurement()
        let started = clock.now
        let trace = try TraceLoader.load(&rows, options: options, prices: .standard).trace
        let result = Simulator.run(trace, policy: SimulationFixture.policy)
        let elapsed = clock.now - started
        benchmark.stopMeasurement()
        precondition(result.requests == 19_366_000 && result.months.count == 2)
        benchmark.measurement(requestsPerSecond, perSecond(result.requests, elapsed))
    }
    let sweep = Benchmark.Configuration(
        metrics: [.wallClock, requestsPerSecond, .peakMemoryResident], warmupIterations: 0, maxDuration: .seconds(300), maxIterations: 2)
    Benchmark("Simulation: sweep of 1000 policies, \(SimulationFixture.trace.count) requests", configuration: sweep) { benchmark in
        let trace = SimulationFixture.trace
        let spec = try SweepSpec(parsing: "threshold=1..10:1,restore-to=20..2000:20")
        let base = SimulationPolicy(startBalance: Money(dollars: 100), maximumPurchase: Money(dollars: 2_000))
        let (points, skipped) = try SimulationSweep.points(of: spec, base: base, startAtRestoreTo: true)
        precondition(points.count == 1_000 && skipped.isEmpty)
        let clock = ContinuousClock()
        benchmark.startMeasurement()
        let started = clock.now
        let result = SimulationSweep.run(trace, spec: spec, points: points)
        let elapsed = clock.now - started
        benchmark.stopMeasurement()
        precondition(result.results.count == 1_000)
        benchmark.measurement(requestsPerSecond, perSecond(trace.count * points.count, elapsed))
    }
}

/// The trace the simulation benchmarks run: the bundled Azure trace repeated to a million
/// requests, placed from 2026-01-01 and stretched over about a month, priced as gpt-4o.
enum SimulationFixture {
    static let requests = 1_000_000

    // swift-format-ignore: NeverUseForceTry
    static let trace: SimulationTrace = {
        var rows = RepeatedAzureTrace(count: requests)
        let options = SimulationTraceOptions(model: "gpt-4o", timeScale: try! TimeScale(parsing: "14"), start: Timestamp(year: 2026, month: 1, day: 1))
        return try! TraceLoader.load(&rows, options: options, prices: .standard).trace
    }()

    /// Recharge below $20 to $100 (about one recharge per 15,000 requests).
    // swift-format-ignore: NeverUseForceTry
    static let policy = SimulationPolicy(
        startBalance: Money(dollars: 100),
        recharge: try! AutoRechargePolicy(threshold: Money(dollars: 20), restoreTo: Money(dollars: 100), maximumPurchase: Money(dollars: 100)))

    /// The arithmetic of a run with no rules: subtract each cost, count the times the balance
    /// falls below a threshold and add back; what the simulator's loop is measured against.
    static func bareLoop(_ trace: SimulationTrace) -> Int64 {
        var balance: Int64 = 100 * Money.nanosPerDollar
        var recharges: Int64 = 0
        for tile in trace.tiles {
            trace.costArrays[tile.costIndex].withUnsafeBufferPointer { costs in
                for cost in costs {
                    balance -= cost
                    if balance < 20 * Money.nanosPerDollar {
                        balance += 80 * Money.nanosPerDollar
                        recharges += 1
                    }
                }
            }
        }
        return balance &+ recharges
    }
}
