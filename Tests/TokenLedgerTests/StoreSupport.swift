import Foundation
import Testing
import TokenLedger
import TokenLedgerCore
import TokenLedgerTestSupport

@testable import TokenLedgerPostgres

/// The stores a suite runs on: a ledger file, and a database on the test PostgreSQL server.
enum BooksStore: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case file
    case postgres

    var testDescription: String { rawValue }
}

/// Books on either store, with a probe of the rows beneath them.
struct BooksFixture {
    let ledger: any LedgerBooks
    let probe: any BooksProbe
}

/// Runs `body` with new books on `store`, priced with ``centModel`` (and the default price book
/// when `defaultPrices`), taking payments with `paymentMethod`.
func withCentBooks<T>(
    on store: BooksStore, defaultPrices: Bool = false, paymentMethod: any PaymentMethod = AcceptingPaymentMethod(), _ body: (BooksFixture) throws -> T
) throws -> T {
    switch store {
    case .file:
        return try withScratchDirectory { directory in
            let path = directory.path()
            let ledger = try Ledger.open(at: path, create: true, paymentMethod: paymentMethod)
            if defaultPrices { try ledger.loadDefaultPrices() }
            try addCentModel(ledger)
            return try body(BooksFixture(ledger: ledger, probe: try RawDatabase(path: path)))
        }
    case .postgres:
        let ledger = try PostgresLedger.open(url: try PostgresTestServer.freshDatabase(), create: true, paymentMethod: paymentMethod)
        defer { ledger.close() }
        if defaultPrices { try ledger.loadDefaultPrices() }
        try addCentModel(ledger)
        return try body(BooksFixture(ledger: ledger, probe: PostgresProbe(ledger: ledger)))
    }
}

/// What a run inspects of the books beneath a store: a mark that changes exactly when a change
/// is committed, every table's row count, and every row.
protocol BooksProbe {
    func changeMark() throws -> String
    func rowCounts() throws -> [String: Int]
    func dump() throws -> String
    func integer(_ sql: String) throws -> Int64
}

extension RawDatabase: BooksProbe {
    /// SQLite's `data_version`.
    func changeMark() throws -> String { String(try dataVersion()) }
    func integer(_ sql: String) throws -> Int64 { try int(sql) }
}

/// The tables of a PostgreSQL ledger, read on its own connection between operations.
struct PostgresProbe: BooksProbe {
    let ledger: PostgresLedger

    private func tables() throws -> [String] {
        try ledger.withSession { session in
            try session.select("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename").map { $0["tablename"] as String }
        }
    }

    /// PostgreSQL keeps no `data_version`: the mark is an MD5 of every row, made by the server
    /// (a committed change changes some row; sequences drawn by a transaction rolled back are
    /// not rows).
    func changeMark() throws -> String {
        let sql = "SELECT md5(string_agg(rows, E'\\n' ORDER BY name)) AS mark FROM (\(try everyRow())) AS tables"
        return try ledger.withSession { session in try session.select(sql)[0]["mark"] as String }
    }

    /// A query of one row per table: its name and its rows as text, in order.
    private func everyRow() throws -> String {
        try tables().map { "SELECT '\($0)' AS name, coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '') AS rows FROM \($0) t" }
            .joined(separator: " UNION ALL ")
    }

    func rowCounts() throws -> [String: Int] {
        let tables = try tables()
        let sql = tables.map { "SELECT '\($0)' AS name, count(*) AS rows FROM \($0)" }.joined(separator: " UNION ALL ")
        return try ledger.withSession { session in
            Dictionary(uniqueKeysWithValues: try session.select(sql).map { ($0["name"] as String, Int($0["rows"] as Int64)) })
        }
    }

    func dump() throws -> String {
        let sql = try everyRow()
        return try ledger.withSession { session in
            try session.select(sql).map { "\($0["name"] as String)\n\($0["rows"] as String)" }.joined(separator: "\n")
        }
    }

    func integer(_ sql: String) throws -> Int64 {
        try ledger.withSession { session in try session.count(sql) }
    }
}

extension LedgerBooks {
    /// ``Ledger/void(reservation:at:)`` on either store.
    @discardableResult
    func void(reservation: String, at time: Timestamp) throws -> Reservation {
        try void(VoidRequest(reservation: reservation, at: time))
    }
}
