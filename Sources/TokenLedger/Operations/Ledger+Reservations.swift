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
        return try chargeTransaction { db, batch in
            if let existing = try Ledger.existingReservation(reference: id, db: db) {
                guard existing.matches(request) else { throw ReservationRefusal.idConflict(id) }
                var reservation = existing.reservation
                if reservation.status == .open, reservation.expiresAt <= request.at { reservation.status = .expired }
                guard let figures = try batch.accountFigures(named: reservation.account) else { preconditionFailure("a reservation of a missing account") }
                reservation.available = figures.available(holding: try Ledger.openHolds(accountID: figures.id, at: request.at, db: db))
                return reservation
            }
            if try db.row("SELECT 1 FROM usage WHERE request_id = ?", [id]) != nil { throw ReservationRefusal.idConflict(id) }
            guard let account = try batch.accountFigures(named: request.account) else { throw ReservationRefusal.unknownAccount(request.account) }
            // Lots expired by now are written off first, as a charge's decision would.
            if Credits.hasExpired(account.lots, at: request.at) {
                try batch.recordWriteOffs(Credits.writeOffs(of: account.lots, balance: account.balance, at: request.at), accountID: account.id)
                try batch.watchBalance(accountID: account.id, at: request.at)
            }
            let held = try Ledger.releaseExpiredReservations(accountID: account.id, at: request.at, db: db)
            // The holds were just summed: the snapshot need not read them again.
            var snapshot = try batch.snapshot(for: request.charge(enforce: false))
            snapshot.openHolds = held
            if let project = request.project, snapshot.projectLimits?.hard != nil {
                snapshot.projectOpenHolds = try Ledger.openHolds(accountID: account.id, project: project, at: request.at, db: db)
            }
            let charge = request.charge(enforce: true)
            let hold = try Charging.decideHold(charge, usage: usage, snapshot: snapshot)
            guard let figures = snapshot.account else { preconditionFailure("a hold decided without its account") }
            let available = figures.available(holding: held)
            // After this point the operation must succeed.
            let expiresAt = Timestamp(milliseconds: request.at.milliseconds + request.expiresInSeconds * 1_000)
            try db.run(
                """
                INSERT INTO reservation (reference, account_id, model, service_tier, project, api_key, end_user, input_tokens, max_output_tokens,
                    hold_nanos, created_at_ms, expires_at_ms, status)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open')
                """,
                [
                    id, account.id, request.model, request.tier.rawValue, request.project, request.apiKey, request.user, request.inputTokens,
                    request.maxOutputTokens, hold.nanos, request.at.milliseconds, expiresAt.milliseconds,
                ])
            return Reservation(
                id: id, account: account.name, model: request.model, tier: request.tier, inputTokens: request.inputTokens,
                maxOutputTokens: request.maxOutputTokens, hold: hold, createdAt: request.at, expiresAt: expiresAt, status: .open,
                available: available - hold, duplicate: false, closeID: nil)
        }
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
        let usage: TokenUsage
        do throws(InvalidUsage) {
            usage = try TokenUsage.validated(
                input: request.inputTokens, cached: request.cachedTokens, cacheWrite: request.cacheWriteTokens, output: request.outputTokens,
                breakdown: request.breakdown)
        } catch { throw ReservationCloseRefusal.charge(.invalidUsage(error)) }
        if let id = request.id, let problem = Identifier.problem(id) { throw ReservationCloseRefusal.invalidID(problem) }
        return try chargeTransaction { db, batch in
            let closing = ReservationClose(reservation: request.reservation, id: request.id, usage: usage)
            let (stored, recorded) = try Ledger.reservationToClose(closing, at: request.at, db: db)
            if recorded.status == .settled {
                guard let original = try Ledger.existingCharge(requestID: recorded.id, db: db) else {
                    preconditionFailure("a settled reservation without its charge")
                }
                guard original.receipt.usage == usage else { throw closing.refusal(closedBy: recorded) }
                return SettleReceipt(recorded, id: closing.closeID, charge: original.receipt, duplicate: true)
            }
            var charge = ChargeRequest(
                account: recorded.account, model: recorded.model, tier: recorded.tier, input: usage.inputTokens, cached: usage.cachedTokens,
                cacheWrite: usage.cacheWriteTokens, output: usage.outputTokens, project: stored.project, apiKey: stored.apiKey, user: stored.user,
                requestID: recorded.id, at: request.at, provider: request.provider.map(Providers.Claim.named))
            charge.breakdown = usage.breakdown
            if let refusal = charge.attributionProblem() { throw ReservationCloseRefusal.charge(refusal) }
            let receipt: ChargeReceipt
            do {
                receipt = try batch.charge(charge, usage: usage)
            } catch let refusal as ChargeRefusal {
                throw ReservationCloseRefusal.charge(refusal)
            }
            if receipt.duplicate { throw ReservationCloseRefusal.charge(.idConflict(recorded.id)) }
            try db.run(
                """
                UPDATE reservation SET status = 'settled', closed_at_ms = ?, close_reference = ?, usage_id = (SELECT id FROM usage WHERE request_id = ?)
                WHERE id = ?
                """,
                [request.at.milliseconds, closing.closeID, recorded.id, stored.rowID])
            var reservation = recorded
            reservation.status = .settled
            reservation.closeID = closing.closeID
            return SettleReceipt(reservation, id: closing.closeID, charge: receipt, duplicate: false)
        }
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
        return try chargeTransaction { db, batch in
            let closing = ReservationClose(reservation: request.reservation, id: request.id, usage: nil)
            let (stored, recorded) = try Ledger.reservationToClose(closing, at: request.at, db: db)
            var reservation = recorded
            if recorded.status == .open {
                try db.run(
                    "UPDATE reservation SET status = 'voided', closed_at_ms = ?, close_reference = ? WHERE id = ?",
                    [request.at.milliseconds, closing.closeID, stored.rowID])
                reservation.status = .voided
                reservation.closeID = closing.closeID
            }
            guard let account = try batch.accountFigures(named: recorded.account) else { preconditionFailure("a reservation of a missing account") }
            reservation.available = account.available(holding: try Ledger.releaseExpiredReservations(accountID: account.id, at: request.at, db: db))
            return reservation
        }
    }

    /// Releases a reservation's whole hold: ``void(_:)`` under the reservation's own id.
    public func void(reservation id: String, at time: Timestamp) throws -> Reservation {
        try void(VoidRequest(reservation: id, at: time))
    }

    /// The reservation `id`, if any.
    public func reservation(id: String) throws -> Reservation? {
        try read { db in try Ledger.existingReservation(reference: id, db: db)?.reservation }
    }

    /// The reservation a settle or void closes, as recorded (its row and attribution) and as
    /// answered: open at `time`, or already closed by this very settle or void (its id and kind;
    /// the caller compares a settle's usage), with `duplicate` set. Otherwise the refusal, in
    /// check order.
    private static func reservationToClose(_ closing: ReservationClose, at time: Timestamp, db: Database) throws -> (RecordedReservation, Reservation) {
        guard let existing = try existingReservation(reference: closing.reservation, db: db) else {
            throw ReservationCloseRefusal.unknownReservation(closing.reservation)
        }
        if try db.row("SELECT 1 FROM reservation WHERE close_reference = ? AND id <> ?", [closing.closeID, existing.rowID]) != nil {
            throw ReservationCloseRefusal.idConflict(closing.closeID)
        }
        var reservation = existing.reservation
        reservation.duplicate = false
        switch reservation.status {
        case .settled, .voided:
            guard reservation.closeID == closing.closeID, (reservation.status == .settled) == (closing.usage != nil) else {
                throw closing.refusal(closedBy: reservation)
            }
            reservation.duplicate = true
        case .expired: throw ReservationCloseRefusal.expired(id: closing.reservation, expiresAt: reservation.expiresAt)
        case .open:
            if reservation.expiresAt <= time { throw ReservationCloseRefusal.expired(id: closing.reservation, expiresAt: reservation.expiresAt) }
        }
        return (existing, reservation)
    }

    /// The holds of the account's reservations still open at `time`: all of them, or those made
    /// for `project` (what counts against that project's limits).
    static func openHolds(accountID: Int64, project: String? = nil, at time: Timestamp, db: Database) throws -> Money {
        let sql = "SELECT coalesce(sum(hold_nanos), 0) FROM reservation WHERE account_id = ? AND status = 'open' AND expires_at_ms > ?"
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
    static func releaseExpiredReservations(accountID: Int64, at time: Timestamp, db: Database) throws -> Money {
        let expired = "WHERE account_id = ? AND status = 'open' AND expires_at_ms <= ?"
        if try db.row("SELECT 1 FROM reservation \(expired) LIMIT 1", [accountID, time.milliseconds]) != nil {
            try db.run("UPDATE reservation SET status = 'expired', closed_at_ms = expires_at_ms \(expired)", [accountID, time.milliseconds])
        }
        return try openHolds(accountID: accountID, at: time, db: db)
    }

    /// A recorded reservation and what it was made with, to compare with a retry.
    struct RecordedReservation {
        var rowID: Int64
        var reservation: Reservation
        var project: String?
        var apiKey: String?
        var user: String?

        func matches(_ request: ReservationRequest) -> Bool {
            reservation.account == request.account && reservation.model == request.model && reservation.tier == request.tier
                && reservation.inputTokens == request.inputTokens && reservation.maxOutputTokens == request.maxOutputTokens
                && project == request.project && apiKey == request.apiKey && user == request.user
        }
    }

    static func existingReservation(reference: String, db: Database) throws -> RecordedReservation? {
        guard let row = try db.row("SELECT r.*, a.name FROM reservation r JOIN account a ON a.id = r.account_id WHERE r.reference = ?", [reference])
        else { return nil }
        let reservation = Reservation(
            id: reference, account: row["name"], model: row["model"], tier: ServiceTier(rawValue: row["service_tier"])!, inputTokens: row["input_tokens"],
            maxOutputTokens: row["max_output_tokens"], hold: Money(nanos: row["hold_nanos"]), createdAt: Timestamp(milliseconds: row["created_at_ms"]),
            expiresAt: Timestamp(milliseconds: row["expires_at_ms"]), status: Reservation.Status(rawValue: row["status"])!, available: .zero,
            duplicate: true, closeID: row["close_reference"])
        return RecordedReservation(rowID: row["id"], reservation: reservation, project: row["project"], apiKey: row["api_key"], user: row["end_user"])
    }

    /// The token counts of a reservation, once they and its attribution are valid.
    static func validated(_ request: ReservationRequest) throws -> TokenUsage {
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

/// A settle or void about to close a reservation: what a retry of it must repeat.
private struct ReservationClose {
    var reservation: String
    /// The id the caller gave, if any.
    var id: String?
    /// The usage settled; nil for a void.
    var usage: TokenUsage?

    /// The settle's or void's id: the one given, else the reservation's.
    var closeID: String { id ?? reservation }

    /// The refusal for a reservation that another settle or void closed: `id_conflict` when the
    /// caller's own id closed it otherwise, else the state it is in.
    func refusal(closedBy reservation: Reservation) -> ReservationCloseRefusal {
        if let id, id == reservation.closeID { return .idConflict(id) }
        return reservation.status == .voided ? .voided(self.reservation) : .alreadySettled(self.reservation)
    }
}

extension SettleReceipt {
    /// The receipt of settling `reservation` with `charge`: how the cost compares with the hold.
    fileprivate init(_ reservation: Reservation, id: String, charge: ChargeReceipt, duplicate: Bool) {
        self.init(
            id: id, reservation: reservation, charge: charge, released: Money(nanos: max(0, reservation.hold.nanos - charge.cost.nanos)),
            beyondHold: Money(nanos: max(0, charge.cost.nanos - reservation.hold.nanos)), duplicate: duplicate)
    }
}
