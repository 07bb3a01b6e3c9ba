import Foundation
import GRDB
import TokenLedgerCore

/// An endpoint that `tokenledger serve` posts events to, as listed: never its secret.
public struct WebhookEndpoint: Sendable, Hashable {
    /// The endpoint's public id: `wh_` and 16 hexadecimal digits.
    public var id: String
    public var url: String
    /// The one account whose events it gets; nil: every account.
    public var account: String?
    /// The kinds it gets; nil: every kind.
    public var kinds: [LedgerEventKind]?
    public var createdAt: Timestamp
    public var removedAt: Timestamp?

    /// The endpoint's fields, never its secret.
    public var json: JSONOutput {
        .object([
            ("account", .optional(account)), ("created_at", .time(createdAt)), ("events", kinds.map { .array($0.map { .string($0.rawValue) }) } ?? .null),
            ("id", .string(id)), ("removed_at", removedAt.map(JSONOutput.time) ?? .null), ("url", .string(url)),
        ])
    }

    static let selectSQL = """
        SELECT w.public_id, w.url, a.name AS account, w.kinds, w.created_at_ms, w.removed_at_ms
        FROM webhook_endpoint w LEFT JOIN account a ON a.id = w.account_id
        """

    init(row: Row) {
        id = row["public_id"]
        url = row["url"]
        account = row["account"]
        kinds = (row["kinds"] as String?).map { $0.split(separator: ",").compactMap { LedgerEventKind(rawValue: String($0)) } }
        createdAt = Timestamp(milliseconds: row["created_at_ms"])
        removedAt = (row["removed_at_ms"] as Int64?).map(Timestamp.init(milliseconds:))
    }
}

/// What ``Ledger/addWebhook(_:)`` needs.
public struct NewWebhook: Sendable {
    public var url: String
    /// The signing secret (16 to 256 characters); nil: one is made (``WebhookSecret``).
    public var secret: String?
    public var account: String?
    /// The kinds to post; nil: every kind.
    public var kinds: Set<LedgerEventKind>?
    public var at: Timestamp

    public init(url: String, secret: String? = nil, account: String? = nil, kinds: Set<LedgerEventKind>? = nil, at: Timestamp) {
        self.url = url
        self.secret = secret
        self.account = account
        self.kinds = kinds
        self.at = at
    }
}

/// An endpoint just added, with its secret: shown this once.
public struct AddedWebhook: Sendable, Hashable {
    public var endpoint: WebhookEndpoint
    public var secret: String
}

/// A webhook's signing secret, made when none is given: `whsec_` and 64 hexadecimal digits (32
/// bytes from the system's CSPRNG).
public enum WebhookSecret {
    public static func make() -> String {
        "whsec_" + (0..<4).map { _ in Ledger.generatedID("x").dropFirst(2) }.joined()
    }
}

/// An event due to be posted to an endpoint: the head of its account's queue for the endpoint.
public struct PendingDelivery: Sendable, Hashable {
    public var endpointID: Int64
    public var url: String
    /// The signing secret.
    public var secret: String
    public var event: LedgerEvent
    /// This attempt's number (1 for the first).
    public var attempt: Int
}

/// What one attempt to post an event came to.
public enum DeliveryOutcome: String, Sendable, Hashable {
    /// A 2xx answer: done.
    case delivered
    /// Failed; tried again later.
    case retry
    /// Failed for the last time: given up.
    case failed
}

/// One attempt of the delivery log.
public struct DeliveryAttempt: Sendable, Hashable {
    public var endpoint: String
    public var seq: Int64
    public var attempt: Int
    public var statusCode: Int?
    public var error: String?
    public var outcome: DeliveryOutcome
    public var at: Timestamp

    public var json: JSONOutput {
        .object([
            ("at", .time(at)), ("attempt", .int(Int64(attempt))), ("endpoint", .string(endpoint)), ("error", .optional(error)),
            ("outcome", .string(outcome.rawValue)), ("seq", .int(seq)), ("status_code", statusCode.map { .int(Int64($0)) } ?? .null),
        ])
    }
}

extension Ledger {
    /// Adds a webhook endpoint: events of its account (or every account) and kinds (or every
    /// kind) written from now on are queued for it. Returns it with its secret, shown once
    /// (kept in the books to sign with).
    ///
    /// Refuses ``WebhookRefusal``: `invalid_url`, `invalid_secret`, `unknown_account`.
    public func addWebhook(_ request: NewWebhook) throws -> AddedWebhook {
        try Ledger.checkWebhook(request)
        return try write { db in try Ledger.addWebhook(request, db: db) }
    }

    /// Every webhook endpoint, removed ones too, oldest first, without secrets.
    public func webhooks() throws -> [WebhookEndpoint] {
        try readRecorded { db in try Ledger.webhooks(db: db) }
    }

    /// Removes an endpoint: nothing more is posted to it (what was queued is dropped). Removing
    /// a removed one changes nothing. Refuses ``WebhookRefusal/unknownWebhook(_:)``.
    @discardableResult
    public func removeWebhook(id: String, at time: Timestamp) throws -> WebhookEndpoint {
        try write { db in try Ledger.removeWebhook(id: id, at: time, db: db) }
    }

    /// The deliveries due at `time`, at most `limit`: for each endpoint and account, the oldest
    /// event not yet delivered nor given up, when its next attempt is due (so an event is never
    /// posted before the one before it for that account and endpoint is settled).
    public func dueDeliveries(at time: Timestamp, limit: Int = 64) throws -> [PendingDelivery] {
        try readRecorded { db in try db.select(Ledger.dueDeliveriesSQL, Ledger.dueDeliveriesArguments(at: time, limit: limit)).map(PendingDelivery.init(row:)) }
    }

    /// ``dueDeliveries(at:limit:)``: one `serve` has a ledger file, so what it reads is not
    /// claimed (after a crash, the restarted `serve` sends its queue at once).
    public func claimDeliveries(at time: Timestamp, limit: Int, until: Timestamp) throws -> [PendingDelivery] {
        try dueDeliveries(at: time, limit: limit)
    }

    /// When the next delivery falls due (nil: nothing is pending).
    public func nextDeliveryDue() throws -> Timestamp? {
        try readRecorded { db in
            try Int64.fetchOne(
                db,
                sql: """
                    SELECT min(d.next_attempt_at_ms) FROM webhook_delivery d JOIN webhook_endpoint w ON w.id = d.endpoint_id
                    WHERE d.status = 'pending' AND w.removed_at_ms IS NULL
                    """
            ).map(Timestamp.init(milliseconds:))
        }
    }

    /// Records an attempt in the delivery log and its delivery's state: delivered, to be tried
    /// again at `retryAt`, or given up. Returns false, recording nothing, when the attempt was
    /// recorded already (by whoever claimed the delivery after this one's claim lapsed).
    @discardableResult
    public func recordDeliveryAttempt(
        _ delivery: PendingDelivery, outcome: DeliveryOutcome, statusCode: Int?, error: String?, at time: Timestamp, retryAt: Timestamp? = nil
    ) throws -> Bool {
        try write { db in
            try Ledger.recordDeliveryAttempt(delivery, outcome: outcome, statusCode: statusCode, error: error, at: time, retryAt: retryAt, db: db)
        }
    }

    /// The delivery log, oldest first: every attempt, of event `seq` only when given.
    public func deliveryLog(seq: Int64? = nil) throws -> [DeliveryAttempt] {
        try readRecorded { db in try Ledger.deliveryLog(seq: seq, db: db) }
    }
}

/// Webhooks on either store (``BooksReader``, ``BooksWriter``): the endpoints, the queue of
/// deliveries and the log of attempts, read and written by the same statements.
extension Ledger {
    /// Refuses an endpoint whose URL or secret is malformed (before any transaction).
    package static func checkWebhook(_ request: NewWebhook) throws {
        if let problem = WebhookRefusal.urlProblem(request.url) { throw WebhookRefusal.invalidURL(problem) }
        if let secret = request.secret, let problem = WebhookRefusal.secretProblem(secret) { throw WebhookRefusal.invalidSecret(problem) }
    }

    /// Adds an endpoint (checked by ``checkWebhook(_:)``) in `db`'s transaction.
    package static func addWebhook(_ request: NewWebhook, db: some BooksWriter) throws -> AddedWebhook {
        let secret = request.secret ?? WebhookSecret.make()
        let id = Ledger.generatedID("wh")
        let kinds = request.kinds.map { "," + $0.sorted().map(\.rawValue).joined(separator: ",") + "," }
        var accountID: Int64?
        if let account = request.account {
            guard let found = try Account.find(named: account, db: db) else { throw WebhookRefusal.unknownAccount(account) }
            accountID = found.id
        }
        try db.perform(
            "INSERT INTO webhook_endpoint (public_id, url, secret, account_id, kinds, created_at_ms) VALUES (?, ?, ?, ?, ?, ?)",
            sqlValues(id, request.url, secret, accountID, kinds == ",," ? nil : kinds, request.at.milliseconds))
        guard let row = try db.first(WebhookEndpoint.selectSQL + " WHERE w.public_id = ?", sqlValues(id)) else {
            preconditionFailure("the endpoint just added is read back")
        }
        return AddedWebhook(endpoint: WebhookEndpoint(row: row), secret: secret)
    }

    /// Every endpoint, removed ones too, oldest first.
    package static func webhooks(db: some BooksReader) throws -> [WebhookEndpoint] {
        try db.select(WebhookEndpoint.selectSQL + " ORDER BY w.id").map(WebhookEndpoint.init(row:))
    }

    /// Removes an endpoint (its row locked while it is read and written).
    package static func removeWebhook(id: String, at time: Timestamp, db: some BooksWriter) throws -> WebhookEndpoint {
        guard let row = try db.first(db.lockingRows("SELECT id FROM webhook_endpoint WHERE public_id = ?"), sqlValues(id)),
            let found = try db.first(WebhookEndpoint.selectSQL + " WHERE w.id = ?", sqlValues(row["id"] as Int64))
        else { throw WebhookRefusal.unknownWebhook(id) }
        var endpoint = WebhookEndpoint(row: found)
        if endpoint.removedAt == nil {
            try db.perform("UPDATE webhook_endpoint SET removed_at_ms = ? WHERE public_id = ?", sqlValues(time.milliseconds, id))
            endpoint.removedAt = time
        }
        return endpoint
    }

    /// The heads of the queue due at a time (``dueDeliveriesArguments(at:limit:)``): per endpoint
    /// and account, the oldest delivery pending, when its next attempt is due, oldest first.
    static let dueDeliveriesSQL = """
        SELECT \(LedgerEvent.columns), d.endpoint_id, d.attempts, w.url, w.secret
        FROM webhook_delivery d
        JOIN webhook_endpoint w ON w.id = d.endpoint_id
        JOIN event e ON e.seq = d.event_seq JOIN account a ON a.id = e.account_id
        WHERE d.status = 'pending' AND w.removed_at_ms IS NULL AND d.next_attempt_at_ms <= ?
          AND d.event_seq = (SELECT min(h.event_seq) FROM webhook_delivery h
                             WHERE h.status = 'pending' AND h.endpoint_id = d.endpoint_id AND h.account_id = d.account_id)
        ORDER BY d.event_seq LIMIT ?
        """

    static func dueDeliveriesArguments(at time: Timestamp, limit: Int) -> [DatabaseValue] {
        sqlValues(time.milliseconds, Int64(limit))
    }

    /// The deliveries due at `time` (at most `limit`), claimed until `until`: their rows locked
    /// (rows another transaction has locked are skipped: another instance is claiming them) and
    /// their next attempt moved to `until`, so that no other instance posts them meanwhile. The
    /// one that claimed them records the attempt; if it dies first, they fall due again then.
    package static func claimDeliveries(at time: Timestamp, limit: Int, until: Timestamp, db: some BooksWriter) throws -> [PendingDelivery] {
        let due = try db.select(db.claimingRows(dueDeliveriesSQL, of: "d"), dueDeliveriesArguments(at: time, limit: limit)).map(
            PendingDelivery.init(row:))
        guard !due.isEmpty else { return due }
        // One statement for all of them: (endpoint, event) pairs as row values.
        try db.perform(
            "UPDATE webhook_delivery SET next_attempt_at_ms = ? WHERE (endpoint_id, event_seq) IN (VALUES "
                + due.map { _ in "(?, ?)" }.joined(separator: ", ") + ")",
            sqlValues(until.milliseconds) + due.flatMap { sqlValues($0.endpointID, $0.event.seq) })
        return due
    }

    /// Logs an attempt and sets its delivery's state, unless the attempt was recorded already
    /// (the delivery is no longer pending at this attempt's number): returns whether it was.
    package static func recordDeliveryAttempt(
        _ delivery: PendingDelivery, outcome: DeliveryOutcome, statusCode: Int?, error: String?, at time: Timestamp, retryAt: Timestamp?,
        db: some BooksWriter
    ) throws -> Bool {
        precondition((outcome == .retry) == (retryAt != nil), "a retry has a time, and only a retry")
        let updated = try db.select(
            """
            UPDATE webhook_delivery SET status = ?, attempts = ?, next_attempt_at_ms = ?
            WHERE endpoint_id = ? AND event_seq = ? AND status = 'pending' AND attempts = ? RETURNING account_id
            """,
            sqlValues(
                outcome == .retry ? "pending" : outcome.rawValue, Int64(delivery.attempt), (retryAt ?? time).milliseconds, delivery.endpointID,
                delivery.event.seq, Int64(delivery.attempt - 1)))
        guard let accountID = updated.first?["account_id"] as Int64? else { return false }
        try db.perform(
            """
            INSERT INTO webhook_attempt (endpoint_id, event_seq, attempt, status_code, error, outcome, attempted_at_ms, account_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            sqlValues(
                delivery.endpointID, delivery.event.seq, Int64(delivery.attempt), statusCode.map { Int64($0) }, error.map { String($0.prefix(1_024)) },
                outcome.rawValue, time.milliseconds, accountID))
        return true
    }

    /// The delivery log, oldest first (of event `seq` only, when given).
    package static func deliveryLog(seq: Int64?, db: some BooksReader) throws -> [DeliveryAttempt] {
        let select = """
            SELECT w.public_id, t.event_seq, t.attempt, t.status_code, t.error, t.outcome, t.attempted_at_ms
            FROM webhook_attempt t JOIN webhook_endpoint w ON w.id = t.endpoint_id
            """
        let rows = try seq.map { try db.select(select + " WHERE t.event_seq = ? ORDER BY t.id", sqlValues($0)) } ?? db.select(select + " ORDER BY t.id")
        return rows.map { row in
            DeliveryAttempt(
                endpoint: row["public_id"], seq: row["event_seq"], attempt: Int(row["attempt"] as Int64),
                statusCode: (row["status_code"] as Int64?).map { Int($0) }, error: row["error"],
                outcome: DeliveryOutcome(rawValue: row["outcome"]) ?? .failed, at: Timestamp(milliseconds: row["attempted_at_ms"]))
        }
    }
}

extension PendingDelivery {
    /// A head of the queue, from a row of ``Ledger/dueDeliveriesSQL``.
    init(row: Row) {
        self.init(
            endpointID: row["endpoint_id"], url: row["url"], secret: row["secret"], event: LedgerEvent(row: row),
            attempt: Int(row["attempts"] as Int64) + 1)
    }
}
