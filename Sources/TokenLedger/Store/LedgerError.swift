import GRDB

/// An operating error: the ledger file cannot be used as asked. Business refusals are
/// ``Refusal`` values instead; malformed input files are ``InputError``.
public struct LedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, as a stable name.
    public enum Kind: String, Sendable {
        case missing
        case notALedger = "not_a_ledger"
        case newerSchema = "newer_schema"
        case locked
        case readOnly = "read_only"
        case diskFull = "disk_full"
        case corrupt
        case database
        /// A PostgreSQL server that cannot be reached, or that refuses the login or the database.
        case unavailable
        /// `tokenledger demo` was given a ledger it did not make (it posts only into its own).
        case notADemoLedger = "not_a_demo_ledger"
    }

    public var kind: Kind
    public var path: String
    public var detail: String

    public init(_ kind: Kind, path: String, detail: String) {
        self.kind = kind
        self.path = path
        self.detail = detail
    }

    public var description: String {
        // An empty path (`--db ""`) is shown as '' rather than as nothing.
        let path = path.isEmpty ? "''" : path
        return switch kind {
        case .missing: "no ledger at \(path): run `tokenledger init` to create one (or pass --create)"
        case .notALedger: "\(path) is not a TokenLedger file: \(detail)"
        case .newerSchema: "\(path) was written by a newer TokenLedger (\(detail)); upgrade tokenledger to open it"
        case .locked: "\(path) is locked by another process past the timeout: \(detail)"
        case .readOnly: "\(path) cannot be written: \(detail)"
        case .diskFull: "\(path): the disk is full: \(detail)"
        case .corrupt: "\(path) is damaged: \(detail)"
        case .database: "\(path): \(detail)"
        case .unavailable: "cannot use the database at \(path): \(detail)"
        case .notADemoLedger: "\(path) is not a ledger that `tokenledger demo` made: \(detail); give demo a new file with --db"
        }
    }

    /// Maps a SQLite error to the operating error users see.
    static func from(_ error: DatabaseError, path: String) -> LedgerError {
        let detail = error.message ?? "\(error.resultCode)"
        switch error.resultCode.primaryResultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED: return LedgerError(.locked, path: path, detail: detail)
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN: return LedgerError(.readOnly, path: path, detail: detail)
        case .SQLITE_FULL: return LedgerError(.diskFull, path: path, detail: detail)
        case .SQLITE_NOTADB: return LedgerError(.notALedger, path: path, detail: detail)
        case .SQLITE_CORRUPT: return LedgerError(.corrupt, path: path, detail: detail)
        default: return LedgerError(.database, path: path, detail: detail)
        }
    }
}

/// Malformed input: which file (or option), line and field, and why. Nothing was written.
public struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String?
    public var line: Int?
    public var field: String?
    public var reason: String

    public init(file: String? = nil, line: Int? = nil, field: String? = nil, reason: String) {
        self.file = file
        self.line = line
        self.field = field
        self.reason = reason
    }

    public var description: String {
        var place = ""
        if let file { place += file }
        if let line { place += place.isEmpty ? "line \(line)" : ":\(line)" }
        if let field { place += place.isEmpty ? field : " (\(field))" }
        return place.isEmpty ? reason : "\(place): \(reason)"
    }
}
