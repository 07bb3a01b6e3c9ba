import GRDB
import TokenLedger
import TokenLedgerCore

/// The rows an import of ``RepeatedAzureTrace`` writes (per charge a usage transfer, its
/// allocation and the usage row, then the balances and the lot once), as plain prepared
/// INSERTs into the same tables of a fresh ledger file, in one transaction: what SQLite itself
/// does with the same rows, the yardstick of the import benchmark.
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
            let hex = String(UInt64(rows.count), radix: 16)
            rows.append(
                RawCharge(
                    requestID: "imp_" + String(repeating: "0", count: 64 - hex.count) + hex,
                    at: BenchmarkFixture.startMilliseconds + Int64(row.timeNanoseconds / 1_000_000), input: row.inputTokens,
                    output: row.outputTokens, costNanos: cost))
        }
        self.rows = rows
    }

    /// Inserts every row in one transaction.
    func insertAll() throws {
        try queue.write { db in
            let transfer = try db.makeStatement(
                sql: """
                    INSERT INTO transfer (kind, debit_account_id, credit_account_id, amount_nanos, occurred_at_ms, balance_after_nanos)
                    VALUES ('usage', ?, 3, ?, ?, ?)
                    """)
            let allocation = try db.makeStatement(sql: "INSERT INTO allocation (transfer_id, lot_id, amount_nanos) VALUES (?, ?, ?)")
            let usage = try db.makeStatement(
                sql: """
                    INSERT INTO usage (request_id, account_id, transfer_id, price_entry_id, model, service_tier, band, input_tokens,
                        cached_tokens, cache_write_tokens, output_tokens, requests, cost_nanos, occurred_at_ms, balance_after_nanos)
                    VALUES (?, ?, ?, ?, ?, 'default', 'standard', ?, 0, 0, ?, 1, ?, ?, ?)
                    """)
            var balance = creditNanos
            var remaining = creditNanos
            for row in rows where row.costNanos > 0 {
                balance -= row.costNanos
                try transfer.execute(arguments: [accountID, row.costNanos, row.at, balance])
                let transferID = db.lastInsertedRowID
                let taken = min(remaining, row.costNanos)
                if taken > 0 {
                    try allocation.execute(arguments: [transferID, lotID, taken])
                    remaining -= taken
                }
                try usage.execute(arguments: [
                    row.requestID, accountID, transferID, priceEntryID, BenchmarkFixture.model, row.input, row.output, row.costNanos, row.at, balance,
                ])
            }
            try db.execute(sql: "UPDATE account SET balance_nanos = ? WHERE id = ?", arguments: [balance, accountID])
            try db.execute(sql: "UPDATE account SET balance_nanos = balance_nanos + ? WHERE id = 3", arguments: [creditNanos - balance])
            try db.execute(sql: "UPDATE lot SET remaining_nanos = ? WHERE id = ?", arguments: [remaining, lotID])
        }
    }
}
