import Benchmark
import TokenLedger
import TokenLedgerCore

/// Issue 16's target: finding charges stays fast on 10 million of them. Over the report
/// benchmarks' ledger (``ReportFixture``: a month of charges, about 320,000 a day): a day's
/// first page by time, the largest of a day and model, a page a thousand pages deep, one charge
/// worked out, and a day of the account's journal.
func chargesBenchmarks() {
    let configuration = Benchmark.Configuration(metrics: [.wallClock, .peakMemoryResident], warmupIterations: 1, maxDuration: .seconds(20), maxIterations: 50)
    let count = ReportFixture.count
    let day = Timestamp(milliseconds: ReportFixture.month.milliseconds + 14 * 86_400_000)
    let nextDay = Timestamp(milliseconds: day.milliseconds + 86_400_000)

    Benchmark("Charges: a day's first page of 100 by time, \(count) charges", configuration: configuration) { benchmark in
        let ledger = try ReportFixture.ledger()
        benchmark.startMeasurement()
        let page = try ledger.charges(matching: ChargeQuery(account: BenchmarkFixture.account, from: day, to: nextDay))
        benchmark.stopMeasurement()
        precondition(page.charges.count == 100 && page.next != nil, "a full page and a next one")
        blackHole(page)
    }

    Benchmark("Charges: a day's 100 most expensive of one model, \(count) charges", configuration: configuration) { benchmark in
        let ledger = try ReportFixture.ledger()
        var query = ChargeQuery(account: BenchmarkFixture.account, from: day, to: nextDay, sort: .cost, descending: true)
        query.model = "o3"
        benchmark.startMeasurement()
        let page = try ledger.charges(matching: query)
        benchmark.stopMeasurement()
        precondition(page.charges.count == 100 && page.charges.allSatisfy { $0.model == "o3" }, "a full page of the model")
        blackHole(page)
    }

    Benchmark("Charges: the page after 100 pages of 100 (--after), by time, \(count) charges", configuration: configuration) { benchmark in
        let ledger = try ReportFixture.ledger()
        // Where a person paging through the day by --after is after 100 pages: the day's 10,000th charge.
        var query = ChargeQuery(account: BenchmarkFixture.account, from: day, to: nextDay, limit: 100)
        query.after = try ledger.charges(matching: ChargeQuery(account: BenchmarkFixture.account, from: day, to: nextDay, limit: 10_000)).charges.last?.id
        precondition(query.after != nil, "charges to page through")
        benchmark.startMeasurement()
        let page = try ledger.charges(matching: query)
        benchmark.stopMeasurement()
        precondition(page.charges.count == 100, "a full page")
        blackHole(page)
    }

    Benchmark("Charges: one charge worked out (charges show), \(count) charges", configuration: configuration) { benchmark in
        let ledger = try ReportFixture.ledger()
        let id = try ledger.charges(matching: ChargeQuery(account: BenchmarkFixture.account, from: day, limit: 1)).charges[0].id
        benchmark.startMeasurement()
        let detail = try ledger.charge(id: id)
        benchmark.stopMeasurement()
        precondition(detail.charge.id == id, "the charge asked for")
        blackHole(detail)
    }

    Benchmark("Journal: an hour of the account, \(count) charges", configuration: configuration) { benchmark in
        let ledger = try ReportFixture.ledger()
        benchmark.startMeasurement()
        let lines = try ledger.journal(account: BenchmarkFixture.account, from: day, to: Timestamp(milliseconds: day.milliseconds + 3_600_000))
        benchmark.stopMeasurement()
        precondition(!lines.isEmpty, "an hour of movements")
        blackHole(lines)
    }
}
