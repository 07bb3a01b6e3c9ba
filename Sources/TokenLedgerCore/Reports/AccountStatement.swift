/// One movement listed on a statement: a purchase, grant, recharge, expiry write-off or adjustment.
public struct StatementEntry: Sendable, Hashable {
    /// The transfer's kind: purchase, grant, recharge, expiry or adjustment.
    public var kind: TransferKind
    /// The caller's id for credits; nil for expiry write-offs.
    public var reference: String?
    /// Positive when the account was credited, negative when debited.
    public var amount: Money
    public var at: Timestamp
    /// The account's balance just before and right after it, computed from the journal.
    public var balanceBefore: Money
    public var balanceAfter: Money

    public init(kind: TransferKind, reference: String?, amount: Money, at: Timestamp, balanceBefore: Money, balanceAfter: Money) {
        self.kind = kind
        self.reference = reference
        self.amount = amount
        self.at = at
        self.balanceBefore = balanceBefore
        self.balanceAfter = balanceAfter
    }
}

/// A credit lot as a statement shows it: what remained of it at the statement's end.
public struct StatementLot: Sendable, Hashable {
    public var kind: LotKind
    public var original: Money
    /// What remained at the end of the month (or of the statement, for the current month).
    public var remaining: Money
    public var createdAt: Timestamp
    public var expiresAt: Timestamp

    public init(kind: LotKind, original: Money, remaining: Money, createdAt: Timestamp, expiresAt: Timestamp) {
        self.kind = kind
        self.original = original
        self.remaining = remaining
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// An account's month: opening balance, what came in, what went out, closing balance.
///
/// The identity `opening + purchases + grants + recharges + adjustments − usage − expired =
/// closing` holds exactly: the opening and closing are each a fold of the whole journal up to
/// the month's start and end, and the lines are the month's entries by kind.
public struct AccountStatement: Sendable {
    public var account: String
    /// 00:00 UTC on the month's first day: the statement covers the month's entries recorded so far.
    public var month: Timestamp
    public var opening: Money
    public var purchases: Money
    public var grants: Money
    /// Successful auto-recharges (card payments like purchases).
    public var recharges: Money
    /// Manual corrections, net (positive when they credited the account).
    public var adjustments: Money
    public var usage: Money
    /// Credit written off because its lot expired.
    public var expired: Money
    public var closing: Money
    /// The month's transfers (credits, expiries, adjustments) in time order.
    public var entries: [StatementEntry]
    /// Lots created before the end that were live at some time in the month, soonest expiry first.
    public var lots: [StatementLot]
    /// The balance at the end of each day of the month, in order, up to the statement's day
    /// for the current month.
    public var dailyClosing: [(day: CalendarDay, balance: Money)]
    /// Auto-recharges whose payment failed in the month (they added nothing).
    public var failedRecharges: [FailedRecharge] = []
    /// The limits month-to-date spend reached in the month.
    public var alerts: [LimitAlert] = []

    public init(
        account: String, month: Timestamp, opening: Money, purchases: Money, grants: Money, recharges: Money, adjustments: Money,
        usage: Money, expired: Money, closing: Money, entries: [StatementEntry], lots: [StatementLot], dailyClosing: [(day: CalendarDay, balance: Money)]
    ) {
        self.account = account
        self.month = month
        self.opening = opening
        self.purchases = purchases
        self.grants = grants
        self.recharges = recharges
        self.adjustments = adjustments
        self.usage = usage
        self.expired = expired
        self.closing = closing
        self.entries = entries
        self.lots = lots
        self.dailyClosing = dailyClosing
    }

    /// The month as `2026-01`.
    public var monthText: String { String(month.dateString.prefix(7)) }

    /// Credits added in the month: purchases, grants and recharges.
    public var credits: Money { purchases + grants + recharges }

    /// True when opening + credits + adjustments − usage − expired = closing, exactly.
    public var balances: Bool { opening + credits + adjustments - usage - expired == closing }
}

/// An auto-recharge whose payment failed: it added nothing.
public struct FailedRecharge: Sendable, Hashable {
    public var at: Timestamp
    public var amount: Money
    /// Why, as the payment method said.
    public var failure: String
    /// The request id of the charge that caused it.
    public var requestID: String

    public init(at: Timestamp, amount: Money, failure: String, requestID: String) {
        self.at = at
        self.amount = amount
        self.failure = failure
        self.requestID = requestID
    }
}
