import GRDB
import TokenLedgerCore

/// Usage added up for one model and tier over a period.
public struct UsageTotal: Sendable, Hashable {
    public var model: String
    public var tier: ServiceTier
    public var requests: Int64
    public var inputTokens: Int64
    public var cachedTokens: Int64
    public var cacheWriteTokens: Int64
    public var outputTokens: Int64
    /// The tokens within the input and output billed at rates of their own.
    public var breakdown: TokenBreakdown
    public var cost: Money
}

extension Ledger {
    /// Usage of `account` on the UTC days from `from`'s to the one before `to`'s (times in
    /// `[from, to)` when both are midnights, as month bounds are), added up by model and tier,
    /// costliest first. Read from the daily rollup.
    public func usageTotals(account: String, from: Timestamp, to: Timestamp) throws -> [UsageTotal] {
        try read { db in
            guard let found = try Account.find(named: account, db: db) else { throw ChargeRefusal.unknownAccount(account) }
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT model, service_tier, sum(requests) AS requests, sum(input_tokens) AS input, sum(cached_tokens) AS cached,
                           sum(cache_write_tokens) AS cache_write, sum(output_tokens) AS output, sum(cost_nanos) AS cost,
                           sum(cache_write_1h_tokens) AS cache_write_1h, sum(input_audio_tokens) AS input_audio,
                           sum(input_image_tokens) AS input_image, sum(output_audio_tokens) AS output_audio,
                           sum(output_image_tokens) AS output_image
                    FROM usage_daily WHERE account_id = ? AND day_ms >= ? AND day_ms < ?
                    GROUP BY model, service_tier ORDER BY cost DESC, model, service_tier
                    """,
                arguments: [
                    found.id, from.milliseconds - from.milliseconds % DailyRollup.dayMilliseconds,
                    to.milliseconds - to.milliseconds % DailyRollup.dayMilliseconds,
                ]
            ).map { row in
                UsageTotal(
                    model: row["model"], tier: ServiceTier(rawValue: row["service_tier"])!, requests: row["requests"], inputTokens: row["input"],
                    cachedTokens: row["cached"], cacheWriteTokens: row["cache_write"], outputTokens: row["output"],
                    breakdown: TokenBreakdown(
                        cacheWrite1h: row["cache_write_1h"], inputAudio: row["input_audio"], inputImage: row["input_image"],
                        outputAudio: row["output_audio"], outputImage: row["output_image"]),
                    cost: Money(nanos: row["cost"]))
            }
        }
    }
}
