import Testing
import TokenLedgerCore

@Suite("Simulation sweeps: the grid, its errors, the parallel run, the recommendation")
struct SimulationSweepTests {
    @Test("a sweep is read into axes, the first varying slowest")
    func parsing() throws {
        let spec = try SweepSpec(parsing: "threshold=5..50:5, restore-to=20..200:20")
        #expect(spec.axes.map(\.setting) == [.threshold, .restoreTo])
        #expect(spec.axes[0].values.count == 10)
        #expect(spec.axes[1].values.first == Money(dollars: 20))
        #expect(spec.axes[1].values.last == Money(dollars: 200))
        #expect(spec.combinations == 100)
        #expect(spec.grid.prefix(2) == [[Money(dollars: 5), Money(dollars: 20)], [Money(dollars: 5), Money(dollars: 40)]])
        #expect(try SweepSpec(parsing: "monthly-cap=250").axes[0].values == [Money(dollars: 250)])
        #expect(try SweepSpec(parsing: "threshold=$2.50..$3:0.25").axes[0].values.map(\.displayString) == ["$2.50", "$2.75", "$3.00"])
    }

    @Test(
        "a bad sweep says what is wrong",
        arguments: [
            ("", "the sweep is empty"),
            ("threshold", "'threshold' is not setting=values"),
            ("threshold=", "'threshold=' is not setting=values"),
            ("colour=1..2:1", "unknown setting 'colour'; a sweep varies threshold, restore-to"),
            ("threshold=1..2:1,threshold=3", "'threshold' is swept twice"),
            ("threshold=5..50", "threshold: '5..50' needs a step"),
            ("threshold=5..50:0", "threshold: the step must be positive"),
            ("threshold=50..5:5", "threshold: the low end $50.00 is above the high end $5.00"),
            ("threshold=five..50:5", "threshold: the low end 'five' is not an amount"),
            ("threshold=5..50:x", "threshold: the step 'x' is not an amount"),
            ("threshold=1..2..3:1", "threshold: '1..2..3:1' is not low..high:step"),
            ("threshold=0..1000:0.001", "threshold: more than 100000 values"),
            ("threshold=0..500:1,restore-to=0..500:1", "the sweep has more than 100000 combinations"),
        ] as [(String, String)])
    func errors(text: String, message: String) {
        #expect {
            try SweepSpec(parsing: text)
        } throws: { error in
            (error as? SweepSpecError)?.description.hasPrefix(message) == true
        }
    }

    @Test("combinations that are not valid policies are skipped with their refusal")
    func skipped() throws {
        let spec = try SweepSpec(parsing: "threshold=10..30:10,restore-to=20..120:50")
        let (points, skipped) = try SimulationSweep.points(of: spec, base: SimulationPolicy(startBalance: Money(dollars: 50)))
        // restore-to 20, 70, 120 × threshold 10, 20, 30: 120 is above the $100 maximum; 20 is not above 20 or 30.
        #expect(points.map(\.values) == [[10, 20], [10, 70], [20, 70], [30, 70]].map { $0.map { Money(dollars: $0) } })
        #expect(skipped.count == 5)
        #expect(skipped.map(\.refusal.code).contains("restore_to_above_maximum"))
        #expect(skipped.map(\.refusal.code).contains("restore_to_not_above_threshold"))
        #expect(throws: SweepSpecError.self) {
            try SimulationSweep.points(of: try SweepSpec(parsing: "threshold=10..30:10"), base: SimulationPolicy(startBalance: Money(dollars: 50)))
        }
    }

    @Test("the parallel run gives each policy's serial result, and recommends")
    func run() throws {
        let start = utc(2026, 1, 1).milliseconds
        let times = (0..<5_000).map { start + Int64($0) * 600_000 }
        let costs = (0..<5_000).map { Int64(($0 * 7_919) % 900 + 100) * 1_000_000 }
        let trace = SimulationTrace(timesMilliseconds: times, costsNanos: costs)
        let spec = try SweepSpec(parsing: "threshold=1..9:2,restore-to=10..100:30")
        let (points, skipped) = try SimulationSweep.points(of: spec, base: SimulationPolicy(startBalance: Money(dollars: 10)))
        #expect(skipped.isEmpty)
        let sweep = SimulationSweep.run(trace, spec: spec, points: points)
        #expect(sweep.results == points.map { Simulator.run(trace, policy: $0.policy) })
        let lowest = try #require(sweep.lowestAverageBalance)
        let fewest = try #require(sweep.fewestRecharges)
        let unblocked = sweep.results.filter { $0.blocked == 0 }
        #expect(sweep.results[lowest].averageBalance == unblocked.map(\.averageBalance).min())
        #expect(sweep.results[fewest].recharges == unblocked.map(\.recharges).min())
        #expect(sweep.results[fewest].blocked == 0)
    }
}
