import TokenLedgerCore

/// The seam between the ledger's operations and where the books are kept: a store loads what a
/// decision needs (``ChargeSnapshot``) and applies what the decision says (``ChargeEffects``,
/// ``CreditEffects``), inside one transaction of its own; it decides nothing.
///
/// Why a protocol: the rules live in the core (``Charging``, ``Credits``) and the flow of an
/// operation in ``ChargeOperation``; a second store (another database) implements this and
/// inherits every rule and every step (``ChargeOperation``, ``CreditOperation``). Reports, statements,
/// reconciliation and `verify` still read the SQLite file directly: a second store brings its own
/// queries for them. The SQLite store is ``ChargeBatch``, which also keeps its
/// snapshots between transactions (the kept batch, see ``ChargeState``).
///
/// Every method runs inside the store's current write transaction; a refusal thrown by the
/// caller after any of them rolls the transaction back.
package protocol LedgerStore: CreditStore {
    /// How auto-recharges are paid (the ledger's ``PaymentMethod``).
    var paymentMethod: any PaymentMethod { get }

    /// The snapshot a decision on `request` needs: the account (nil when unknown), the price
    /// entry in force, the usage tiers, the month's figures (and open holds for an enforced
    /// charge).
    func snapshot(for request: ChargeRequest) throws -> ChargeSnapshot

    /// The charge already recorded under `requestID`, to answer a retry.
    func recordedCharge(requestID: String) throws -> RecordedCharge?

    /// Records an accepted charge: its usage row (the entry debiting the account and crediting
    /// `@usage`), its write-offs and its draws on lots, and the figures it changes (balances,
    /// lots, the month's usage, the daily rollup). Returns the usage row's key, or nil (and
    /// writes nothing) when `requestID` was already recorded.
    func record(_ effects: ChargeEffects, of request: ChargeRequest, usage: TokenUsage, requestID: String) throws -> Int64?

    /// Records a limit reached as an alert unless it was this month; true when this call did.
    func recordAlert(_ alert: SpendAlert, accountID: Int64, usageID: Int64, at time: Timestamp) throws -> Bool

    /// Records an auto-recharge attempt caused by the charge `usageID`: on success the credit's
    /// transfer and lot (as a purchase), and the attempt either way.
    func recordRecharge(_ attempt: RechargeAttempt, credit: CreditEffects?, accountID: Int64, usageID: Int64) throws

    /// What open reservations of the account hold at `time`.
    func openHolds(accountID: Int64, at time: Timestamp) throws -> Money

    /// The purchase recorded under `reference` (nil for none, or for another kind of entry).
    func purchase(reference: String) throws -> RefundedPurchase?

    /// The charge recorded under `requestID`, with the lots that paid it and its reversal.
    func charge(requestID: String) throws -> ReversedCharge?

    /// Every lot of the account that has not expired by `time`, spent or not.
    func unexpiredLots(accountID: Int64, at time: Timestamp) throws -> [Lot]

    /// Records a correction (of the account of the last ``accountFigures(named:)``): its
    /// `adjustment` transfer, what it corrects, its draws, returns and new lot. Write-offs are
    /// recorded before it with ``recordWriteOffs(_:accountID:)``.
    func recordCorrection(_ effects: CorrectionEffects, reference: String, reason: String?, target: CorrectionTarget) throws
}

/// What purchases and grants need of a store (``CreditOperation``): the account, retries, the
/// ledger's totals, and the writes of credits, write-offs and the low-balance rule. A
/// ``LedgerStore`` is one; the PostgreSQL store's first part (`PostgresCreditStore`, in TokenLedgerPostgres) is this.
package protocol CreditStore: AnyObject {
    /// The figures of the customer account `name` as decisions need them; nil when there is none.
    func accountFigures(named name: String) throws -> AccountFigures?

    /// The purchase or grant recorded under `reference`, to answer a retry.
    func recordedCredit(reference: String) throws -> CreditReceipt?

    /// The correction recorded under `reference`, to answer a retry.
    func recordedCorrection(reference: String) throws -> CorrectionReceipt?

    /// The ledger-wide totals (``LedgerTotals``) with everything recorded so far in the
    /// transaction; a snapshot carries them too.
    func ledgerTotals() throws -> LedgerTotals

    /// Records the write-offs of an account's expired lots (the account of the last
    /// ``accountFigures(named:)``): an expiry transfer to `@expired` each.
    func recordWriteOffs(_ writeOffs: [WriteOff], accountID: Int64) throws

    /// Records a purchase or grant (of the account of the last ``accountFigures(named:)``): its
    /// transfer, its lot and the lot's repayment of overdraft.
    func recordCredit(_ credit: CreditEffects, accountID: Int64, reference: String) throws

    /// Applies the low-balance rule (``LowBalanceWatch``) to the account of the last snapshot or
    /// ``accountFigures(named:)`` as the operation left it, recording a `low_balance` event when
    /// it fires. Every operation that changes a balance calls it once, last.
    func watchBalance(accountID: Int64, at time: Timestamp) throws
}

/// What a correction corrects, as stored with it.
package enum CorrectionTarget {
    /// An adjustment corrects the account as a whole.
    case account
    /// A refund: the purchase's lot.
    case lot(Int64)
    /// A reversal: the charge's usage row.
    case usage(Int64)
}

/// A charge already recorded under a request id: its content, to compare with a retry.
package struct RecordedCharge {
    package var receipt: ChargeReceipt
    package var project: String?
    package var apiKey: String?
    package var user: String?
    package var requests: Int64

    /// Whether a retry asks for the same charge.
    func matches(_ request: ChargeRequest, usage: TokenUsage) -> Bool {
        // The name as sent: a retry sends what the first request sent, whatever it resolved to.
        receipt.account == request.account && (receipt.modelSent ?? receipt.model) == request.model && receipt.tier == request.tier && receipt.usage == usage
            && project == request.project && apiKey == request.apiKey && user == request.user && requests == request.requests
    }
}
