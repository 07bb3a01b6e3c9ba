import GRDB
import TokenLedger
import TokenLedgerCore

/// The PostgreSQL store's purchases and grants (``CreditStore``): what ``CreditOperation``
/// decides on, loaded in the operation's transaction, and its effects written there.
///
/// Many writers: the account's row is locked when it is loaded (`SELECT … FOR UPDATE`), so
/// operations on one account take turns and operations on different accounts proceed in
/// parallel; a system account's side of a transfer is written as the customer account's share
/// of it (`system_balance`), so no row is written by every operation.
final class PostgresCreditStore: CreditStore {
    let session: PostgresSession
    /// The account of the last ``accountFigures(named:)``, as the operation leaves it.
    private var account: AccountFigures?

    init(session: PostgresSession) {
        self.session = session
    }

    func accountFigures(named name: String) throws -> AccountFigures? {
        account = try Self.lockedAccount(named: name, db: session)
        return account
    }

    /// The customer account `name` with its lots and controls, its row locked for the rest of
    /// the transaction; nil when there is none.
    static func lockedAccount(named name: String, db: PostgresSession) throws -> AccountFigures? {
        guard
            let row = try db.select(
                """
                SELECT a.id, a.name, a.balance_nanos, a.max_purchase_nanos, a.overdraft_allowance_nanos, r.threshold_nanos AS recharge_threshold,
                    r.restore_to_nanos, r.monthly_cap_nanos, w.threshold_nanos AS watch_threshold, w.armed
                FROM account a LEFT JOIN auto_recharge r ON r.account_id = a.id LEFT JOIN low_balance_watch w ON w.account_id = a.id
                WHERE a.name = ? AND a.kind = 'customer' FOR UPDATE OF a
                """, sqlValues(name)
            ).first
        else { return nil }
        let id: Int64 = row["id"]
        let maximumPurchase = Money(nanos: row["max_purchase_nanos"])
        let recharge = (row["recharge_threshold"] as Int64?).flatMap { threshold in
            try? AutoRechargePolicy(
                threshold: Money(nanos: threshold), restoreTo: Money(nanos: row["restore_to_nanos"]),
                monthlyCap: (row["monthly_cap_nanos"] as Int64?).map(Money.init(nanos:)), maximumPurchase: maximumPurchase)
        }
        var figures = AccountFigures(
            id: id, name: row["name"], balance: Money(nanos: row["balance_nanos"]), maximumPurchase: maximumPurchase,
            overdraftAllowance: Money(nanos: row["overdraft_allowance_nanos"]), lots: [], recharge: recharge)
        if let threshold = row["watch_threshold"] as Int64? {
            figures.lowBalance = LowBalanceWatch(threshold: Money(nanos: threshold), armed: (row["armed"] as Int64) != 0)
        }
        figures.lots = try Ledger.liveLots(accountID: id, db: db).sorted(by: Credits.spentBefore)
        figures.payments = try Ledger.payments(accountID: id, db: db)
        return figures
    }

    func recordedCredit(reference: String) throws -> CreditReceipt? {
        try Ledger.existingCredit(reference: reference, db: session)
    }

    func recordedCorrection(reference: String) throws -> CorrectionReceipt? {
        try Ledger.existingCorrection(reference: reference, db: session)
    }

    func ledgerTotals() throws -> LedgerTotals {
        try LedgerTotals.stored(db: session)
    }

    func recordWriteOffs(_ writeOffs: [WriteOff], accountID: Int64) throws {
        guard var figures = account, figures.id == accountID else { preconditionFailure("write-offs of another account") }
        for writeOff in writeOffs {
            let transferID = try insertTransfer(
                .expiry, reference: nil, debit: accountID, credit: SystemAccount.expired.rawValue, accountID: accountID, amount: writeOff.amount,
                at: writeOff.expiredAt, balanceAfter: writeOff.balanceAfter)
            try session.perform(
                "INSERT INTO allocation (transfer_id, lot_id, amount_nanos, account_id) VALUES (?, ?, ?, ?)",
                sqlValues(transferID, writeOff.lotID, writeOff.amount.nanos, accountID))
            try session.perform("UPDATE lot SET remaining_nanos = remaining_nanos - ? WHERE id = ?", sqlValues(writeOff.amount.nanos, writeOff.lotID))
            try EventOutbox.insertWriteOff(writeOff, accountID: accountID, db: session)
        }
        figures.apply(writeOffs)
        account = figures
    }

    func recordCredit(_ credit: CreditEffects, accountID: Int64, reference: String) throws {
        guard var figures = account, figures.id == accountID else { preconditionFailure("a credit to another account") }
        let source: SystemAccount = credit.transferKind == .grant ? .grants : .payments
        let transferID = try insertTransfer(
            credit.transferKind, reference: reference, debit: source.rawValue, credit: accountID, accountID: accountID, amount: credit.amount,
            at: credit.at, balanceAfter: credit.balanceAfter)
        let lotID: Int64 = try session.select(
            """
            INSERT INTO lot (account_id, kind, transfer_id, original_nanos, remaining_nanos, created_at_ms, expires_at_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id
            """,
            sqlValues(
                accountID, credit.lotKind.rawValue, transferID, credit.amount.nanos, credit.lotRemaining.nanos, credit.at.milliseconds,
                credit.expiresAt.milliseconds))[0]["id"]
        if credit.repaid.nanos > 0 {
            try session.perform(
                "INSERT INTO allocation (transfer_id, lot_id, amount_nanos, account_id) VALUES (?, ?, ?, ?)",
                sqlValues(transferID, lotID, credit.repaid.nanos, accountID))
        }
        figures.apply(credit, lotID: lotID)
        account = figures
    }

    func watchBalance(accountID: Int64, at time: Timestamp) throws {
        guard var figures = account, figures.id == accountID else { preconditionFailure("a watch of another account") }
        figures.lowBalance = try EventOutbox.watchBalance(of: figures, at: time, db: session)
        account = figures
    }

    /// Appends a transfer between the customer account `accountID` and a system account, and
    /// moves `amount` between them: the customer's stored balance, and the customer's share of
    /// the system account's. Returns its key.
    private func insertTransfer(
        _ kind: TransferKind, reference: String?, debit: Int64, credit: Int64, accountID: Int64, amount: Money, at time: Timestamp,
        balanceAfter: Money
    ) throws -> Int64 {
        precondition(amount.nanos > 0 && (debit == accountID) != (credit == accountID))
        let id: Int64 = try session.select(
            """
            INSERT INTO transfer (reference, kind, debit_account_id, credit_account_id, amount_nanos, occurred_at_ms, balance_after_nanos, account_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
            """, sqlValues(reference, kind.rawValue, debit, credit, amount.nanos, time.milliseconds, balanceAfter.nanos, accountID))[0]["id"]
        let customerDelta = debit == accountID ? -amount.nanos : amount.nanos
        try session.perform("UPDATE account SET balance_nanos = balance_nanos + ? WHERE id = ?", sqlValues(customerDelta, accountID))
        try session.perform(
            """
            INSERT INTO system_balance (account_id, system_account_id, balance_nanos) VALUES (?, ?, ?)
            ON CONFLICT (account_id, system_account_id) DO UPDATE SET balance_nanos = system_balance.balance_nanos + excluded.balance_nanos
            """, sqlValues(accountID, debit == accountID ? credit : debit, -customerDelta))
        return id
    }
}
