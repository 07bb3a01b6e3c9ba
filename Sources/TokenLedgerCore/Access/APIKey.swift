/// An API key of the ledger service, as it is listed: never its secret.
///
/// The secret is shown once, when the key is made; the ledger keeps only its SHA-256 digest.
/// `id` is a short random name (`key_3f9a0c1e5b7d2468`) that lists and revocations use and
/// that reveals nothing about the secret. A key is never deleted: a revoked key keeps its row,
/// so the books say who had access and when.
public struct APIKey: Sendable, Hashable {
    /// The key's public id: `key_` and 16 hexadecimal digits.
    public var id: String
    /// A label for people (`gateway-eu`), if one was given.
    public var name: String?
    public var role: APIKeyRole
    /// The one account the key may touch; nil: every account.
    public var account: String?
    public var createdAt: Timestamp
    /// When the key was revoked; nil while it is valid.
    public var revokedAt: Timestamp?

    public init(id: String, name: String?, role: APIKeyRole, account: String?, createdAt: Timestamp, revokedAt: Timestamp? = nil) {
        self.id = id
        self.name = name
        self.role = role
        self.account = account
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    /// Whether the key has been revoked (a revoked key authenticates nothing).
    public var isRevoked: Bool { revokedAt != nil }
}
