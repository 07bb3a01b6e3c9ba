/// Why an API key cannot be made or revoked, in check order. Messages never hold a secret.
public enum APIKeyRefusal: Refusal, Equatable {
    /// The label is empty, too long, holds control characters or starts or ends with spaces.
    case invalidName(String)
    /// The account the key would be limited to does not exist.
    case unknownAccount(String)
    /// No key has this id (revoke).
    case unknownKey(String)

    public var code: String {
        switch self {
        case .invalidName: "invalid_key_name"
        case .unknownAccount: "unknown_account"
        case .unknownKey: "unknown_key"
        }
    }

    public var message: String {
        switch self {
        case .invalidName(let reason): "invalid key name: \(reason)"
        case .unknownAccount(let name): "no account named '\(name)'"
        case .unknownKey(let id): "no API key with the id '\(id)' (see `tokenledger keys list`)"
        }
    }

    public var isBadInput: Bool {
        if case .invalidName = self { return true }
        return false
    }

    /// The longest key name accepted.
    public static let maximumNameLength = 256

    /// The problem with a key's name, if any: empty, too long, control characters, or white
    /// space at either end.
    public static func nameProblem(_ name: String) -> String? {
        NameRules.problem(name, maximumLength: maximumNameLength)
    }
}
