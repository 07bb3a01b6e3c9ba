import ArgumentParser
import Foundation
import TokenLedger
import TokenLedgerCharts
import TokenLedgerCore

/// `tokenledger simulate`: an auto-recharge policy (or a sweep of them) over a real trace, in
/// memory, by the ledger's own rules.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate an auto-recharge policy, or a sweep of policies, over a usage trace.",
        discussion: """
            The trace is read as `import usage` reads it (--input-format, default azure-trace; --model, --start, \
            --time-scale) and repeated end to end with --repeat. Each request is priced at the price in force at its time: \
            by the ledger's prices when --db (or $TOKENLEDGER_DB) names a ledger, else by the bundled default price book. \
            Nothing is written.

            The start balance is one purchase at the first request's time. Requests run in time order: a request is \
            blocked when the balance is zero or below, or month-to-date spend has reached --hard-limit; otherwise it is \
            charged (the balance may go below zero) and auto-recharge applies as after a ledger charge. Lots expire a year \
            after purchase.

            --sweep "threshold=5..50:5,restore-to=20..200:20" runs every combination (settings: threshold, restore-to, \
            monthly-cap, start-balance, max-purchase, hard-limit) on all cores and recommends the policy with no blocked \
            request and the lowest average balance, and the one with the fewest recharges.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("The usage file or trace.", valueName: "file")) var trace: String
    @Option(help: "The model of rows that name none (required for traces).") var model: String?
    @Option(
        name: [.customLong("input-format"), .customLong("trace-format")],
        help: ArgumentHelp("The trace's format, as `import usage --input-format` names it (also --trace-format).", valueName: "format"))
    var inputFormat = UsageImportFormat.azureTrace
    @Option(name: .customLong("time-scale"), help: "Multiply each request's offset from the first by this positive decimal (720: an hour becomes a month).")
    var timeScale: String?
    @Option(help: "Place the first request at this time (ISO 8601, UTC).", transform: Parse.time) var start: Timestamp?
    @Option(name: .customLong("repeat"), help: "Tile the trace this many times end to end.") var repetitions = 1
    @Option(
        name: .customLong("start-balance"), parsing: .unconditional,
        help: "The balance bought at the first request (default: restore-to, else $100; in a sweep, each policy's restore-to).")
    var startBalance: Money?
    @Option(parsing: .unconditional, help: "Recharge when the balance falls below this (USD).") var threshold: Money?
    @Option(name: .customLong("restore-to"), parsing: .unconditional, help: "The balance a recharge brings back (USD).") var restoreTo: Money?
    @Option(name: .customLong("monthly-cap"), parsing: .unconditional, help: "The most recharges may add in a calendar month (USD).") var monthlyCap: Money?
    @Option(name: .customLong("max-purchase"), parsing: .unconditional, help: "The account's largest payment, which caps each recharge (default $100).")
    var maxPurchase: Money?
    @Option(name: .customLong("hard-limit"), parsing: .unconditional, help: "Block requests once month-to-date spend reaches this (USD).") var hardLimit: Money?
    @Flag(name: .customLong("no-recharge"), help: "Simulate without auto-recharge.") var noRecharge = false
    @Option(name: .customLong("payment-failure-rate"), help: "The probability that a recharge's payment fails (0.05 or 5%).") var paymentFailureRate: String?
    @Option(help: "The seed of the payment failures' generator: the same seed fails the same payments.") var seed: UInt64 = 1
    @Option(help: ArgumentHelp("Settings to sweep: setting=low..high:step,...", valueName: "spec")) var sweep: String?
    @Option(help: ArgumentHelp("Write an SVG chart: the balance over time, or the sweep's heat map.", valueName: "file.svg")) var chart: String?
    @Option(
        name: .customLong("chart-metric"),
        help: ArgumentHelp("What a sweep's heat map shows: " + SweepMetric.allCases.map(\.rawValue).joined(separator: ", ") + ".", valueName: "metric"))
    var chartMetric = SweepMetric.recharges.rawValue

    func validate() throws {
        if (threshold == nil) != (restoreTo == nil), sweep == nil {
            throw ValidationError("--threshold and --restore-to go together")
        }
        if noRecharge, threshold != nil || restoreTo != nil || monthlyCap != nil {
            throw ValidationError("--no-recharge cannot be given with --threshold, --restore-to or --monthly-cap")
        }
        if monthlyCap != nil, threshold == nil, sweep == nil { throw ValidationError("--monthly-cap needs --threshold and --restore-to") }
        if paymentFailureRate != nil, threshold == nil, sweep == nil { throw ValidationError("--payment-failure-rate needs a recharge policy") }
        guard SweepMetric(rawValue: chartMetric) != nil else {
            throw ValidationError("--chart-metric must be one of " + SweepMetric.allCases.map(\.rawValue).joined(separator: ", "))
        }
        if let chart, !chart.lowercased().hasSuffix(".svg") { throw ValidationError("--chart writes SVG: name a file ending in .svg") }
    }

    func run() throws {
        try global.useOutputFormat()
        let base = try basePolicy()
        let spec = try sweep.map { text in
            do { return try SweepSpec(parsing: text) } catch { throw InputError(field: "--sweep", reason: "\(error)") }
        }
        let points = try spec.map { spec in
            do {
                return try SimulationSweep.points(
                    of: spec, base: base, threshold: threshold, restoreTo: restoreTo, monthlyCap: monthlyCap, startAtRestoreTo: startBalance == nil)
            } catch { throw InputError(field: "--sweep", reason: "\(error)") }
        }
        let chartFile = try OutputFile(chart, option: "--chart", what: "the chart", ledger: global.path)
        let loaded = try loadTrace()
        if let spec, let points {
            let progress = Progress(label: "simulating policies")
            let total = points.points.count
            let result = SimulationSweep.run(loaded.trace, spec: spec, points: points.points, skipped: points.skipped) { done in
                if done % 8 == 0 || done == total { progress.update(done, total) }
            }
            if let chartFile {
                let metric = SweepMetric(rawValue: chartMetric)!
                try chartFile.write(SimulationCharts.sweep(result, metric: metric, title: "\(title(loaded)): \(metric.rawValue) by policy"))
            }
            let fixed = startBalance == nil ? "each policy's restore-to" : base.startBalance.displayString
            global.emit(SimulateRendering.render(result, loaded: loaded, startBalance: fixed, prices: priceSource))
        } else {
            var series = BalanceSeries(
                firstMilliseconds: loaded.trace.firstMilliseconds ?? 0, lastMilliseconds: loaded.trace.lastMilliseconds ?? 0, startBalance: base.startBalance)
            let result = Simulator.run(loaded.trace, policy: base, series: &series)
            if let chartFile {
                try chartFile.write(SimulationCharts.balance(series, result: result, policy: base, title: "\(title(loaded)): balance over time"))
            }
            global.emit(SimulateRendering.render(result, loaded: loaded, policy: base, prices: priceSource))
        }
    }

    /// The policy of the options (for a sweep, the settings it does not vary).
    func basePolicy() throws -> SimulationPolicy {
        let maximum = maxPurchase ?? Credits.defaultMaximumPurchase
        guard maximum >= Credits.minimumPurchase, maximum <= Credits.ceiling, maximum.isWholeCents else {
            throw AccountRefusal.invalidMaximumPurchase(maximum)
        }
        var recharge: AutoRechargePolicy?
        if let threshold, let restoreTo {
            recharge = try AutoRechargePolicy(threshold: threshold, restoreTo: restoreTo, monthlyCap: monthlyCap, maximumPurchase: maximum)
        }
        let start = startBalance ?? restoreTo ?? Money(dollars: 100)
        guard start.nanos >= 0 else { throw InputError(field: "--start-balance", reason: "the start balance cannot be negative (got \(start))") }
        if let hardLimit, hardLimit.nanos <= 0 { throw InputError(field: "--hard-limit", reason: "the hard limit must be positive (got \(hardLimit))") }
        var rate = FailureRate.never
        if let paymentFailureRate {
            do { rate = try FailureRate(parsing: paymentFailureRate) } catch { throw InputError(field: "--payment-failure-rate", reason: error.description) }
        }
        return SimulationPolicy(startBalance: start, recharge: recharge, maximumPurchase: maximum, hardLimit: hardLimit, paymentFailureRate: rate, seed: seed)
    }

    /// Whether prices come from a ledger: `--db` or `$TOKENLEDGER_DB` names one.
    var usesLedgerPrices: Bool {
        global.db != nil || !(ProcessInfo.processInfo.environment["TOKENLEDGER_DB"] ?? "").isEmpty
    }

    var priceSource: String { usesLedgerPrices ? "ledger \(global.path)" : "default price book" }

    /// The trace read, placed, priced and tiled.
    func loadTrace() throws -> LoadedTrace {
        let prices = usesLedgerPrices ? try openLedger(at: global.path).priceBook() : PriceBook.standard
        let options = SimulationTraceOptions(
            model: model, timeScale: try timeScale.map(TimeScale.init(parsing:)) ?? .identity, start: start, repeats: repetitions)
        let progress = Progress(label: "reading \(trace) (bytes)")
        return try TraceLoader.load(file: trace, format: inputFormat, options: options, prices: prices) { step in
            progress.update(Int(step.bytesRead), Int(step.totalBytes))
        }
    }

    /// A chart's title: the trace's file name and the models.
    func title(_ loaded: LoadedTrace) -> String {
        "\(URL(fileURLWithPath: loaded.file).lastPathComponent) (\(loaded.models.joined(separator: ", ")))"
    }
}
