import Foundation
import GRDB
import Testing
import TokenLedger
import TokenLedgerCore

/// `Ledger.monthlyReport`: rows add up to the totals exactly, and equal an independent GROUP BY
/// over the usage rows (the report itself reads only the daily rollup).
@Suite("Monthly report")
struct ReportTests {
    static let models = ["gpt-4o", "gpt-4o-mini", "o3", "o4-mini"]
    static let projects: [String?] = [nil, "search", "chat", "a|b <c>"]
    static let apiKeys: [String?] = [nil, "key-1", "key-2"]
    static let users: [String?] = [nil, "u-1", "u-2", "u-3", "u-4"]

    /// `count` seeded random charges to two accounts from mid-December 2025 to early March 2026.
    static func seed(_ ledger: Ledger, count: Int, seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        for name in ["acme", "beta"] { try makeAccount(ledger, name, at: utc(2025, 12, 1), purchase: .usd(50)) }
        let start = utc(2025, 12, 15).milliseconds, span = utc(2026, 3, 5).milliseconds - start
        let times = (0..<count).map { _ in start + Int64.random(in: 0..<span, using: &random) }.sorted()
        for (index, time) in times.enumerated() {
            let input = Int64.random(in: 10...50_000, using: &random)
            let cached = Int64.random(in: 0...1, using: &random) == 0 ? 0 : input / 3
            let model = models.randomElement(using: &random)!
            let tier: ServiceTier = model == "o3" && Bool.random(using: &random) ? .flex : .default
            _ = try ledger.charge(
                ChargeRequest(
                    account: Bool.random(using: &random) ? "acme" : "beta", model: model, tier: tier, input: input, cached: cached,
                    output: Int64.random(in: 1...4_000, using: &random), project: projects.randomElement(using: &random)!,
                    apiKey: apiKeys.randomElement(using: &random)!, user: users.randomElement(using: &random)!, requestID: "r-\(index)",
                    at: Timestamp(milliseconds: time), requests: Int64.random(in: 1...3, using: &random)))
        }
    }

    static let keySets: [[ReportKey]] = [[.model], [.project], [.apiKey], [.user], [.day], [.model, .project], [.day, .user, .apiKey], ReportKey.allCases]

    @Test("rows add up to the total to the nanodollar and equal a GROUP BY over the usage rows", arguments: [UInt64(1), 7])
    func rowsMatchUsage(seed: UInt64) throws {
        try withLedger { fixture in
            try Self.seed(fixture.ledger, count: 400, seed: seed)
            for month in [utc(2025, 12, 1), utc(2026, 1, 1), utc(2026, 2, 1), utc(2026, 3, 1), utc(2026, 4, 1)] {
                for account in [nil, "acme"] as [String?] {
                    for keys in Self.keySets {
                        let report = try fixture.ledger.monthlyReport(account: account, month: month, by: keys)
                        var added = UsageSums()
                        for row in report.rows { added += row.sums }
                        #expect(added == report.total, "\(keys) \(month)")
                        #expect(Set(report.rows.map(\.values)).count == report.rows.count, "one row per combination")
                        #expect(try Self.groupBy(fixture.raw, account: account, month: month, keys: keys) == Self.rowSet(report))
                        let dailyCost = report.daily.flatMap(\.costs.values).reduce(Money.zero, +)
                        #expect(dailyCost == report.total.cost)
                    }
                }
            }
            let whole = try fixture.raw.int("SELECT sum(cost_nanos) FROM usage")
            let months = try [utc(2025, 12, 1), utc(2026, 1, 1), utc(2026, 2, 1), utc(2026, 3, 1)].map {
                try fixture.ledger.monthlyReport(account: nil, month: $0, by: [.model]).total.cost.nanos
            }
            #expect(months.reduce(0, +) == whole)
        }
    }

    /// Report rows as comparable values: the key values and every sum.
    struct RowValues: Hashable {
        var values: [String?]
        var sums: [Int64]
    }

    static func rowSet(_ report: MonthlyReport) -> Set<RowValues> {
        Set(report.rows.map { RowValues(values: $0.values, sums: sums($0.sums)) })
    }

    static func sums(_ sums: UsageSums) -> [Int64] {
        [sums.charges, sums.requests, sums.inputTokens, sums.cachedTokens, sums.cacheWriteTokens, sums.outputTokens, sums.cost.nanos]
    }

    /// The independent check: the same grouping straight from the usage rows.
    static func groupBy(_ raw: RawDatabase, account: String?, month: Timestamp, keys: [ReportKey]) throws -> Set<RowValues> {
        let expressions = keys.map { key -> String in
            switch key {
            case .model: "model"
            case .project: "project"
            case .apiKey: "api_key"
            case .user: "end_user"
            case .provider: "provider"
            case .day: "strftime('%Y-%m-%d', occurred_at_ms / 1000, 'unixepoch')"
            }
        }
        let sql = """
            SELECT \(expressions.joined(separator: ", ")), count(*), sum(requests), sum(input_tokens), sum(cached_tokens),
                   sum(cache_write_tokens), sum(output_tokens), sum(cost_nanos)
            FROM usage WHERE occurred_at_ms >= ? AND occurred_at_ms < ?
              AND (? IS NULL OR account_id = (SELECT id FROM account WHERE name = ?))
            GROUP BY \(expressions.joined(separator: ", "))
            """
        return try raw.queue.read { db in
            Set(
                try Row.fetchAll(db, sql: sql, arguments: [month.milliseconds, month.startOfNextMonth.milliseconds, account, account]).map { row in
                    RowValues(values: keys.indices.map { row[$0] as String? }, sums: (0..<7).map { row[keys.count + $0] as Int64 })
                })
        }
    }

    @Test("rows: in day order with day among the keys, else costliest first; missing attribution is nil")
    func ordering() throws {
        try withLedger { fixture in
            try Self.seed(fixture.ledger, count: 150, seed: 3)
            let byModel = try fixture.ledger.monthlyReport(account: nil, month: utc(2026, 1, 20), by: [.model])
            #expect(byModel.month == utc(2026, 1, 1))
            #expect(byModel.rows.map(\.sums.cost) == byModel.rows.map(\.sums.cost).sorted(by: >))
            let byDay = try fixture.ledger.monthlyReport(account: nil, month: utc(2026, 1, 1), by: [.day, .project])
            let days = byDay.rows.map { $0.values[0]! }
            #expect(days == days.sorted())
            #expect(byDay.rows.contains { $0.values[1] == nil })
            #expect(byDay.daily.count == 31 && byDay.daily.first?.day == CalendarDay(utc(2026, 1, 1)))
            #expect(byDay.stackKeys == [.project])
            #expect(try fixture.ledger.monthlyReport(account: nil, month: utc(2026, 1, 1), by: [.day]).stackKeys == [.model])
        }
    }

    @Test("an unknown account is refused; a month without usage is empty")
    func edges() throws {
        try withLedger { fixture in
            #expect(outcome { _ = try fixture.ledger.monthlyReport(account: "nobody", month: utc(2026, 1, 1), by: [.model]) } == "unknown_account")
            try makeAccount(fixture.ledger, "acme", at: utc(2026, 1, 1))
            let report = try fixture.ledger.monthlyReport(account: "acme", month: utc(2026, 2, 1), by: [.model])
            #expect(report.rows.isEmpty && report.total == UsageSums() && report.daily.count == 28)
        }
    }
}
