import GRDB
import TokenLedgerCore

/// One request's usage to charge.
public struct ChargeRequest: Sendable {
    public var account: String
    public var model: String
    /// The tier the provider reports it used (billed as reported, not as requested).
    public var tier: ServiceTier
    public var inputTokens: Int64
    public var cachedTokens: Int64
    public var cacheWriteTokens: Int64
    public var outputTokens: Int64
    public var project: String?
    public var apiKey: String?
    public var user: String?
    /// The request id: the idempotency key. Generated when nil.
    public var requestID: String?
    public var at: Timestamp
    /// Refuse rather than go below the overdraft allowance (a gateway asking before it serves).
    public var enforce: Bool
    /// How many requests the usage stands for: 1 for one request, more for an aggregated row
    /// (a Usage API bucket's `num_model_requests`). From 1 to ``maximumRequests``.
    public var requests: Int64 = 1

    public init(
        account: String, model: String, tier: ServiceTier = .default, input: Int64, cached: Int64 = 0, cacheWrite: Int64 = 0,
        output: Int64, project: String? = nil, apiKey: String? = nil, user: String? = nil, requestID: String? = nil,
        at: Timestamp, enforce: Bool = false, requests: Int64 = 1
    ) {
        self.account = account
        self.model = model
        self.tier = tier
        self.inputTokens = input
        self.cachedTokens = cached
        self.cacheWriteTokens = cacheWrite
        self.outputTokens = output
        self.project = project
        self.apiKey = apiKey
        self.user = user
        self.requestID = requestID
        self.at = at
        self.enforce = enforce
        self.requests = requests
    }

    /// The most requests one charge may stand for.
    public static let maximumRequests: Int64 = 1_000_000_000

    /// The longest project, API key, user or request id accepted.
    public static let maximumAttributionLength = 256
}

/// What a charge recorded (or, for a retried request id, had recorded).
public struct ChargeReceipt: Sendable, Hashable {
    public var id: String
    public var account: String
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
    public var alerts: [String] = []
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
        let usage = try Ledger.validated(request)
        // The batch of the previous charge, kept when nothing else has written since: this
        // charge then commits its usage row only (see `ChargeState` and `UsageTail`).
        return try transaction { db -> (ChargeReceipt, ChargeState.Kept?) in
            let kept = try self.chargeState.take(for: db)
            let batch: ChargeBatch
            if let kept {
                batch = kept.batch
            } else {
                try UsageTail.fold(db)
                batch = try ChargeBatch(db: db, prices: self.priceCache, paymentMethod: self.paymentMethod)
            }
            let receipt: ChargeReceipt
            do {
                receipt = try batch.charge(request, usage: usage)
            } catch let refusal as ChargeRefusal {
                // Refused before anything was written or changed in memory: a kept batch stays right.
                if let kept { self.chargeState.keep(kept) }
                throw refusal
            }
            // A new batch writes its figures (a one-off charge leaves no tail); a kept one when
            // the charge did more than insert its row, or the tail is long enough.
            let full = batch.accounts.count > ChargeState.accountLimit
            if kept == nil || full || batch.mustFlush || batch.pendingCharges >= ChargeState.pendingLimit { try batch.flush() }
            return (receipt, full ? nil : try self.chargeState.stamped(batch, db: db))
        } committed: { _, outcome in
            if let kept = outcome.1 { self.chargeState.keep(kept) }
        }.0
    }

    /// Records many charges in one transaction: all of them, or, when any is refused or fails,
    /// none (the error names the index of the request that stopped it). Retried request ids
    /// are duplicates as with ``charge(_:)``. For imports and replays, where one transaction
    /// per request would spend its time syncing the disk.
    public func charge(all requests: [ChargeRequest]) throws -> [ChargeReceipt] {
        var validated: [(ChargeRequest, TokenUsage)] = []
        validated.reserveCapacity(requests.count)
        for (index, request) in requests.enumerated() {
            do {
                validated.append((request, try Ledger.validated(request)))
            } catch let refusal as ChargeRefusal {
                throw BatchRefusal(index: index, refusal: refusal)
            }
        }
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

    /// The usage of a request, once its counts and attribution are known to be valid.
    static func validated(_ request: ChargeRequest) throws -> TokenUsage {
        let usage: TokenUsage
        do throws(InvalidUsage) {
            usage = try TokenUsage.validated(
                input: request.inputTokens, cached: request.cachedTokens, cacheWrite: request.cacheWriteTokens, output: request.outputTokens)
        } catch { throw ChargeRefusal.invalidUsage(error) }
        try checkAttribution(request)
        guard (1...ChargeRequest.maximumRequests).contains(request.requests) else {
            throw ChargeRefusal.invalidAttribution(field: "requests", reason: "must be from 1 to \(ChargeRequest.maximumRequests) (got \(request.requests))")
        }
        return usage
    }

    private static func checkAttribution(_ field: String, _ value: String?) throws {
        guard let value else { return }
        if value.isEmpty { throw ChargeRefusal.invalidAttribution(field: field, reason: "it is empty") }
        if !fits(value, ChargeRequest.maximumAttributionLength) {
            throw ChargeRefusal.invalidAttribution(field: field, reason: "it is longer than \(ChargeRequest.maximumAttributionLength) characters")
        }
    }

    /// Whether `text` has at most `maximum` characters (Unicode scalars, as SQLite's `length`
    /// counts them); no counting when its bytes are already few enough.
    private static func fits(_ text: String, _ maximum: Int) -> Bool {
        text.utf8.count <= maximum || text.unicodeScalars.count <= maximum
    }

    static func checkAttribution(_ request: ChargeRequest) throws {
        try checkAttribution("project", request.project)
        try checkAttribution("api_key", request.apiKey)
        try checkAttribution("user", request.user)
        try checkAttribution("id", request.requestID)
        if request.model.isEmpty || !fits(request.model, PriceEntry.maximumModelNameLength) {
            throw ChargeRefusal.invalidAttribution(field: "model", reason: "it must be 1 to \(PriceEntry.maximumModelNameLength) characters")
        }
    }

    /// A charge already recorded under `requestID`: its content, to compare with a retry.
    struct RecordedCharge {
        var receipt: ChargeReceipt
        var project: String?
        var apiKey: String?
        var user: String?
        var requests: Int64

        func matches(_ request: ChargeRequest, usage: TokenUsage) -> Bool {
            receipt.account == request.account && receipt.model == request.model && receipt.tier == request.tier
                && receipt.usage == usage && project == request.project && apiKey == request.apiKey && user == request.user
                && requests == request.requests
        }
    }

    static func existingCharge(requestID: String, db: Database) throws -> RecordedCharge? {
        guard let row = try db.row("""
                SELECT u.*, a.name AS account_name, p.effective_from_ms,
                       u.balance_after_nanos AS balance_after,
                       u.cost_nanos - coalesce(u.lot_nanos, 0)
                           - coalesce((SELECT sum(amount_nanos) FROM usage_allocation x WHERE x.usage_id = u.id), 0) AS uncovered
                FROM usage u JOIN account a ON a.id = u.account_id JOIN price_entry p ON p.id = u.price_entry_id
                WHERE u.request_id = ?
                """, [requestID])
        else { return nil }
        let usage = TokenUsage(input: row["input_tokens"], cached: row["cached_tokens"], cacheWrite: row["cache_write_tokens"], output: row["output_tokens"])
        var receipt = ChargeReceipt(
            id: requestID, account: row["account_name"], model: row["model"], tier: ServiceTier(rawValue: row["service_tier"])!,
            band: PriceBand(rawValue: row["band"])!, usage: usage, cost: Money(nanos: row["cost_nanos"]),
            balance: Money(nanos: row["balance_after"]), overdraft: Money(nanos: row["uncovered"]),
            priceEffectiveFrom: Timestamp(milliseconds: row["effective_from_ms"]), at: Timestamp(milliseconds: row["occurred_at_ms"]),
            duplicate: true)
        let usageID: Int64 = row["id"]
        receipt.recharge = try Ledger.rechargeAttempts("r.usage_id = ?", [usageID], db: db).first
        receipt.alerts = try db.rows("SELECT kind, project FROM spend_alert WHERE usage_id = ? ORDER BY id", [usageID]).map { alert in
            let project: String = alert["project"]
            return LimitAlert.code(alert["kind"], scope: project.isEmpty ? .account : .project(project))
        }
        return RecordedCharge(receipt: receipt, project: row["project"], apiKey: row["api_key"], user: row["end_user"], requests: row["requests"])
    }
}

/// A refused request in a batch: its position (from 0) and why. Nothing of the batch was written.
public struct BatchRefusal: Refusal {
    public var index: Int
    public var refusal: ChargeRefusal

    public var code: String { refusal.code }
    public var message: String { "request \(index + 1): \(refusal.message)" }
    public var isBadInput: Bool { refusal.isBadInput }
}
