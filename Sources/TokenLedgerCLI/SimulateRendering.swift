import TokenLedger
import TokenLedgerCore

/// How `simulate` prints a run or a sweep (CLI.md: `requests`, `blocked`, `cost_usd`,
/// `recharges`, `recharged_usd`, `failed_recharges`, `min_balance_usd`, `final_balance_usd`,
/// `months`; with `--sweep`, `policies`).
enum SimulateRendering {
    static func render(_ result: SimulationResult, loaded: LoadedTrace, policy: SimulationPolicy, prices: String) -> Rendered {
        let json = JSON.object(traceFields(loaded, prices: prices) + [("policy", policyJSON(policy))] + resultFields(result))
        var lines = [heading(loaded, result: result), keyValueLines([("policy", policy.description), ("prices", prices)]), ""]
        lines.append(
            keyValueLines([
                ("requests", result.requests.grouped), ("charged", result.charged.grouped), ("blocked", result.blocked.grouped),
                ("cost", result.cost.displayString), ("recharges", "\(result.recharges.grouped) (\(result.recharged.displayString))"),
                ("failed recharges", result.failedRecharges.grouped), ("expired", result.expired.displayString),
                ("minimum balance", result.minimumBalance.displayString), ("final balance", result.finalBalance.displayString),
                ("average balance", "\(result.averageBalance.displayString) (credit tied up, time-weighted)"),
            ]))
        lines += ["", monthTable(result.months).rendered()]
        return Rendered(json: json, table: lines.joined(separator: "\n"), csv: monthTable(result.months, machine: true))
    }

    /// A sweep; `startBalance` says what the policies start with (an amount, or each one's restore-to).
    static func render(_ sweep: SweepResult, loaded: LoadedTrace, startBalance: String, prices: String) -> Rendered {
        let settings = sweep.spec.axes.map(\.setting.rawValue)
        let policies = zip(sweep.points, sweep.results).map { point, result in
            JSON.object(
                zip(settings, point.values).map { ($0.replacingOccurrences(of: "-", with: "_") + "_usd", JSON.money($1)) }
                    + [("policy", policyJSON(point.policy))] + resultFields(result))
        }
        func recommended(_ index: Int?) -> JSON { index.map { JSON.int(Int64($0)) } ?? .null }
        let json = JSON.object(
            traceFields(loaded, prices: prices) + [
                ("sweep", .string(sweep.spec.axes.map { "\($0.setting.rawValue)=\($0.values.count) values" }.joined(separator: ","))),
                ("skipped", .int(Int64(sweep.skipped.count))),
                ("lowest_average_balance_policy", recommended(sweep.lowestAverageBalance)),
                ("fewest_recharges_policy", recommended(sweep.fewestRecharges)), ("policies", .array(policies)),
            ])
        let columns = settings + ["blocked", "recharges", "recharged", "failed", "cost", "min balance", "final balance", "average balance"]
        func row(_ point: SweepPoint, _ result: SimulationResult, machine: Bool) -> [String] {
            let money: (Money) -> String = machine ? { $0.decimalString } : { $0.displayString }
            return point.values.map(money) + [
                String(result.blocked), String(result.recharges), money(result.recharged), String(result.failedRecharges), money(result.cost),
                money(result.minimumBalance), money(result.finalBalance), money(result.averageBalance),
            ]
        }
        let rows = zip(sweep.points, sweep.results)
        let table = Table(columns: columns, rows: rows.map { row($0, $1, machine: false) }, rightAligned: Set(0..<columns.count))
        var lines = [
            heading(loaded, result: sweep.results.first),
            keyValueLines([
                ("policies", "\(sweep.points.count.grouped) (\(plural(sweep.skipped.count, "invalid combination")) left out)"), ("start balance", startBalance),
                ("prices", prices),
            ]),
            "", table.rendered(), "",
        ]
        func describe(_ index: Int?, _ what: String) -> String {
            guard let index else { return "\(what): none (every policy blocks requests)" }
            let values = zip(settings, sweep.points[index].values).map { "\($0) \($1)" }.joined(separator: ", ")
            let result = sweep.results[index]
            return "\(what): \(values) (average balance \(result.averageBalance), \(plural(result.recharges, "recharge")))"
        }
        lines.append(describe(sweep.lowestAverageBalance, "no blocked request, lowest average balance"))
        lines.append(describe(sweep.fewestRecharges, "no blocked request, fewest recharges"))
        let machineColumns =
            settings.map { $0.replacingOccurrences(of: "-", with: "_") + "_usd" } + [
                "blocked", "recharges", "recharged_usd", "failed_recharges", "cost_usd", "min_balance_usd", "final_balance_usd", "average_balance_usd",
            ]
        return Rendered(json: json, table: lines.joined(separator: "\n"), csv: Table(columns: machineColumns, rows: rows.map { row($0, $1, machine: true) }))
    }

    static func heading(_ loaded: LoadedTrace, result: SimulationResult?) -> String {
        let span = result.flatMap { result in result.firstAt.map { "from \($0) to \(result.lastAt!)" } } ?? "no requests"
        let repeats = loaded.repeats > 1 ? " repeated \(loaded.repeats.grouped) times" : ""
        return
            "Simulated \(loaded.file) (\(loaded.format.rawValue), \(loaded.models.joined(separator: ", ")))\(repeats): \(plural(loaded.trace.count, "request")) \(span)."
    }

    static func traceFields(_ loaded: LoadedTrace, prices: String) -> [(String, JSON)] {
        [
            ("trace", .string(loaded.file)), ("trace_format", .string(loaded.format.rawValue)), ("models", .array(loaded.models.map(JSON.string))),
            ("repeat", .int(Int64(loaded.repeats))), ("prices", .string(prices)),
        ]
    }

    static func policyJSON(_ policy: SimulationPolicy) -> JSON {
        .object([
            ("start_balance_usd", .money(policy.startBalance)), ("threshold_usd", policy.recharge.map { .money($0.threshold) } ?? .null),
            ("restore_to_usd", policy.recharge.map { .money($0.restoreTo) } ?? .null),
            ("monthly_cap_usd", policy.recharge?.monthlyCap.map(JSON.money) ?? .null), ("max_purchase_usd", .money(policy.maximumPurchase)),
            ("hard_limit_usd", policy.hardLimit.map(JSON.money) ?? .null), ("payment_failure_rate", .string(policy.paymentFailureRate.description)),
            ("seed", .string(String(policy.seed))),
        ])
    }

    static func resultFields(_ result: SimulationResult) -> [(String, JSON)] {
        [
            ("requests", .int(Int64(result.requests))), ("charged", .int(Int64(result.charged))), ("blocked", .int(Int64(result.blocked))),
            ("cost_usd", .money(result.cost)), ("recharges", .int(Int64(result.recharges))), ("recharged_usd", .money(result.recharged)),
            ("failed_recharges", .int(Int64(result.failedRecharges))), ("expired_usd", .money(result.expired)),
            ("min_balance_usd", .money(result.minimumBalance)), ("final_balance_usd", .money(result.finalBalance)),
            ("average_balance_usd", .money(result.averageBalance)), ("first_at", result.firstAt.map(JSON.time) ?? .null),
            ("last_at", result.lastAt.map(JSON.time) ?? .null),
            (
                "months",
                .array(
                    result.months.map { month in
                        .object(
                            zip(monthColumns, monthCells(month, machine: true)).map { name, cell in
                                (name, name.hasSuffix("_usd") ? .string(cell) : name == "month" ? .string(cell) : .int(Int64(cell)!))
                            })
                    })
            ),
        ]
    }

    static let monthColumns = [
        "month", "requests", "charged", "blocked", "cost_usd", "recharges", "recharged_usd", "failed_recharges", "expired_usd", "min_balance_usd",
        "closing_balance_usd",
    ]

    static func monthCells(_ month: SimulationMonth, machine: Bool) -> [String] {
        let money: (Money) -> String = machine ? { $0.decimalString } : { $0.displayString }
        let count: (Int) -> String = machine ? { String($0) } : { $0.grouped }
        return [
            month.label, count(month.requests), count(month.charged), count(month.blocked), money(month.cost), count(month.recharges), money(month.recharged),
            count(month.failedRecharges), money(month.expired), money(month.minimumBalance), money(month.closingBalance),
        ]
    }

    static func monthTable(_ months: [SimulationMonth], machine: Bool = false) -> Table {
        let columns =
            machine
            ? monthColumns : ["month", "requests", "charged", "blocked", "cost", "recharges", "recharged", "failed", "expired", "min balance", "closing"]
        return Table(columns: columns, rows: months.map { monthCells($0, machine: machine) }, rightAligned: Set(1..<columns.count))
    }
}
