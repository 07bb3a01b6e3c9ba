import GRDB
import TokenLedger
import TokenLedgerCore

/// The rows an import of the random-id CSV file (``RandomIDRows``) writes, as plain prepared
/// INSERTs into the same tables and indexes of a fresh ledger file, in one transaction: per
/// charge its usage row (request id from the file, so its `request_id` index entry lands at a
/// random place; the lot that paid it inline), then the daily rollup, the balances and the lot
/// once. The yardstick of `Import: N CSV rows, random ids`.
///
/// The connection gets the ledger's settings for an import (foreign keys on, the page cache of
/// ``Ledger/importPageCacheKibibytes``, WAL, `synchronous = NORMAL`), so
/// that the comparison is of the work, not of the settings. Everything but the inserts
/// (the file read, costs, balances, rollup sums) is computed before the measurement.
final class RawRandomInserts {
    private let queue: DatabaseQueue
    private let requestIDs: [String]
    private let numbers: [Int64]
    private let modelIndexes: [UInt8]
    private let models: [(name: String, entryID: Int64)]
    private let rollup: [(day: Int64, model: String, sums: [Int64])]
    private let accountID: Int64
    private let lotID: Int64
    private let creditNanos: Int64
    private let totalNanos: Int64

    /// Values per row in `numbers`: input, cached, output, cost, time, balance after.
    private static let stride = 6

    /// Prepares the rows of `file` for the ledger at `path` (made by ``RandomIDRows/freshLedger(count:)``).
    init(path: String, file: String) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        // The page cache the ledger's connection has while it imports, and the ledger's
        // `synchronous = NORMAL` (GRDB's for WAL files; a plain queue would use FULL).
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA cache_size = -\(Ledger.importPageCacheKibibytes)")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        queue = try DatabaseQueue(path: path, configuration: configuration)
        let names = Array(Set(RandomIDRows.models)).sorted()
        (accountID, lotID, creditNanos, models) = try queue.read { db in
            let row = try Row.fetchOne(
                db, sql: "SELECT a.id, l.id, l.remaining_nanos FROM account a JOIN lot l ON l.account_id = a.id WHERE a.name = ?",
                arguments: [BenchmarkFixture.account])!
            let models = try names.map { name in (name, try Int64.fetchOne(db, sql: "SELECT max(id) FROM price_entry WHERE model = ?", arguments: [name])!) }
            return (row[0], row[1], row[2], models)
        }
        let entries = names.map { name in DefaultPriceBook.entries.last { $0.model == name }! }
        var requestIDs: [String] = []
        var numbers: [Int64] = []
        var modelIndexes: [UInt8] = []
        let count = RandomIDRows.count
        requestIDs.reserveCapacity(count)
        numbers.reserveCapacity(count * Self.stride)
        modelIndexes.reserveCapacity(count)
        var sums: [String: [Int64]] = [:]
        var rollup: [(day: Int64, model: String, sums: [Int64])] = []
        var day: Int64?
        var balance = creditNanos
        // The same rows as the file's (the file is made from them), read back from the generator.
        for row in RandomIDRows.Rows(count: count) {
            let modelIndex = names.firstIndex(of: row.model)!
            let cost = try entries[modelIndex].cost(of: TokenUsage(input: row.input, cached: row.cached, output: row.output), tier: .default)
            precondition(cost.band == .standard)
            balance -= cost.total.nanos
            requestIDs.append(row.requestID)
            numbers += [row.input, row.cached, row.output, cost.total.nanos, row.at, balance]
            modelIndexes.append(UInt8(modelIndex))
            let start = row.at - row.at % 86_400_000
            if day != start {
                for (model, values) in sums.sorted(by: { $0.key < $1.key }) { rollup.append((day!, model, values)) }
                sums = [:]
                day = start
            }
            let added = [1, 1, row.input, row.cached, row.output, cost.total.nanos]
            sums[row.model] = zip(sums[row.model] ?? [0, 0, 0, 0, 0, 0], added).map { $0 + $1 }
        }
        for (model, values) in sums.sorted(by: { $0.key < $1.key }) { rollup.append((day!, model, values)) }
        self.requestIDs = requestIDs
        self.numbers = numbers
        self.modelIndexes = modelIndexes
        self.rollup = rollup
        totalNanos = creditNanos - balance
        precondition(totalNanos <= creditNanos, "the credit covers every row")
    }

    /// Inserts every row in one transaction.
    func insertAll() throws {
        try queue.write { db in
            let usage = try db.makeStatement(
                sql: """
                    INSERT INTO usage (request_id, account_id, price_entry_id, model, service_tier, band, input_tokens, cached_tokens,
                        cache_write_tokens, output_tokens, requests, cost_nanos, occurred_at_ms, balance_after_nanos, lot_id, lot_nanos)
                    VALUES (?, ?, ?, ?, 'default', 'standard', ?, ?, 0, ?, 1, ?, ?, ?, ?, ?)
                    """)
            for index in requestIDs.indices {
                let model = models[Int(modelIndexes[index])]
                let base = index * Self.stride
                let cost = numbers[base + 3]
                try usage.execute(arguments: [
                    requestIDs[index], accountID, model.entryID, model.name, numbers[base], numbers[base + 1], numbers[base + 2], cost,
                    numbers[base + 4], numbers[base + 5], cost > 0 ? lotID : nil, cost > 0 ? cost : nil,
                ])
            }
            let daily = try db.makeStatement(
                sql: """
                    INSERT INTO usage_daily (account_id, day_ms, model, service_tier, band, project, api_key, end_user, charges, requests,
                        input_tokens, cached_tokens, cache_write_tokens, output_tokens, cost_nanos)
                    VALUES (?, ?, ?, 'default', 'standard', '', '', '', ?, ?, ?, ?, 0, ?, ?)
                    """)
            for (day, model, sums) in rollup {
                try daily.execute(arguments: [accountID, day, model, sums[0], sums[1], sums[2], sums[3], sums[4], sums[5]])
            }
            try db.execute(sql: "UPDATE account SET balance_nanos = balance_nanos - ? WHERE id = ?", arguments: [totalNanos, accountID])
            try db.execute(sql: "UPDATE account SET balance_nanos = balance_nanos + ? WHERE id = 3", arguments: [totalNanos])
            try db.execute(sql: "UPDATE lot SET remaining_nanos = remaining_nanos - ? WHERE id = ?", arguments: [totalNanos, lotID])
        }
    }
}
