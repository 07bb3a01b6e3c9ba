import GRDB
import TokenLedgerCore

/// What an adjustment, refund or reversal recorded (or, for a retried id, had recorded).
public struct CorrectionReceipt: Sendable, Hashable {
    public var id: String
    public var kind: CorrectionKind
    public var account: String
    /// Positive when the account was credited, negative when it was debited.
    public var amount: Money
    /// The account's balance right after the correction.
    public var balance: Money
    public var reason: String?
    /// What it corrects: a refund's purchase id, a reversal's charge (request) id; nil for an adjustment.
    public var corrects: String?
    /// Credits: the part that repaid overdraft.
    public var repaid: Money
    /// Debits: the part no lot paid (overdraft, within the allowance).
    public var overdraft: Money
    /// Credits: what went back into existing lots (a reversal's to the lots that paid the charge).
    public var returned: Money
    /// Credits: when the lot made for the rest expires; nil when no lot was made.
    public var lotExpiresAt: Timestamp?
    public var at: Timestamp
    /// True when the id had already been recorded with the same content: nothing was written.
    public var duplicate: Bool

    public init(
        id: String, kind: CorrectionKind, account: String, amount: Money, balance: Money, reason: String?, corrects: String?, repaid: Money,
        overdraft: Money, returned: Money, lotExpiresAt: Timestamp?, at: Timestamp, duplicate: Bool
    ) {
        self.id = id
        self.kind = kind
        self.account = account
        self.amount = amount
        self.balance = balance
        self.reason = reason
        self.corrects = corrects
        self.repaid = repaid
        self.overdraft = overdraft
        self.returned = returned
        self.lotExpiresAt = lotExpiresAt
        self.at = at
        self.duplicate = duplicate
    }
}

extension Ledger {
    /// Corrects an account's balance by a new entry against `@adjustments`: a credit (positive)
    /// makes a grant lot that expires one year after `at`; a debit (negative) draws the lots in
    /// spending order, like a charge, and may go into overdraft only within the account's
    /// allowance (less open holds).
    ///
    /// Throws ``CorrectionRefusal`` (in check order: `amount_not_positive` for zero,
    /// `above_maximum`, `invalid_reason`, `invalid_id`, `id_conflict`, `unknown_account`,
    /// `insufficient_balance`, `balance_overflow`, `ledger_total_limit`) and writes nothing when
    /// refused. The same id with the same account, amount and reason returns the original receipt
    /// with `duplicate` set.
    public func adjust(_ request: AdjustmentRequest) throws -> CorrectionReceipt {
        if let refusal = CorrectionRefusal.check(request) { throw refusal }
        let id = try Self.correctionID(request.id, prefix: "adj")
        return try write { db in
            try CorrectionOperation.adjust(request, id: id, store: try ChargeBatch(db: db, prices: self.priceCache, paymentMethod: self.paymentMethod))
        }
    }

    /// Takes back unspent purchased credit from the lot of the purchase recorded under
    /// `purchaseID` (all that remains when no amount is given), never more than it holds.
    ///
    /// Throws ``CorrectionRefusal`` (`amount_not_positive`, `invalid_id`, `id_conflict`,
    /// `unknown_purchase`, `before_original`, `refund_exceeds_remaining`) and writes nothing when
    /// refused; idempotent on `id` (a retry without an amount matches the refund it made).
    public func refund(_ request: RefundRequest) throws -> CorrectionReceipt {
        if let refusal = CorrectionRefusal.check(request) { throw refusal }
        let id = try Self.correctionID(request.id, prefix: "ref")
        return try write { db in
            try CorrectionOperation.refund(request, id: id, store: try ChargeBatch(db: db, prices: self.priceCache, paymentMethod: self.paymentMethod))
        }
    }

    /// Reverses a charge: gives its cost back to the lots that paid it (to the account's oldest
    /// unexpired lots with room if those have expired, else to a new grant lot expiring one year
    /// later), repaying overdraft first. The usage row stays: reports, month-to-date spend and
    /// reconciliation still count the usage; the statement shows the reversal under adjustments.
    ///
    /// Throws ``CorrectionRefusal`` (`invalid_reason`, `invalid_id`, `id_conflict`,
    /// `unknown_charge`, `already_reversed`, `nothing_to_reverse`, `before_original`,
    /// `balance_overflow`, `ledger_total_limit`) and writes nothing when refused; idempotent on `id`.
    public func reverse(_ request: ReversalRequest) throws -> CorrectionReceipt {
        if let refusal = CorrectionRefusal.check(request) { throw refusal }
        let id = try Self.correctionID(request.id, prefix: "rev")
        return try write { db in
            try CorrectionOperation.reverse(request, id: id, store: try ChargeBatch(db: db, prices: self.priceCache, paymentMethod: self.paymentMethod))
        }
    }

    /// The id a correction is recorded under: the caller's (checked), or a generated one.
    package static func correctionID(_ given: String?, prefix: String) throws(CorrectionRefusal) -> String {
        if let given, let problem = Identifier.problem(given) { throw .invalidID(problem) }
        return given ?? generatedID(prefix)
    }

    /// The correction recorded under `reference`, as its receipt (with `duplicate` set).
    package static func existingCorrection(reference: String, db: some BooksReader) throws -> CorrectionReceipt? {
        guard
            let row = try db.select(
                """
                SELECT c.kind, c.reason, t.amount_nanos, t.occurred_at_ms, t.balance_after_nanos, t.debit_account_id = ?2 AS credited, a.name,
                    (SELECT p.reference FROM lot l JOIN transfer p ON p.id = l.transfer_id WHERE l.id = c.lot_id) AS purchase,
                    (SELECT u.request_id FROM usage u WHERE u.id = c.usage_id) AS charge,
                    (SELECT expires_at_ms FROM lot WHERE transfer_id = t.id) AS lot_expires_ms,
                    coalesce((SELECT sum(amount_nanos) FROM allocation WHERE transfer_id = t.id), 0) AS allocated,
                    coalesce((SELECT sum(amount_nanos) FROM lot_return WHERE transfer_id = t.id), 0) AS returned
                FROM transfer t JOIN correction c ON c.transfer_id = t.id
                JOIN account a ON a.id = (CASE WHEN t.debit_account_id = ?2 THEN t.credit_account_id ELSE t.debit_account_id END)
                WHERE t.reference = ?1
                """, sqlValues(reference, SystemAccount.adjustments.rawValue)
            ).first
        else { return nil }
        let amount = Money(nanos: row["amount_nanos"]), allocated = Money(nanos: row["allocated"])
        let credited: Bool = row["credited"]
        return CorrectionReceipt(
            id: reference, kind: CorrectionKind(rawValue: row["kind"])!, account: row["name"], amount: credited ? amount : -amount,
            balance: Money(nanos: row["balance_after_nanos"]), reason: row["reason"], corrects: row["purchase"] ?? row["charge"],
            repaid: credited ? allocated : .zero, overdraft: credited ? .zero : amount - allocated, returned: Money(nanos: row["returned"]),
            lotExpiresAt: (row["lot_expires_ms"] as Int64?).map(Timestamp.init(milliseconds:)), at: Timestamp(milliseconds: row["occurred_at_ms"]),
            duplicate: true)
    }

    /// The purchase recorded under `reference`: its account, its lot and when it was paid.
    package static func recordedPurchase(reference: String, db: some BooksReader) throws -> RefundedPurchase? {
        guard
            let row = try db.first(
                """
                SELECT t.occurred_at_ms, l.id AS lot_id, a.name FROM transfer t JOIN lot l ON l.transfer_id = t.id
                JOIN account a ON a.id = t.credit_account_id WHERE t.reference = ? AND t.kind = 'purchase'
                """, sqlValues(reference))
        else { return nil }
        return RefundedPurchase(reference: reference, account: row["name"], lotID: row["lot_id"], paidAt: Timestamp(milliseconds: row["occurred_at_ms"]))
    }

    /// The charge recorded under `requestID`: its cost, time, the lots that paid it (first, then
    /// further), and the correction that reversed it.
    package static func chargeToReverse(requestID: String, db: some BooksReader) throws -> ReversedCharge? {
        guard
            let row = try db.first(
                """
                SELECT u.id, u.cost_nanos, u.occurred_at_ms, u.lot_id, u.lot_nanos, a.name,
                    (SELECT t.reference FROM correction c JOIN transfer t ON t.id = c.transfer_id WHERE c.usage_id = u.id) AS reversed_by
                FROM usage u JOIN account a ON a.id = u.account_id WHERE u.request_id = ?
                """, sqlValues(requestID))
        else { return nil }
        let usageID: Int64 = row["id"]
        var draws: [Allocation] = []
        if let lotID: Int64 = row["lot_id"] { draws.append(Allocation(lotID: lotID, amount: Money(nanos: row["lot_nanos"]))) }
        for further in try db.select("SELECT lot_id, amount_nanos FROM usage_allocation WHERE usage_id = ? ORDER BY lot_id", sqlValues(usageID)) {
            draws.append(Allocation(lotID: further["lot_id"], amount: Money(nanos: further["amount_nanos"])))
        }
        return ReversedCharge(
            id: usageID, requestID: requestID, account: row["name"], cost: Money(nanos: row["cost_nanos"]), at: Timestamp(milliseconds: row["occurred_at_ms"]),
            draws: draws, reversedBy: row["reversed_by"])
    }
}
