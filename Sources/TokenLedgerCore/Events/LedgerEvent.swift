/// What an event of the ledger's outbox tells: the kinds that webhooks are posted for and that
/// `GET /v1/events` lists. Each is decided here or by the rule it reports on, and written by the
/// store's one effects writer in the same transaction as its cause.
public enum LedgerEventKind: String, Hashable, Sendable, CaseIterable, Comparable {
    /// A soft limit was reached (once a month, by the charge that reached it).
    case softLimit = "soft_limit"
    /// A hard limit was reached (once a month, by the charge that reached it).
    case hardLimit = "hard_limit"
    /// The usage tier's monthly limit was reached (once a month).
    case tierLimit = "tier_limit"
    /// The account's credit went below its low-balance threshold (``LowBalanceWatch``).
    case lowBalance = "low_balance"
    /// An auto-recharge was paid and credited.
    case rechargeSucceeded = "recharge_succeeded"
    /// An auto-recharge's payment failed (nothing was credited).
    case rechargeFailed = "recharge_failed"
    /// A lot expired with credit left, which was written off.
    case lotExpired = "lot_expired"

    /// The event of a limit reached.
    public init(_ kind: LimitAlertKind) {
        switch kind {
        case .softLimit: self = .softLimit
        case .hardLimit: self = .hardLimit
        case .tierLimit: self = .tierLimit
        }
    }

    /// The event of an auto-recharge attempt.
    public init(rechargeSucceeded: Bool) {
        self = rechargeSucceeded ? .rechargeSucceeded : .rechargeFailed
    }

    public static func < (left: LedgerEventKind, right: LedgerEventKind) -> Bool { left.rawValue < right.rawValue }

    /// The kinds named in a comma-separated list (`soft_limit,low_balance`); nil naming the
    /// first unknown one.
    public static func parseList(_ text: String) -> Result<Set<LedgerEventKind>, UnknownEventKind> {
        var kinds: Set<LedgerEventKind> = []
        for name in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let kind = LedgerEventKind(rawValue: String(name)) else { return .failure(UnknownEventKind(name: String(name))) }
            kinds.insert(kind)
        }
        return .success(kinds)
    }
}

/// A name that is no ``LedgerEventKind``.
public struct UnknownEventKind: Error, Hashable, Sendable, CustomStringConvertible {
    public var name: String

    public init(name: String) { self.name = name }

    public var description: String {
        "unknown event kind '\(name)': one of " + LedgerEventKind.allCases.map(\.rawValue).joined(separator: ", ")
    }
}

/// An account's low-balance threshold and whether it is armed: the rule of the `low_balance`
/// event.
///
/// The account's *credit* is its balance plus its overdraft allowance (what it may still spend,
/// open holds aside). An armed watch fires when an operation leaves the credit below the
/// threshold, and is then disarmed: later operations below it fire nothing. Any operation that
/// leaves the credit at or above the threshold (a purchase, a grant, a recharge, a refund of a
/// charge) arms it again. A new watch is armed when the credit is at or above its threshold,
/// else disarmed (setting a threshold above the credit does not fire by itself).
public struct LowBalanceWatch: Hashable, Sendable {
    public var threshold: Money
    public var armed: Bool

    public init(threshold: Money, armed: Bool) {
        self.threshold = threshold
        self.armed = armed
    }

    /// A new watch for an account whose credit is `credit`.
    public static func new(threshold: Money, credit: Money) -> LowBalanceWatch {
        LowBalanceWatch(threshold: threshold, armed: credit >= threshold)
    }

    /// The watch after an operation that left the account's credit at `credit`, and whether a
    /// `low_balance` event fires.
    public func after(credit: Money) -> (watch: LowBalanceWatch, fires: Bool) {
        let below = credit < threshold
        return (LowBalanceWatch(threshold: threshold, armed: !below), armed && below)
    }
}
