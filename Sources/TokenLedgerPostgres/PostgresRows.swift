import Foundation
import GRDB
import NIOCore
import PostgresNIO
import TokenLedger

/// PostgreSQL's answers as GRDB rows, and GRDB values as PostgreSQL parameters: what lets the
/// checks and readers written once for both stores (``BooksReader``) run on PostgreSQL.
extension PostgresSession: BooksReader {
    func select(_ sql: String, _ arguments: [DatabaseValue]) throws -> [Row] {
        try naming { try query(Self.query(sql, arguments)).map { try Self.row($0) } }
    }

    /// Every row each statement selects, the statements sent at once (``pipeline(_:)``).
    func selectAll(_ statements: [(sql: String, arguments: [DatabaseValue])]) throws -> [[Row]] {
        try naming {
            try pipeline(statements.map { try Self.query($0.sql, $0.arguments) }).map { rows in try rows.map { try Self.row($0) } }
        }
    }

    /// Every row each statement selects, as ``selectAll(_:)``, the statements after the first
    /// `separate` read by one statement (``CombinedReads``) when there are two or more and each can be.
    func selectCombining(_ statements: [(sql: String, arguments: [DatabaseValue])], separate: Int = 0) throws -> [[Row]] {
        let rest = Array(statements.dropFirst(separate))
        guard rest.count > 1, rest.allSatisfy({ CombinedReads.combinable($0.sql) }) else { return try selectAll(statements) }
        return try naming {
            var queries = try statements.prefix(separate).map { try Self.query($0.sql, $0.arguments) }
            queries.append(try CombinedReads.query(rest))
            let answers = try pipeline(queries)
            return try answers.dropLast().map { rows in try rows.map { try Self.row($0) } } + CombinedReads.rows(answers.last!, count: rest.count)
        }
    }

    /// What `reads` returns, its statements sent at once: run first to learn the statements it
    /// selects (answered with no rows), then again, answered from the server's answers to all
    /// of them, sent in one round trip (``pipeline(_:)``) and read by one statement when they
    /// can be (``CombinedReads``: `reads` must select no `bytea`). For reads whose statements do not
    /// depend on each other's answers; a statement the second run did not select the first time
    /// is sent on its own.
    func prefetching<T>(_ reads: (any BooksReader) throws -> T) throws -> T {
        let recorder = RecordingReader()
        _ = try reads(recorder)
        let answers = try selectCombining(recorder.statements)
        return try reads(ReplayingReader(session: self, statements: recorder.statements, answers: answers))
    }

    /// `leading`'s rows, and what `reads` returns: `leading` and the statements `reads` selects
    /// sent at once, in that order (one round trip), as ``prefetching(_:)`` sends them. For a
    /// statement that locks rows (`SELECT … FOR UPDATE`) and the reads of what it locks: in a
    /// read-committed transaction each statement sees what was committed when it starts, so the
    /// reads see what the last holder of the locks committed.
    func prefetching<T>(after leading: (sql: String, arguments: [DatabaseValue]), _ reads: (any BooksReader) throws -> T) throws -> ([Row], T) {
        let recorder = RecordingReader()
        _ = try reads(recorder)
        let answers = try selectCombining([leading] + recorder.statements, separate: 1)
        return (answers[0], try reads(ReplayingReader(session: self, statements: recorder.statements, answers: Array(answers.dropFirst()))))
    }

    /// `body`, its errors naming this database.
    func naming<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch var error as LedgerError where error.path.isEmpty {
            error.path = location.description
            throw error
        }
    }

    /// `sql` with its `?` placeholders numbered as SQLite numbers them (`$1`, `$2`, …, each one
    /// past the largest so far, and SQLite's numbered `?NNN` as `$NNN`; none is read inside a quoted string or name), and
    /// `arguments` bound to them.
    static func query(_ sql: String, _ arguments: [DatabaseValue]) throws -> PostgresQuery {
        // Read as UTF-8 bytes: every character that matters here is ASCII, and a statement is
        // numbered for every query sent (Characters cost a group of charges a few percent).
        let bytes = Array(sql.utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count + 16)
        var highest = 0
        var quote: UInt8?
        var index = 0
        let question = UInt8(ascii: "?")
        let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if let open = quote {
                if byte == open { quote = nil }
                text.append(byte)
            } else if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                quote = byte
                text.append(byte)
            } else if byte == question {
                var number = 0
                var numbered = false
                while index < bytes.count, digits.contains(bytes[index]) {
                    // Past SQLite's largest parameter number it stops growing (no overflow):
                    // the count of arguments then disagrees, as it should.
                    if number < 1_000_000 { number = number * 10 + Int(bytes[index] - digits.lowerBound) }
                    numbered = true
                    index += 1
                }
                if numbered {
                    highest = max(highest, number)
                } else {
                    // As SQLite numbers it: one past the largest number given so far.
                    highest += 1
                    number = highest
                }
                text.append(UInt8(ascii: "$"))
                text.append(contentsOf: String(number).utf8)
            } else {
                text.append(byte)
            }
        }
        let numbered = String(decoding: text, as: UTF8.self)
        precondition(highest == arguments.count, "\(highest) placeholders for \(arguments.count) arguments")
        var bindings = PostgresBindings(capacity: arguments.count)
        for value in arguments { try bind(value, to: &bindings) }
        return PostgresQuery(unsafeSQL: numbered, binds: bindings)
    }

    /// Appends `value` as PostgreSQL's `bigint`, `text`, `bytea` or NULL. The books hold no
    /// floating point (money is integer nanodollars): a double, which only a damaged row could
    /// hold, is refused rather than passed on.
    static func bind(_ value: DatabaseValue, to bindings: inout PostgresBindings) throws {
        switch value.storage {
        case .null: bindings.appendNull()
        case .int64(let integer): bindings.append(integer)
        case .string(let string): bindings.append(string)
        case .blob(let data): bindings.append(ByteBuffer(bytes: data))
        case .double:
            throw LedgerError(.database, path: "", detail: "a floating-point value where the books hold exact integers and text only")
        }
    }

    /// A PostgreSQL row as a GRDB row: integers (of every width, and `numeric` values that are
    /// whole numbers: sums) as Int64, booleans as 0 or 1, text as String, `bytea` as Data.
    static func row(_ row: PostgresRow) throws -> Row {
        var values: [String: (any DatabaseValueConvertible)?] = [:]
        for cell in row {
            values[cell.columnName] = try value(of: cell)
        }
        return Row(values)
    }

    static func value(of cell: PostgresCell) throws -> (any DatabaseValueConvertible)? {
        guard cell.bytes != nil else { return nil }
        switch cell.dataType {
        case .int8, .int4, .int2: return try cell.decode(Int64.self)
        case .bool: return try cell.decode(Bool.self) ? Int64(1) : Int64(0)
        case .numeric:
            guard var buffer = cell.bytes, let whole = wholeNumber(numeric: &buffer) else {
                throw LedgerError(.database, path: "", detail: "column \(cell.columnName): a numeric value that is not a whole 64-bit number")
            }
            return whole
        case .bytea: return Data(try cell.decode(ByteBuffer.self).readableBytesView)
        case .float8, .float4:
            throw LedgerError(.database, path: "", detail: "column \(cell.columnName): a floating-point value where the books hold exact integers only")
        default: return try cell.decode(String.self)
        }
    }

    /// A `numeric` in PostgreSQL's binary form (digit count, weight, sign, display scale, then
    /// base-10,000 digits) as an Int64, when it is a whole number that fits.
    static func wholeNumber(numeric buffer: inout ByteBuffer) -> Int64? {
        guard let count = buffer.readInteger(as: Int16.self), let weight = buffer.readInteger(as: Int16.self),
            let sign = buffer.readInteger(as: UInt16.self), buffer.readInteger(as: Int16.self) != nil, count >= 0
        else { return nil }
        guard sign == 0x0000 || sign == 0x4000 else { return nil }  // NaN and infinities are not numbers of money
        var value: Int64 = 0
        var position = Int(weight)
        for index in 0..<Int(count) {
            guard let digit = buffer.readInteger(as: Int16.self) else { return nil }
            // A digit after the decimal point must be zero for a whole number.
            if position < 0 {
                if digit != 0 { return nil }
                position -= 1
                continue
            }
            let (scaled, overflow) = value.multipliedReportingOverflow(by: 10_000)
            guard !overflow else { return nil }
            let (sum, overflowSum) = scaled.addingReportingOverflow(Int64(digit))
            guard !overflowSum else { return nil }
            value = sum
            position -= 1
            _ = index
        }
        // Trailing base-10,000 zeros that the digits leave out.
        while position >= 0 {
            let (scaled, overflow) = value.multipliedReportingOverflow(by: 10_000)
            guard !overflow else { return nil }
            value = scaled
            position -= 1
        }
        return sign == 0x4000 ? -value : value
    }
}

extension PostgresSession: BooksWriter {
    func perform(_ sql: String, _ arguments: [DatabaseValue]) throws {
        try naming { _ = try query(Self.query(sql, arguments)) }
    }

    /// Takes the transaction's turn to append events: an advisory lock held until it commits
    /// or rolls back, so that the next transaction draws its events' sequence numbers after
    /// this one's are visible. (`event.seq` comes from a sequence, drawn at insert, not at
    /// commit: without turns, a poller could read seq 10 committed and page past seq 9 of a
    /// transaction still running.) Events are rare beside charges (alerts, recharges, expiry,
    /// low balance), so the turns cost little.
    func willAppendEvent() throws {
        try perform("SELECT pg_advisory_xact_lock(\(Self.eventTurnLock))", [])
    }

    /// `select FOR UPDATE`: many writers share the database, so a row read to decide a write
    /// stays locked until the transaction ends.
    func lockingRows(_ select: String) -> String { select + " FOR UPDATE" }

    /// `select FOR UPDATE OF alias SKIP LOCKED`: the rows another instance is claiming are
    /// left to it.
    func claimingRows(_ select: String, of alias: String) -> String { select + " FOR UPDATE OF \(alias) SKIP LOCKED" }

    /// The advisory lock key of ``willAppendEvent()``: "TLEV" in ASCII.
    static let eventTurnLock: Int64 = 0x544C_4556
}

/// The statements a read selects, answered with no rows (``PostgresSession/prefetching(_:)``).
private final class RecordingReader: BooksReader {
    var statements: [(sql: String, arguments: [DatabaseValue])] = []

    func select(_ sql: String, _ arguments: [DatabaseValue]) throws -> [Row] {
        statements.append((sql, arguments))
        return []
    }
}

/// Answers a read's statements from answers fetched before, in order; any other from the server.
private final class ReplayingReader: BooksReader {
    let session: PostgresSession
    let statements: [(sql: String, arguments: [DatabaseValue])]
    let answers: [[Row]]
    var next = 0

    init(session: PostgresSession, statements: [(sql: String, arguments: [DatabaseValue])], answers: [[Row]]) {
        self.session = session
        self.statements = statements
        self.answers = answers
    }

    func select(_ sql: String, _ arguments: [DatabaseValue]) throws -> [Row] {
        guard next < statements.count, statements[next].sql == sql, statements[next].arguments == arguments else {
            return try session.select(sql, arguments)
        }
        next += 1
        return answers[next - 1]
    }
}
