/// What the charge decision needs of one account: its balance and allowances, its lots in
/// spending order, its limits, its auto-recharge settings and its card payments.
///
/// A store loads it (``Charging`` never reads a store); a store that keeps accounts between
/// transactions (the SQLite store's kept batch) keeps these values and applies each decision's
/// effects to them with ``apply(_:)``, so the next decision sees what the last one did.
public struct AccountFigures: Sendable {
    /// The store's key for the account.
    public var id: Int64
    public var name: String
    /// Credits minus debits: negative is overdraft owed.
    public var balance: Money
    /// The largest card payment (purchase or auto-recharge).
    public var maximumPurchase: Money
    /// How far below zero an enforced charge or a reservation may take the balance.
    public var overdraftAllowance: Money
    /// The lots that had credit when read, with what remains of them now (some may be spent),
    /// in the order they are spent (``Credits/spentBefore(_:_:)``).
    public var lots: [Lot]
    /// The account-wide limits (the projects' limits are in the snapshot of a charge).
    public var limits: SpendLimits
    public var recharge: AutoRechargePolicy?
    /// Card payments, for the usage tier.
    public var payments: PaymentHistory
    /// The low-balance threshold and whether it is armed (``LowBalanceWatch``); nil for none.
    public var lowBalance: LowBalanceWatch?

    public init(
        id: Int64, name: String, balance: Money, maximumPurchase: Money, overdraftAllowance: Money, lots: [Lot], limits: SpendLimits = SpendLimits(),
        recharge: AutoRechargePolicy? = nil, payments: PaymentHistory = PaymentHistory()
    ) {
        self.id = id
        self.name = name
        self.balance = balance
        self.maximumPurchase = maximumPurchase
        self.overdraftAllowance = overdraftAllowance
        self.lots = lots.sorted(by: Credits.spentBefore)
        self.limits = limits
        self.recharge = recharge
        self.payments = payments
    }

    /// What the low-balance rule watches: the balance plus the overdraft allowance, open holds aside.
    public var credit: Money { balance + overdraftAllowance }

    /// What can still be spent by an enforced charge or held by a reservation.
    public func available(holding holds: Money) -> Money { Credits.available(balance: balance, holds: holds, overdraftAllowance: overdraftAllowance) }

    /// The account after a charge: its expired lots written off, the cost drawn from its lots,
    /// the balance the decision worked out.
    public mutating func apply(_ effects: ChargeEffects) {
        apply(effects.writeOffs)
        if let first = effects.firstDraw { take(first) }
        for draw in effects.furtherDraws { take(draw) }
        balance = effects.balanceAfter
    }

    /// The account after write-offs of its expired lots.
    public mutating func apply(_ writeOffs: [WriteOff]) {
        for writeOff in writeOffs { take(Allocation(lotID: writeOff.lotID, amount: writeOff.amount)) }
        if let last = writeOffs.last { balance = last.balanceAfter }
    }

    /// The account after a credit (a purchase, grant or recharge): the new lot, if any credit
    /// is left once overdraft is repaid, in its place in spending order.
    public mutating func apply(_ credit: CreditEffects, lotID: Int64) {
        balance = credit.balanceAfter
        if credit.lotRemaining.nanos > 0 {
            lots.append(
                Lot(id: lotID, kind: credit.lotKind, original: credit.amount, remaining: credit.lotRemaining, createdAt: credit.at, expiresAt: credit.expiresAt)
            )
            lots.sort(by: Credits.spentBefore)
        }
        if credit.transferKind.isPayment { payments.append(at: credit.at, amount: credit.amount) }
    }

    /// Forgets the lots with nothing left (after their figures are written).
    public mutating func dropSpentLots() { lots.removeAll { $0.remaining.nanos == 0 } }

    private mutating func take(_ allocation: Allocation) {
        guard let index = lots.firstIndex(where: { $0.id == allocation.lotID }) else { preconditionFailure("a draw from a lot the account does not hold") }
        lots[index].remaining -= allocation.amount
        precondition(lots[index].remaining.nanos >= 0, "a lot never goes below zero")
    }
}

/// An account's card payments (purchases and recharges) in time order: the usage tier is
/// reached by what was paid and the days since the first payment.
public struct PaymentHistory: Sendable {
    public private(set) var milliseconds: [Int64] = []
    public private(set) var nanos: [Int64] = []
    /// All payments added up.
    public private(set) var paidNanos: Int64 = 0

    public init() {}

    /// Payments as `(time, amount)`, in any order.
    public init(_ payments: [(milliseconds: Int64, nanos: Int64)]) {
        for payment in payments.sorted(by: { $0.milliseconds < $1.milliseconds }) {
            append(at: Timestamp(milliseconds: payment.milliseconds), amount: Money(nanos: payment.nanos))
        }
    }

    public mutating func append(at time: Timestamp, amount: Money) {
        var index = milliseconds.count
        while index > 0, milliseconds[index - 1] > time.milliseconds { index -= 1 }
        milliseconds.insert(time.milliseconds, at: index)
        nanos.insert(amount.nanos, at: index)
        paidNanos += amount.nanos
    }

    /// The rank in `table` of the usage tier reached at `time` by the payments up to then.
    public func tierRank(at time: Timestamp, table: [UsageTier]) -> Int {
        var paid = paidNanos
        var first = milliseconds.first
        if let last = milliseconds.last, last > time.milliseconds {
            paid = 0
            first = nil
            for index in milliseconds.indices where milliseconds[index] <= time.milliseconds {
                paid += nanos[index]
                first = first ?? milliseconds[index]
            }
        }
        return UsageTier.reachedRank(paid: Money(nanos: paid), firstPayment: first.map(Timestamp.init(milliseconds:)), at: time, table: table)
    }
}

/// The price entry in force for a request, as a store found it with
/// ``PriceHistory/indexInForce(at:)``.
public enum PriceLookup: Sendable {
    /// The entry in force, with the store's key for it.
    case inForce(id: Int64, entry: PriceEntry)
    /// The model has no prices at all.
    case unknownModel
    /// The name as sent resolves to more than one priced model (``ModelResolutionFailure/ambiguous(_:candidates:)``).
    case ambiguousModel(candidates: [String])
    /// The model's first price takes effect after the request.
    case notYetInForce(earliest: Timestamp)
}

/// Everything one charge (or reservation) is decided on: the account, the price entry in force,
/// and the figures of the request's month. A store loads it; ``Charging`` decides on it alone.
public struct ChargeSnapshot: Sendable {
    /// Nil when the request names no customer account.
    public var account: AccountFigures?
    public var price: PriceLookup
    /// The usage-tier table.
    public var tiers: [UsageTier]
    /// The rank of the lowest usage tier the model may be used at, or nil for any.
    public var requiredTierRank: Int?
    /// The request's calendar month.
    public var month: MonthWindow
    /// The account's spend in the request's calendar month before the request.
    public var monthToDate: Money
    /// The limits of the request's project, when it has any.
    public var projectLimits: SpendLimits?
    /// The project's spend in the request's month (read when it has limits).
    public var projectMonthToDate: Money
    /// What succeeded auto-recharges added in the request's month (read when the account has a
    /// recharge policy).
    public var rechargedThisMonth: Money
    /// The holds of the account's reservations open at the request's time, whatever their
    /// project (read for enforced charges and reservations).
    public var openHolds: Money
    /// The part of ``openHolds`` held for the request's project: what counts against the
    /// project's hard limit (read for a reservation whose project has one).
    public var projectOpenHolds: Money
    /// The ledger-wide totals before the request (``LedgerTotals``).
    public var totals: LedgerTotals

    public init(
        account: AccountFigures?, price: PriceLookup, tiers: [UsageTier] = UsageTier.defaultTable, requiredTierRank: Int? = nil, month: MonthWindow,
        monthToDate: Money = .zero,
        projectLimits: SpendLimits? = nil, projectMonthToDate: Money = .zero, rechargedThisMonth: Money = .zero, openHolds: Money = .zero,
        projectOpenHolds: Money = .zero, totals: LedgerTotals = LedgerTotals()
    ) {
        self.account = account
        self.price = price
        self.tiers = tiers
        self.requiredTierRank = requiredTierRank
        self.month = month
        self.monthToDate = monthToDate
        self.projectLimits = projectLimits
        self.projectMonthToDate = projectMonthToDate
        self.rechargedThisMonth = rechargedThisMonth
        self.openHolds = openHolds
        self.projectOpenHolds = projectOpenHolds
        self.totals = totals
    }
}
