import GRDB
import GRDBSQLite

/// A prepared statement whose parameters are bound straight through SQLite's C API.
///
/// Why: on the import path GRDB's `StatementArguments` (every value boxed, then converted)
/// cost about as much as the insert itself. The statement is its owner's, or one of the
/// connection's cached statements whose SQL only direct statements run; it is run by GRDB, so
/// errors are GRDB's `DatabaseError` as everywhere else.
struct DirectStatement {
    let statement: Statement

    /// Prepares `sql`, which has `parameterCount` positional parameters.
    init(db: Database, sql: String, parameterCount: Int) throws {
        statement = try db.makeStatement(sql: sql)
        precondition(Int(sqlite3_bind_parameter_count(statement.sqliteStatement)) == parameterCount)
        // Marks the arguments as bound, so that GRDB runs the statement with what is bound below.
        statement.setUncheckedArguments(StatementArguments(Array(repeating: DatabaseValue.null, count: parameterCount)))
    }

    /// Takes `sql` from the connection's statement cache (prepared once per connection). The
    /// SQL must be run only through direct statements.
    init(cachedIn db: Database, sql: String, parameterCount: Int) throws {
        statement = try db.cachedStatement(sql: sql)
        precondition(Int(sqlite3_bind_parameter_count(statement.sqliteStatement)) == parameterCount)
        statement.setUncheckedArguments(StatementArguments(Array(repeating: DatabaseValue.null, count: parameterCount)))
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

    /// The error of a failed step (read before the reset that clears it).
    private func failure(_ code: Int32, connection: OpaquePointer?) -> DatabaseError {
        let message = String(cString: sqlite3_errmsg(connection))
        sqlite3_reset(statement.sqliteStatement)
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
    }

    private func check(_ code: Int32) throws {
        guard code == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "cannot bind a parameter") }
    }
}
