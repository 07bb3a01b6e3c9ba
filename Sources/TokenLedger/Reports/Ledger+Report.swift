import GRDB
import TokenLedgerCore

extension Ledger {
    /// A calendar month of usage (UTC) grouped by `keys`, with totals: requests, tokens by class
    /// and cost per row, the rows adding up to the total to the nanodollar.
    ///
    /// Reads the daily rollup (`usage_daily`, kept in the same transaction as every charge),
    /// never the usage rows, so it answers in about the same time over ten charges or ten
    /// million. `month` is any instant of the month; `account` nil reports every account.
    /// Throws ``ChargeRefusal/unknownAccount(_:)`` for an unknown account.
    ///
    /// ```swift
    /// let report = try ledger.monthlyReport(account: "acme", month: Timestamp(year: 2026, month: 1, day: 1), by: [.model, .project])
    /// print(report.total.cost)
    /// ```
    public func monthlyReport(account: String?, month: Timestamp, by keys: [ReportKey]) throws -> MonthlyReport {
        precondition(!keys.isEmpty && Set(keys).count == keys.count, "one or more distinct keys")
        let start = month.startOfMonth
        return try read { db in
            let groups = try Ledger.usageGroups(account: account, from: start, to: start.startOfNextMonth, keys: keys, db: db)
            return MonthlyReport(groups: groups, month: start, account: account, keys: keys)
        }
    }

    /// The rollup's rows for `[from, to)` (whole UTC days) grouped by day and the stack keys of
    /// `keys`; attribution not grouped by is nil, and so is a missing one ('' in the rollup).
    static func usageGroups(account: String?, from: Timestamp, to: Timestamp, keys: [ReportKey], db: Database) throws -> [UsageGroup] {
        precondition(from.milliseconds % DailyRollup.dayMilliseconds == 0 && to.milliseconds % DailyRollup.dayMilliseconds == 0, "whole days")
        let grouped = Set(MonthlyReport.stackKeys(for: keys))
        let columns: [(ReportKey, String)] = [
            (.model, "model"), (.project, "project"), (.apiKey, "api_key"), (.user, "end_user"), (.provider, "provider"),
        ]
        let selected = columns.map { grouped.contains($0.0) ? $0.1 : "NULL" }
        let groupBy = ["day_ms"] + columns.filter { grouped.contains($0.0) }.map(\.1)
        var arguments: StatementArguments = [from.milliseconds, to.milliseconds]
        var accounts = "SELECT id FROM account"
        if let account {
            guard let found = try Account.find(named: account, db: db) else { throw ChargeRefusal.unknownAccount(account) }
            accounts = "?"
            arguments = [found.id] + arguments
        }
        // `account_id IN (…)` lets SQLite range over the primary key per account and day.
        let sql = """
            SELECT day_ms, \(selected.joined(separator: ", ")), sum(charges), sum(requests), sum(input_tokens), sum(cached_tokens),
                   sum(cache_write_tokens), sum(output_tokens), sum(cost_nanos), sum(cache_write_1h_tokens), sum(input_audio_tokens),
                   sum(input_image_tokens), sum(output_audio_tokens), sum(output_image_tokens)
            FROM usage_daily WHERE account_id IN (\(accounts)) AND day_ms >= ? AND day_ms < ?
            GROUP BY \(groupBy.joined(separator: ", "))
            """
        return try db.rows(sql, arguments).map { row in
            func attribution(_ index: Int) -> String? {
                let text: String? = row[index]
                return text?.isEmpty == false ? text : nil
            }
            let sums = UsageSums(
                charges: row[6], requests: row[7], inputTokens: row[8], cachedTokens: row[9], cacheWriteTokens: row[10], outputTokens: row[11],
                breakdown: TokenBreakdown(cacheWrite1h: row[13], inputAudio: row[14], inputImage: row[15], outputAudio: row[16], outputImage: row[17]),
                cost: Money(nanos: row[12]))
            return UsageGroup(
                day: CalendarDay(Timestamp(milliseconds: row[0])), model: row[1], project: attribution(2), apiKey: attribution(3), user: attribution(4),
                provider: attribution(5), sums: sums)
        }
    }
}
