/// The ledger-wide totals that charges and credits add to: what every account has been charged
/// (`@usage`), has paid (`@payments`: purchases and auto-recharges), has been granted
/// (`@grants`) and has been credited by corrections (`@adjustments`: credit adjustments and
/// reversals).
///
/// Each is held at most ``limit``; an operation that would take one past it is refused
/// `ledger_total_limit` (an auto-recharge is recorded as failed), before anything is written.
/// That bound is what keeps every figure the ledger stores or adds up inside a 64-bit integer of
/// nanodollars (±$9,223,372,036.85): an account's balance lies between −(usage + expired +
/// debits by corrections, each within an account's overdraft allowance) and payments + grants +
/// adjustments, expired credit is at most payments + grants + adjustments, month-to-date spend
/// and the daily rollup are parts of usage, so no figure passes 4 × limit, and no sum a report or
/// statement makes passes 8 × limit.
public struct LedgerTotals: Sendable, Equatable {
    /// The most each total holds: $1,000,000,000.
    public static let limit = Money(dollars: 1_000_000_000)

    public var usage: Money
    public var payments: Money
    public var grants: Money
    /// Credit given to accounts by corrections (credit adjustments and reversals).
    public var adjustments: Money

    public init(usage: Money = .zero, payments: Money = .zero, grants: Money = .zero, adjustments: Money = .zero) {
        self.usage = usage
        self.payments = payments
        self.grants = grants
        self.adjustments = adjustments
    }

    /// Which total an operation would take past the limit.
    public enum Kind: String, Sendable, Equatable {
        case usage, payments, grants, adjustments
    }

    /// Whether `amount` more of `kind` stays within the limit.
    public func admits(_ amount: Money, to kind: Kind) -> Bool {
        let total: Money
        switch kind {
        case .usage: total = usage
        case .payments: total = payments
        case .grants: total = grants
        case .adjustments: total = adjustments
        }
        return amount.nanos <= Self.limit.nanos - total.nanos
    }

    /// The totals after `amount` more of `kind` (which ``admits(_:to:)``).
    public mutating func add(_ amount: Money, to kind: Kind) {
        switch kind {
        case .usage: usage += amount
        case .payments: payments += amount
        case .grants: grants += amount
        case .adjustments: adjustments += amount
        }
    }

    /// The total a credit of `kind` adds to.
    public static func kind(of credit: TransferKind) -> Kind { credit == .grant ? .grants : .payments }

    /// Why an operation is refused, for messages.
    public static func refusalMessage(_ kind: Kind) -> String {
        "the ledger's total \(kind.rawValue) would pass \(limit), the most one ledger holds (so that no figure it stores can overflow)"
    }
}
