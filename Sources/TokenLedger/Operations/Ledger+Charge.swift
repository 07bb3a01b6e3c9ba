import GRDB
import TokenLedgerCore

/// What a charge recorded (or, for a retried request id, had recorded).
public struct ChargeReceipt: Sendable, Hashable {
    public var id: String
    public var account: String
    /// The model of the price entry that priced the charge (the catalog's name).
    public var model: String
    public var tier: ServiceTier
    public var band: PriceBand
    public var usage: TokenUsage
    public var cost: Money
    /// The account's balance right after the charge (negative: overdraft).
    public var balance: Money
    /// The part of the cost no lot covered: overdraft the next credit repays.
    public var overdraft: Money
    public var priceEffectiveFrom: Timestamp
    public var at: Timestamp
    public var duplicate: Bool
    /// The auto-recharge the charge caused, if any (succeeded or failed).
    public var recharge: RechargeAttempt? = nil
    /// The limits the charge reached (`soft_limit`, `hard_limit`, `tier_limit`, with
    /// `:project=NAME` for a project's; each recorded once a month), then flags of usage
    /// recorded although an enforced charge would have been refused: `tier_too_low`,
    /// `over_hard_limit` (or `over_hard_limit:project=NAME`), `over_tier_limit`. A retried
    /// request id answers with the alerts it recorded (flags are not stored).
    public var alerts: [ChargeAlert] = []
    /// The model name as the request sent it, when it is not ``model`` (``ModelResolver``
    /// found the entry by an alias, a provider prefix, a Bedrock id or a dated snapshot).
    public var modelSent: String? = nil
    /// Who served and billed the request (``Providers/charged(claim:sent:entryProvider:)``);
    /// nil when nothing said.
    public var provider: String? = nil
}

extension Ledger {
    /// Records one request's usage: prices it with the entry in force at its time, spends
    /// grants before purchases and the earliest-expiring lot first, and goes into overdraft
    /// rather than dropping usage that happened.
    ///
    /// Throws ``ChargeRefusal`` (in check order) and writes nothing when refused. The same
    /// request id with the same usage returns the original receipt with `duplicate` set; with
    /// different usage it is refused as `id_conflict`.
    public func charge(_ request: ChargeRequest) throws -> ChargeReceipt {
        let usage = try request.validatedUsage()
        return try chargeTransaction { _, batch in try batch.charge(request, usage: usage) }
    }

    /// Runs `body` in one write transaction over the charge batch of the previous charge,
    /// reservation or settle, kept when nothing else has written since (it then commits its own
    /// rows only: see ``ChargeState`` and ``UsageTail``), or over a new batch once the tail is
    /// folded. Charges, reservations, settles and voids run here, so that a gateway reserving
    /// and settling reads its account, lots and prices once, as one charging does.
    ///
    /// `body` must throw a ``Refusal`` only before it has written anything or changed what the
    /// batch holds (the charge decision does: it refuses before it applies); the kept batch then
    /// stays. Any other error drops it.
    func chargeTransaction<T>(_ body: (Database, ChargeBatch) throws -> T) throws -> T {
        return try transaction { db -> (T, ChargeState.Kept?) in
            let kept = try self.chargeState.take(for: db)
            let batch: ChargeBatch
            if let kept {
                batch = kept.batch
            } else {
                try UsageTail.fold(db)
                batch = try ChargeBatch(db: db, prices: self.priceCache, paymentMethod: self.paymentMethod)
            }
            let result: T
            do {
                result = try body(db, batch)
            } catch let refusal as any Refusal {
                // Refused before anything was written or changed in memory: a kept batch stays right.
                if let kept { self.chargeState.keep(kept) }
                throw refusal
            }
            // A new batch writes its figures (a one-off charge leaves no tail); a kept one when
            // the charge did more than insert its row, or the tail is long enough.
            let full = batch.accounts.count > ChargeState.accountLimit
            if kept == nil || full || batch.mustFlush || batch.pendingCharges >= ChargeState.pendingLimit { try batch.flush() }
            return (result, full ? nil : try self.chargeState.stamped(batch, db: db))
        } committed: { _, outcome in
            if let kept = outcome.1 { self.chargeState.keep(kept) }
        }.0
    }

    /// Records many charges in one transaction: all of them, or, when any is refused or fails,
    /// none (the error names the index of the request that stopped it). Retried request ids
    /// are duplicates as with ``charge(_:)``. For imports and replays, where one transaction
    /// per request would spend its time syncing the disk.
    public func charge(all requests: [ChargeRequest]) throws -> [ChargeReceipt] {
        let validated = try Ledger.validated(batch: requests)
        let work = validated
        return try write { db in
            let batch = try ChargeBatch(db: db, prices: self.priceCache, paymentMethod: self.paymentMethod)
            var receipts: [ChargeReceipt] = []
            receipts.reserveCapacity(work.count)
            for (index, (request, usage)) in work.enumerated() {
                do {
                    receipts.append(try batch.charge(request, usage: usage))
                } catch let refusal as ChargeRefusal {
                    throw BatchRefusal(index: index, refusal: refusal)
                }
            }
            try batch.flush()
            return receipts
        }
    }

    /// Each request of a batch with its valid usage; refuses (``BatchRefusal``) the first whose
    /// usage is not.
    package static func validated(batch requests: [ChargeRequest]) throws(BatchRefusal) -> [(ChargeRequest, TokenUsage)] {
        var validated: [(ChargeRequest, TokenUsage)] = []
        validated.reserveCapacity(requests.count)
        for (index, request) in requests.enumerated() {
            do throws(ChargeRefusal) {
                validated.append((request, try request.validatedUsage()))
            } catch {
                throw BatchRefusal(index: index, refusal: error)
            }
        }
        return validated
    }

    /// The charge recorded under `requestID`, with what it was recorded with (to compare with
    /// a retry) and its receipt as it was given.
    package static func existingCharge(requestID: String, db: some BooksReader) throws -> RecordedCharge? {
        guard
            let row = try db.first(
                """
                SELECT u.*, a.name AS account_name, p.effective_from_ms,
                       u.balance_after_nanos AS balance_after,
                       u.cost_nanos - coalesce(u.lot_nanos, 0)
                           - coalesce((SELECT sum(amount_nanos) FROM usage_allocation x WHERE x.usage_id = u.id), 0) AS uncovered
                FROM usage u JOIN account a ON a.id = u.account_id JOIN price_entry p ON p.id = u.price_entry_id
                WHERE u.request_id = ?
                """, sqlValues(requestID))
        else { return nil }
        let usage = TokenUsage(row: row)
        var receipt = ChargeReceipt(
            id: requestID, account: row["account_name"], model: row["model"], tier: ServiceTier(rawValue: row["service_tier"])!,
            band: PriceBand(rawValue: row["band"])!, usage: usage, cost: Money(nanos: row["cost_nanos"]),
            balance: Money(nanos: row["balance_after"]), overdraft: Money(nanos: row["uncovered"]),
            priceEffectiveFrom: Timestamp(milliseconds: row["effective_from_ms"]), at: Timestamp(milliseconds: row["occurred_at_ms"]),
            duplicate: true, modelSent: row["model_sent"], provider: row["provider"])
        let usageID: Int64 = row["id"]
        receipt.recharge = try Ledger.rechargeAttempts(.causedBy(usageID: usageID), db: db).first
        receipt.alerts = try db.select("SELECT kind, project FROM spend_alert WHERE usage_id = ? ORDER BY id", sqlValues(usageID)).map { alert in
            let project: String = alert["project"]
            guard let kind = LimitAlertKind(rawValue: alert["kind"]) else {
                throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "spend_alert holds an unknown kind")
            }
            return ChargeAlert.limitReached(kind, project.isEmpty ? .account : .project(project))
        }
        return RecordedCharge(receipt: receipt, project: row["project"], apiKey: row["api_key"], user: row["end_user"], requests: row["requests"])
    }
}

/// A refused request in a batch: its position (from 0) and why. Nothing of the batch was written.
public struct BatchRefusal: Refusal {
    public var index: Int
    public var refusal: ChargeRefusal

    package init(index: Int, refusal: ChargeRefusal) {
        self.index = index
        self.refusal = refusal
    }

    public var code: String { refusal.code }
    public var message: String { "request \(index + 1): \(refusal.message)" }
    public var isBadInput: Bool { refusal.isBadInput }
}
