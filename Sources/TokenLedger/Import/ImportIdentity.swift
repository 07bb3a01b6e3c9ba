import Crypto
import GRDB
import TokenLedgerCore

/// Deterministic request ids for imported rows that have none.
///
/// The id is made from: a version tag, the format, the account, the row's normalized fields
/// (its time once placed by `--start` and `--time-scale`, model, tier, token counts, requests,
/// project, API key, user), and its occurrence number: how many identical rows came before it in
/// the file. So importing the same file again finds the same ids and charges nothing twice, an
/// import stopped halfway can be run again, appending rows to a file leaves the earlier rows'
/// ids as they were, and two identical rows in one file (two equal requests in the same
/// millisecond) are still two charges.
///
/// Two schemes, chosen per ledger file (`setting.import_id_scheme`):
/// - 2 (every ledger made since schema v0002): `imp_` + the row's time in milliseconds as 12
///   hexadecimal digits + `_` + the first 24 hexadecimal digits (96 bits) of the SHA-256 of the
///   fields (in binary, after 16 bytes of the digest of the tag, format and account: one
///   SHA-256 block for a typical row). Ids of a time-ordered file sort in time order, so inserting them appends to the
///   request id index instead of writing all over it (the difference between 13,000 and more
///   than 100,000 charges a second on a 10-million-row import). Two different rows share an id
///   only if they share the millisecond and 96 bits of hash.
/// - 1 (ledgers that imported under schema v0001): `imp_` + the 64 hexadecimal digits of the
///   SHA-256, kept so that re-importing a file imported then still charges nothing twice.
///
/// Occurrences are counted in memory up to ``memoryLimit`` distinct rows, then in a temporary
/// SQLite table, so memory stays flat on any file. The counter is keyed by a 64-bit hash of the
/// fields: two different rows sharing it only share a counter, which changes no id's uniqueness
/// (the fields are hashed into the id) and keeps every id a function of the file's content.
struct ImportIdentity {
    /// The distinct rows counted in memory before the counts move to a temporary table.
    static let memoryLimit = 250_000
    static let prefix = "imp_"

    private let head: [UInt8]
    private let scheme: Int
    /// The bytes hashed for the current row (kept to reuse its storage).
    private var key: [UInt8] = []
    private var counts: [UInt64: Int32] = [:]
    /// Once the counts moved to the temporary table: on a ledger file, the statement that
    /// counts a key there (prepared once); on another store, nil and ``spilled`` set.
    private var upsert: Statement?
    private var spilled = false

    /// The scheme of ids these books use (see the type's documentation).
    static func scheme(db: some BooksReader) throws -> Int {
        let value = try db.first("SELECT value FROM setting WHERE name = 'import_id_scheme'").map { $0["value"] as String }
        return value == "1" ? 1 : 2
    }

    init(format: UsageImportFormat, account: String, scheme: Int) {
        self.scheme = scheme
        var head = Array((scheme >= 2 ? "tokenledger-import-v2" : "tokenledger-import-v1").utf8)
        ImportIdentity.append(format.rawValue, to: &head)
        ImportIdentity.append(account, to: &head)
        // Scheme 2 hashes the first 16 bytes of the head's digest instead of the head, and the
        // fields in binary, so that a typical row is one SHA-256 block rather than two.
        self.head = scheme >= 2 ? Array(SHA256.hash(data: head).prefix(16)) : head
    }

    /// The id of the next row with `request`'s fields (a valid request, placed in time).
    mutating func id(for request: ChargeRequest, db: some BooksWriter) throws -> String {
        guard scheme >= 2 else { return try schemeOneID(for: request, db: db) }
        key.removeAll(keepingCapacity: true)
        key += head
        ImportIdentity.appendVarint(UInt64(request.at.milliseconds), to: &key)
        ImportIdentity.appendBinary(request.model, to: &key)
        key.append(UInt8(ServiceTier.allCases.firstIndex(of: request.tier)!))
        ImportIdentity.appendVarint(UInt64(request.inputTokens), to: &key)
        ImportIdentity.appendVarint(UInt64(request.cachedTokens), to: &key)
        ImportIdentity.appendVarint(UInt64(request.cacheWriteTokens), to: &key)
        ImportIdentity.appendVarint(UInt64(request.outputTokens), to: &key)
        ImportIdentity.appendVarint(UInt64(request.requests), to: &key)
        ImportIdentity.appendBinary(optional: request.project, to: &key)
        ImportIdentity.appendBinary(optional: request.apiKey, to: &key)
        ImportIdentity.appendBinary(optional: request.user, to: &key)
        if !request.breakdown.isEmpty {
            // Only rows with tokens billed apart carry these, so every other row keeps the id it had before they were.
            key.append(0xFF)
            for field in request.breakdown.fields { ImportIdentity.appendVarint(UInt64(field.value), to: &key) }
        }
        let occurrence = try nextOccurrence(of: ImportIdentity.fnv1a(key), db: db)
        ImportIdentity.appendVarint(UInt64(occurrence), to: &key)
        let time = UInt64(request.at.milliseconds)
        return String(unsafeUninitializedCapacity: 41) { text in
            (text[0], text[1], text[2], text[3]) = (UInt8(ascii: "i"), UInt8(ascii: "m"), UInt8(ascii: "p"), UInt8(ascii: "_"))
            for index in 0..<12 {
                let nibble = UInt8(truncatingIfNeeded: time >> UInt64(44 - 4 * index)) & 0xF
                text[4 + index] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
            }
            text[16] = UInt8(ascii: "_")
            ImportIdentity.writeHexDigest(of: key, into: UnsafeMutableBufferPointer(rebasing: text[17..<41]))
            return 41
        }
    }

    /// Scheme 1's id: the SHA-256 of the head and the fields as decimal text, in full.
    private mutating func schemeOneID(for request: ChargeRequest, db: some BooksWriter) throws -> String {
        key.removeAll(keepingCapacity: true)
        key += head
        ImportIdentity.append(request.at.milliseconds, to: &key)
        ImportIdentity.append(request.model, to: &key)
        ImportIdentity.append(request.tier.rawValue, to: &key)
        ImportIdentity.append(request.inputTokens, to: &key)
        ImportIdentity.append(request.cachedTokens, to: &key)
        ImportIdentity.append(request.cacheWriteTokens, to: &key)
        ImportIdentity.append(request.outputTokens, to: &key)
        ImportIdentity.append(request.requests, to: &key)
        ImportIdentity.append(optional: request.project, to: &key)
        ImportIdentity.append(optional: request.apiKey, to: &key)
        ImportIdentity.append(optional: request.user, to: &key)
        if !request.breakdown.isEmpty {
            ImportIdentity.append("breakdown", to: &key)
            for field in request.breakdown.fields { ImportIdentity.append(field.value, to: &key) }
        }
        let occurrence = try nextOccurrence(of: ImportIdentity.fnv1a(key), db: db)
        key.append(UInt8(ascii: "#"))
        ImportIdentity.appendDigits(of: occurrence, to: &key)
        return ImportIdentity.prefix
            + String(unsafeUninitializedCapacity: 64) { text in
                ImportIdentity.writeHexDigest(of: key, into: UnsafeMutableBufferPointer(rebasing: text[0..<64]))
                return 64
            }
    }

    /// Ends the count: drops the temporary table, if one was made.
    mutating func finish(db: some BooksWriter) throws {
        if upsert != nil || spilled {
            upsert = nil
            spilled = false
            try db.perform("DROP TABLE IF EXISTS import_occurrence", [])
        }
        counts = [:]
    }

    /// How many rows with this key came before (0 for the first).
    private mutating func nextOccurrence(of key: UInt64, db: some BooksWriter) throws -> Int64 {
        if let upsert {
            return try Int64.fetchOne(upsert, arguments: [Int64(bitPattern: key)])! - 1
        }
        if spilled {
            return try db.count(Self.countSQL, sqlValues(Int64(bitPattern: key))) - 1
        }
        let seen = counts[key, default: 0]
        counts[key] = seen + 1
        if counts.count > ImportIdentity.memoryLimit { try spill(db: db) }
        return Int64(seen)
    }

    /// Counts a key in the temporary table, answering its count so far.
    private static let countSQL = """
        INSERT INTO import_occurrence (key, seen) VALUES (?, 1)
        ON CONFLICT (key) DO UPDATE SET seen = import_occurrence.seen + 1 RETURNING seen
        """

    /// Moves the counts to a temporary table (on a file, in SQLite's temporary store; on a
    /// database server, a temporary table of the session), a thousand a statement.
    private mutating func spill(db: some BooksWriter) throws {
        // SQLite keys the table by its rowid only when the key is declared `INTEGER` (64 bits
        // there; 32 on PostgreSQL, where it is `BIGINT`).
        let integer = db is Database ? "INTEGER" : "BIGINT"
        try db.perform("CREATE TEMP TABLE IF NOT EXISTS import_occurrence (key \(integer) PRIMARY KEY, seen \(integer) NOT NULL)", [])
        try db.perform("DELETE FROM import_occurrence", [])
        let counted = Array(counts)
        for start in stride(from: 0, to: counted.count, by: 1_000) {
            let slice = counted[start..<min(start + 1_000, counted.count)]
            try db.perform(
                "INSERT INTO import_occurrence (key, seen) VALUES " + Array(repeating: "(?, ?)", count: slice.count).joined(separator: ", "),
                slice.flatMap { sqlValues(Int64(bitPattern: $0.key), Int64($0.value)) })
        }
        counts = [:]
        if let file = db as? Database {
            upsert = try file.makeStatement(sql: Self.countSQL)
        } else {
            spilled = true
        }
    }

    /// Appends `text` as `<length>:<bytes>`, so no two field lists encode alike.
    private static func append(_ text: String, to bytes: inout [UInt8]) {
        appendDigits(of: Int64(text.utf8.count), to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        bytes += text.utf8
    }

    /// Appends an unsigned number in 7-bit groups, low first, the high bit marking more.
    private static func appendVarint(_ number: UInt64, to bytes: inout [UInt8]) {
        var rest = number
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// Appends text as its byte count (varint) and its bytes.
    private static func appendBinary(_ text: String, to bytes: inout [UInt8]) {
        appendVarint(UInt64(text.utf8.count), to: &bytes)
        bytes += text.utf8
    }

    /// Appends an optional text: 0 when absent, else 1 and the text.
    private static func appendBinary(optional text: String?, to bytes: inout [UInt8]) {
        guard let text else { return bytes.append(0) }
        bytes.append(1)
        appendBinary(text, to: &bytes)
    }

    /// Appends an optional field: its text, or `-` when absent.
    private static func append(optional text: String?, to bytes: inout [UInt8]) {
        if let text { append(text, to: &bytes) } else { bytes.append(UInt8(ascii: "-")) }
    }

    /// Appends a number as its decimal text, as `append(String(number), to:)` would.
    private static func append(_ number: Int64, to bytes: inout [UInt8]) {
        let negative = number < 0
        var magnitude = number.magnitude
        var digits = 1
        while magnitude >= 10 {
            magnitude /= 10
            digits += 1
        }
        appendDigits(of: Int64(digits + (negative ? 1 : 0)), to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        if negative { bytes.append(UInt8(ascii: "-")) }
        appendDigits(of: number.magnitude, to: &bytes)
    }

    /// Appends the decimal digits of a non-negative number.
    private static func appendDigits(of number: Int64, to bytes: inout [UInt8]) {
        precondition(number >= 0)
        appendDigits(of: number.magnitude, to: &bytes)
    }

    private static func appendDigits(of number: UInt64, to bytes: inout [UInt8]) {
        var divisor: UInt64 = 1
        while number / divisor >= 10 { divisor *= 10 }
        var rest = number
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    /// Writes the first `text.count` (at most 64) lowercase hexadecimal digits of the SHA-256 of
    /// `bytes` into `text`.
    private static func writeHexDigest(of bytes: [UInt8], into text: UnsafeMutableBufferPointer<UInt8>) {
        precondition((0...64).contains(text.count))
        SHA256.hash(data: bytes).withUnsafeBytes { digest in
            for index in 0..<text.count {
                let byte = digest[index / 2]
                let nibble = index % 2 == 0 ? byte >> 4 : byte & 0xF
                text[index] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
            }
        }
    }

    /// FNV-1a, 64 bits: a fast hash for counting, not for ids.
    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0100_0000_01b3
        }
        return hash
    }
}

/// Places a file's times on the ledger's clock: the first row at `start` (its own time when
/// nil), every other row at the first's plus its offset × the time scale, rounded once to whole
/// milliseconds, half to even.
struct ImportClock {
    let start: Timestamp?
    let scale: TimeScale
    private var reference: Int128?

    init(start: Timestamp?, scale: TimeScale) {
        self.start = start
        self.scale = scale
    }

    /// The instant of a row at `nanoseconds` in the file's time; nil when outside the years
    /// the ledger accepts. The first call fixes the reference.
    mutating func timestamp(forNanoseconds nanoseconds: Int128) -> Timestamp? {
        let reference = self.reference ?? nanoseconds
        self.reference = reference
        let base = start.map { Int128($0.milliseconds) * ImportFields.nanosecondsPerMillisecond } ?? reference
        // In units of 1e-18 s: base ns × 10⁹ + offset ns × (scale × 10⁹); to ms divide by 10¹⁵.
        let numerator = base * 1_000_000_000 + (nanoseconds - reference) * Int128(scale.billionths)
        let milliseconds = Rounding.halfToEven(numerator, dividedBy: 1_000_000_000_000_000)
        guard milliseconds >= Int128(Timestamp.earliest.milliseconds), milliseconds <= Int128(Timestamp.latest.milliseconds) else { return nil }
        return Timestamp(milliseconds: Int64(milliseconds))
    }
}
