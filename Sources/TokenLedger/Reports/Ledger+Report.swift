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
        try read { db in try Ledger.monthlyReport(account: account, month: month, by: keys, db: db) }
    }

    /// ``monthlyReport(account:month:by:)`` on either store.
    package static func monthlyReport(account: String?, month: Timestamp, by keys: [ReportKey], db: some BooksReader) throws -> MonthlyReport {
        precondition(!keys.isEmpty && Set(keys).count == keys.count, "one or more distinct keys")
        let start = month.startOfMonth
        let groups = try usageGroups(account: account, from: start, to: start.startOfNextMonth, keys: keys, db: db)
        return MonthlyReport(groups: groups, month: start, account: account, keys: keys)
    }

    /// The rollup's rows for `[from, to)` (whole UTC days) grouped by day and the stack keys of
    /// `keys`; attribution not grouped by is nil, and so is a missing one ('' in the rollup).
    /// The same query on either store (``BooksReader``).
    static func usageGroups(account: String?, from: Timestamp, to: Timestamp, keys: [ReportKey], db: some BooksReader) throws -> [UsageGroup] {
        precondition(from.milliseconds % DailyRollup.dayMilliseconds == 0 && to.milliseconds % DailyRollup.dayMilliseconds == 0, "whole days")
        let grouped = Set(MonthlyReport.stackKeys(for: keys))
        let columns: [(ReportKey, String)] = [
            (.model, "model"), (.project, "project"), (.apiKey, "api_key"), (.user, "end_user"), (.provider, "provider"),
        ]
        let selected = columns.map { grouped.contains($0.0) ? $0.1 : "NULL AS \($0.1)" }
        let groupBy = ["day_ms"] + columns.filter { grouped.contains($0.0) }.map(\.1)
        var arguments = sqlValues(from.milliseconds, to.milliseconds)
        var accounts = "SELECT id FROM account"
        if let account {
            guard let found = try Account.find(named: account, db: db) else { throw ChargeRefusal.unknownAccount(account) }
            accounts = "?"
            arguments = sqlValues(found.id) + arguments
        }
        // `account_id IN (…)` lets SQLite range over the primary key per account and day.
        let sql = """
            SELECT day_ms, \(selected.joined(separator: ", ")), sum(charges) AS charges, sum(requests) AS requests, sum(input_tokens) AS input_tokens,
                   sum(cached_tokens) AS cached_tokens, sum(cache_write_tokens) AS cache_write_tokens, sum(output_tokens) AS output_tokens,
                   sum(cost_nanos) AS cost_nanos, sum(cache_write_1h_tokens) AS cache_write_1h_tokens, sum(input_audio_tokens) AS input_audio_tokens,
                   sum(input_image_tokens) AS input_image_tokens, sum(output_audio_tokens) AS output_audio_tokens,
                   sum(output_image_tokens) AS output_image_tokens
            FROM usage_daily WHERE account_id IN (\(accounts)) AND day_ms >= ? AND day_ms < ?
            GROUP BY \(groupBy.joined(separator: ", "))
            """
        return try db.select(sql, arguments).map { row in
            func attribution(_ column: String) -> String? {
                let text: String? = row[column]
                return text?.isEmpty == false ? text : nil
            }
            let sums = UsageSums(
                charges: row["charges"], requests: row["requests"], inputTokens: row["input_tokens"], cachedTokens: row["cached_tokens"],
                cacheWriteTokens: row["cache_write_tokens"], outputTokens: row["output_tokens"],
                breakdown: TokenBreakdown(
                    cacheWrite1h: row["cache_write_1h_tokens"], inputAudio: row["input_audio_tokens"], inputImage: row["input_image_tokens"],
                    outputAudio: row["output_audio_tokens"], outputImage: row["output_image_tokens"]),
                cost: Money(nanos: row["cost_nanos"]))
            return UsageGroup(
                day: CalendarDay(Timestamp(milliseconds: row["day_ms"])), model: row["model"], project: attribution("project"),
                apiKey: attribution("api_key"), user: attribution("end_user"), provider: attribution("provider"), sums: sums)
        }
    }
}
