/// Why a webhook endpoint or a low-balance threshold cannot be set, in check order.
public enum WebhookRefusal: Refusal, Equatable {
    /// The URL is not an absolute `http` or `https` URL with a host (or is too long).
    case invalidURL(String)
    /// The signing secret is shorter than 16 or longer than 256 characters, or holds spaces or
    /// control characters.
    case invalidSecret(String)
    /// An event kind that does not exist.
    case invalidEventKind(UnknownEventKind)
    /// The low-balance threshold is not positive, or is past the largest amount the ledger holds.
    case invalidThreshold(Money)
    /// The account does not exist.
    case unknownAccount(String)
    /// No endpoint has this id (remove).
    case unknownWebhook(String)

    public var code: String {
        switch self {
        case .invalidURL: "invalid_url"
        case .invalidSecret: "invalid_secret"
        case .invalidEventKind: "invalid_event_kind"
        case .invalidThreshold: "invalid_threshold"
        case .unknownAccount: "unknown_account"
        case .unknownWebhook: "unknown_webhook"
        }
    }

    public var message: String {
        switch self {
        case .invalidURL(let reason): "invalid webhook url: \(reason)"
        case .invalidSecret(let reason): "invalid webhook secret: \(reason)"
        case .invalidEventKind(let unknown): unknown.description
        case .invalidThreshold(let amount): "low-balance threshold \(amount) must be above $0 and at most $1,000,000"
        case .unknownAccount(let name): "no account named '\(name)'"
        case .unknownWebhook(let id): "no webhook endpoint with the id '\(id)' (see `tokenledger webhooks list`)"
        }
    }

    public var isBadInput: Bool {
        switch self {
        case .invalidURL, .invalidSecret, .invalidEventKind, .invalidThreshold: true
        case .unknownAccount, .unknownWebhook: false
        }
    }

    /// The largest low-balance threshold: $1,000,000.
    public static let maximumThreshold = Money(dollars: 1_000_000)

    /// The problem with an endpoint's URL, if any.
    public static func urlProblem(_ url: String) -> String? {
        if url.utf8.count > 2_048 { return "longer than 2048 bytes" }
        let lowered = url.lowercased()
        guard let schemeEnd = lowered.range(of: "://"), ["http", "https"].contains(lowered[..<schemeEnd.lowerBound]) else {
            return "'\(url)' is not an http:// or https:// URL"
        }
        let rest = url[schemeEnd.upperBound...]
        let host = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if host.isEmpty { return "'\(url)' has no host" }
        if url.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) { return "it holds spaces or control characters" }
        return nil
    }

    /// The problem with a signing secret, if any.
    public static func secretProblem(_ secret: String) -> String? {
        if secret.count < 16 { return "shorter than 16 characters" }
        if secret.count > 256 { return "longer than 256 characters" }
        if secret.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) { return "it holds spaces or control characters" }
        return nil
    }
}
