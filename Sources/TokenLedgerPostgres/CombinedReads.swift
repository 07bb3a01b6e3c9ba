import GRDB
import PostgresNIO
import TokenLedger

/// Reads that do not need each other's answers, made one statement: each read's rows become one
/// JSON array (`json_agg`, the rows in the read's order: PostgreSQL aggregates a sorted subquery's
/// rows in its order when, as here, nothing else is joined or grouped at that level), each array
/// a row of the answer. The reads see one snapshot, taken when the statement starts.
///
/// Why: postgres-nio sends a connection's statements one at a time, each when the one before was
/// answered, and PostgreSQL parses, plans and answers each on its own. For the handful of small
/// reads a group of charges makes with its locks, that per-statement cost was most of what they
/// cost the server and this process (`pg_stat_statements` and `perf`, README "Scaling out").
///
/// Only reads of integers, text, booleans and whole numbers combine, as ``PostgresSession/row(_:)``
/// reads them from their cells: JSON carries no column types, so a `bytea` column would come back
/// as text. The readers that combine (``PostgresSession/prefetching(_:)``, the reads of a group's
/// accounts, tiers, totals and models) select none; a floating-point or nested value is refused.
enum CombinedReads {
    /// Whether `sql` can be a part: a plain `SELECT` without a locking clause, whose placeholders
    /// are all `?` (numbered in turn across the parts).
    static func combinable(_ sql: String) -> Bool {
        guard sql.hasPrefix("SELECT") else { return false }
        // Bytes, not Foundation's `contains`: this runs for every read of every group.
        let bytes = Array(sql.utf8)
        let locking = Array(" FOR ".utf8)
        for index in bytes.indices {
            if bytes[index] == UInt8(ascii: "?"), index + 1 < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index + 1]) {
                return false
            }
            // A locking clause: FOR UPDATE, FOR NO KEY UPDATE, FOR SHARE, FOR KEY SHARE.
            if bytes[index] == UInt8(ascii: " "), bytes[index...].starts(with: locking) { return false }
        }
        return true
    }

    /// The one statement reading every statement of `statements` (each ``combinable(_:)``).
    static func query(_ statements: [(sql: String, arguments: [DatabaseValue])]) throws -> PostgresQuery {
        let parts = statements.enumerated().map { index, statement in
            "SELECT \(index) AS part, (SELECT coalesce(json_agg(q), '[]')::text FROM (\(statement.sql)) q) AS rows"
        }
        return try PostgresSession.query(parts.joined(separator: "\nUNION ALL ") + "\nORDER BY part", statements.flatMap(\.arguments))
    }

    /// Each part's rows, from the answer of ``query(_:)`` for `count` statements.
    static func rows(_ answer: [PostgresRow], count: Int) throws -> [[Row]] {
        guard answer.count == count else {
            throw LedgerError(.database, path: "", detail: "\(answer.count) answers to \(count) combined reads")
        }
        return try answer.map { row in
            let (_, text) = try row.decode((Int64, String).self)
            var parser = Parser(bytes: Array(text.utf8))
            return try parser.rows()
        }
    }

    /// A JSON array of flat objects (PostgreSQL's `json_agg` of rows) as GRDB rows: numbers as
    /// Int64 (whole numbers only), booleans as 0 or 1, strings as String, null as NULL.
    struct Parser {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func rows() throws -> [Row] {
            var rows: [Row] = []
            try expect(UInt8(ascii: "["))
            if try peek() == UInt8(ascii: "]") {
                index += 1
                return rows
            }
            while true {
                rows.append(try object())
                let next = try take()
                if next == UInt8(ascii: "]") { break }
                guard next == UInt8(ascii: ",") else { throw failure("',' or ']'") }
            }
            skipSpace()
            guard index == bytes.count else { throw failure("the end") }
            return rows
        }

        private mutating func object() throws -> Row {
            var values: [String: (any DatabaseValueConvertible)?] = [:]
            try expect(UInt8(ascii: "{"))
            if try peek() == UInt8(ascii: "}") {
                index += 1
                return Row(values)
            }
            while true {
                try expect(UInt8(ascii: "\""))
                let key = try string()
                try expect(UInt8(ascii: ":"))
                values[key] = try value()
                let next = try take()
                if next == UInt8(ascii: "}") { break }
                guard next == UInt8(ascii: ",") else { throw failure("',' or '}'") }
            }
            return Row(values)
        }

        private mutating func value() throws -> (any DatabaseValueConvertible)? {
            switch try peek() {
            case UInt8(ascii: "\""):
                index += 1
                return try string()
            case UInt8(ascii: "n"): return try word("null", nil)
            case UInt8(ascii: "t"): return try word("true", Int64(1))
            case UInt8(ascii: "f"): return try word("false", Int64(0))
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw failure("a string, a number, a boolean or null (the books hold no nested values)")
            }
        }

        private mutating func word(_ word: String, _ value: Int64?) throws -> Int64? {
            for byte in word.utf8 {
                guard index < bytes.count, bytes[index] == byte else { throw failure(word) }
                index += 1
            }
            return value
        }

        /// A number: a whole one (digits, or digits and a fraction of zeros, as a `numeric` sum
        /// prints) as Int64; anything else is refused, as a floating-point cell is.
        private mutating func number() throws -> Int64 {
            let start = index
            let numeric = Set("-+.eE0123456789".utf8)
            while index < bytes.count && numeric.contains(bytes[index]) { index += 1 }
            var text = String(decoding: bytes[start..<index], as: UTF8.self)
            if let point = text.firstIndex(of: "."), text[text.index(after: point)...].allSatisfy({ $0 == "0" }) {
                text = String(text[..<point])
            }
            guard let whole = Int64(text) else {
                throw LedgerError(.database, path: "", detail: "a number \(text) that is not a whole 64-bit number where the books hold exact integers")
            }
            return whole
        }

        /// A string's contents after its opening quote, through its closing quote.
        private mutating func string() throws -> String {
            var scalars: [UInt8] = []
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""): return String(decoding: scalars, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { throw failure("an escape") }
                    let escaped = bytes[index]
                    index += 1
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escaped)
                    case UInt8(ascii: "b"): scalars.append(0x08)
                    case UInt8(ascii: "f"): scalars.append(0x0C)
                    case UInt8(ascii: "n"): scalars.append(0x0A)
                    case UInt8(ascii: "r"): scalars.append(0x0D)
                    case UInt8(ascii: "t"): scalars.append(0x09)
                    case UInt8(ascii: "u"):
                        var code = UInt32(try hex())
                        // A UTF-16 surrogate pair: the high half, then \u and the low half.
                        if (0xD800...0xDBFF).contains(code), index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                            bytes[index + 1] == UInt8(ascii: "u")
                        {
                            index += 2
                            let low = UInt32(try hex())
                            guard (0xDC00...0xDFFF).contains(low) else { throw failure("the low half of a surrogate pair") }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let scalar = Unicode.Scalar(code) else { throw failure("a Unicode scalar") }
                        scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
                    default: throw failure("an escape")
                    }
                default: scalars.append(byte)
                }
            }
            throw failure("the end of a string")
        }

        private mutating func hex() throws -> UInt16 {
            guard index + 4 <= bytes.count, let value = UInt16(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16) else {
                throw failure("four hexadecimal digits")
            }
            index += 4
            return value
        }

        private mutating func skipSpace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 { index += 1 }
        }

        private mutating func peek() throws -> UInt8 {
            skipSpace()
            guard index < bytes.count else { throw failure("more") }
            return bytes[index]
        }

        private mutating func take() throws -> UInt8 {
            let byte = try peek()
            index += 1
            return byte
        }

        private mutating func expect(_ byte: UInt8) throws {
            guard try take() == byte else { throw failure("'\(Character(Unicode.Scalar(byte)))'") }
        }

        private func failure(_ expected: String) -> LedgerError {
            LedgerError(.database, path: "", detail: "combined reads: expected \(expected) at byte \(index) of the server's answer")
        }
    }
}
