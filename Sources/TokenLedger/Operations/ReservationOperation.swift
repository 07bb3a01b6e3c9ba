import GRDB
import TokenLedgerCore

/// Reserving, settling and voiding, from request to answer, over any ``LedgerStore`` and the
/// books it writes (`db`, in the store's transaction): answer a retried id, load the snapshot,
/// decide in the core (``Charging/decideHold(_:usage:snapshot:)``, a settle's charge through
/// ``ChargeOperation``), and record the reservation's row. Both stores run these.
package enum ReservationOperation {
    /// Records a reservation whose request passed ``Ledger/validated(_:)``.
    package static func reserve(
        _ request: ReservationRequest, usage: TokenUsage, id: String, store: some LedgerStore, db: some BooksWriter
    ) throws -> Reservation {
        if let existing = try Ledger.existingReservation(reference: id, db: db) {
            guard existing.matches(request) else { throw ReservationRefusal.idConflict(id) }
            var reservation = existing.reservation
            if reservation.status == .open, reservation.expiresAt <= request.at { reservation.status = .expired }
            guard let figures = try store.accountFigures(named: reservation.account) else { preconditionFailure("a reservation of a missing account") }
            reservation.available = figures.available(holding: try Ledger.openHolds(accountID: figures.id, at: request.at, db: db))
            return reservation
        }
        if try db.first("SELECT 1 FROM usage WHERE request_id = ?", sqlValues(id)) != nil { throw ReservationRefusal.idConflict(id) }
        guard let account = try store.accountFigures(named: request.account) else { throw ReservationRefusal.unknownAccount(request.account) }
        // Lots expired by now are written off first, as a charge's decision would.
        if Credits.hasExpired(account.lots, at: request.at) {
            try store.recordWriteOffs(Credits.writeOffs(of: account.lots, balance: account.balance, at: request.at), accountID: account.id)
            try store.watchBalance(accountID: account.id, at: request.at)
        }
        let held = try Ledger.releaseExpiredReservations(accountID: account.id, at: request.at, db: db)
        // The holds were just summed: the snapshot need not read them again.
        var snapshot = try store.snapshot(for: request.charge(enforce: false))
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
        try db.perform(
            """
            INSERT INTO reservation (reference, account_id, model, service_tier, project, api_key, end_user, input_tokens, max_output_tokens,
                hold_nanos, created_at_ms, expires_at_ms, status)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open')
            """,
            sqlValues(
                id, account.id, request.model, request.tier.rawValue, request.project, request.apiKey, request.user, request.inputTokens,
                request.maxOutputTokens, hold.nanos, request.at.milliseconds, expiresAt.milliseconds))
        return Reservation(
            id: id, account: account.name, model: request.model, tier: request.tier, inputTokens: request.inputTokens,
            maxOutputTokens: request.maxOutputTokens, hold: hold, createdAt: request.at, expiresAt: expiresAt, status: .open,
            available: available - hold, duplicate: false, closeID: nil)
    }

    /// The usage of a settle, once it and the settle's id are valid.
    package static func validated(_ request: SettleRequest) throws -> TokenUsage {
        let usage: TokenUsage
        do throws(InvalidUsage) {
            usage = try TokenUsage.validated(
                input: request.inputTokens, cached: request.cachedTokens, cacheWrite: request.cacheWriteTokens, output: request.outputTokens,
                breakdown: request.breakdown)
        } catch { throw ReservationCloseRefusal.charge(.invalidUsage(error)) }
        if let id = request.id, let problem = Identifier.problem(id) { throw ReservationCloseRefusal.invalidID(problem) }
        return usage
    }

    /// Settles a reservation with `usage` (from ``validated(_:)``): its charge through
    /// ``ChargeOperation``, then the reservation closed.
    package static func settle(_ request: SettleRequest, usage: TokenUsage, store: some LedgerStore, db: some BooksWriter) throws -> SettleReceipt {
        let closing = ReservationClose(reservation: request.reservation, id: request.id, usage: usage)
        let (stored, recorded) = try reservationToClose(closing, at: request.at, db: db)
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
            receipt = try ChargeOperation.charge(charge, usage: usage, store: store, paymentMethod: store.paymentMethod)
        } catch let refusal as ChargeRefusal {
            throw ReservationCloseRefusal.charge(refusal)
        }
        if receipt.duplicate { throw ReservationCloseRefusal.charge(.idConflict(recorded.id)) }
        try db.perform(
            """
            UPDATE reservation SET status = 'settled', closed_at_ms = ?, close_reference = ?, usage_id = (SELECT id FROM usage WHERE request_id = ?)
            WHERE id = ?
            """,
            sqlValues(request.at.milliseconds, closing.closeID, recorded.id, stored.rowID))
        var reservation = recorded
        reservation.status = .settled
        reservation.closeID = closing.closeID
        return SettleReceipt(reservation, id: closing.closeID, charge: receipt, duplicate: false)
    }

    /// Voids a reservation whose void id passed the checks.
    package static func void(_ request: VoidRequest, store: some LedgerStore, db: some BooksWriter) throws -> Reservation {
        let closing = ReservationClose(reservation: request.reservation, id: request.id, usage: nil)
        let (stored, recorded) = try reservationToClose(closing, at: request.at, db: db)
        var reservation = recorded
        if recorded.status == .open {
            try db.perform(
                "UPDATE reservation SET status = 'voided', closed_at_ms = ?, close_reference = ? WHERE id = ?",
                sqlValues(request.at.milliseconds, closing.closeID, stored.rowID))
            reservation.status = .voided
            reservation.closeID = closing.closeID
        }
        guard let account = try store.accountFigures(named: recorded.account) else { preconditionFailure("a reservation of a missing account") }
        reservation.available = account.available(holding: try Ledger.releaseExpiredReservations(accountID: account.id, at: request.at, db: db))
        return reservation
    }

    /// The reservation a settle or void closes, as recorded (its row and attribution) and as
    /// answered: open at `time`, or already closed by this very settle or void (its id and kind;
    /// the caller compares a settle's usage), with `duplicate` set. Otherwise the refusal, in
    /// check order.
    private static func reservationToClose(
        _ closing: ReservationClose, at time: Timestamp, db: some BooksReader
    ) throws -> (Ledger.RecordedReservation, Reservation) {
        guard let existing = try Ledger.existingReservation(reference: closing.reservation, db: db) else {
            throw ReservationCloseRefusal.unknownReservation(closing.reservation)
        }
        if try db.first("SELECT 1 FROM reservation WHERE close_reference = ? AND id <> ?", sqlValues(closing.closeID, existing.rowID)) != nil {
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
