/// Who may do what through the ledger service: the one place that says it.
///
/// Two rules, checked in this order after the key is known to be valid:
/// 1. **The role** (``allows(_:_:)``): `admin` does everything; `gateway` charges, reserves,
///    settles, voids and reads the balances, accounts and prices it decides with; `reader` reads
///    (accounts, balances, prices, reports, statements, FOCUS exports, charges, journals,
///    reconciliation, `verify`, metrics) and writes nothing.
/// 2. **The account** a key may be limited to (``decide(_:_:account:)``): such a key touches
///    that account only. An operation about one account must name it; a listing over accounts
///    (account list, monthly report, FOCUS export, charges) is narrowed to it; the price list is open to
///    it (prices are the same for every account); operations about the whole ledger (new
///    accounts, price changes, reconciliation against the provider's bill, `verify`, metrics,
///    keys) are refused, since their answers or effects reach every account.
///
/// ```swift
/// switch Access.decide(key, .charge, account: request.account) {
/// case .allowed: try ledger.charge(request)
/// case .onlyAccount(let name): …            // a listing, narrowed to `name`
/// case .refused(let refusal): respond(403, refusal.code)
/// }
/// ```
public enum Access {
    /// The roles that may perform `operation`: the permission table.
    public static func roles(allowedTo operation: ServiceOperation) -> Set<APIKeyRole> {
        switch operation {
        case .charge, .reserve, .settle, .void: [.admin, .gateway]
        case .readAccount, .readBalance, .listPrices, .listEvents: [.admin, .gateway, .reader]
        case .listAccounts, .report, .statement, .exportFocus, .listCharges, .readJournal, .reconcile, .verify, .readMetrics: [.admin, .reader]
        case .createAccount, .purchase, .grant, .setPrices, .importPrices, .importUsage, .manageKeys: [.admin]
        }
    }

    /// Whether a key of `role` may perform `operation` (on any account it may touch).
    public static func allows(_ role: APIKeyRole, _ operation: ServiceOperation) -> Bool {
        roles(allowedTo: operation).contains(role)
    }

    /// Whether `key` may perform `operation` on `account` (nil: the request names no account).
    /// Refused for a revoked key, a role without the operation, or an account the key is not
    /// limited to (see ``decide(_:_:account:)``).
    public static func decide(_ key: APIKey, _ operation: ServiceOperation, account: String?) -> AccessDecision {
        if key.isRevoked { return .refused(.keyRevoked(key.id)) }
        guard allows(key.role, operation) else { return .refused(.roleForbidden(role: key.role, operation: operation)) }
        guard let limit = key.account else { return .allowed }
        switch operation.accountScope {
        case .shared:
            return .allowed
        case .wholeLedger:
            return .refused(.wholeLedgerForbidden(keyAccount: limit, operation: operation))
        case .oneAccount:
            return isSame(account, limit) ? .allowed : .refused(.accountForbidden(keyAccount: limit, requested: account, operation: operation))
        case .accounts:
            guard let account else { return .onlyAccount(limit) }
            return isSame(account, limit) ? .allowed : .refused(.accountForbidden(keyAccount: limit, requested: account, operation: operation))
        }
    }

    /// Whether `account` is the key's account, byte for byte as SQLite compares names: `String`'s
    /// `==` would take two spellings of "café" (two accounts) for one.
    private static func isSame(_ account: String?, _ limit: String) -> Bool {
        account.map { ExactText($0) == ExactText(limit) } ?? false
    }

    /// Whether `key` may perform `operation` on `account` at all: ``decide(_:_:account:)`` is
    /// not a refusal (a listing it narrows to the key's account counts as permitted).
    public static func permits(_ key: APIKey, _ operation: ServiceOperation, account: String?) -> Bool {
        if case .refused = decide(key, operation, account: account) { return false }
        return true
    }
}

/// What ``Access/decide(_:_:account:)`` answers.
public enum AccessDecision: Sendable, Hashable {
    /// Go ahead, as asked.
    case allowed
    /// Go ahead, but over this account only: a listing over all accounts asked by a key
    /// limited to one (the account list shows it alone; a report or export covers it alone).
    case onlyAccount(String)
    /// Not allowed: the service answers 403 with the refusal's code, and runs nothing.
    case refused(AccessRefusal)
}

/// Why an API key may not perform an operation, in check order. The service's 403s; the CLI
/// never meets them (it runs with the file's own permissions).
public enum AccessRefusal: Refusal, Hashable {
    /// The key (its id) was revoked.
    case keyRevoked(String)
    /// The key's role does not include the operation.
    case roleForbidden(role: APIKeyRole, operation: ServiceOperation)
    /// The key is limited to another account than the one the request is about (nil: the
    /// request names none, and the operation is about one account).
    case accountForbidden(keyAccount: String, requested: String?, operation: ServiceOperation)
    /// The key is limited to one account and the operation is about the whole ledger.
    case wholeLedgerForbidden(keyAccount: String, operation: ServiceOperation)

    public var code: String {
        switch self {
        case .keyRevoked: "key_revoked"
        case .roleForbidden: "role_forbidden"
        case .accountForbidden, .wholeLedgerForbidden: "account_forbidden"
        }
    }

    public var message: String {
        switch self {
        case .keyRevoked(let id): "the API key \(id) was revoked"
        case .roleForbidden(let role, let operation): "a \(role.rawValue) key may not \(operation.rawValue)"
        case .accountForbidden(let keyAccount, let requested?, let operation):
            "a key limited to the account '\(keyAccount)' may not \(operation.rawValue) on the account '\(requested)'"
        case .accountForbidden(let keyAccount, nil, let operation):
            "a key limited to the account '\(keyAccount)' must name it to \(operation.rawValue)"
        case .wholeLedgerForbidden(let keyAccount, let operation):
            "a key limited to the account '\(keyAccount)' may not \(operation.rawValue): it is about the whole ledger"
        }
    }
}
