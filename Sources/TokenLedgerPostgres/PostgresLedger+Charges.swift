import TokenLedger
import TokenLedgerCore

/// Charges, reservations and corrections on PostgreSQL: the operations ``Ledger`` runs on its
/// file, with the same checks, decisions and answers (``ChargeOperation``,
/// ``ReservationOperation``, ``CorrectionOperation`` over a ``PostgresStore``), each in one
/// transaction that locks the accounts it writes.
extension PostgresLedger {
    /// Records one request's usage, as ``Ledger/charge(_:)`` does: refused charges write nothing;
    /// a retried request id returns the original receipt with `duplicate` set, on whichever
    /// process or instance it lands.
    public func charge(_ request: ChargeRequest) throws -> ChargeReceipt {
        let usage = try request.validatedUsage()
        return try writing(charges: true) { _ in
            try ChargeOperation.charge(request, usage: usage, store: self.chargeStore(), paymentMethod: self.paymentMethod)
        }
    }

    /// Records many charges in one transaction, as ``Ledger/charge(all:)`` does: all of them, or
    /// none (``BatchRefusal`` names the request that stopped it). The accounts they name are
    /// locked first, in one order, so that batches over the same accounts never deadlock. In a
    /// group, the batch is a savepoint of the group's transaction: a refused batch leaves the
    /// group's other operations written.
    public func charge(all requests: [ChargeRequest]) throws -> [ChargeReceipt] {
        let validated = try Ledger.validated(batch: requests)
        return try writing(charges: true) { session in
            let names = Set(requests.map(\.account)).sorted()
            _ = try session.select(
                "SELECT id FROM account WHERE kind = 'customer' AND name IN (\(names.map { _ in "?" }.joined(separator: ", "))) ORDER BY id FOR UPDATE",
                names.map(\.databaseValue))
            let store = self.chargeStore()
            func chargeAll() throws -> [ChargeReceipt] {
                var receipts: [ChargeReceipt] = []
                receipts.reserveCapacity(validated.count)
                for (index, (request, usage)) in validated.enumerated() {
                    do {
                        receipts.append(try ChargeOperation.charge(request, usage: usage, store: store, paymentMethod: self.paymentMethod))
                    } catch let refusal as ChargeRefusal {
                        throw BatchRefusal(index: index, refusal: refusal)
                    }
                }
                return receipts
            }
            return try self.allOrNothing(session: session, store: store, chargeAll)
        }
    }

    /// Runs `body`, an operation of many charges that writes all or nothing: on its own, in its
    /// own transaction (which a refusal rolls back); in a group, in a savepoint of the group's
    /// transaction, so that a refusal leaves the group's other operations written.
    func allOrNothing<T>(session: PostgresSession, store: PostgresStore, _ body: () throws -> T) throws -> T {
        guard inGroup else { return try body() }
        // What the group's charges before it hold is written, so that the savepoint keeps it.
        try store.flush()
        try session.perform("SAVEPOINT batch", [])
        do {
            let value = try body()
            try session.perform("RELEASE SAVEPOINT batch", [])
            return value
        } catch {
            store.forget()
            try session.perform("ROLLBACK TO SAVEPOINT batch", [])
            try session.perform("RELEASE SAVEPOINT batch", [])
            throw error
        }
    }

    /// Holds the most a request can cost, as ``Ledger/reserve(_:)`` does: instances on one
    /// database never hold the same credit twice (the account's row is locked while the hold is
    /// decided and written).
    public func reserve(_ request: ReservationRequest) throws -> Reservation {
        let usage = try Ledger.validated(request)
        let id = request.id ?? Ledger.generatedID("rsv")
        return try writing { session in
            // The account is locked before the id is looked up, so that two reservations under
            // one id take turns: the second finds the first.
            _ = try session.select("SELECT id FROM account WHERE name = ? AND kind = 'customer' FOR UPDATE", sqlValues(request.account))
            return try ReservationOperation.reserve(request, usage: usage, id: id, store: try self.store(session), db: session)
        }
    }

    /// Charges a reservation's actual usage and releases its hold, as ``Ledger/settle(_:)`` does.
    public func settle(_ request: SettleRequest) throws -> SettleReceipt {
        let usage = try ReservationOperation.validated(request)
        return try writing { session in
            // The reservation's account is locked before its row is read, so that two settles of
            // one reservation take turns: the second finds it settled.
            try self.lockAccount(ofReservation: request.reservation, session: session)
            return try ReservationOperation.settle(request, usage: usage, store: try self.store(session), db: session)
        }
    }

    /// Releases a reservation's whole hold, as ``Ledger/void(_:)`` does.
    public func void(_ request: VoidRequest) throws -> Reservation {
        if let id = request.id, let problem = Identifier.problem(id) { throw ReservationCloseRefusal.invalidID(problem) }
        return try writing { session in
            try self.lockAccount(ofReservation: request.reservation, session: session)
            return try ReservationOperation.void(request, store: try self.store(session), db: session)
        }
    }

    /// Releases a reservation's whole hold: ``void(_:)`` under the reservation's own id.
    public func void(reservation id: String, at time: Timestamp) throws -> Reservation {
        try void(VoidRequest(reservation: id, at: time))
    }

    /// The reservation `id`, if any.
    public func reservation(id: String) throws -> Reservation? {
        try reading { session in try Ledger.existingReservation(reference: id, db: session)?.reservation }
    }

    /// Gives or takes credit outside a purchase or charge, as ``Ledger/adjust(_:)`` does.
    public func adjust(_ request: AdjustmentRequest) throws -> CorrectionReceipt {
        if let refusal = CorrectionRefusal.check(request) { throw refusal }
        let id = try Ledger.correctionID(request.id, prefix: "adj")
        return try writing { session in try CorrectionOperation.adjust(request, id: id, store: try self.store(session)) }
    }

    /// Takes back unspent purchased credit, as ``Ledger/refund(_:)`` does.
    public func refund(_ request: RefundRequest) throws -> CorrectionReceipt {
        if let refusal = CorrectionRefusal.check(request) { throw refusal }
        let id = try Ledger.correctionID(request.id, prefix: "ref")
        return try writing { session in try CorrectionOperation.refund(request, id: id, store: try self.store(session)) }
    }

    /// Reverses a charge, as ``Ledger/reverse(_:)`` does.
    public func reverse(_ request: ReversalRequest) throws -> CorrectionReceipt {
        if let refusal = CorrectionRefusal.check(request) { throw refusal }
        let id = try Ledger.correctionID(request.id, prefix: "rev")
        return try writing { session in try CorrectionOperation.reverse(request, id: id, store: try self.store(session)) }
    }

    /// The balance of `account` at `time` with its lots, as ``Ledger/balance(of:at:)`` gives it:
    /// lots expired by then are written off first (the account's row locked), and reservations
    /// expired by then released; the same figures, read by the same queries.
    public func balance(of account: String, at time: Timestamp) throws -> BalanceReport {
        try writing { session in
            let (found, expired) = try self.writeOffExpired(account: account, at: time, session: session)
            return try Ledger.balanceReport(of: found, at: time, expiredNow: expired, db: session)
        }
    }

    /// The statement of `account` for `month`, as ``Ledger/statement(of:month:now:)`` gives it:
    /// lots expired by `now` (or the month's end, if earlier) written off first, the account's
    /// row locked; the same figures, read by the same queries.
    public func statement(of account: String, month: Timestamp, now: Timestamp) throws -> AccountStatement {
        try writing { session in
            let (found, _) = try self.writeOffExpired(account: account, at: Ledger.statementTime(month: month, now: now), session: session)
            return try Ledger.statement(of: found, month: month, now: now, db: session)
        }
    }

    /// Writes off the lots of `account` expired by `time` (its row locked), as every operation
    /// at `time` would first; returns the account and what was written off.
    func writeOffExpired(account: String, at time: Timestamp, session: PostgresSession) throws -> (Account, [ExpiryRecord]) {
        let store = try self.store(session)
        guard let figures = try store.accountFigures(named: account), let found = try Account.find(named: account, db: session) else {
            throw ChargeRefusal.unknownAccount(account)
        }
        guard Credits.hasExpired(figures.lots, at: time) else { return (found, []) }
        let writeOffs = Credits.writeOffs(of: figures.lots, balance: figures.balance, at: time)
        try store.recordWriteOffs(writeOffs, accountID: figures.id)
        try store.watchBalance(accountID: figures.id, at: time)
        return (found, writeOffs.map { ExpiryRecord($0, account: found.name) })
    }

    /// `account`'s journal over `[from, to)`, as ``Ledger/accountJournal(account:from:to:kinds:)``
    /// lists it, from one consistent snapshot.
    public func accountJournal(account: String, from: Timestamp = .earliest, to: Timestamp = .latest, kinds: Set<TransferKind>? = nil) throws
        -> AccountJournal
    {
        try reading { session in try Ledger.accountJournal(account: account, from: from, to: to, kinds: kinds, db: session) }
    }

    /// The recorded charges that match `query`, as ``Ledger/charges(matching:)`` pages them.
    public func charges(matching query: ChargeQuery) throws -> ChargePage {
        try reading { session in try Ledger.charges(matching: query, db: session) }
    }

    /// One charge with its price, cost lines and the lots it drew from, as ``Ledger/charge(id:)``
    /// explains it.
    public func charge(id requestID: String) throws -> ChargeDetail {
        try reading { session in try Ledger.charge(id: requestID, prices: priceCache, db: session) }
    }

    /// The events after `after`, as ``Ledger/events(after:account:limit:)`` pages them. Events
    /// are appended one transaction at a time (``PostgresSession/willAppendEvent()``), so their
    /// sequence numbers are in the order they commit and a poller paging by them misses none.
    public func events(after: Int64 = 0, account: String? = nil, limit: Int = 100) throws -> EventPage {
        try Ledger.checkEventPage(limit: limit)
        return try reading { session in try Ledger.events(after: after, account: account, limit: limit, db: session) }
    }

    /// Reconciles a provider's bill with these books, as ``Ledger/reconcile(_:)`` does, on one
    /// consistent snapshot. Reads only.
    public func reconcile(_ request: ReconcileRequest) throws -> ReconciliationReport {
        try reading { session in try Ledger.reconcile(request, db: session) }
    }

    /// The FOCUS export of a month, as ``Ledger/focusRows(account:month:provider:)`` gives it.
    /// The month's charges are read whole (a file's are read one at a time).
    public func focusRows(account: String?, month: Timestamp, provider: String) throws -> [[String?]] {
        try Ledger.checkFocusProvider(provider)
        return try reading { session in try Ledger.focusRows(account: account, month: month, provider: provider, db: session) }
    }

    /// Locks the row of the account that holds reservation `reference` (nothing when there is
    /// no such reservation: the operation refuses it).
    private func lockAccount(ofReservation reference: String, session: PostgresSession) throws {
        _ = try session.select(
            "SELECT a.id FROM account a JOIN reservation r ON r.account_id = a.id WHERE r.reference = ? FOR UPDATE OF a", sqlValues(reference))
    }
}
