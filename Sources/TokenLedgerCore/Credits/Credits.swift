/// Where credit comes from: bought with a card (purchases and auto-recharges), or given.
public enum LotKind: String, Hashable, Sendable, CaseIterable {
    case grant
    case purchase
}

/// A lot of credit: one purchase or grant, with what remains of it and when it expires.
public struct Lot: Hashable, Sendable {
    public var id: Int64
    public var kind: LotKind
    public var original: Money
    public var remaining: Money
    public var createdAt: Timestamp
    public var expiresAt: Timestamp

    public init(id: Int64, kind: LotKind, original: Money, remaining: Money, createdAt: Timestamp, expiresAt: Timestamp) {
        self.id = id
        self.kind = kind
        self.original = original
        self.remaining = remaining
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }

    /// Whether the lot can still be spent at `time`.
    public func isLive(at time: Timestamp) -> Bool { remaining.nanos > 0 && expiresAt > time }
}

/// Part of a debit paid from one lot.
public struct Allocation: Hashable, Sendable {
    public var lotID: Int64
    public var amount: Money

    public init(lotID: Int64, amount: Money) {
        self.lotID = lotID
        self.amount = amount
    }
}

/// The rules of credit: limits on purchases and grants, the order lots are spent in,
/// repayment of overdraft, expiry. Pure functions over values, shared by the store and by
/// in-memory books (simulation, tests).
public enum Credits {
    /// The smallest card payment: $5.00.
    public static let minimumPurchase = Money(dollars: 5)
    /// The default largest card payment of an account: $100.00.
    public static let defaultMaximumPurchase = Money(dollars: 100)
    /// The largest maximum purchase an account may be given, and the largest grant: $1,000,000.
    public static let ceiling = Money(dollars: 1_000_000)
    /// Purchased credit expires this many years after purchase.
    public static let purchaseLifetimeYears = 1

    /// Whether `lhs` is spent before `rhs`: grants before purchases, then the lot that expires
    /// first, then the older lot.
    public static func spentBefore(_ lhs: Lot, _ rhs: Lot) -> Bool {
        if lhs.kind != rhs.kind { return lhs.kind == .grant }
        if lhs.expiresAt != rhs.expiresAt { return lhs.expiresAt < rhs.expiresAt }
        return lhs.id < rhs.id
    }

    /// Splits a debit of `amount` at `time` across the live lots in spending order. What the
    /// lots cannot cover is `uncovered`: usage that happened is never dropped, it becomes overdraft.
    public static func allocate(_ amount: Money, from lots: [Lot], at time: Timestamp) -> (allocations: [Allocation], uncovered: Money) {
        precondition(amount.nanos >= 0)
        var left = amount
        var allocations: [Allocation] = []
        for lot in lots.filter({ $0.isLive(at: time) }).sorted(by: spentBefore) where left.nanos > 0 {
            let taken = min(lot.remaining, left)
            allocations.append(Allocation(lotID: lot.id, amount: taken))
            left -= taken
        }
        return (allocations, left)
    }

    /// How much of a new credit of `amount` repays overdraft, given the balance before it.
    public static func repayment(of amount: Money, balance: Money) -> Money {
        balance.nanos < 0 ? min(amount, -balance) : .zero
    }

    /// The lots whose remaining credit must be written off at `time` (expired, not yet written off).
    public static func expired(_ lots: [Lot], at time: Timestamp) -> [Lot] {
        lots.filter { $0.remaining.nanos > 0 && $0.expiresAt <= time }.sorted { ($0.expiresAt, $0.id) < ($1.expiresAt, $1.id) }
    }

    /// When credit purchased at `time` expires.
    public static func purchaseExpiry(from time: Timestamp) -> Timestamp { time.addingYears(purchaseLifetimeYears) }
}

extension Credits {
    /// What an enforced charge may spend or a reservation hold: the balance, less the holds of
    /// open reservations, plus the overdraft allowance.
    @inlinable
    public static func available(balance: Money, holds: Money, overdraftAllowance: Money) -> Money { balance - holds + overdraftAllowance }

    /// A credit of `amount` to an account at `balance`: it repays overdraft first, and the rest
    /// is a new lot of `kind` (grant for grants, purchase for purchases and recharges) that
    /// expires at `expiresAt`. Nil when the balance would overflow.
    public static func credit(_ amount: Money, kind: TransferKind, to balance: Money, at time: Timestamp, expiresAt: Timestamp) -> CreditEffects? {
        precondition(amount.nanos > 0 && (kind == .purchase || kind == .grant || kind == .recharge))
        guard let balanceAfter = balance.adding(amount) else { return nil }
        let repaid = repayment(of: amount, balance: balance)
        return CreditEffects(
            transferKind: kind, lotKind: kind == .grant ? .grant : .purchase, amount: amount, at: time, expiresAt: expiresAt, repaid: repaid,
            lotRemaining: amount - repaid, balanceAfter: balanceAfter)
    }

    /// The write-offs of what remains in `lots` expired by `time`, in the order of their expiry,
    /// each with the balance after it, starting from `balance`.
    public static func writeOffs(of lots: [Lot], balance: Money, at time: Timestamp) -> [WriteOff] {
        var balance = balance
        return expired(lots, at: time).map { lot in
            balance -= lot.remaining
            return WriteOff(lotID: lot.id, lotKind: lot.kind, amount: lot.remaining, expiredAt: lot.expiresAt, balanceAfter: balance)
        }
    }

    /// Whether any of `lots` has credit left that expired by `time` (no work for nearly every charge).
    @inlinable
    public static func hasExpired(_ lots: [Lot], at time: Timestamp) -> Bool { lots.contains { $0.remaining.nanos > 0 && $0.expiresAt <= time } }

    /// ``allocate(_:from:at:)`` over lots already in spending order, as its first allocation and
    /// the rest: without sorting or an array when the first live lot pays it all (nearly every
    /// charge).
    public static func draw(_ amount: Money, from lots: [Lot], at time: Timestamp) -> (first: Allocation?, further: [Allocation], uncovered: Money) {
        guard amount.nanos > 0 else { return (nil, [], .zero) }
        if let lot = lots.first(where: { $0.isLive(at: time) }), lot.remaining >= amount {
            return (Allocation(lotID: lot.id, amount: amount), [], .zero)
        }
        let (allocations, uncovered) = allocate(amount, from: lots, at: time)
        return (allocations.first, Array(allocations.dropFirst()), uncovered)
    }
}
