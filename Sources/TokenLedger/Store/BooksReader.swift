import GRDB
import TokenLedgerCore

/// Reads the books with SQL that both stores run alike (SQLite and PostgreSQL: standard SQL,
/// `?` placeholders, the tables and columns the two schemas share), as GRDB rows.
///
/// Why: `verify`'s checks (``Ledger/verify()``) and the readers of price entries are written
/// once and run on either store. A query here keeps to what both engines read the same way:
/// `IS DISTINCT FROM` rather than SQLite's `IS NOT`, an alias on every subquery in `FROM`, every
/// sum of integers cast back to an integer (`CAST(sum(x) AS BIGINT)`: PostgreSQL's sum of
/// `bigint` is `numeric`, which the PostgreSQL reader also reads as an integer), no
/// engine-specific functions but the two that both stores define (`tokenledger_month_start`,
/// `tokenledger_next_month_start`). A row is read by column name, never by position (a
/// PostgreSQL row keeps its columns by name only); a one-column answer may be read as ``count(_:_:)``.
package protocol BooksReader {
    /// Every row `sql` selects, with `arguments` for its `?` placeholders in order.
    func select(_ sql: String, _ arguments: [DatabaseValue]) throws -> [Row]
    /// Calls `body` with each row `sql` selects, in order: for a query of many rows (a month of
    /// charges), which a store may read as it goes rather than whole. Each row is valid only
    /// during its call.
    func forEachRow(_ sql: String, _ arguments: [DatabaseValue], _ body: (Row) throws -> Void) throws
}

extension BooksReader {
    package func select(_ sql: String) throws -> [Row] { try select(sql, []) }

    /// By default, the rows read whole (``select(_:_:)``), then each given to `body`.
    package func forEachRow(_ sql: String, _ arguments: [DatabaseValue], _ body: (Row) throws -> Void) throws {
        for row in try select(sql, arguments) { try body(row) }
    }

    /// The first row `sql` selects, if any.
    package func first(_ sql: String, _ arguments: [DatabaseValue] = []) throws -> Row? {
        try select(sql, arguments).first
    }

    /// The first column of the first row, as an integer (0 for none or NULL).
    package func count(_ sql: String, _ arguments: [DatabaseValue] = []) throws -> Int64 {
        guard let row = try select(sql, arguments).first, let value = row[0] as Int64? else { return 0 }
        return value
    }
}

/// A ``BooksReader`` that also writes, inside the store's current transaction.
package protocol BooksWriter: BooksReader {
    /// Runs `sql` (one statement) with `arguments` for its `?` placeholders.
    func perform(_ sql: String, _ arguments: [DatabaseValue]) throws
    /// Called before an event is appended to the outbox (``EventOutbox``): a store with many
    /// writers makes the transactions that append events take turns here, so that events'
    /// sequence numbers are in the order their transactions commit (what a poller paging by
    /// them relies on). One writer holds a SQLite file, so there it does nothing.
    func willAppendEvent() throws
    /// `select` (a `SELECT` of rows of one table) made to lock the rows it reads until the
    /// transaction ends: a store with many writers appends `FOR UPDATE`, so that a rule that reads
    /// a row and writes by what it read (a setting merged with the one stored, a watch armed by
    /// the balance) never interleaves with another writer's. One writer holds a SQLite file, so
    /// there it is `select` unchanged.
    func lockingRows(_ select: String) -> String
    /// `select` made to claim the rows of the table it names `alias` that no other transaction
    /// holds: a store with many writers locks them until the transaction ends and skips those
    /// locked (`FOR UPDATE OF alias SKIP LOCKED`), so that two writers claiming work (webhook
    /// deliveries) never take the same row nor wait for each other. One writer holds a SQLite
    /// file, so there it is `select` unchanged.
    func claimingRows(_ select: String, of alias: String) -> String
}

extension Database: BooksWriter {
    package func select(_ sql: String, _ arguments: [DatabaseValue]) throws -> [Row] {
        try rows(sql, StatementArguments(arguments))
    }

    package func perform(_ sql: String, _ arguments: [DatabaseValue]) throws {
        try run(sql, StatementArguments(arguments))
    }

    /// A cursor: one row in memory at a time, however many the query selects.
    package func forEachRow(_ sql: String, _ arguments: [DatabaseValue], _ body: (Row) throws -> Void) throws {
        let cursor = try Row.fetchCursor(self, sql: sql, arguments: StatementArguments(arguments))
        while let row = try cursor.next() { try body(row) }
    }

    package func willAppendEvent() {}

    package func lockingRows(_ select: String) -> String { select }

    package func claimingRows(_ select: String, of alias: String) -> String { select }
}

/// The arguments of a ``BooksReader`` query: each value, or NULL for nil.
package func sqlValues(_ values: (any DatabaseValueConvertible)?...) -> [DatabaseValue] {
    values.map { $0?.databaseValue ?? .null }
}

extension LedgerTotals {
    /// The ledger-wide totals as the books hold them (``account_balance``, on either store):
    /// @usage is credited by charges, @payments and @grants debited by credits, and credit given
    /// by corrections is the transfers debiting @adjustments.
    package static func stored(db: some BooksReader) throws -> LedgerTotals {
        var read = LedgerTotals()
        for row in try db.select(
            "SELECT id, balance_nanos FROM account_balance WHERE id IN (?, ?, ?)",
            sqlValues(SystemAccount.usage.rawValue, SystemAccount.payments.rawValue, SystemAccount.grants.rawValue))
        {
            let nanos: Int64 = row["balance_nanos"]
            switch SystemAccount(rawValue: row["id"]) {
            case .usage: read.usage = Money(nanos: nanos)
            case .payments: read.payments = Money(nanos: -nanos)
            case .grants: read.grants = Money(nanos: -nanos)
            default: continue
            }
        }
        read.adjustments = Money(
            nanos: try db.count("SELECT coalesce(sum(amount_nanos), 0) FROM transfer WHERE debit_account_id = ?", sqlValues(SystemAccount.adjustments.rawValue))
        )
        return read
    }
}
