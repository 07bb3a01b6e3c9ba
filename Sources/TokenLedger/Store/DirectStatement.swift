import GRDB
import GRDBSQLite

/// A prepared statement bound, stepped and read straight through SQLite's C API.
///
/// Why: on the charge and import paths GRDB's `StatementArguments` (every value boxed, then
/// converted), its per-statement bookkeeping and its rows (columns looked up by name) cost as
/// much as the SQL itself. The statement is its owner's, or one of the connection's cached
/// statements whose SQL only direct statements run. It is only for plain queries, inserts and
/// updates inside a transaction GRDB opened, where GRDB's bookkeeping has nothing to do; errors
/// are GRDB's `DatabaseError` as everywhere else.
struct DirectStatement {
    let statement: Statement

    /// Prepares `sql`, which has `parameterCount` positional parameters.
    init(db: Database, sql: String, parameterCount: Int) throws {
        statement = try db.makeStatement(sql: sql)
        precondition(Int(sqlite3_bind_parameter_count(statement.sqliteStatement)) == parameterCount)
    }

    /// Takes `sql` from the connection's statement cache (prepared once per connection).
    init(cachedIn db: Database, sql: String, parameterCount: Int) throws {
        statement = try db.cachedStatement(sql: sql)
        precondition(Int(sqlite3_bind_parameter_count(statement.sqliteStatement)) == parameterCount)
        // GRDB leaves a statement it ran unreset (it resets before a run, not after), and
        // SQLite refuses bindings to a statement stepped but not reset.
        sqlite3_reset(statement.sqliteStatement)
    }

    /// Binds an integer to the parameter at `index` (from 1).
    func bind(_ value: Int64, at index: Int32) throws {
        try check(sqlite3_bind_int64(statement.sqliteStatement, index, value))
    }

    /// Binds an integer or NULL.
    func bind(_ value: Int64?, at index: Int32) throws {
        guard let value else { return try check(sqlite3_bind_null(statement.sqliteStatement, index)) }
        try bind(value, at: index)
    }

    /// Binds text (all its bytes, NUL included, as GRDB does) or NULL.
    func bind(_ text: String?, at index: Int32) throws {
        guard var text else { return try check(sqlite3_bind_null(statement.sqliteStatement, index)) }
        let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
        if text.utf8.isEmpty { return try check(sqlite3_bind_text(statement.sqliteStatement, index, "", 0, transient)) }
        let code = text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { characters in
                sqlite3_bind_text(statement.sqliteStatement, index, characters.baseAddress!, Int32(characters.count), transient)
            }
        }
        try check(code)
    }

    /// Runs a statement that returns no rows with what is bound, straight through SQLite (not
    /// GRDB's bookkeeping, which a plain INSERT inside an open transaction does not need), then
    /// resets it. Returns whether it changed a row: false for an insert that met
    /// `ON CONFLICT DO NOTHING`. Throws `DatabaseError` as GRDB would.
    func step(in db: Database) throws -> Bool {
        let connection = db.sqliteConnection
        let code = sqlite3_step(statement.sqliteStatement)
        guard code == SQLITE_DONE else { throw failure(code, connection: connection) }
        sqlite3_reset(statement.sqliteStatement)
        return sqlite3_changes(connection) > 0
    }

    /// Whether the statement (a query) returns a row with what is bound, straight through
    /// SQLite; then resets it.
    func hasRow(in db: Database) throws -> Bool {
        let code = sqlite3_step(statement.sqliteStatement)
        guard code == SQLITE_ROW || code == SQLITE_DONE else { throw failure(code, connection: db.sqliteConnection) }
        sqlite3_reset(statement.sqliteStatement)
        return code == SQLITE_ROW
    }

    /// Steps a query: true when it stands on a row (read it with the column accessors), false
    /// at its end (the statement is then reset). Read every row, or call ``reset()``.
    func nextRow(in db: Database) throws -> Bool {
        let code = sqlite3_step(statement.sqliteStatement)
        if code == SQLITE_ROW { return true }
        guard code == SQLITE_DONE else { throw failure(code, connection: db.sqliteConnection) }
        sqlite3_reset(statement.sqliteStatement)
        return false
    }

    /// Ends a query before its last row.
    func reset() { sqlite3_reset(statement.sqliteStatement) }

    /// The integer in column `index` (from 0) of the current row.
    func int64(_ index: Int32) -> Int64 { sqlite3_column_int64(statement.sqliteStatement, index) }

    /// Whether column `index` (from 0) of the current row is NULL.
    func isNull(_ index: Int32) -> Bool { sqlite3_column_type(statement.sqliteStatement, index) == SQLITE_NULL }

    /// The text in column `index` (from 0) of the current row, every byte of it.
    func text(_ index: Int32) -> String {
        guard let characters = sqlite3_column_text(statement.sqliteStatement, index) else { return "" }
        let count = Int(sqlite3_column_bytes(statement.sqliteStatement, index))
        return String(decoding: UnsafeBufferPointer(start: characters, count: count), as: UTF8.self)
    }

    /// The error of a failed step (read before the reset that clears it).
    private func failure(_ code: Int32, connection: OpaquePointer?) -> DatabaseError {
        let message = String(cString: sqlite3_errmsg(connection))
        sqlite3_reset(statement.sqliteStatement)
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
    }

    private func check(_ code: Int32) throws {
        guard code == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "cannot bind a parameter", sql: statement.sql) }
    }
}
