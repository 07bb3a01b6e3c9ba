import TokenLedgerCore

/// Takes the card payment of an auto-recharge. The ledger calls it after a charge leaves an
/// account below its recharge threshold, inside that charge's write transaction.
///
/// Why a protocol: the ledger's books must not depend on a card processor, and tests need
/// payments that fail. The default, ``AcceptingPaymentMethod``, succeeds; a real one asks the
/// processor and should be idempotent on ``RechargePayment/key`` (a payment is asked for once,
/// but a crash after the processor took it and before the ledger committed would ask again
/// with the same key). A failed payment adds nothing: the ledger records a failed recharge.
///
/// ```swift
/// struct Stripe: PaymentMethod {
///     func pay(_ payment: RechargePayment) -> PaymentOutcome {
///         processor.charge(customer: payment.account, cents: payment.amount.nanos / Money.nanosPerCent,
///                          idempotencyKey: payment.key) ? .succeeded : .failed(reason: "card declined")
///     }
/// }
/// let ledger = try Ledger.open(at: "books.sqlite", paymentMethod: Stripe())
/// ```
public protocol PaymentMethod: Sendable {
    /// Takes `payment`; called with the ledger's write lock held, so keep it short.
    func pay(_ payment: RechargePayment) -> PaymentOutcome
}

/// A recharge's payment, as the ledger asks for it.
public struct RechargePayment: Sendable, Hashable {
    public var account: String
    /// Whole cents, from $5.00 to the account's purchase maximum.
    public var amount: Money
    public var at: Timestamp
    /// A key unique to this recharge (`recharge:` and the request id of the charge that caused it).
    public var key: String
}

/// What a payment came to.
public enum PaymentOutcome: Sendable, Hashable {
    case succeeded
    /// The payment was refused or failed; `reason` is recorded with the failed recharge.
    case failed(reason: String)
}

/// The default payment method: every payment succeeds (the ledger only keeps the books).
public struct AcceptingPaymentMethod: PaymentMethod {
    public init() {}

    public func pay(_ payment: RechargePayment) -> PaymentOutcome { .succeeded }
}
