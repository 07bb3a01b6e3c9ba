import ArgumentParser
import TokenLedger
import TokenLedgerCore

/// `tokenledger keys`: the API keys `tokenledger serve` authenticates requests with.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Create, list and revoke the API keys of the ledger service.",
        discussion: """
            Roles: admin (everything), gateway (charge, reserve, settle, void; read balances, accounts and prices), \
            reader (reads only). A key made with --account touches that account only. \
            The secret is printed once, by `keys create`; the ledger stores only its SHA-256.
            """,
        subcommands: [Create.self, List.self, Revoke.self])

    /// A key's fields, never its secret.
    static func fields(_ key: APIKey) -> [(String, JSON)] {
        [
            ("id", .string(key.id)), ("name", .optional(key.name)), ("role", .string(key.role.rawValue)), ("account", .optional(key.account)),
            ("created_at", .time(key.createdAt)), ("revoked_at", key.revokedAt.map(JSON.time) ?? .null),
        ]
    }

    /// The key-value lines of a key for people.
    static func lines(_ key: APIKey) -> [(String, String)] {
        [
            ("id", key.id), ("name", key.name ?? "-"), ("role", key.role.rawValue), ("account", key.account ?? "every account"),
            ("created", key.createdAt.iso8601), ("revoked", key.revokedAt?.iso8601 ?? "no"),
        ]
    }
}
