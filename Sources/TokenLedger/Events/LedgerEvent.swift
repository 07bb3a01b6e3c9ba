import Foundation
import GRDB
import TokenLedgerCore

/// An event of the ledger's outbox (``LedgerEventKind``): written by the effects writer in the
/// same transaction as its cause, listed for pollers (`tokenledger events list`,
/// `GET /v1/events`) and posted to webhook endpoints by `tokenledger serve`.
public struct LedgerEvent: Sendable, Hashable {
    /// The event's place in the ledger's one increasing sequence (never reused).
    public var seq: Int64
    public var account: String
    public var kind: LedgerEventKind
    /// The time of what caused it (a charge's, a lot's expiry).
    public var at: Timestamp
    /// The event's own fields as compact JSON, keys sorted, money as decimal strings of dollars.
    public var payload: String

    /// The event as listed and posted: `account`, `at`, `data` (the payload), `kind`, `seq`.
    public var json: JSONOutput {
        let data = (try? JSONDecoder().decode(JSONOutput.self, from: Data(payload.utf8))) ?? .object([])
        return .object([("account", .string(account)), ("at", .time(at)), ("data", data), ("kind", .string(kind.rawValue)), ("seq", .int(seq))])
    }

    /// The body a webhook posts: ``json`` on one line.
    public var body: String { json.compact }

    /// The columns ``init(row:)`` reads, of `event e` joined with its `account a`.
    static let columns = "e.seq, a.name AS account, e.kind, e.occurred_at_ms, e.payload"
    static let selectSQL = "SELECT \(columns) FROM event e JOIN account a ON a.id = e.account_id"

    /// An event from a row of ``columns`` (read by name: PostgreSQL's rows keep no column order).
    init(row: Row) {
        seq = row["seq"]
        account = row["account"]
        kind = LedgerEventKind(rawValue: row["kind"]) ?? .lowBalance
        at = Timestamp(milliseconds: row["occurred_at_ms"])
        payload = row["payload"]
    }
}

/// A page of events (``Ledger/events(after:account:limit:)``).
public struct EventPage: Sendable, Hashable {
    public var events: [LedgerEvent]
    /// The last sequence number of the page: the `after` of the next one (nil when empty).
    public var next: Int64?

    /// The page as listed: `events` and `next_after`.
    public var json: JSONOutput {
        .object([("events", .array(events.map(\.json))), ("next_after", next.map(JSONOutput.int) ?? .null)])
    }
}

extension Ledger {
    /// `body` on a reader connection, without folding the usage tail first (``read(_:)`` would):
    /// for what a write records at once and the tail never holds (events, webhooks, their
    /// queue and log), so that the delivery service's polling does not fold a serving process's
    /// kept charges every time.
    func readRecorded<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
        do {
            return try pool.read(body)
        } catch let error as DatabaseError {
            throw LedgerError.from(error, path: path)
        }
    }

    /// The most events a page holds.
    public static let maximumEventPage = 1_000

    /// The events after sequence number `after` (0: from the first), oldest first, at most
    /// `limit` (1 to ``maximumEventPage``), of `account` only when given.
    ///
    /// Refuses ``ChargeRefusal/unknownAccount(_:)`` for an account that does not exist, and
    /// throws ``InputError`` (field `limit`) for a limit out of range.
    public func events(after: Int64 = 0, account: String? = nil, limit: Int = 100) throws -> EventPage {
        try Ledger.checkEventPage(limit: limit)
        return try readRecorded { db in try Ledger.events(after: after, account: account, limit: limit, db: db) }
    }

    /// Throws ``InputError`` (field `limit`) for a page size out of range.
    package static func checkEventPage(limit: Int) throws {
        guard (1...Ledger.maximumEventPage).contains(limit) else {
            throw InputError(field: "limit", reason: "\(limit) is not between 1 and \(Ledger.maximumEventPage)")
        }
    }

    /// ``events(after:account:limit:)`` on either store (`limit` checked by ``checkEventPage(limit:)``).
    package static func events(after: Int64, account: String?, limit: Int, db: some BooksReader) throws -> EventPage {
        var condition = "e.seq > ?"
        var arguments = sqlValues(after)
        if let account {
            guard let found = try Account.find(named: account, db: db) else { throw ChargeRefusal.unknownAccount(account) }
            condition += " AND e.account_id = ?"
            arguments += sqlValues(found.id)
        }
        let rows = try db.select(LedgerEvent.selectSQL + " WHERE \(condition) ORDER BY e.seq LIMIT ?", arguments + sqlValues(limit))
        let events = rows.map { LedgerEvent(row: $0) }
        return EventPage(events: events, next: events.last?.seq)
    }

    /// The account's low-balance threshold (``LowBalanceWatch``); nil for none.
    ///
    /// Refuses ``WebhookRefusal/unknownAccount(_:)``.
    public func lowBalanceWatch(account: String) throws -> LowBalanceWatch? {
        try read { db in try Ledger.lowBalanceWatch(account: account, db: db) }
    }

    /// ``lowBalanceWatch(account:)`` over either store.
    package static func lowBalanceWatch(account: String, db: some BooksReader) throws -> LowBalanceWatch? {
        guard let found = try Account.find(named: account, db: db) else { throw WebhookRefusal.unknownAccount(account) }
        return try Ledger.lowBalanceWatch(accountID: found.id, db: db)
    }

    /// Sets the account's low-balance threshold (nil: none), armed when its credit is at or above
    /// it now (``LowBalanceWatch/new(threshold:credit:)``): setting it fires nothing.
    ///
    /// Refuses ``WebhookRefusal``: `invalid_threshold` (not above $0, past $1,000,000),
    /// `unknown_account`.
    @discardableResult
    public func setLowBalanceThreshold(account: String, threshold: Money?) throws -> LowBalanceWatch? {
        try Ledger.checkLowBalanceThreshold(threshold)
        return try write { db in try Ledger.setLowBalanceThreshold(account: account, threshold: threshold, db: db) }
    }

    /// Refuses a threshold not above $0 or past $1,000,000 (`invalid_threshold`).
    package static func checkLowBalanceThreshold(_ threshold: Money?) throws {
        if let threshold, threshold.nanos <= 0 || threshold > WebhookRefusal.maximumThreshold { throw WebhookRefusal.invalidThreshold(threshold) }
    }

    /// ``setLowBalanceThreshold(account:threshold:)`` inside the store's transaction (the
    /// threshold checked): the account's row locked, so that its credit, which arms the watch,
    /// cannot change before the watch is written.
    package static func setLowBalanceThreshold(account: String, threshold: Money?, db: some BooksWriter) throws -> LowBalanceWatch? {
        guard let found = try Account.locked(named: account, db: db) else { throw WebhookRefusal.unknownAccount(account) }
        guard let threshold else {
            try db.perform("DELETE FROM low_balance_watch WHERE account_id = ?", sqlValues(found.id))
            return nil
        }
        let watch = LowBalanceWatch.new(threshold: threshold, credit: found.balance + found.overdraftAllowance)
        try db.perform(
            """
            INSERT INTO low_balance_watch (account_id, threshold_nanos, armed) VALUES (?, ?, ?)
            ON CONFLICT (account_id) DO UPDATE SET threshold_nanos = excluded.threshold_nanos, armed = excluded.armed
            """, sqlValues(found.id, threshold.nanos, watch.armed ? 1 : 0))
        return watch
    }

    /// The outbox against the books (see ``verify()``): every low-balance watch is armed exactly
    /// when its account's credit is at or above the threshold (each operation that changes a
    /// balance applies the rule, so a watch that disagrees names a write that skipped it), and
    /// every queued delivery is of its event's account.
    static func checkEvents(_ db: some BooksReader) throws -> [String] {
        let watches = try db.select(
            """
            SELECT a.name, w.threshold_nanos, w.armed, a.balance_nanos + a.overdraft_allowance_nanos AS credit
            FROM low_balance_watch w JOIN account a ON a.id = w.account_id
            WHERE w.armed <> CASE WHEN a.balance_nanos + a.overdraft_allowance_nanos >= w.threshold_nanos THEN 1 ELSE 0 END
            """)
        var problems = watches.map { row in
            "account '\(row["name"] as String)': low-balance watch " + ((row["armed"] as Int64) != 0 ? "armed" : "disarmed")
                + " with credit \(Money(nanos: row["credit"])) against its threshold \(Money(nanos: row["threshold_nanos"]))"
        }
        let misfiled = try db.count("SELECT count(*) FROM webhook_delivery d JOIN event e ON e.seq = d.event_seq WHERE d.account_id <> e.account_id")
        if misfiled > 0 { problems.append("\(misfiled) webhook deliveries are queued under another account than their event's") }
        return problems
    }

    static func lowBalanceWatch(accountID: Int64, db: some BooksReader) throws -> LowBalanceWatch? {
        try db.first("SELECT threshold_nanos, armed FROM low_balance_watch WHERE account_id = ?", sqlValues(accountID)).map {
            LowBalanceWatch(threshold: Money(nanos: $0["threshold_nanos"]), armed: ($0["armed"] as Int64) != 0)
        }
    }
}
