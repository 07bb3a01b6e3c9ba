import GRDB
import TokenLedgerCore

/// What a purchase or grant recorded (or, for a retried id, had recorded).
public struct CreditReceipt: Sendable, Hashable {
    public var id: String
    public var kind: LotKind
    public var account: String
    public var amount: Money
    /// The account's balance right after the credit.
    public var balance: Money
    /// The part of the credit that repaid overdraft.
    public var repaid: Money
    public var at: Timestamp
    public var expiresAt: Timestamp
    /// True when the id had already been recorded with the same content: nothing was written.
    public var duplicate: Bool
}

extension Ledger {
    /// Records a card top-up: whole cents, at least $5.00, at most the account's maximum; the
    /// credit repays any overdraft first and expires one year later.
    ///
    /// Throws ``PurchaseRefusal`` (in check order) and writes nothing when refused. The same id
    /// with the same account and amount returns the original receipt with `duplicate` set.
    public func purchase(_ request: PurchaseRequest) throws -> CreditReceipt {
        let id = try CreditOperation.purchaseID(request)
        return try write { db in
            try CreditOperation.purchase(request, id: id, store: try ChargeBatch(db: db, prices: self.priceCache, paymentMethod: self.paymentMethod))
        }
    }

    /// Records free or promotional credit with its expiry (one year by default).
    ///
    /// Throws ``GrantRefusal`` (in check order) and writes nothing when refused; idempotent on `id`.
    public func grant(_ request: GrantRequest) throws -> CreditReceipt {
        let id = try CreditOperation.grantID(request)
        return try write { db in
            try CreditOperation.grant(request, id: id, store: try ChargeBatch(db: db, prices: self.priceCache, paymentMethod: self.paymentMethod))
        }
    }

    /// Writes off, for every account, what remains of the lots expired by `time`; returns the
    /// write-offs made. Operations on an account do this for it first; this sweeps them all.
    @discardableResult
    public func expireLots(at time: Timestamp) throws -> [ExpiryRecord] {
        try write { db in
            let accountIDs = try Int64.fetchAll(
                db, sql: "SELECT DISTINCT account_id FROM lot WHERE remaining_nanos > 0 AND expires_at_ms <= ?", arguments: [time.milliseconds])
            return try accountIDs.flatMap { try Ledger.bringUpToDate(try Account.find(id: $0, db: db), at: time, db: db).expired }
        }
    }

    /// The receipt of a purchase, grant or recharge already recorded under `reference`, if any.
    package static func existingCredit(reference: String, db: some BooksReader) throws -> CreditReceipt? {
        guard
            let row = try db.select(
                """
                SELECT t.reference, t.amount_nanos, t.occurred_at_ms, t.balance_after_nanos, a.name, l.kind, l.expires_at_ms,
                       coalesce((SELECT amount_nanos FROM allocation x WHERE x.transfer_id = t.id AND x.lot_id = l.id), 0) AS repaid_nanos
                FROM transfer t JOIN lot l ON l.transfer_id = t.id JOIN account a ON a.id = t.credit_account_id
                WHERE t.reference = ? AND t.kind IN ('purchase', 'grant', 'recharge')
                """, sqlValues(reference)
            ).first
        else { return nil }
        return CreditReceipt(
            id: reference, kind: LotKind(rawValue: row["kind"])!, account: row["name"], amount: Money(nanos: row["amount_nanos"]),
            balance: Money(nanos: row["balance_after_nanos"]), repaid: Money(nanos: row["repaid_nanos"]),
            at: Timestamp(milliseconds: row["occurred_at_ms"]), expiresAt: Timestamp(milliseconds: row["expires_at_ms"]), duplicate: true)
    }
}

/// A lot's remaining credit written off at its expiry.
public struct ExpiryRecord: Sendable, Hashable {
    public var account: String
    public var lotKind: LotKind
    public var amount: Money
    public var expiredAt: Timestamp
}

extension ExpiryRecord {
    /// What `writeOff` wrote off of `account`'s lot.
    package init(_ writeOff: WriteOff, account: String) {
        self.init(account: account, lotKind: writeOff.lotKind, amount: writeOff.amount, expiredAt: writeOff.expiredAt)
    }
}

extension Ledger {
    /// The state of an account once the lots expired by a time are written off.
    struct CurrentState {
        var account: Account
        /// Lots with credit remaining that are still live.
        var lots: [Lot]
        var expired: [ExpiryRecord]
    }

    /// Writes off what remains of `account`'s lots that expired by `time` (each at its expiry)
    /// and returns the account's balance and live lots after that. Every operation on an
    /// account starts here, inside its transaction.
    static func bringUpToDate(_ account: Account, at time: Timestamp, db: Database) throws -> CurrentState {
        var state = CurrentState(account: account, lots: try liveLots(accountID: account.id, db: db), expired: [])
        guard Credits.hasExpired(state.lots, at: time) else { return state }
        let writeOffs = Credits.writeOffs(of: state.lots, balance: account.balance, at: time)
        let writer = EffectsWriter(db: db)
        try writer.insertWriteOffs(writeOffs, accountID: account.id)
        try writer.watchStoredBalance(accountID: account.id, at: time)
        state.account.balance = writeOffs.last?.balanceAfter ?? account.balance
        state.expired = writeOffs.map { ExpiryRecord($0, account: account.name) }
        let expiredIDs = Set(writeOffs.map(\.lotID))
        state.lots.removeAll { expiredIDs.contains($0.id) }
        return state
    }

    /// The account's lots with credit remaining, in no particular order.
    package static func liveLots(accountID: Int64, db: some BooksReader) throws -> [Lot] {
        try liveLots(accountIDs: [accountID], db: db)[accountID] ?? []
    }

    /// The lots with credit remaining of each of the accounts `accountIDs` (those with none are
    /// absent), in one statement.
    package static func liveLots(accountIDs: [Int64], db: some BooksReader) throws -> [Int64: [Lot]] {
        guard !accountIDs.isEmpty else { return [:] }
        let rows = try db.select(
            "SELECT * FROM lot WHERE account_id IN (\(accountIDs.map { _ in "?" }.joined(separator: ", "))) AND remaining_nanos > 0",
            accountIDs.map(\.databaseValue))
        return Dictionary(grouping: rows) { $0["account_id"] as Int64 }.mapValues { $0.map(Lot.init(row:)) }
    }
}

extension Lot {
    package init(row: Row) {
        self.init(
            id: row["id"], kind: LotKind(rawValue: row["kind"])!, original: Money(nanos: row["original_nanos"]),
            remaining: Money(nanos: row["remaining_nanos"]), createdAt: Timestamp(milliseconds: row["created_at_ms"]),
            expiresAt: Timestamp(milliseconds: row["expires_at_ms"]))
    }
}
