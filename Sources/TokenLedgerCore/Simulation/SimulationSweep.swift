import Dispatch
import Synchronization

/// A grid of policies to simulate: each named setting takes a range of amounts, and every
/// combination is one policy.
///
/// Written as `threshold=5..50:5,restore-to=20..200:20`: comma-separated `setting=values`,
/// where values are `low..high:step` (inclusive; amounts in dollars as people type them) or a
/// single amount. Settings: `threshold`, `restore-to`, `monthly-cap`, `start-balance`,
/// `max-purchase`, `hard-limit`.
public struct SweepSpec: Hashable, Sendable {
    /// A setting a sweep can vary.
    public enum Setting: String, CaseIterable, Hashable, Sendable {
        case threshold
        case restoreTo = "restore-to"
        case monthlyCap = "monthly-cap"
        case startBalance = "start-balance"
        case maximumPurchase = "max-purchase"
        case hardLimit = "hard-limit"
    }

    /// One swept setting and its values, ascending.
    public struct Axis: Hashable, Sendable {
        public var setting: Setting
        public var values: [Money]
    }

    /// The axes in the order written: the first varies slowest.
    public let axes: [Axis]

    /// The most policies one sweep may hold.
    public static let maximumPolicies = 100_000

    /// How many policies the grid holds (before invalid ones are left out).
    public var combinations: Int { axes.reduce(1) { $0 * $1.values.count } }

    /// Reads a sweep. Throws ``SweepSpecError`` saying which part is wrong and why.
    public init(parsing text: String) throws(SweepSpecError) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingASCIIWhitespace() }
        guard !text.trimmingASCIIWhitespace().isEmpty else { throw SweepSpecError("the sweep is empty; write setting=low..high:step,…") }
        var axes: [Axis] = []
        var combinations = 1
        for part in parts {
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map { String($0).trimmingASCIIWhitespace() }
            guard pair.count == 2, !pair[0].isEmpty, !pair[1].isEmpty else {
                throw SweepSpecError("'\(part)' is not setting=values (example: threshold=5..50:5)")
            }
            guard let setting = Setting(rawValue: pair[0].lowercased()) else {
                throw SweepSpecError("unknown setting '\(pair[0])'; a sweep varies " + Setting.allCases.map(\.rawValue).joined(separator: ", "))
            }
            guard !axes.contains(where: { $0.setting == setting }) else { throw SweepSpecError("'\(setting.rawValue)' is swept twice") }
            let values = try SweepSpec.values(pair[1], setting: setting)
            combinations = combinations.multipliedReportingOverflow(by: values.count).overflow ? .max : combinations * values.count
            guard combinations <= SweepSpec.maximumPolicies else {
                throw SweepSpecError("the sweep has more than \(SweepSpec.maximumPolicies) combinations; use larger steps")
            }
            axes.append(Axis(setting: setting, values: values))
        }
        self.axes = axes
    }

    /// `low..high:step` or one amount, for `setting`.
    private static func values(_ text: String, setting: Setting) throws(SweepSpecError) -> [Money] {
        func amount(_ text: String, _ what: String) throws(SweepSpecError) -> Money {
            do { return try Money(parsing: text) } catch { throw SweepSpecError("\(setting.rawValue): the \(what) \(error.description)") }
        }
        guard text.contains("..") else { return [try amount(text, "value")] }
        let bounds = text.split(separator: "..", omittingEmptySubsequences: false).map(String.init)
        guard bounds.count == 2 else { throw SweepSpecError("\(setting.rawValue): '\(text)' is not low..high:step") }
        let upper = bounds[1].split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard upper.count == 2 else { throw SweepSpecError("\(setting.rawValue): '\(text)' needs a step: low..high:step (example: 5..50:5)") }
        let low = try amount(bounds[0], "low end"), high = try amount(upper[0], "high end"), step = try amount(upper[1], "step")
        guard step.nanos > 0 else { throw SweepSpecError("\(setting.rawValue): the step must be positive (got \(step))") }
        guard low <= high else { throw SweepSpecError("\(setting.rawValue): the low end \(low) is above the high end \(high)") }
        guard (high.nanos - low.nanos) / step.nanos < Int64(maximumPolicies) else {
            throw SweepSpecError("\(setting.rawValue): more than \(maximumPolicies) values; use a larger step")
        }
        return stride(from: low.nanos, through: high.nanos, by: Int(step.nanos)).map { Money(nanos: $0) }
    }

    /// Every combination of the axes' values, the first axis varying slowest.
    public var grid: [[Money]] {
        axes.reduce([[]]) { partial, axis in partial.flatMap { prefix in axis.values.map { prefix + [$0] } } }
    }
}

/// What is wrong with a sweep, for people.
public struct SweepSpecError: Error, Equatable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// One policy of a sweep: the swept settings' values, and the policy they make.
public struct SweepPoint: Hashable, Sendable {
    /// The value of each axis of the sweep, in the sweep's order.
    public var values: [Money]
    public var policy: SimulationPolicy
}

/// A combination of a sweep that is not a valid policy, and why.
public struct SkippedSweepPoint: Equatable, Sendable {
    public var values: [Money]
    public var refusal: AutoRechargeRefusal
}

/// What a sweep found: each policy's result, and the ones it recommends.
public struct SweepResult: Sendable {
    public var spec: SweepSpec
    public var points: [SweepPoint]
    public var results: [SimulationResult]
    /// Combinations left out because they are not valid policies (threshold not below restore-to…).
    public var skipped: [SkippedSweepPoint]

    /// The policy with no blocked request and the lowest average balance (the least credit tied
    /// up), ties to the fewer recharges then the earlier policy; nil when every policy blocks.
    public var lowestAverageBalance: Int? {
        best { ($0.averageBalance.nanos, Int64($0.recharges)) }
    }

    /// The policy with no blocked request and the fewest recharges, ties to the lower average
    /// balance then the earlier policy; nil when every policy blocks.
    public var fewestRecharges: Int? {
        best { (Int64($0.recharges), $0.averageBalance.nanos) }
    }

    private func best(by key: (SimulationResult) -> (Int64, Int64)) -> Int? {
        results.indices.filter { results[$0].blocked == 0 }.min { key(results[$0]) < key(results[$1]) }
    }
}

/// Runs many policies over one trace, in parallel on every core.
public enum SimulationSweep {
    /// The policies of `spec`'s grid: each combination applied to `base` (settings not swept
    /// keep `base`'s). Recharge settings not swept come from `threshold`, `restoreTo` and
    /// `monthlyCap` (by default `base`'s recharge policy's), so a sweep of restore-to can take
    /// a fixed threshold. With `startAtRestoreTo`, each policy starts at its restore-to (unless
    /// the sweep varies the start balance), as an account does right after a recharge.
    /// Combinations that are not valid policies are returned as skipped. Throws
    /// ``SweepSpecError`` when the sweep varies recharge settings but has no threshold or no
    /// restore-to to combine them with.
    public static func points(
        of spec: SweepSpec, base: SimulationPolicy, threshold: Money? = nil, restoreTo: Money? = nil, monthlyCap: Money? = nil,
        startAtRestoreTo: Bool = false
    ) throws(SweepSpecError) -> (points: [SweepPoint], skipped: [SkippedSweepPoint]) {
        let settings = spec.axes.map(\.setting)
        let fixedThreshold = threshold ?? base.recharge?.threshold
        let fixedRestoreTo = restoreTo ?? base.recharge?.restoreTo
        let fixedCap = monthlyCap ?? base.recharge?.monthlyCap
        let sweepsRecharge = settings.contains { [.threshold, .restoreTo, .monthlyCap].contains($0) }
        if sweepsRecharge, fixedThreshold == nil && !settings.contains(.threshold) || fixedRestoreTo == nil && !settings.contains(.restoreTo) {
            throw SweepSpecError("a sweep of recharge settings needs both threshold and restore-to, swept or given (--threshold, --restore-to)")
        }
        var points: [SweepPoint] = []
        var skipped: [SkippedSweepPoint] = []
        for values in spec.grid {
            var policy = base
            var threshold = fixedThreshold, restoreTo = fixedRestoreTo, cap = fixedCap
            for (setting, value) in zip(settings, values) {
                switch setting {
                case .threshold: threshold = value
                case .restoreTo: restoreTo = value
                case .monthlyCap: cap = value
                case .startBalance: policy.startBalance = value
                case .maximumPurchase: policy.maximumPurchase = value
                case .hardLimit: policy.hardLimit = value
                }
            }
            if startAtRestoreTo, let restoreTo, !settings.contains(.startBalance) { policy.startBalance = restoreTo }
            if let threshold, let restoreTo {
                do {
                    policy.recharge = try AutoRechargePolicy(
                        threshold: threshold, restoreTo: restoreTo, monthlyCap: cap, maximumPurchase: policy.maximumPurchase)
                } catch {
                    skipped.append(SkippedSweepPoint(values: values, refusal: error))
                    continue
                }
            }
            points.append(SweepPoint(values: values, policy: policy))
        }
        return (points, skipped)
    }

    /// Runs every point over `trace`, spread over all cores; `progress` is told how many are
    /// done (from any thread). The results are in the points' order and the same on any machine.
    public static func run(
        _ trace: SimulationTrace, spec: SweepSpec, points: [SweepPoint], skipped: [SkippedSweepPoint] = [],
        progress: @Sendable (Int) -> Void = { _ in }
    ) -> SweepResult {
        let results = Locked([SimulationResult?](repeating: nil, count: points.count))
        let done = Atomic(0)
        DispatchQueue.concurrentPerform(iterations: points.count) { index in
            let result = Simulator.run(trace, policy: points[index].policy)
            results.withLock { $0[index] = result }
            progress(done.add(1, ordering: .relaxed).newValue)
        }
        return SweepResult(spec: spec, points: points, results: results.withLock { $0.map { $0! } }, skipped: skipped)
    }
}
