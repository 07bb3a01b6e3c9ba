import Foundation
import GRDB
import TokenLedgerCore

/// What `createAPIKey` needs.
public struct NewAPIKey: Sendable {
    public var role: APIKeyRole
    /// The one account the key may touch (it must exist); nil: every account.
    public var account: String?
    /// A label for people (1 to 256 characters, no control characters).
    public var name: String?
    public var at: Timestamp

    public init(role: APIKeyRole, account: String? = nil, name: String? = nil, at: Timestamp) {
        self.role = role
        self.account = account
        self.name = name
        self.at = at
    }
}

/// What `revokeAPIKey` did: the key, now revoked, and whether it already was (then nothing
/// was written).
public struct APIKeyRevocation: Sendable, Hashable {
    public var key: APIKey
    public var alreadyRevoked: Bool
}

extension APIKey {
    /// A row of `api_key` joined with its account's name as `account_name`.
    init(row: Row) {
        let role: String = row["role"]
        self.init(
            id: row["public_id"], name: row["name"], role: APIKeyRole(name: role)!, account: row["account_name"],
            createdAt: Timestamp(milliseconds: row["created_at_ms"]), revokedAt: (row["revoked_at_ms"] as Int64?).map(Timestamp.init(milliseconds:)))
    }

    static let selectSQL = "SELECT k.*, a.name AS account_name FROM api_key k LEFT JOIN account a ON a.id = k.account_id"

    /// Refuses a key's invalid name (`invalid_key_name`) before anything is read.
    package static func checkName(_ request: NewAPIKey) throws {
        if let name = request.name, let problem = APIKeyRefusal.nameProblem(name) { throw APIKeyRefusal.invalidName(problem) }
    }

    /// Records a key with the SHA-256 of `secret`, on either store; refuses an account that does
    /// not exist (`unknown_account`).
    package static func insert(_ request: NewAPIKey, secret: String, db: some BooksWriter) throws -> APIKey {
        var accountID: Int64?
        if let account = request.account {
            guard let found = try Account.find(named: account, db: db) else { throw APIKeyRefusal.unknownAccount(account) }
            accountID = found.id
        }
        guard
            let inserted = try db.first(
                "INSERT INTO api_key (public_id, secret_sha256, name, role, account_id, created_at_ms) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                sqlValues(Ledger.generatedID("key"), APIKeySecret.digest(secret), request.name, request.role.rawValue, accountID, request.at.milliseconds)),
            let row = try db.first(selectSQL + " WHERE k.id = ?", sqlValues(inserted["id"] as Int64))
        else { preconditionFailure("a key inserted and not found") }
        return APIKey(row: row)
    }

    /// Every key, oldest first, on either store.
    package static func all(db: some BooksReader) throws -> [APIKey] {
        try db.select(selectSQL + " ORDER BY k.id").map(APIKey.init(row:))
    }

    /// Revokes the key `id` at `time`, on either store (``Ledger/revokeAPIKey(id:at:)``).
    package static func revoke(id: String, at time: Timestamp, db: some BooksWriter) throws -> APIKeyRevocation {
        guard let row = try db.first(selectSQL + " WHERE k.public_id = ?", sqlValues(id)) else { throw APIKeyRefusal.unknownKey(id) }
        var key = APIKey(row: row)
        if key.isRevoked { return APIKeyRevocation(key: key, alreadyRevoked: true) }
        let revokedAt = max(time, key.createdAt)
        try db.perform("UPDATE api_key SET revoked_at_ms = ? WHERE public_id = ?", sqlValues(revokedAt.milliseconds, id))
        key.revokedAt = revokedAt
        return APIKeyRevocation(key: key, alreadyRevoked: false)
    }

    /// The live key whose secret this is (well-formed, found by its SHA-256, compared in constant
    /// time, not revoked), on either store.
    package static func live(secret: String, db: some BooksReader) throws -> APIKey? {
        guard APIKeySecret.isWellFormed(secret) else { return nil }
        let digest = APIKeySecret.digest(secret)
        guard let row = try db.first(selectSQL + " WHERE k.secret_sha256 = ?", sqlValues(digest)) else { return nil }
        let stored: Data = row["secret_sha256"]
        guard APIKeySecret.equalInConstantTime(stored, digest) else { return nil }
        let key = APIKey(row: row)
        return key.isRevoked ? nil : key
    }
}

extension Ledger {
    /// Makes an API key for the ledger service and returns it with its secret, which is shown
    /// this once: the ledger stores only the secret's SHA-256.
    ///
    /// ```swift
    /// let (key, secret) = try ledger.createAPIKey(NewAPIKey(role: .gateway, account: "acme", at: now))
    /// print(secret)   // tlk_…, to hand to the gateway; `key.id` names it in lists
    /// ```
    /// Refuses (``APIKeyRefusal``) an invalid name (`invalid_key_name`) or an account that does
    /// not exist (`unknown_account`).
    public func createAPIKey(_ request: NewAPIKey) throws -> (key: APIKey, secret: String) {
        try APIKey.checkName(request)
        let secret = APIKeySecret.make()
        return (try write { db in try APIKey.insert(request, secret: secret, db: db) }, secret)
    }

    /// Every API key, revoked ones included, oldest first; never their secrets.
    public func apiKeys() throws -> [APIKey] {
        try read { db in try APIKey.all(db: db) }
    }

    /// Revokes the key `id` at `time`: from then on it authenticates nothing. Revoking a revoked
    /// key writes nothing and says so (``APIKeyRevocation/alreadyRevoked``). The key's row stays.
    /// A revocation is never recorded before the key was made (a clock that went back): it is
    /// then recorded at the key's creation. Refuses an unknown id (`unknown_key`).
    public func revokeAPIKey(id: String, at time: Timestamp) throws -> APIKeyRevocation {
        try write { db in try APIKey.revoke(id: id, at: time, db: db) }
    }

    /// The valid key whose secret is `secret`, or nil (unknown, malformed or revoked).
    ///
    /// The service calls it for every request (and may cache the answer): one indexed read of
    /// the secret's SHA-256, on a reader connection, which neither waits for a writer nor folds
    /// pending charges. The stored digest is compared again in constant time. Throws only
    /// ``LedgerError`` (the file cannot be read); neither the secret nor its digest is in any
    /// error or log.
    public func authenticate(secret: String) throws -> APIKey? {
        guard APIKeySecret.isWellFormed(secret) else { return nil }
        do {
            return try pool.read { db in try APIKey.live(secret: secret, db: db) }
        } catch let error as DatabaseError {
            throw LedgerError.from(error, path: path)
        }
    }
}
