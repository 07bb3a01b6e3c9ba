import GRDB
import TokenLedger
import TokenLedgerCore

/// The rows an import of ``RepeatedAzureTrace`` writes (per charge its usage row, with the lot
/// that paid it inline and an id like the import's; then the balances, the lot and the daily
/// rollup once), as plain prepared INSERTs into the same tables of a fresh ledger file, in one
/// transaction: what SQLite itself does with the same rows, the yardstick of the import
/// benchmark.
///
/// Everything but the inserts (ids, costs, times) is computed before the measurement.
final class RawInserts {
    private let queue: DatabaseQueue
    private let rows: [RawCharge]
    private let accountID: Int64
    private let lotID: Int64
    private let priceEntryID: Int64
    private let creditNanos: Int64

    private struct RawCharge {
        var requestID: String
        var at: Int64
        var input: Int64
        var output: Int64
        var costNanos: Int64
    }

    /// Prepares `count` rows for the ledger at `path` (made by ``BenchmarkFixture/freshLedger()``).
    init(path: String, count: Int) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        queue = try DatabaseQueue(path: path, configuration: configuration)
        (accountID, lotID, priceEntryID, creditNanos) = try queue.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT a.id, l.id, l.remaining_nanos, (SELECT max(id) FROM price_entry WHERE model = ?)
                    FROM account a JOIN lot l ON l.account_id = a.id WHERE a.name = ?
                    """, arguments: [BenchmarkFixture.model, BenchmarkFixture.account])!
            return (row[0], row[1], row[3], row[2])
        }
        var source = RepeatedAzureTrace(count: count)
        var rows: [RawCharge] = []
        rows.reserveCapacity(count)
        while case .row(let row)? = try source.next() {
            let usage = TokenUsage(input: row.inputTokens, output: row.outputTokens)
            let cost = try BenchmarkFixture.priceEntry.cost(of: usage, tier: .default).total.nanos
            let at = BenchmarkFixture.startMilliseconds + Int64(row.timeNanoseconds / 1_000_000)
            let time = String(UInt64(at), radix: 16)
            let hex = String(UInt64(rows.count), radix: 16)
            rows.append(
                RawCharge(
                    requestID: "imp_" + String(repeating: "0", count: 12 - time.count) + time + "_" + String(repeating: "0", count: 24 - hex.count) + hex,
                    at: at, input: row.inputTokens, output: row.outputTokens, costNanos: cost))
        }
        self.rows = rows
    }

    /// Inserts every row in one transaction.
    func insertAll() throws {
        try queue.write { db in
            let usage = try db.makeStatement(
                sql: """
                    INSERT INTO usage (request_id, account_id, price_entry_id, model, service_tier, band, input_tokens, cached_tokens,
                        cache_write_tokens, output_tokens, requests, cost_nanos, occurred_at_ms, balance_after_nanos, lot_id, lot_nanos)
                    VALUES (?, ?, ?, ?, 'default', 'standard', ?, 0, 0, ?, 1, ?, ?, ?, ?, ?)
                    """)
            let rollup = try db.makeStatement(
                sql: """
                    INSERT INTO usage_daily (account_id, day_ms, model, service_tier, band, project, api_key, end_user, charges, requests,
                        input_tokens, cached_tokens, cache_write_tokens, output_tokens, cost_nanos)
                    VALUES (?, ?, ?, 'default', 'standard', '', '', '', ?, ?, ?, 0, 0, ?, ?)
                    """)
            var balance = creditNanos
            var remaining = creditNanos
            var day: (start: Int64, charges: Int64, input: Int64, output: Int64, cost: Int64)?
            for row in rows {
                balance -= row.costNanos
                let taken = min(remaining, row.costNanos)
                remaining -= taken
                try usage.execute(arguments: [
                    row.requestID, accountID, priceEntryID, BenchmarkFixture.model, row.input, row.output, row.costNanos, row.at, balance,
                    taken > 0 ? lotID : nil, taken > 0 ? taken : nil,
                ])
                let start = row.at - row.at % 86_400_000
                if let current = day, current.start != start {
                    try rollup.execute(arguments: [
                        accountID, current.start, BenchmarkFixture.model, current.charges, current.charges, current.input, current.output, current.cost,
                    ])
                    day = nil
                }
                let current = day ?? (start, 0, 0, 0, 0)
                day = (start, current.charges + 1, current.input + row.input, current.output + row.output, current.cost + row.costNanos)
            }
            if let current = day {
                try rollup.execute(arguments: [
                    accountID, current.start, BenchmarkFixture.model, current.charges, current.charges, current.input, current.output, current.cost,
                ])
            }
            try db.execute(sql: "UPDATE account SET balance_nanos = ? WHERE id = ?", arguments: [balance, accountID])
            try db.execute(sql: "UPDATE account SET balance_nanos = balance_nanos + ? WHERE id = 3", arguments: [creditNanos - balance])
            try db.execute(sql: "UPDATE lot SET remaining_nanos = ? WHERE id = ?", arguments: [remaining, lotID])
        }
    }
}
