import GRDB
import TokenLedgerCore

/// A hold to make before serving one request: the most it can cost, from its input tokens and
/// the most output it may produce.
public struct ReservationRequest: Sendable {
    public var account: String
    public var model: String
    /// The service tier the request asks for (its prices set the hold).
    public var tier: ServiceTier
    public var inputTokens: Int64
    public var maxOutputTokens: Int64
    public var project: String?
    public var apiKey: String?
    public var user: String?
    /// The reservation id (generated when nil); also the request id of the charge that settles it.
    public var id: String?
    public var at: Timestamp
    /// How long the hold lasts unless settled or voided (1 second to a day).
    public var expiresInSeconds: Int64

    /// Holds last 10 minutes unless told otherwise.
    public static let defaultExpirySeconds: Int64 = 600

    public init(
        account: String, model: String, tier: ServiceTier = .default, input: Int64, maxOutput: Int64, project: String? = nil, apiKey: String? = nil,
        user: String? = nil, id: String? = nil, at: Timestamp, expiresInSeconds: Int64 = ReservationRequest.defaultExpirySeconds
    ) {
        self.account = account
        self.model = model
        self.tier = tier
        self.inputTokens = input
        self.maxOutputTokens = maxOutput
        self.project = project
        self.apiKey = apiKey
        self.user = user
        self.id = id
        self.at = at
        self.expiresInSeconds = expiresInSeconds
    }
}

extension ReservationRequest {
    /// The charge whose checks a reservation runs: its input and maximum output, no cached tokens.
    func charge(enforce: Bool) -> ChargeRequest {
        ChargeRequest(
            account: account, model: model, tier: tier, input: inputTokens, output: maxOutputTokens, project: project, apiKey: apiKey, user: user,
            requestID: id, at: at, enforce: enforce)
    }
}

/// A reservation as recorded.
public struct Reservation: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        case open, settled, voided, expired
    }

    public var id: String
    public var account: String
    public var model: String
    public var tier: ServiceTier
    public var inputTokens: Int64
    public var maxOutputTokens: Int64
    /// The most the request can cost: what the reservation holds while open.
    public var hold: Money
    public var createdAt: Timestamp
    public var expiresAt: Timestamp
    public var status: Status
    /// The account's available balance right after the reservation was made or voided, or now
    /// (a retried one).
    public var available: Money
    /// True when the id had already been reserved (or, from ``Ledger/void(_:)``, voided) with
    /// the same request: nothing was written.
    public var duplicate: Bool
    /// The id of the settle or void that closed it (the reservation's own id unless the caller
    /// gave another); nil while open, and for an expired one.
    public var closeID: String?
}

/// The actual usage of a reserved request, to charge and release its hold.
///
/// The settle has an id of its own, its idempotency key (an HTTP service's `Idempotency-Key`):
/// sent again with the same reservation and usage it returns the original receipt. Without one,
/// the reservation's id is the settle's id, so a plain retry of the same settle is recognised
/// too. The time is not part of the content.
public struct SettleRequest: Sendable {
    /// The reservation's id (also the request id of the charge the settle records).
    public var reservation: String
    /// The settle's own id; nil for the reservation's id.
    public var id: String?
    public var inputTokens: Int64
    public var cachedTokens: Int64
    public var cacheWriteTokens: Int64
    public var outputTokens: Int64
    public var at: Timestamp
    /// Who served and billed the request, recorded on the charge the settle makes (nil: from
    /// the model name or its price entry, ``Providers/charged(claim:sent:entryProvider:)``).
    public var provider: String?
    /// The parts of the input and output billed at rates of their own (1-hour cache writes, audio, images).
    public var breakdown: TokenBreakdown

    public init(
        reservation: String, id: String? = nil, input: Int64, cached: Int64 = 0, cacheWrite: Int64 = 0, output: Int64, at: Timestamp,
        provider: String? = nil, breakdown: TokenBreakdown = .none
    ) {
        self.breakdown = breakdown
        self.reservation = reservation
        self.id = id
        self.inputTokens = input
        self.cachedTokens = cached
        self.cacheWriteTokens = cacheWrite
        self.outputTokens = output
        self.at = at
        self.provider = provider
    }
}

/// Releasing a reservation's whole hold without charging (the request was not served).
///
/// Like a settle, a void has an id of its own (the reservation's id when nil): sent again, it
/// returns the voided reservation instead of a refusal.
public struct VoidRequest: Sendable {
    /// The reservation's id.
    public var reservation: String
    /// The void's own id; nil for the reservation's id.
    public var id: String?
    public var at: Timestamp

    public init(reservation: String, id: String? = nil, at: Timestamp) {
        self.reservation = reservation
        self.id = id
        self.at = at
    }
}

/// What settling a reservation recorded: its charge, and how its cost compares with the hold.
public struct SettleReceipt: Sendable, Hashable {
    /// The settle's id (the reservation's id unless the request gave another).
    public var id: String
    public var reservation: Reservation
    /// The charge of the actual usage (request id: the reservation's id).
    public var charge: ChargeReceipt
    /// The part of the hold the usage did not need, released.
    public var released: Money
    /// The part of the cost beyond the hold (usage that happened is recorded all the same).
    public var beyondHold: Money
    /// True when this settle had already been recorded (same id, reservation and usage): the
    /// receipt is the original one and nothing was written.
    public var duplicate: Bool
}

extension Ledger {
    /// Holds the most a request can cost before a gateway serves it, so that concurrent
    /// requests can never spend the same credit twice.
    ///
    /// The hold is the cost of the input tokens and the maximum output at the price in force,
    /// in the asked tier, with no cached tokens. Refuses ``ReservationRefusal`` in check order;
    /// among them `tier_too_low`, `hard_limit` (month-to-date spend plus open holds plus this
    /// one would pass a hard limit, the tier's monthly limit included) and
    /// `insufficient_balance` (the hold exceeds balance − open holds + overdraft allowance).
    /// Expired reservations are released first. The same id with the same request returns
    /// the reservation with `duplicate` set.
    ///
    /// ```swift
    /// let hold = try ledger.reserve(ReservationRequest(account: "acme", model: "gpt-4o", input: 1_200, maxOutput: 800, at: now))
    /// let answer = try await provider.complete(prompt, maxTokens: 800)
    /// try ledger.settle(SettleRequest(reservation: hold.id, input: answer.usage.input, output: answer.usage.output, at: now))
    /// ```
    public func reserve(_ request: ReservationRequest) throws -> Reservation {
        let usage = try Ledger.validated(request)
        let id = request.id ?? Ledger.generatedID("rsv")
        // Over the kept charge batch (``chargeTransaction(_:)``): the account's figures are the
        // batch's, which a tail of charges not yet folded into the file's balance is part of.
        return try chargeTransaction { db, batch in try ReservationOperation.reserve(request, usage: usage, id: id, store: batch, db: db) }
    }

    /// Charges the actual usage of a reserved request and releases its hold. The usage may cost
    /// more than the hold: it happened, so it is recorded (see ``SettleReceipt/beyondHold``).
    ///
    /// A retry (the same settle id, reservation and usage; the time may differ) returns the
    /// original receipt with ``SettleReceipt/duplicate`` set and writes nothing. Refuses
    /// ``ReservationCloseRefusal`` in check order: an invalid id, an unknown reservation,
    /// `id_conflict` (the id closed another reservation, or this one with a void or other usage),
    /// a reservation already settled (by another id, or without an id with other usage), voided or
    /// expired, and usage a charge rule refuses (bad token counts, context window).
    public func settle(_ request: SettleRequest) throws -> SettleReceipt {
        let usage = try ReservationOperation.validated(request)
        return try chargeTransaction { db, batch in try ReservationOperation.settle(request, usage: usage, store: batch, db: db) }
    }

    /// Releases a reservation's whole hold without charging anything (the request was not
    /// served).
    ///
    /// A retry (the same void id and reservation) returns the voided reservation with
    /// ``Reservation/duplicate`` set and writes nothing. Refuses ``ReservationCloseRefusal``:
    /// an invalid id, unknown, `id_conflict` (the id closed another reservation, or settled this
    /// one), already settled, voided by another id, or expired.
    public func void(_ request: VoidRequest) throws -> Reservation {
        if let id = request.id, let problem = Identifier.problem(id) { throw ReservationCloseRefusal.invalidID(problem) }
        return try chargeTransaction { db, batch in try ReservationOperation.void(request, store: batch, db: db) }
    }

    /// Releases a reservation's whole hold: ``void(_:)`` under the reservation's own id.
    public func void(reservation id: String, at time: Timestamp) throws -> Reservation {
        try void(VoidRequest(reservation: id, at: time))
    }

    /// The reservation `id`, if any.
    public func reservation(id: String) throws -> Reservation? {
        try read { db in try Ledger.existingReservation(reference: id, db: db)?.reservation }
    }

    /// The holds of the account's reservations still open at `time`: all of them, or those made
    /// for `project` (what counts against that project's limits).
    package static func openHolds(accountID: Int64, project: String? = nil, at time: Timestamp, db: some BooksReader) throws -> Money {
        let sql = "SELECT CAST(coalesce(sum(hold_nanos), 0) AS BIGINT) FROM reservation WHERE account_id = ? AND status = 'open' AND expires_at_ms > ?"
        guard let db = db as? Database else {
            let arguments = sqlValues(accountID, time.milliseconds) + (project.map { sqlValues($0) } ?? [])
            return Money(nanos: try db.count(project == nil ? sql : sql + " AND project = ?", arguments))
        }
        // SQLite: a statement prepared once, without boxing (a hot path of reservations).
        let query = try DirectStatement(cachedIn: db, sql: project == nil ? sql : sql + " AND project = ?", parameterCount: project == nil ? 2 : 3)
        try query.bind(accountID, at: 1)
        try query.bind(time.milliseconds, at: 2)
        if let project { try query.bind(project, at: 3) }
        _ = try query.nextRow(in: db)
        let nanos = query.int64(0)
        query.reset()
        return Money(nanos: nanos)
    }

    /// Marks the account's reservations expired by `time` as expired (each at its expiry) and
    /// returns the holds still open.
    /// Writes only when one has expired, so that a balance of a ledger opened for reading works.
    package static func releaseExpiredReservations(accountID: Int64, at time: Timestamp, db: some BooksWriter) throws -> Money {
        let expired = "WHERE account_id = ? AND status = 'open' AND expires_at_ms <= ?"
        if try db.first("SELECT 1 FROM reservation \(expired) LIMIT 1", sqlValues(accountID, time.milliseconds)) != nil {
            try db.perform("UPDATE reservation SET status = 'expired', closed_at_ms = expires_at_ms \(expired)", sqlValues(accountID, time.milliseconds))
        }
        return try openHolds(accountID: accountID, at: time, db: db)
    }

    /// A recorded reservation and what it was made with, to compare with a retry.
    package struct RecordedReservation {
        package var rowID: Int64
        package var reservation: Reservation
        package var project: String?
        package var apiKey: String?
        package var user: String?

        package func matches(_ request: ReservationRequest) -> Bool {
            reservation.account == request.account && reservation.model == request.model && reservation.tier == request.tier
                && reservation.inputTokens == request.inputTokens && reservation.maxOutputTokens == request.maxOutputTokens
                && project == request.project && apiKey == request.apiKey && user == request.user
        }
    }

    package static func existingReservation(reference: String, db: some BooksReader) throws -> RecordedReservation? {
        guard let row = try db.first("SELECT r.*, a.name FROM reservation r JOIN account a ON a.id = r.account_id WHERE r.reference = ?", sqlValues(reference))
        else { return nil }
        let reservation = Reservation(
            id: reference, account: row["name"], model: row["model"], tier: ServiceTier(rawValue: row["service_tier"])!, inputTokens: row["input_tokens"],
            maxOutputTokens: row["max_output_tokens"], hold: Money(nanos: row["hold_nanos"]), createdAt: Timestamp(milliseconds: row["created_at_ms"]),
            expiresAt: Timestamp(milliseconds: row["expires_at_ms"]), status: Reservation.Status(rawValue: row["status"])!, available: .zero,
            duplicate: true, closeID: row["close_reference"])
        return RecordedReservation(rowID: row["id"], reservation: reservation, project: row["project"], apiKey: row["api_key"], user: row["end_user"])
    }

    /// The token counts of a reservation, once they and its attribution are valid.
    package static func validated(_ request: ReservationRequest) throws -> TokenUsage {
        let usage: TokenUsage
        do throws(InvalidUsage) {
            usage = try TokenUsage.validated(input: request.inputTokens, cached: 0, cacheWrite: 0, output: request.maxOutputTokens)
        } catch { throw ReservationRefusal.invalidUsage(error) }
        if let refusal = request.charge(enforce: true).attributionProblem() {
            guard let mapped = ReservationRefusal(refusal) else { preconditionFailure("attribution refusals are a reservation's too") }
            throw mapped
        }
        guard (1...ReservationRefusal.maximumExpirySeconds).contains(request.expiresInSeconds) else {
            throw ReservationRefusal.invalidExpiry(seconds: request.expiresInSeconds)
        }
        return usage
    }
}
