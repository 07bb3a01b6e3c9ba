import TokenLedger
import TokenLedgerCore

/// Webhooks on PostgreSQL: endpoints added, listed and removed, and the queue that every `serve`
/// instance on the database posts from, by the same functions as on a file. An instance claims
/// the deliveries it posts (``claimDeliveries(at:limit:until:)``), so that each event is posted
/// by one instance at a time, in order per endpoint and account.
extension PostgresLedger {
    /// Adds an endpoint, as ``Ledger/addWebhook(_:)`` does.
    public func addWebhook(_ request: NewWebhook) throws -> AddedWebhook {
        try Ledger.checkWebhook(request)
        return try writing { session in try Ledger.addWebhook(request, db: session) }
    }

    /// Every endpoint, removed ones too, oldest first, without secrets.
    public func webhooks() throws -> [WebhookEndpoint] {
        try reading { session in try Ledger.webhooks(db: session) }
    }

    /// Removes an endpoint, as ``Ledger/removeWebhook(id:at:)`` does.
    @discardableResult
    public func removeWebhook(id: String, at time: Timestamp) throws -> WebhookEndpoint {
        try writing { session in try Ledger.removeWebhook(id: id, at: time, db: session) }
    }

    /// The delivery log, oldest first: every attempt, of event `seq` only when given.
    public func deliveryLog(seq: Int64? = nil) throws -> [DeliveryAttempt] {
        try reading { session in try Ledger.deliveryLog(seq: seq, db: session) }
    }

    /// The deliveries due at `time`, at most `limit`, claimed until `until` in one transaction:
    /// their rows locked (those another instance is claiming skipped) and their next attempt
    /// moved to `until`. The instance records each attempt
    /// (``recordDeliveryAttempt(_:outcome:statusCode:error:at:retryAt:)``); one that dies
    /// before leaves its claims to lapse at `until`, when another instance posts them again.
    public func claimDeliveries(at time: Timestamp, limit: Int, until: Timestamp) throws -> [PendingDelivery] {
        try writing { session in try Ledger.claimDeliveries(at: time, limit: limit, until: until, db: session) }
    }

    /// Records an attempt, as ``Ledger/recordDeliveryAttempt(_:outcome:statusCode:error:at:retryAt:)``
    /// does: false when another instance recorded this attempt already (its claim had lapsed).
    @discardableResult
    public func recordDeliveryAttempt(
        _ delivery: PendingDelivery, outcome: DeliveryOutcome, statusCode: Int?, error: String?, at time: Timestamp, retryAt: Timestamp? = nil
    ) throws -> Bool {
        try writing { session in
            try Ledger.recordDeliveryAttempt(delivery, outcome: outcome, statusCode: statusCode, error: error, at: time, retryAt: retryAt, db: session)
        }
    }

    /// The finance figures of `GET /metrics`, as ``Ledger/financeFigures(top:)`` reads them.
    public func financeFigures(top: Int = 20) throws -> FinanceFigures {
        precondition(top >= 0)
        return try reading { session in try Ledger.financeFigures(top: top, db: session) }
    }
}
