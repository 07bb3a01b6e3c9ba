/// What an entry of the journal records. Its raw value is the `kind` stored in `transfer` and
/// shown by the `journal` view.
///
/// Since schema v0002 a charge is not a `transfer` row: its `usage` row is its own entry, which
/// the `journal` view lists with kind `usage`.
public enum TransferKind: String, Hashable, Sendable, CaseIterable {
    /// A charge: the account debited, `@usage` credited.
    case usage
    /// A card top-up: credit from `@payments`, a purchase lot.
    case purchase
    /// Free or promotional credit from `@grants`, a grant lot.
    case grant
    /// An auto-recharge: a purchase made because a charge left the balance below the threshold.
    case recharge
    /// What remained of an expired lot, written off to `@expired`.
    case expiry
    /// A correction, against `@adjustments`.
    case adjustment

    /// Whether the transfer is a card payment (purchases and recharges set the usage tier).
    public var isPayment: Bool { self == .purchase || self == .recharge }
}
