/// Monthly spend limits of an account or of one of its projects, per calendar month (UTC).
///
/// The **soft** limit records an alert the first time month-to-date spend reaches it in a month;
/// the **hard** limit refuses reservations and enforced charges once month-to-date spend has
/// reached it (a plain charge still records usage that happened, and is flagged). Either may be
/// absent; the usage tier's monthly limit is a further hard limit on every account.
public struct SpendLimits: Hashable, Sendable {
    public var soft: Money?
    public var hard: Money?

    public init(soft: Money? = nil, hard: Money? = nil) {
        self.soft = soft
        self.hard = hard
    }

    /// No limit at all.
    public var isEmpty: Bool { soft == nil && hard == nil }
}

/// What a limit applies to: the whole account, or one of its projects.
public enum LimitScope: Hashable, Sendable, CustomStringConvertible {
    case account
    case project(String)

    /// The project, or nil for the whole account.
    public var project: String? {
        if case .project(let name) = self { return name }
        return nil
    }

    public var description: String {
        switch self {
        case .account: "the account"
        case .project(let name): "project '\(name)'"
        }
    }
}

/// The kind of limit an alert is about.
public enum LimitAlertKind: String, Hashable, Sendable, CaseIterable {
    /// A soft limit was reached (recorded once a month).
    case softLimit = "soft_limit"
    /// A hard limit was reached (recorded once a month, by the charge that reached it).
    case hardLimit = "hard_limit"
    /// The usage tier's monthly usage limit was reached (recorded once a month).
    case tierLimit = "tier_limit"
}

/// A limit that month-to-date spend reached: recorded once per limit and month, by the charge
/// that reached it.
public struct LimitAlert: Hashable, Sendable, CustomStringConvertible {
    public var kind: LimitAlertKind
    public var scope: LimitScope
    public var limit: Money
    /// Month-to-date spend right after the charge that reached the limit.
    public var monthToDate: Money
    public var at: Timestamp
    /// The request id of the charge that reached it.
    public var requestID: String

    public init(kind: LimitAlertKind, scope: LimitScope, limit: Money, monthToDate: Money, at: Timestamp, requestID: String) {
        self.kind = kind
        self.scope = scope
        self.limit = limit
        self.monthToDate = monthToDate
        self.at = at
        self.requestID = requestID
    }

    /// The stable name scripts match on: `soft_limit`, `hard_limit`, `tier_limit`, with
    /// `:project=NAME` for a project's limit.
    public var code: String { LimitAlert.code(kind.rawValue, scope: scope) }

    /// `name`, with `:project=NAME` for a project's scope.
    public static func code(_ name: String, scope: LimitScope) -> String {
        scope.project.map { "\(name):project=\($0)" } ?? name
    }

    public var description: String { "\(code): month-to-date \(monthToDate) reached \(limit)" }
}

/// Why limits cannot be set, in check order.
public enum LimitRefusal: Refusal, Equatable {
    case invalidProject(String)
    case invalidAmount(field: String, amount: Money)
    case softAboveHard(soft: Money, hard: Money)
    case unknownAccount(String)

    public var code: String {
        switch self {
        case .invalidProject: "invalid_attribution"
        case .invalidAmount: "invalid_limit"
        case .softAboveHard: "soft_above_hard"
        case .unknownAccount: "unknown_account"
        }
    }

    public var message: String {
        switch self {
        case .invalidProject(let reason): "invalid project: \(reason)"
        case .invalidAmount(let field, let amount): "the \(field) limit must be positive and at most \(Credits.ceiling) (got \(amount))"
        case .softAboveHard(let soft, let hard): "the soft limit \(soft) is above the hard limit \(hard)"
        case .unknownAccount(let name): "no account named '\(name)'"
        }
    }

    public var isBadInput: Bool {
        if case .unknownAccount = self { return false }
        return true
    }

    /// The first problem with `limits` for `scope`, if any, in check order.
    public static func check(_ limits: SpendLimits, scope: LimitScope) -> LimitRefusal? {
        if let project = scope.project, let problem = Identifier.problem(project) { return .invalidProject(problem) }
        for (field, amount) in [("soft", limits.soft), ("hard", limits.hard)] {
            if let amount, amount.nanos <= 0 || amount > Credits.ceiling { return .invalidAmount(field: field, amount: amount) }
        }
        if let soft = limits.soft, let hard = limits.hard, soft > hard { return .softAboveHard(soft: soft, hard: hard) }
        return nil
    }
}

/// A hard limit that month-to-date spend has reached (or that a hold would pass): the account's,
/// a project's, or the usage tier's monthly usage limit.
public struct LimitReached: Hashable, Sendable, CustomStringConvertible {
    public var scope: LimitScope
    /// The usage tier whose monthly limit it is; nil for a limit set with `limit`.
    public var tier: String?
    public var limit: Money
    /// Month-to-date spend, plus open holds for a reservation.
    public var monthToDate: Money

    public init(scope: LimitScope, tier: String? = nil, limit: Money, monthToDate: Money) {
        self.scope = scope
        self.tier = tier
        self.limit = limit
        self.monthToDate = monthToDate
    }

    /// The limit, in words: "the hard limit of the account of $15.00".
    public var limitDescription: String {
        (tier.map { "usage tier \($0)'s monthly usage limit of" } ?? "the hard limit of \(scope) of") + " \(limit)"
    }

    public var description: String { "month-to-date spend of \(monthToDate) has reached \(limitDescription)" }
}

/// A model that needs a higher usage tier than the account has reached.
public struct TierShortfall: Hashable, Sendable, CustomStringConvertible {
    public var model: String
    public var required: String
    public var tier: String

    public init(model: String, required: String, tier: String) {
        self.model = model
        self.required = required
        self.tier = tier
    }

    public var description: String { "'\(model)' needs usage tier \(required); the account is at tier \(tier)" }
}
