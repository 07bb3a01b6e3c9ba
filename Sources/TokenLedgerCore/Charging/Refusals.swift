/// A business refusal: an operation that a rule does not allow. It writes nothing.
///
/// Each operation has its own enum of refusals, listed in the order the checks run; `code` is
/// a stable name that the CLI prints and scripts match on, `message` says why for people.
public protocol Refusal: Error, Sendable, CustomStringConvertible {
    /// A stable snake_case name: `below_minimum`, `id_conflict`, `unknown_model`.
    var code: String { get }
    /// A sentence for people.
    var message: String { get }
    /// Whether the input itself was malformed (exit 1) rather than refused by a rule (exit 2).
    var isBadInput: Bool { get }
}

extension Refusal {
    public var description: String { "\(code): \(message)" }
    public var isBadInput: Bool { false }
}

/// Why an account cannot be created.
public enum AccountRefusal: Refusal, Equatable {
    case invalidName(String)
    case invalidMaximumPurchase(Money)
    case invalidOverdraft(Money)
    case accountExists(String)

    public var code: String {
        switch self {
        case .invalidName: "invalid_name"
        case .invalidMaximumPurchase: "invalid_max_purchase"
        case .invalidOverdraft: "invalid_overdraft"
        case .accountExists: "account_exists"
        }
    }

    public var message: String {
        switch self {
        case .invalidName(let reason): "invalid account name: \(reason)"
        case .invalidMaximumPurchase(let amount):
            "the maximum purchase \(amount) must be between \(Credits.minimumPurchase) and \(Credits.ceiling) in whole cents"
        case .invalidOverdraft(let amount): "the overdraft allowance \(amount) must be between $0 and \(Credits.ceiling)"
        case .accountExists(let name): "an account named '\(name)' already exists"
        }
    }

    public var isBadInput: Bool {
        if case .accountExists = self { return false }
        return true
    }

    /// The longest account name accepted.
    public static let maximumNameLength = 256

    /// The problem with an account name, if any: empty, too long, control characters (NUL
    /// among them), invisible or direction-changing characters (``Names/isHidden(_:)``), white
    /// space around it, or a leading `@` (reserved for the ledger's own accounts).
    public static func nameProblem(_ name: String) -> String? {
        if let problem = Names.problem(name, maximumLength: maximumNameLength) { return "the name " + problem }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "the name contains control characters"
        }
        if let hidden = name.unicodeScalars.first(where: Names.isHidden) {
            return "the name contains an invisible or direction-changing character (U+\(Self.hexadecimal(hidden))), so it would not print as what it is"
        }
        if name.trimmingASCIIWhitespace() != name { return "the name starts or ends with white space" }
        if name.hasPrefix("@") { return "names starting with '@' are reserved for the ledger's own accounts" }
        return nil
    }

    /// A scalar's code point as at least four uppercase hexadecimal digits (`202E`).
    private static func hexadecimal(_ scalar: Unicode.Scalar) -> String {
        let digits = String(scalar.value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

/// Why a purchase (a card top-up) is refused, in check order.
public enum PurchaseRefusal: Refusal, Equatable {
    case amountNotPositive(Money)
    case notWholeCents(Money)
    case belowMinimum(Money)
    case invalidID(String)
    case idConflict(String)
    case unknownAccount(String)
    case aboveMaximum(amount: Money, maximum: Money)
    case balanceOverflow
    /// The ledger's total payments would pass ``LedgerTotals/limit``.
    case ledgerTotalLimit

    public var code: String {
        switch self {
        case .amountNotPositive: "amount_not_positive"
        case .notWholeCents: "not_whole_cents"
        case .belowMinimum: "below_minimum"
        case .invalidID: "invalid_id"
        case .idConflict: "id_conflict"
        case .unknownAccount: "unknown_account"
        case .aboveMaximum: "above_maximum"
        case .balanceOverflow: "balance_overflow"
        case .ledgerTotalLimit: "ledger_total_limit"
        }
    }

    public var message: String {
        switch self {
        case .amountNotPositive(let amount): "a purchase must be positive (got \(amount))"
        case .notWholeCents(let amount): "a card payment is whole cents (got \(amount))"
        case .belowMinimum(let amount): "\(amount) is below the minimum purchase of \(Credits.minimumPurchase)"
        case .invalidID(let reason): "invalid id: \(reason)"
        case .idConflict(let id): "the id '\(id)' was already used for a different operation"
        case .unknownAccount(let name): "no account named '\(name)'"
        case .aboveMaximum(let amount, let maximum): "\(amount) is above this account's maximum purchase of \(maximum)"
        case .balanceOverflow: "the balance would exceed what the ledger can hold"
        case .ledgerTotalLimit: LedgerTotals.refusalMessage(.payments)
        }
    }

    public var isBadInput: Bool {
        switch self {
        case .amountNotPositive, .notWholeCents, .invalidID: true
        default: false
        }
    }

    /// The checks that need no database, in order: positive, whole cents, at least the minimum.
    public static func check(amount: Money) -> PurchaseRefusal? {
        if amount.nanos <= 0 { return .amountNotPositive(amount) }
        if !amount.isWholeCents { return .notWholeCents(amount) }
        if amount < Credits.minimumPurchase { return .belowMinimum(amount) }
        return nil
    }
}

/// Why a grant (free or promotional credit) is refused, in check order.
public enum GrantRefusal: Refusal, Equatable {
    case amountNotPositive(Money)
    case aboveMaximum(Money)
    case expiryNotAfterGrant(grantedAt: Timestamp, expiresAt: Timestamp)
    case invalidID(String)
    case idConflict(String)
    case unknownAccount(String)
    case balanceOverflow
    /// The ledger's total grants would pass ``LedgerTotals/limit``.
    case ledgerTotalLimit

    public var code: String {
        switch self {
        case .amountNotPositive: "amount_not_positive"
        case .aboveMaximum: "above_maximum"
        case .expiryNotAfterGrant: "expiry_not_after_grant"
        case .invalidID: "invalid_id"
        case .idConflict: "id_conflict"
        case .unknownAccount: "unknown_account"
        case .balanceOverflow: "balance_overflow"
        case .ledgerTotalLimit: "ledger_total_limit"
        }
    }

    public var message: String {
        switch self {
        case .amountNotPositive(let amount): "a grant must be positive (got \(amount))"
        case .aboveMaximum(let amount): "\(amount) is above the largest grant of \(Credits.ceiling)"
        case .expiryNotAfterGrant(let grantedAt, let expiresAt):
            "the grant expires at \(expiresAt), not after it is granted at \(grantedAt)"
        case .invalidID(let reason): "invalid id: \(reason)"
        case .idConflict(let id): "the id '\(id)' was already used for a different operation"
        case .unknownAccount(let name): "no account named '\(name)'"
        case .balanceOverflow: "the balance would exceed what the ledger can hold"
        case .ledgerTotalLimit: LedgerTotals.refusalMessage(.grants)
        }
    }

    public var isBadInput: Bool {
        switch self {
        case .amountNotPositive, .expiryNotAfterGrant, .invalidID: true
        default: false
        }
    }

    /// The checks that need no database, in order.
    public static func check(amount: Money, at time: Timestamp, expiresAt: Timestamp) -> GrantRefusal? {
        if amount.nanos <= 0 { return .amountNotPositive(amount) }
        if amount > Credits.ceiling { return .aboveMaximum(amount) }
        if expiresAt <= time { return .expiryNotAfterGrant(grantedAt: time, expiresAt: expiresAt) }
        return nil
    }
}

/// Why a charge (one request's usage) is refused, in check order.
public enum ChargeRefusal: Refusal, Equatable {
    case invalidUsage(InvalidUsage)
    case invalidAttribution(field: String, reason: String)
    case idConflict(String)
    case unknownAccount(String)
    case unknownModel(String)
    /// The name as sent resolves to two or more priced models (``ModelResolver``): an alias
    /// must say which.
    case ambiguousModel(String, candidates: [String])
    case noPriceAtTime(model: String, time: Timestamp, earliest: Timestamp)
    case contextWindowExceeded(field: String, tokens: Int64, limit: Int64)
    /// The price book has no prices for the tier; `provider` (the entry's) does not sell it.
    case noPriceForTier(model: String, tier: ServiceTier, provider: String? = nil)
    /// The usage has tokens of a class billed apart (1-hour cache writes, audio, images) that
    /// the price book gives no rate for.
    case noPriceForClass(model: String, tokenClass: TokenClass, tier: ServiceTier)
    /// Enforced charges only: the model needs a higher usage tier than the account's.
    case tierTooLow(TierShortfall)
    /// Enforced charges only: month-to-date spend has reached a hard limit.
    case hardLimit(LimitReached)
    case insufficientBalance(cost: Money, available: Money)
    case balanceOverflow
    /// The ledger's total usage would pass ``LedgerTotals/limit``.
    case ledgerTotalLimit

    public var code: String {
        switch self {
        case .invalidUsage: "invalid_usage"
        case .invalidAttribution: "invalid_attribution"
        case .idConflict: "id_conflict"
        case .unknownAccount: "unknown_account"
        case .unknownModel: "unknown_model"
        case .ambiguousModel: "ambiguous_model"
        case .noPriceAtTime: "no_price_at_time"
        case .contextWindowExceeded: "context_window_exceeded"
        case .noPriceForTier: "no_price_for_tier"
        case .noPriceForClass: "no_price_for_class"
        case .tierTooLow: "tier_too_low"
        case .hardLimit: "hard_limit"
        case .insufficientBalance: "insufficient_balance"
        case .balanceOverflow: "balance_overflow"
        case .ledgerTotalLimit: "ledger_total_limit"
        }
    }

    public var message: String {
        switch self {
        case .invalidUsage(let problem): "invalid token counts: \(problem)"
        case .invalidAttribution(let field, let reason): "invalid \(field): \(reason)"
        case .idConflict(let id): "the request id '\(id)' was already recorded with different usage"
        case .unknownAccount(let name): "no account named '\(name)'"
        case .unknownModel(let model): "no prices for the model '\(model)' (see `tokenledger prices list`)"
        case .ambiguousModel(let model, let candidates):
            "the model name '\(model)' matches \(candidates.map { "'\($0)'" }.joined(separator: " and ")); "
                + "say which with `tokenledger models alias \(model) MODEL`"
        case .noPriceAtTime(let model, let time, let earliest):
            "no price for '\(model)' was in force at \(time); its first price is effective from \(earliest)"
        case .contextWindowExceeded(let field, let tokens, let limit):
            "\(tokens) \(field) tokens exceed the model's limit of \(limit)"
        case .noPriceForTier(let model, let tier, let provider): PricingRefusal.noPriceMessage(model: model, tier: tier, provider: provider)
        case .noPriceForClass(let model, let tokenClass, let tier): PricingRefusal.noClassPriceMessage(model: model, tokenClass: tokenClass, tier: tier)
        case .tierTooLow(let shortfall): shortfall.description
        case .hardLimit(let reached): reached.description
        case .insufficientBalance(let cost, let available):
            "the charge of \(cost) exceeds the available balance of \(available)"
        case .balanceOverflow: "the balance would exceed what the ledger can hold"
        case .ledgerTotalLimit: LedgerTotals.refusalMessage(.usage)
        }
    }

    public var isBadInput: Bool {
        switch self {
        case .invalidUsage, .invalidAttribution, .contextWindowExceeded: true
        default: false
        }
    }

    /// The refusal for a pricing problem of `model`.
    public init(_ refusal: PricingRefusal, model: String) {
        switch refusal {
        case .contextWindowExceeded(let field, let tokens, let limit):
            self = .contextWindowExceeded(field: field, tokens: tokens, limit: limit)
        case .noPriceForTier(let tier, let provider): self = .noPriceForTier(model: model, tier: tier, provider: provider)
        case .noPriceForClass(let tokenClass, let tier): self = .noPriceForClass(model: model, tokenClass: tokenClass, tier: tier)
        }
    }
}

/// Why a price entry cannot be set.
public enum PriceRefusal: Refusal, Equatable {
    case invalidEntry(String)
    case entryExists(model: String, effectiveFrom: Timestamp)

    public var code: String {
        switch self {
        case .invalidEntry: "invalid_price"
        case .entryExists: "price_exists"
        }
    }

    public var message: String {
        switch self {
        case .invalidEntry(let reason): "invalid price: \(reason)"
        case .entryExists(let model, let time):
            "'\(model)' already has a different price effective from \(time); prices in force are never rewritten, add one with a later --effective-from"
        }
    }

    public var isBadInput: Bool {
        if case .invalidEntry = self { return true }
        return false
    }
}

/// Why a model alias cannot be added or removed.
public enum ModelAliasRefusal: Refusal, Equatable {
    /// The alias's name is empty, too long or holds a NUL.
    case invalidName(String)
    /// The model the alias stands for has no prices: an alias names a priced model.
    case unknownModel(String)
    /// No alias has the name (`unalias`).
    case unknownAlias(String)

    public var code: String {
        switch self {
        case .invalidName: "invalid_name"
        case .unknownModel: "unknown_model"
        case .unknownAlias: "unknown_alias"
        }
    }

    public var message: String {
        switch self {
        case .invalidName(let reason): "invalid alias name: \(reason)"
        case .unknownModel(let model): "no prices for the model '\(model)': an alias names a priced model (see `tokenledger prices list`)"
        case .unknownAlias(let name): "no model alias named '\(name)' (see `tokenledger models aliases`)"
        }
    }

    public var isBadInput: Bool {
        if case .invalidName = self { return true }
        return false
    }
}

/// Why a reservation (a hold before a request is served) is refused, in check order.
public enum ReservationRefusal: Refusal, Equatable {
    case invalidUsage(InvalidUsage)
    case invalidAttribution(field: String, reason: String)
    case invalidExpiry(seconds: Int64)
    case idConflict(String)
    case unknownAccount(String)
    case unknownModel(String)
    /// The name as sent resolves to two or more priced models (``ModelResolver``): an alias
    /// must say which.
    case ambiguousModel(String, candidates: [String])
    case noPriceAtTime(model: String, time: Timestamp, earliest: Timestamp)
    case contextWindowExceeded(field: String, tokens: Int64, limit: Int64)
    case noPriceForTier(model: String, tier: ServiceTier, provider: String? = nil)
    case tierTooLow(TierShortfall)
    case hardLimit(LimitReached)
    case insufficientBalance(hold: Money, available: Money)

    /// The longest a reservation may stay open, in seconds (a day).
    public static let maximumExpirySeconds: Int64 = 86_400

    public var code: String {
        switch self {
        case .invalidExpiry: return "invalid_expiry"
        case .insufficientBalance: return "insufficient_balance"
        default:
            guard let shared = ChargeRefusal(self) else { preconditionFailure("\(self) is shared with charges, which name it") }
            return shared.code
        }
    }

    public var message: String {
        switch self {
        case .invalidExpiry(let seconds): "a reservation expires 1 to \(Self.maximumExpirySeconds) seconds after it is made (got \(seconds))"
        case .idConflict(let id): "the id '\(id)' is already used by a reservation or a charge"
        case .hardLimit(let reached):
            "month-to-date spend and open holds of \(reached.monthToDate) leave no room for this hold under \(reached.limitDescription)"
        case .insufficientBalance(let hold, let available):
            "the hold of \(hold) exceeds the available balance of \(available) (balance − open holds + overdraft allowance)"
        default: ChargeRefusal(self)?.message ?? code
        }
    }

    public var isBadInput: Bool {
        switch self {
        case .invalidUsage, .invalidAttribution, .invalidExpiry, .contextWindowExceeded: true
        default: false
        }
    }

    /// The reservation's refusal for a charge rule's refusal (pricing, account, model); nil for
    /// a charge refusal that has no reservation counterpart.
    public init?(_ refusal: ChargeRefusal) {
        switch refusal {
        case .invalidUsage(let problem): self = .invalidUsage(problem)
        case .invalidAttribution(let field, let reason): self = .invalidAttribution(field: field, reason: reason)
        case .idConflict(let id): self = .idConflict(id)
        case .unknownAccount(let name): self = .unknownAccount(name)
        case .unknownModel(let model): self = .unknownModel(model)
        case .ambiguousModel(let model, let candidates): self = .ambiguousModel(model, candidates: candidates)
        case .noPriceAtTime(let model, let time, let earliest): self = .noPriceAtTime(model: model, time: time, earliest: earliest)
        case .contextWindowExceeded(let field, let tokens, let limit): self = .contextWindowExceeded(field: field, tokens: tokens, limit: limit)
        case .noPriceForTier(let model, let tier, let provider): self = .noPriceForTier(model: model, tier: tier, provider: provider)
        case .tierTooLow(let shortfall): self = .tierTooLow(shortfall)
        case .hardLimit(let reached): self = .hardLimit(reached)
        // A hold prices input and output only: it has no tokens billed apart.
        case .noPriceForClass, .insufficientBalance, .balanceOverflow, .ledgerTotalLimit: return nil
        }
    }
}

extension ChargeRefusal {
    /// The charge refusal that names and words a reservation's shared refusal.
    init?(_ refusal: ReservationRefusal) {
        switch refusal {
        case .invalidUsage(let problem): self = .invalidUsage(problem)
        case .invalidAttribution(let field, let reason): self = .invalidAttribution(field: field, reason: reason)
        case .idConflict(let id): self = .idConflict(id)
        case .hardLimit(let reached): self = .hardLimit(reached)
        case .unknownAccount(let name): self = .unknownAccount(name)
        case .unknownModel(let model): self = .unknownModel(model)
        case .ambiguousModel(let model, let candidates): self = .ambiguousModel(model, candidates: candidates)
        case .noPriceAtTime(let model, let time, let earliest): self = .noPriceAtTime(model: model, time: time, earliest: earliest)
        case .contextWindowExceeded(let field, let tokens, let limit): self = .contextWindowExceeded(field: field, tokens: tokens, limit: limit)
        case .noPriceForTier(let model, let tier, let provider): self = .noPriceForTier(model: model, tier: tier, provider: provider)
        case .tierTooLow(let shortfall): self = .tierTooLow(shortfall)
        default: return nil
        }
    }
}

/// Why settling or voiding a reservation is refused, in check order.
///
/// A settle or void has an id of its own (the reservation's id unless the caller gives one):
/// the same id and content again returns the original result instead of a refusal.
public enum ReservationCloseRefusal: Refusal, Equatable {
    /// The settle's or void's id is empty or too long (``Identifier/problem(_:)``).
    case invalidID(String)
    case unknownReservation(String)
    /// The id already closed another reservation, or closed this one differently (a void,
    /// other usage).
    case idConflict(String)
    case alreadySettled(String)
    case voided(String)
    case expired(id: String, expiresAt: Timestamp)
    /// Settling only: the usage is refused by a charge rule (bad token counts, context window,
    /// a request id already used for other usage).
    case charge(ChargeRefusal)

    public var code: String {
        switch self {
        case .invalidID: "invalid_id"
        case .unknownReservation: "unknown_reservation"
        case .idConflict: "id_conflict"
        case .alreadySettled: "reservation_settled"
        case .voided: "reservation_voided"
        case .expired: "reservation_expired"
        case .charge(let refusal): refusal.code
        }
    }

    public var message: String {
        switch self {
        case .invalidID(let reason): "invalid id: \(reason)"
        case .unknownReservation(let id): "no reservation with the id '\(id)'"
        case .idConflict(let id): "the id '\(id)' was already used to settle or void a reservation differently"
        case .alreadySettled(let id): "the reservation '\(id)' is already settled (by another id or with other usage)"
        case .voided(let id): "the reservation '\(id)' was voided"
        case .expired(let id, let expiresAt):
            "the reservation '\(id)' expired at \(expiresAt) and its hold was released; record the usage with `charge`"
        case .charge(let refusal): refusal.message
        }
    }

    public var isBadInput: Bool {
        switch self {
        case .invalidID: true
        case .charge(let refusal): refusal.isBadInput
        default: false
        }
    }
}

/// Why looking up recorded charges (`charges show`, `charges list --after`) finds nothing to show.
public enum ChargeLookupRefusal: Refusal, Equatable {
    /// No charge has this request id.
    case unknownCharge(String)

    public var code: String {
        switch self {
        case .unknownCharge: "unknown_charge"
        }
    }

    public var message: String {
        switch self {
        case .unknownCharge(let id): "no charge with the request id '\(id)'"
        }
    }
}
