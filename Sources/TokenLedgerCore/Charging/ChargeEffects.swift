/// What an accepted charge records: the decision of ``Charging/decide(_:usage:snapshot:)``,
/// which a store applies (journal rows, figures) and a kept account applies in memory
/// (``AccountFigures/apply(_:)``). Everything a charge changes is here; nothing else changes.
public struct ChargeEffects: Sendable {
    /// The store's key of the account charged.
    public var accountID: Int64
    /// The store's key of the price entry in force, and when it took effect.
    public var priceEntryID: Int64
    public var priceEffectiveFrom: Timestamp
    /// The model of that entry: the name the charge is recorded and reported under (the name
    /// as sent may differ, ``ModelResolver``).
    public var model: String
    public var cost: Money
    public var band: PriceBand
    /// Lots expired by the request's time, written off (each at its expiry) before the charge.
    public var writeOffs: [WriteOff]
    /// The lot that pays the charge (all of it, for nearly every charge), then any further
    /// lots it draws on.
    public var firstDraw: Allocation?
    public var furtherDraws: [Allocation]
    /// The part of the cost no lot covered: overdraft the next credit repays.
    public var uncovered: Money
    /// The account's balance after the write-offs and the charge.
    public var balanceAfter: Money
    /// The request's calendar month, and the account's spend in it with this charge.
    public var month: MonthWindow
    public var monthToDateAfter: Money
    /// The project's spend in the month with this charge, when the project has limits.
    public var projectMonthToDateAfter: Money?
    /// The limits that month-to-date spend has reached with this charge: each is recorded as an
    /// alert once a month (by the first charge that reaches it).
    public var limitsReached: [SpendAlert]
    /// Usage recorded although an enforced charge would have been refused.
    public var flags: [ChargeAlert]
    /// The auto-recharge the balance calls for (``AutoRechargePolicy/rechargeAmount(balance:rechargedThisMonth:maximumPurchase:)``),
    /// to be paid and then credited with ``Credits/credit(_:kind:to:at:expiresAt:)``.
    public var rechargeDue: Money?
    /// Whether that recharge would take the ledger's total payments past ``LedgerTotals/limit``:
    /// it is then recorded as failed, and nothing is paid.
    public var rechargePassesLimit = false
    /// Who served and billed the request (``Providers/charged(claim:sent:entryProvider:)``);
    /// nil when nothing says.
    public var provider: String? = nil

    /// Whether the charge wrote more than its usage row: an expiry, a second lot, a recharge.
    public var isPlain: Bool { writeOffs.isEmpty && furtherDraws.isEmpty && rechargeDue == nil }
}

/// What remained of an expired lot, written off at its expiry.
public struct WriteOff: Hashable, Sendable {
    public var lotID: Int64
    public var lotKind: LotKind
    public var amount: Money
    public var expiredAt: Timestamp
    /// The account's balance right after the write-off.
    public var balanceAfter: Money

    public init(lotID: Int64, lotKind: LotKind, amount: Money, expiredAt: Timestamp, balanceAfter: Money) {
        self.lotID = lotID
        self.lotKind = lotKind
        self.amount = amount
        self.expiredAt = expiredAt
        self.balanceAfter = balanceAfter
    }
}

/// A limit that month-to-date spend reached with a charge: the alert to record, once a month.
public struct SpendAlert: Hashable, Sendable {
    public var kind: LimitAlertKind
    public var scope: LimitScope
    public var limit: Money
    /// Month-to-date spend (of the account, or of the project) with the charge.
    public var monthToDate: Money
    public var month: MonthWindow

    public init(kind: LimitAlertKind, scope: LimitScope, limit: Money, monthToDate: Money, month: MonthWindow) {
        self.kind = kind
        self.scope = scope
        self.limit = limit
        self.monthToDate = monthToDate
        self.month = month
    }

    /// The alert as a charge's receipt names it.
    public var alert: ChargeAlert { .limitReached(kind, scope) }
}

/// What a charge's receipt says about the account's limits and tier: the limits it reached
/// (recorded once a month each), then flags of usage recorded although an enforced charge would
/// have been refused.
public enum ChargeAlert: Hashable, Sendable, CustomStringConvertible {
    /// A soft, hard or tier limit reached by this charge (recorded as an alert).
    case limitReached(LimitAlertKind, LimitScope)
    /// The model needs a higher usage tier than the account's.
    case tierTooLow
    /// Month-to-date spend had already reached a hard limit (the account's or a project's).
    case overHardLimit(LimitScope)
    /// Month-to-date spend had already reached the usage tier's monthly limit.
    case overTierLimit
    /// The usage passed the model's context window in the price book (which can be wrong, as for
    /// a 1M-token beta): recorded as it happened, and flagged.
    case overContextWindow

    /// The stable name scripts match on: `soft_limit`, `hard_limit`, `tier_limit`,
    /// `tier_too_low`, `over_hard_limit`, `over_tier_limit`, `over_context_window`, with `:project=NAME` for a
    /// project's limit.
    public var code: String {
        switch self {
        case .limitReached(let kind, let scope): LimitAlert.code(kind.rawValue, scope: scope)
        case .tierTooLow: "tier_too_low"
        case .overHardLimit(let scope): LimitAlert.code("over_hard_limit", scope: scope)
        case .overTierLimit: "over_tier_limit"
        case .overContextWindow: "over_context_window"
        }
    }

    public var description: String { code }
}

/// What a credit (a purchase, a grant, a recharge) records: decided by
/// ``Credits/credit(_:kind:to:at:expiresAt:)``.
public struct CreditEffects: Hashable, Sendable {
    public var transferKind: TransferKind
    public var lotKind: LotKind
    public var amount: Money
    public var at: Timestamp
    public var expiresAt: Timestamp
    /// The part that repaid overdraft (allocated from the new lot at once).
    public var repaid: Money
    /// What the new lot holds after the repayment.
    public var lotRemaining: Money
    public var balanceAfter: Money
}
