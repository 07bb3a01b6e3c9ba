import Foundation
import GRDB
import GRDBSQLite
import TokenLedgerCore

/// The usage rows not yet folded into balances, lot remainders, month usage and `usage_daily`
/// (schema v0004: every row after `usage_fold.usage_id`).
///
/// Why there is a tail: a process charging one request after another keeps its accounts in
/// memory (``ChargeState``) and commits only the usage row, two pages instead of five; it
/// writes the figures every ``ChargeState/pendingLimit`` charges. Every other transaction that
/// reads or writes those figures folds the tail in first, in the same transaction, so the tail
/// is invisible to everything but this type; after a crash the next transaction folds it.
enum UsageTail {
    /// Whether usage rows wait to be folded.
    static func exists(_ db: Database) throws -> Bool {
        let query = try DirectStatement(
            cachedIn: db, sql: "SELECT (SELECT coalesce(max(id), 0) FROM usage) > (SELECT usage_id FROM usage_fold)", parameterCount: 0)
        _ = try query.nextRow(in: db)
        let exists = query.int64(0) != 0
        query.reset()
        return exists
    }

    /// Marks every usage row recorded so far as folded (a ``ChargeBatch`` that wrote the figures
    /// of all of them from memory).
    static func markFolded(_ db: Database) throws {
        let update = try DirectStatement(
            cachedIn: db, sql: "UPDATE usage_fold SET usage_id = (SELECT coalesce(max(id), 0) FROM usage) WHERE id = 1", parameterCount: 0)
        _ = try update.step(in: db)
    }

    /// Folds the tail in: for each usage row after the mark, in id order, what recording it as a
    /// charge writes besides the row itself. Its account's balance goes down by its cost and
    /// @usage's up; the lots it drew from (inline and in `usage_allocation`) go down; its cost is
    /// added to the account's latest month (or starts a later month); it is added to
    /// `usage_daily`. Then the mark moves to the last row. Nothing when there is no tail (the
    /// common case, one indexed look).
    static func fold(_ db: Database) throws {
        guard try exists(db) else { return }
        let mark = try Int64.fetchOne(db, sql: "SELECT usage_id FROM usage_fold") ?? 0
        let rows = try DirectStatement(
            cachedIn: db,
            sql: """
                SELECT id, account_id, model, service_tier, band, input_tokens, cached_tokens, cache_write_tokens, output_tokens, requests,
                    cost_nanos, occurred_at_ms, lot_id, lot_nanos, project, api_key, end_user, provider, cache_write_1h_tokens,
                    input_audio_tokens, input_image_tokens, output_audio_tokens, output_image_tokens
                FROM usage WHERE id > ? ORDER BY id
                """,
            parameterCount: 1)
        try rows.bind(mark, at: 1)
        var last = mark
        var figures = PendingFigures()
        var counters: [Int64: MonthCounter] = [:]
        while try rows.nextRow(in: db) {
            last = rows.int64(0)
            let accountID = rows.int64(1)
            guard let tier = ServiceTier(rawValue: rows.text(3)), let band = PriceBand(rawValue: rows.text(4)) else {
                rows.reset()
                throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "usage row \(last) has an unknown tier or band")
            }
            let cost = Money(nanos: rows.int64(10))
            let at = Timestamp(milliseconds: rows.int64(11))
            let request = ChargeRequest(
                account: "", model: rows.text(2), tier: tier, input: rows.int64(5), cached: rows.int64(6), cacheWrite: rows.int64(7),
                output: rows.int64(8), project: rows.isNull(14) ? nil : rows.text(14), apiKey: rows.isNull(15) ? nil : rows.text(15),
                user: rows.isNull(16) ? nil : rows.text(16), at: at, requests: rows.int64(9),
                provider: rows.isNull(17) ? nil : .named(rows.text(17)))
            let breakdown = TokenBreakdown(
                cacheWrite1h: rows.int64(18), inputAudio: rows.int64(19), inputImage: rows.int64(20), outputAudio: rows.int64(21),
                outputImage: rows.int64(22))
            let usage = TokenUsage(
                input: request.inputTokens, cached: request.cachedTokens, cacheWrite: request.cacheWriteTokens, output: request.outputTokens,
                breakdown: breakdown)
            let draw = rows.isNull(12) ? nil : Allocation(lotID: rows.int64(12), amount: Money(nanos: rows.int64(13)))
            try figures.add(request, usage: usage, accountID: accountID, band: band, cost: cost, firstDraw: draw, db: db)
            if counters[accountID] == nil { counters[accountID] = try storedCounter(accountID: accountID, db: db) }
            counters[accountID] = counters[accountID]!.adding(cost.nanos, monthStart: at.startOfMonth.milliseconds)
        }
        guard last > mark else { return }
        // Draws on further lots: a charge with any is never left in a tail, but a file is read as it is.
        let further = try Row.fetchAll(db, sql: "SELECT lot_id, amount_nanos FROM usage_allocation WHERE usage_id > ?", arguments: [mark])
        for row in further {
            figures.addDraws([Allocation(lotID: row[0], amount: Money(nanos: row[1]))])
        }
        for (accountID, counter) in counters { figures.setCounter(counter, accountID: accountID) }
        try figures.write(db: db)
        try db.execute(sql: "UPDATE usage_fold SET usage_id = ? WHERE id = 1", arguments: [last])
    }

    /// The month counter stored with an account.
    private static func storedCounter(accountID: Int64, db: Database) throws -> MonthCounter {
        guard let stored = try Row.fetchOne(db, sql: "SELECT usage_month_ms, usage_month_nanos FROM account WHERE id = ?", arguments: [accountID])
        else { throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "usage of a missing account \(accountID)") }
        return MonthCounter(startMilliseconds: stored[0], usageNanos: stored[1])
    }
}

/// The ``ChargeBatch`` a ledger keeps between one-charge transactions, so that a process
/// charging one request after another reads its accounts, lots, prices and controls once and
/// commits only the usage rows (the tail, see ``UsageTail``), writing the figures every
/// ``pendingLimit`` charges.
///
/// The batch is right only while nothing else has changed the file: no other connection has
/// committed (`PRAGMA data_version` is unchanged) and this connection has changed no row outside
/// the batch (`sqlite3_total_changes64` is what it was after the batch's last commit). Every
/// other write drops it and folds the tail from the file instead.
///
/// `@unchecked Sendable`: the batch (and the connection it holds) is only used inside the
/// pool's writer, one transaction at a time; the lock guards the hand-over.
final class ChargeState: @unchecked Sendable {
    /// The most charges left unfolded before a one-charge transaction writes the figures.
    static let pendingLimit = 1_024
    /// The most accounts a kept batch holds: a gateway charging more accounts than this starts
    /// a new batch (after writing the figures), so its memory stays bounded.
    static let accountLimit = 4_096

    struct Kept: @unchecked Sendable {
        let batch: ChargeBatch
        let dataVersion: Int64
        let changes: Int64
    }

    private let lock = NSLock()
    private var kept: Kept?

    /// Takes the kept batch out if it is still right for `db`, inside a transaction that has
    /// begun; nil (and the batch forgotten) when there is none or the file has changed.
    func take(for db: Database) throws -> Kept? {
        lock.lock()
        let kept = self.kept
        self.kept = nil
        lock.unlock()
        guard let kept, kept.batch.db === db, sqlite3_total_changes64(db.sqliteConnection) == kept.changes,
            try Self.dataVersion(db) == kept.dataVersion
        else { return nil }
        return kept
    }

    /// What `batch` is kept with, read at the end of its transaction, before `COMMIT`: the
    /// commit changes neither (this connection's own commits leave `data_version` as it is), and
    /// reading `data_version` after it would begin a read transaction of its own.
    func stamped(_ batch: ChargeBatch, db: Database) throws -> Kept {
        Kept(batch: batch, dataVersion: try Self.dataVersion(db), changes: sqlite3_total_changes64(db.sqliteConnection))
    }

    /// Keeps a batch (``stamped(_:db:)`` in its transaction) once the transaction has committed,
    /// or puts back one taken by a transaction that changed nothing and rolled back.
    func keep(_ kept: Kept) {
        lock.lock()
        self.kept = kept
        lock.unlock()
    }

    /// Forgets the batch (a write that may change what it holds).
    func drop() {
        lock.lock()
        kept = nil
        lock.unlock()
    }

    private static func dataVersion(_ db: Database) throws -> Int64 {
        let query = try DirectStatement(cachedIn: db, sql: "PRAGMA data_version", parameterCount: 0)
        _ = try query.nextRow(in: db)
        let version = query.int64(0)
        query.reset()
        return version
    }
}
