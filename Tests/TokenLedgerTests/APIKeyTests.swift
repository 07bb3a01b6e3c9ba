import Crypto
import Foundation
import GRDB
import Testing
import TokenLedger
import TokenLedgerCore

@Suite("API keys")
struct APIKeyTests {
    static let created = utc(2026, 1, 2)

    /// A ledger with the account acme, for key tests.
    static func withKeys<T>(_ body: (LedgerFixture) throws -> T) throws -> T {
        try withLedger(defaultPrices: false) { fixture in
            try makeAccount(fixture.ledger, "acme", at: utc(2026, 1, 1))
            return try body(fixture)
        }
    }

    @Test("a new key's secret is tlk_ and 43 base64url characters, authenticates to the key, and is listed without it")
    func createAndAuthenticate() throws {
        try Self.withKeys { fixture in
            let (key, secret) = try fixture.ledger.createAPIKey(NewAPIKey(role: .gateway, account: "acme", name: "gw-eu", at: Self.created))
            #expect(key.role == .gateway && key.account == "acme" && key.name == "gw-eu" && key.createdAt == Self.created && !key.isRevoked)
            #expect(key.id.hasPrefix("key_") && key.id.count == 20)
            #expect(secret.hasPrefix("tlk_") && secret.count == 47)
            #expect(secret.dropFirst(4).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
            #expect(try fixture.ledger.authenticate(secret: secret) == key)
            #expect(try fixture.ledger.apiKeys() == [key])
            // Another handle on the file (the server's) authenticates it too.
            #expect(try Ledger.open(at: fixture.path).authenticate(secret: secret) == key)
            let (unlimited, _) = try fixture.ledger.createAPIKey(NewAPIKey(role: .admin, at: Self.created))
            #expect(unlimited.account == nil && unlimited.name == nil)
            #expect(try fixture.ledger.apiKeys().map(\.id) == [key.id, unlimited.id])
        }
    }

    @Test("secrets and ids are new each time")
    func distinct() throws {
        try Self.withKeys { fixture in
            let made = try (0..<50).map { _ in try fixture.ledger.createAPIKey(NewAPIKey(role: .reader, at: Self.created)) }
            #expect(Set(made.map(\.secret)).count == 50 && Set(made.map(\.key.id)).count == 50)
        }
    }

    @Test("a wrong, altered, truncated or malformed secret authenticates nothing")
    func wrongSecret() throws {
        try Self.withKeys { fixture in
            let (_, secret) = try fixture.ledger.createAPIKey(NewAPIKey(role: .admin, at: Self.created))
            let last = secret.last!
            let wrong = [
                String(secret.dropLast()) + (last == "A" ? "B" : "A"), String(secret.dropLast()), secret + "A", "", "tlk_", secret.uppercased(),
                "Bearer " + secret, " " + secret, "tlk_" + String(repeating: "A", count: 43), String(repeating: "x", count: 1_000_000),
                SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined(),
            ]
            for candidate in wrong where candidate != secret {
                #expect(try fixture.ledger.authenticate(secret: candidate) == nil, "\(candidate.prefix(60))")
            }
        }
    }

    @Test("a revoked key authenticates nothing; revoking it again writes nothing and says so; its row stays")
    func revoke() throws {
        try Self.withKeys { fixture in
            let (key, secret) = try fixture.ledger.createAPIKey(NewAPIKey(role: .gateway, account: "acme", at: Self.created))
            let (other, otherSecret) = try fixture.ledger.createAPIKey(NewAPIKey(role: .reader, at: Self.created))
            let revocation = try fixture.ledger.revokeAPIKey(id: key.id, at: utc(2026, 1, 3))
            #expect(!revocation.alreadyRevoked && revocation.key.revokedAt == utc(2026, 1, 3) && revocation.key.isRevoked)
            #expect(try fixture.ledger.authenticate(secret: secret) == nil)
            #expect(try fixture.ledger.authenticate(secret: otherSecret) == other)

            let before = try fixture.raw.dump()
            let again = try fixture.ledger.revokeAPIKey(id: key.id, at: utc(2026, 2, 1))
            #expect(again.alreadyRevoked && again.key.revokedAt == utc(2026, 1, 3))
            #expect(try fixture.raw.dump() == before)
            #expect(try fixture.ledger.apiKeys().map(\.revokedAt) == [utc(2026, 1, 3), nil])
        }
    }

    @Test("a revocation dated before the key was made is recorded at its making")
    func revokeBeforeCreation() throws {
        try Self.withKeys { fixture in
            let (key, _) = try fixture.ledger.createAPIKey(NewAPIKey(role: .reader, at: Self.created))
            #expect(try fixture.ledger.revokeAPIKey(id: key.id, at: utc(2025, 1, 1)).key.revokedAt == Self.created)
        }
    }

    @Test("refusals write nothing: an unknown account, an invalid name, an unknown key id")
    func refusals() throws {
        try Self.withKeys { fixture in
            let before = try fixture.raw.dump()
            let ledger = fixture.ledger
            #expect(outcome { _ = try ledger.createAPIKey(NewAPIKey(role: .gateway, account: "nobody", at: Self.created)) } == "unknown_account")
            // System accounts are not customers' accounts.
            #expect(outcome { _ = try ledger.createAPIKey(NewAPIKey(role: .gateway, account: "@usage", at: Self.created)) } == "unknown_account")
            for name in ["", " padded", "tab\there", String(repeating: "k", count: 257)] {
                #expect(outcome { _ = try ledger.createAPIKey(NewAPIKey(role: .admin, name: name, at: Self.created)) } == "invalid_key_name")
            }
            #expect(outcome { _ = try ledger.revokeAPIKey(id: "key_0000000000000000", at: Self.created) } == "unknown_key")
            #expect(try fixture.raw.dump() == before)
            #expect(outcome { _ = try ledger.createAPIKey(NewAPIKey(role: .admin, name: String(repeating: "長", count: 256), at: Self.created)) } == "ok")
        }
    }

    @Test("the file holds the secret's SHA-256, never the secret")
    func storedIsTheHash() throws {
        try Self.withKeys { fixture in
            let (key, secret) = try fixture.ledger.createAPIKey(NewAPIKey(role: .admin, name: "ops", at: Self.created))
            let stored = try fixture.raw.queue.read { db in
                try Data.fetchOne(db, sql: "SELECT secret_sha256 FROM api_key WHERE public_id = ?", arguments: [key.id])
            }
            #expect(stored == Data(SHA256.hash(data: Data(secret.utf8))))
            let randomPart = String(secret.dropFirst(4))
            #expect(!(try fixture.raw.dump()).contains(randomPart))
            // Nor anywhere in the file's bytes or its write-ahead log.
            for path in [fixture.path, fixture.path + "-wal"] {
                let bytes = FileManager.default.contents(atPath: path) ?? Data()
                #expect(bytes.range(of: Data(randomPart.utf8)) == nil, "\(path)")
            }
        }
    }

    @Test("the schema keeps every key: never deleted, never changed, revoked once")
    func schemaKeepsKeys() throws {
        try Self.withKeys { fixture in
            let (key, _) = try fixture.ledger.createAPIKey(NewAPIKey(role: .reader, at: Self.created))
            for sql in [
                "DELETE FROM api_key", "UPDATE api_key SET role = 'admin'", "UPDATE api_key SET account_id = 6",
                "UPDATE api_key SET secret_sha256 = zeroblob(32)",
            ] {
                let error = #expect(throws: DatabaseError.self) { try fixture.raw.execute(sql) }
                #expect(error?.extendedResultCode == .SQLITE_CONSTRAINT_TRIGGER, "\(sql)")
            }
            _ = try fixture.ledger.revokeAPIKey(id: key.id, at: utc(2026, 1, 3))
            let error = #expect(throws: DatabaseError.self) { try fixture.raw.execute("UPDATE api_key SET revoked_at_ms = NULL") }
            #expect(error?.extendedResultCode == .SQLITE_CONSTRAINT_TRIGGER)
            let insert = "INSERT INTO api_key (public_id, secret_sha256, role, created_at_ms) VALUES "
            for (sql, code) in [
                (insert + "('key_00000000000000000', zeroblob(32), 'admin', 0)", ResultCode.SQLITE_CONSTRAINT_CHECK),
                (insert + "('key_000000000000000G', zeroblob(32), 'admin', 0)", .SQLITE_CONSTRAINT_CHECK),
                (insert + "('key_0000000000000000', zeroblob(31), 'admin', 0)", .SQLITE_CONSTRAINT_CHECK),
                (insert + "('key_0000000000000000', zeroblob(32), 'root', 0)", .SQLITE_CONSTRAINT_CHECK),
                (insert + "('key_0000000000000000', 'text', 'admin', 0)", .SQLITE_CONSTRAINT_DATATYPE),
            ] {
                let error = #expect(throws: DatabaseError.self) { try fixture.raw.execute(sql) }
                #expect(error?.extendedResultCode == code, "\(sql)")
            }
            try fixture.raw.execute(insert + "('key_0000000000000000', zeroblob(32), 'admin', 0)")
        }
    }
}

/// One row of the permission table: an operation and the roles that may perform it.
struct RoleRow: Sendable, CustomTestStringConvertible {
    var operation: ServiceOperation
    var roles: Set<APIKeyRole>
    var testDescription: String { "\(operation.rawValue): \(roles.map(\.rawValue).sorted().joined(separator: ", "))" }
}

/// What a key limited to acme gets for an operation on acme, on beta, and naming no account.
struct LimitRow: Sendable, CustomTestStringConvertible {
    var operation: ServiceOperation
    var own: String
    var other: String
    var unnamed: String
    var testDescription: String { "\(operation.rawValue): \(own) / \(other) / \(unnamed)" }
}

@Suite("API key permissions")
struct APIKeyPermissionTests {
    /// The whole table, written out (not derived from the code it checks).
    static let roleTable: [RoleRow] = [
        RoleRow(operation: .createAccount, roles: [.admin]),
        RoleRow(operation: .listAccounts, roles: [.admin, .reader]),
        RoleRow(operation: .readAccount, roles: [.admin, .gateway, .reader]),
        RoleRow(operation: .purchase, roles: [.admin]),
        RoleRow(operation: .grant, roles: [.admin]),
        RoleRow(operation: .charge, roles: [.admin, .gateway]),
        RoleRow(operation: .reserve, roles: [.admin, .gateway]),
        RoleRow(operation: .settle, roles: [.admin, .gateway]),
        RoleRow(operation: .void, roles: [.admin, .gateway]),
        RoleRow(operation: .readBalance, roles: [.admin, .gateway, .reader]),
        RoleRow(operation: .listPrices, roles: [.admin, .gateway, .reader]),
        RoleRow(operation: .setPrices, roles: [.admin]),
        RoleRow(operation: .importPrices, roles: [.admin]),
        RoleRow(operation: .importUsage, roles: [.admin]),
        RoleRow(operation: .report, roles: [.admin, .reader]),
        RoleRow(operation: .statement, roles: [.admin, .reader]),
        RoleRow(operation: .reconcile, roles: [.admin, .reader]),
        RoleRow(operation: .exportFocus, roles: [.admin, .reader]),
        RoleRow(operation: .listCharges, roles: [.admin, .reader]),
        RoleRow(operation: .readJournal, roles: [.admin, .reader]),
        RoleRow(operation: .verify, roles: [.admin, .reader]),
        RoleRow(operation: .readMetrics, roles: [.admin, .reader]),
        RoleRow(operation: .manageKeys, roles: [.admin]),
        RoleRow(operation: .listEvents, roles: [.admin, .gateway, .reader]),
    ]

    /// For an admin key limited to acme (so that only the account rule can refuse): `ok`,
    /// `only` (a listing narrowed to acme) or the refusal's code.
    static let limitTable: [LimitRow] = [
        LimitRow(operation: .createAccount, own: "account_forbidden", other: "account_forbidden", unnamed: "account_forbidden"),
        LimitRow(operation: .listAccounts, own: "ok", other: "account_forbidden", unnamed: "only"),
        LimitRow(operation: .readAccount, own: "ok", other: "account_forbidden", unnamed: "account_forbidden"),
        LimitRow(operation: .purchase, own: "ok", other: "account_forbidden", unnamed: "account_forbidden"),
        LimitRow(operation: .grant, own: "ok", other: "account_forbidden", unnamed: "account_forbidden"),
        LimitRow(operation: .charge, own: "ok", other: "account_forbidden", unnamed: "account_forbidden"),
        LimitRow(operation: .reserve, own: "ok", other: "account_forbidden", unnamed: "account_forbidden"),
        LimitRow(operation: .settle, own: "ok", other: "account_forbidden", unnamed: "account_forbidden"),
        LimitRow(operation: .void, own: "ok", other: "account_forbidden", unnamed: "account_forbidden"),
        LimitRow(operation: .readBalance, own: "ok", other: "account_forbidden", unnamed: "account_forbidden"),
        LimitRow(operation: .listPrices, own: "ok", other: "ok", unnamed: "ok"),
        LimitRow(operation: .setPrices, own: "account_forbidden", other: "account_forbidden", unnamed: "account_forbidden"),
        LimitRow(operation: .importPrices, own: "account_forbidden", other: "account_forbidden", unnamed: "account_forbidden"),
        LimitRow(operation: .importUsage, own: "ok", other: "account_forbidden", unnamed: "account_forbidden"),
        LimitRow(operation: .report, own: "ok", other: "account_forbidden", unnamed: "only"),
        LimitRow(operation: .statement, own: "ok", other: "account_forbidden", unnamed: "account_forbidden"),
        LimitRow(operation: .reconcile, own: "account_forbidden", other: "account_forbidden", unnamed: "account_forbidden"),
        LimitRow(operation: .exportFocus, own: "ok", other: "account_forbidden", unnamed: "only"),
        LimitRow(operation: .listCharges, own: "ok", other: "account_forbidden", unnamed: "only"),
        LimitRow(operation: .readJournal, own: "ok", other: "account_forbidden", unnamed: "account_forbidden"),
        LimitRow(operation: .verify, own: "account_forbidden", other: "account_forbidden", unnamed: "account_forbidden"),
        LimitRow(operation: .readMetrics, own: "account_forbidden", other: "account_forbidden", unnamed: "account_forbidden"),
        LimitRow(operation: .manageKeys, own: "account_forbidden", other: "account_forbidden", unnamed: "account_forbidden"),
        LimitRow(operation: .listEvents, own: "ok", other: "account_forbidden", unnamed: "only"),
    ]

    static func key(_ role: APIKeyRole, account: String? = nil, revoked: Bool = false) -> APIKey {
        APIKey(id: "key_0123456789abcdef", name: nil, role: role, account: account, createdAt: utc(2026, 1, 1), revokedAt: revoked ? utc(2026, 1, 2) : nil)
    }

    static func word(_ decision: AccessDecision) -> String {
        switch decision {
        case .allowed: "ok"
        case .onlyAccount(let account): account == "acme" ? "only" : "only \(account)"
        case .refused(let refusal): refusal.code
        }
    }

    @Test("the tables cover every operation once")
    func complete() {
        #expect(Self.roleTable.map(\.operation) == ServiceOperation.allCases)
        #expect(Self.limitTable.map(\.operation) == ServiceOperation.allCases)
    }

    @Test("each role may do exactly its operations, on any account when the key is not limited", arguments: roleTable)
    func roles(_ row: RoleRow) {
        for role in APIKeyRole.allCases {
            let expected = row.roles.contains(role)
            #expect(Access.allows(role, row.operation) == expected, "\(role)")
            for account in ["acme", "beta", nil] as [String?] {
                let decision = Access.decide(Self.key(role), row.operation, account: account)
                #expect(Self.word(decision) == (expected ? "ok" : "role_forbidden"), "\(role) \(account ?? "-")")
                #expect(Access.permits(Self.key(role), row.operation, account: account) == expected)
            }
        }
    }

    @Test("a key limited to one account touches it only", arguments: limitTable)
    func limited(_ row: LimitRow) {
        let key = Self.key(.admin, account: "acme")
        #expect(Self.word(Access.decide(key, row.operation, account: "acme")) == row.own)
        #expect(Self.word(Access.decide(key, row.operation, account: "beta")) == row.other)
        #expect(Self.word(Access.decide(key, row.operation, account: nil)) == row.unnamed)
        #expect(Access.permits(key, row.operation, account: nil) == (row.unnamed != "account_forbidden"))
        // The role is checked first: a limited reader may never charge, even its own account.
        for role in [APIKeyRole.gateway, .reader] where !Access.allows(role, row.operation) {
            #expect(Self.word(Access.decide(Self.key(role, account: "acme"), row.operation, account: "acme")) == "role_forbidden")
        }
    }

    @Test("a revoked key may do nothing")
    func revoked() {
        for role in APIKeyRole.allCases {
            for operation in ServiceOperation.allCases {
                #expect(Self.word(Access.decide(Self.key(role, revoked: true), operation, account: nil)) == "key_revoked")
            }
        }
    }

    @Test("accounts are compared byte for byte, as the ledger names them: two spellings of café are two accounts")
    func exactNames() {
        let composed = "caf\u{E9}", decomposed = "cafe\u{301}"
        #expect(composed == decomposed)  // Swift's String equality: canonical equivalence
        let key = Self.key(.gateway, account: composed)
        #expect(Self.word(Access.decide(key, .charge, account: composed)) == "ok")
        #expect(Self.word(Access.decide(key, .charge, account: decomposed)) == "account_forbidden")
    }

    @Test("refusal messages name the key's id, role, operation and accounts, nothing secret")
    func messages() {
        let refusal = AccessRefusal.accountForbidden(keyAccount: "acme", requested: "beta", operation: .charge)
        #expect(refusal.message == "a key limited to the account 'acme' may not charge on the account 'beta'")
        #expect(AccessRefusal.roleForbidden(role: .reader, operation: .charge).message == "a reader key may not charge")
    }
}
