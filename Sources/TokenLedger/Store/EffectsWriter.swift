import GRDB
import TokenLedgerCore

/// Writes the journal rows that decisions call for: usage rows, transfers with their lots and
/// allocations, alerts, recharge attempts and the events they cause (the outbox, ``insertEvent(_:accountID:at:payload:)``). The one writer of effects in the SQLite store:
/// charges, imports, settles, purchases, grants, expiry and recharges all write through it.
///
/// Transfers update both accounts' stored balances and their lots at once; a usage row's
/// figures are written later, by ``PendingFigures``.
package struct EffectsWriter {
    let db: Database

    /// Inserts a charge's usage row, with the first lot it drew from; nil when `requestID` was
    /// already recorded (nothing inserted), else the row's key.
    func insertUsage(_ effects: ChargeEffects, of request: ChargeRequest, usage: TokenUsage, requestID: String) throws -> Int64? {
        // The counts billed apart are rare (1-hour cache writes, audio, images): a text charge
        // leaves them to their defaults (0), so its statement stays as short as it was.
        let apart = !usage.breakdown.isEmpty
        let statement = try DirectStatement(
            cachedIn: db, sql: apart ? Self.insertUsageWithBreakdown : Self.insertUsage, parameterCount: apart ? 26 : 21)
        try statement.bind(requestID, at: 1)
        try statement.bind(effects.accountID, at: 2)
        try statement.bind(effects.priceEntryID, at: 3)
        // The entry's model, and the name as sent beside it when the resolver renamed it.
        try statement.bind(effects.model, at: 4)
        try statement.bind(request.tier.rawValue, at: 5)
        try statement.bind(effects.band.rawValue, at: 6)
        try statement.bind(usage.inputTokens, at: 7)
        try statement.bind(usage.cachedTokens, at: 8)
        try statement.bind(usage.cacheWriteTokens, at: 9)
        try statement.bind(usage.outputTokens, at: 10)
        try statement.bind(request.requests, at: 11)
        try statement.bind(effects.cost.nanos, at: 12)
        try statement.bind(request.at.milliseconds, at: 13)
        try statement.bind(effects.balanceAfter.nanos, at: 14)
        try statement.bind(effects.firstDraw?.lotID, at: 15)
        try statement.bind(effects.firstDraw?.amount.nanos, at: 16)
        try statement.bind(request.project, at: 17)
        try statement.bind(request.apiKey, at: 18)
        try statement.bind(request.user, at: 19)
        try statement.bind(request.model == effects.model ? nil : request.model, at: 20)
        try statement.bind(effects.provider, at: 21)
        if apart {
            for (index, field) in usage.breakdown.fields.enumerated() { try statement.bind(field.value, at: Int32(22 + index)) }
        }
        return try statement.step(in: db) ? db.lastInsertedRowID : nil
    }

    /// The columns of a usage row, but its breakdown (``TokenUsage/breakdownColumnList(prefix:)``).
    package static let usageColumns = """
        request_id, account_id, price_entry_id, model, service_tier, band, input_tokens, cached_tokens, cache_write_tokens, output_tokens, requests,
        cost_nanos, occurred_at_ms, balance_after_nanos, lot_id, lot_nanos, project, api_key, end_user, model_sent, provider
        """
    private static let insertUsage = """
        INSERT INTO usage (\(usageColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (request_id) DO NOTHING
        """
    private static let insertUsageWithBreakdown = """
        INSERT INTO usage (\(usageColumns), \(TokenUsage.breakdownColumnList()))
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (request_id) DO NOTHING
        """

    /// Records the lots a charge drew from after its first.
    func insertFurtherDraws(_ draws: [Allocation], usageID: Int64) throws {
        for draw in draws {
            try db.run("INSERT INTO usage_allocation (usage_id, lot_id, amount_nanos) VALUES (?, ?, ?)", [usageID, draw.lotID, draw.amount.nanos])
        }
    }

    /// Appends a transfer to the journal and moves `amount` between the two accounts' stored
    /// balances; returns its key.
    func insertTransfer(
        _ kind: TransferKind, reference: String?, debit: Int64, credit: Int64, amount: Money, at time: Timestamp, balanceAfter: Money
    ) throws -> Int64 {
        precondition(amount.nanos > 0 && debit != credit)
        try db.run(
            """
            INSERT INTO transfer (reference, kind, debit_account_id, credit_account_id, amount_nanos, occurred_at_ms, balance_after_nanos)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [reference, kind.rawValue, debit, credit, amount.nanos, time.milliseconds, balanceAfter.nanos])
        let id = db.lastInsertedRowID
        let post = try DirectStatement(cachedIn: db, sql: "UPDATE account SET balance_nanos = balance_nanos + ? WHERE id = ?", parameterCount: 2)
        for (account, delta) in [(debit, -amount.nanos), (credit, amount.nanos)] {
            try post.bind(delta, at: 1)
            try post.bind(account, at: 2)
            _ = try post.step(in: db)
        }
        return id
    }

    /// Writes off expired lots of an account: an expiry transfer to `@expired` each, allocated
    /// from its lot.
    func insertWriteOffs(_ writeOffs: [WriteOff], accountID: Int64) throws {
        for writeOff in writeOffs {
            let transferID = try insertTransfer(
                .expiry, reference: nil, debit: accountID, credit: SystemAccount.expired.rawValue, amount: writeOff.amount, at: writeOff.expiredAt,
                balanceAfter: writeOff.balanceAfter)
            try insertAllocation(Allocation(lotID: writeOff.lotID, amount: writeOff.amount), transferID: transferID)
            try EventOutbox.insertWriteOff(writeOff, accountID: accountID, db: db)
        }
    }

    /// Records a credit (purchase, grant or recharge): its transfer from the system account it
    /// comes from, its lot, and the lot's repayment of overdraft. Returns the transfer's and the
    /// lot's keys.
    func insertCredit(_ credit: CreditEffects, accountID: Int64, reference: String?) throws -> (transferID: Int64, lotID: Int64) {
        let source: SystemAccount = credit.transferKind == .grant ? .grants : .payments
        let transferID = try insertTransfer(
            credit.transferKind, reference: reference, debit: source.rawValue, credit: accountID, amount: credit.amount, at: credit.at,
            balanceAfter: credit.balanceAfter)
        try db.run(
            "INSERT INTO lot (account_id, kind, transfer_id, original_nanos, remaining_nanos, created_at_ms, expires_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                accountID, credit.lotKind.rawValue, transferID, credit.amount.nanos, credit.lotRemaining.nanos, credit.at.milliseconds,
                credit.expiresAt.milliseconds,
            ])
        let lotID = db.lastInsertedRowID
        if credit.repaid.nanos > 0 {
            try db.run("INSERT INTO allocation (transfer_id, lot_id, amount_nanos) VALUES (?, ?, ?)", [transferID, lotID, credit.repaid.nanos])
        }
        return (transferID, lotID)
    }

    /// Records a correction (``CorrectionEffects``): its `adjustment` transfer between the account
    /// and `@adjustments`, what it corrects, the lots a debit draws, the credit a credit gives back
    /// to lots (`lot_return`), and its new lot with the repayment of overdraft. Returns the
    /// transfer's key.
    @discardableResult
    func insertCorrection(_ effects: CorrectionEffects, reference: String, reason: String?, target: CorrectionTarget) throws -> Int64 {
        let adjustments = SystemAccount.adjustments.rawValue
        let transferID = try insertTransfer(
            .adjustment, reference: reference, debit: effects.credits ? adjustments : effects.accountID,
            credit: effects.credits ? effects.accountID : adjustments, amount: effects.amount, at: effects.at, balanceAfter: effects.balanceAfter)
        let (lotID, usageID): (Int64?, Int64?) =
            switch target {
            case .account: (nil, nil)
            case .lot(let id): (id, nil)
            case .usage(let id): (nil, id)
            }
        try db.run(
            "INSERT INTO correction (transfer_id, kind, reason, lot_id, usage_id) VALUES (?, ?, ?, ?, ?)",
            [transferID, effects.kind.rawValue, reason, lotID, usageID])
        for draw in effects.draws { try insertAllocation(draw, transferID: transferID) }
        for given in effects.returns {
            try db.run("INSERT INTO lot_return (transfer_id, lot_id, amount_nanos) VALUES (?, ?, ?)", [transferID, given.lotID, given.amount.nanos])
            try db.run("UPDATE lot SET remaining_nanos = remaining_nanos + ? WHERE id = ?", [given.amount.nanos, given.lotID])
        }
        if let lot = effects.newLot {
            try db.run(
                "INSERT INTO lot (account_id, kind, transfer_id, original_nanos, remaining_nanos, created_at_ms, expires_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    effects.accountID, lot.kind.rawValue, transferID, lot.original.nanos, lot.remaining.nanos, effects.at.milliseconds,
                    lot.expiresAt.milliseconds,
                ])
            if effects.repaid.nanos > 0 {
                try db.run(
                    "INSERT INTO allocation (transfer_id, lot_id, amount_nanos) VALUES (?, ?, ?)", [transferID, db.lastInsertedRowID, effects.repaid.nanos])
            }
        }
        return transferID
    }

    /// Allocates part of a debit transfer to a lot and takes it from the lot.
    private func insertAllocation(_ allocation: Allocation, transferID: Int64) throws {
        try db.run("INSERT INTO allocation (transfer_id, lot_id, amount_nanos) VALUES (?, ?, ?)", [transferID, allocation.lotID, allocation.amount.nanos])
        try db.run("UPDATE lot SET remaining_nanos = remaining_nanos - ? WHERE id = ?", [allocation.amount.nanos, allocation.lotID])
    }

    /// Records a limit reached, unless it already was this month; true when this call did.
    func insertAlert(_ alert: SpendAlert, accountID: Int64, usageID: Int64, at time: Timestamp) throws -> Bool {
        try Self.insertAlert(alert, accountID: accountID, usageID: usageID, at: time, db: db)
    }

    /// ``insertAlert(_:accountID:usageID:at:)`` on either store (a limit is reached rarely: once
    /// a month at most), with its event.
    package static func insertAlert(_ alert: SpendAlert, accountID: Int64, usageID: Int64, at time: Timestamp, db: some BooksWriter) throws -> Bool {
        let inserted = try db.first(
            """
            INSERT INTO spend_alert (account_id, project, kind, month_ms, limit_nanos, spend_nanos, usage_id, occurred_at_ms)
            SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8
            WHERE NOT EXISTS (SELECT 1 FROM spend_alert WHERE account_id = ?1 AND month_ms = ?4 AND kind = ?3 AND project = ?2)
            ON CONFLICT (account_id, month_ms, kind, project) DO NOTHING RETURNING id
            """,
            sqlValues(
                accountID, alert.scope.project ?? "", alert.kind.rawValue, alert.month.startMilliseconds, alert.limit.nanos, alert.monthToDate.nanos,
                usageID, time.milliseconds))
        guard inserted != nil else { return false }
        try EventOutbox.insert(
            LedgerEventKind(alert.kind), accountID: accountID, at: time,
            payload: [
                ("limit_usd", .money(alert.limit)), ("month", .string(Timestamp(milliseconds: alert.month.startMilliseconds).iso8601)),
                ("month_to_date_usd", .money(alert.monthToDate)), ("project", .optional(alert.scope.project)),
            ], db: db)
        return true
    }

    /// Records an auto-recharge attempt (and, when it succeeded, its credit as a purchase).
    /// Returns the new lot's key when there is one.
    func insertRecharge(_ attempt: RechargeAttempt, credit: CreditEffects?, accountID: Int64, usageID: Int64) throws -> Int64? {
        let written = try credit.map { try insertCredit($0, accountID: accountID, reference: nil) }
        try Self.insertRechargeAttempt(attempt, transferID: written?.transferID, accountID: accountID, usageID: usageID, db: db)
        return written?.lotID
    }

    /// Records an auto-recharge attempt, with the transfer of its credit when it succeeded (on
    /// either store, which writes the credit its own way), and its event.
    package static func insertRechargeAttempt(
        _ attempt: RechargeAttempt, transferID: Int64?, accountID: Int64, usageID: Int64, db: some BooksWriter
    ) throws {
        try db.perform(
            "INSERT INTO recharge_attempt (account_id, usage_id, amount_nanos, status, transfer_id, failure, occurred_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
            sqlValues(accountID, usageID, attempt.amount.nanos, attempt.status.rawValue, transferID, attempt.failure, attempt.at.milliseconds))
        try EventOutbox.insert(
            LedgerEventKind(rechargeSucceeded: attempt.status == .succeeded), accountID: accountID, at: attempt.at,
            payload: [
                ("amount_usd", .money(attempt.amount)), ("balance_usd", .money(attempt.balance)), ("failure", .optional(attempt.failure)),
                ("request_id", .string(attempt.requestID)),
            ], db: db)
    }

    /// Applies the low-balance rule to an account that an operation left with `account`'s
    /// figures (``EventOutbox/watchBalance(of:at:db:)``). Returns the watch after.
    func watchBalance(of account: AccountFigures, at time: Timestamp) throws -> LowBalanceWatch? {
        try EventOutbox.watchBalance(of: account, at: time, db: db)
    }

    /// ``watchBalance(of:at:)`` for an account whose stored row is up to date (no charge batch
    /// holds its figures): the watch and the figures are read from the file.
    func watchStoredBalance(accountID: Int64, at time: Timestamp) throws {
        guard
            let row = try db.row(
                """
                SELECT w.threshold_nanos, w.armed, a.name, a.balance_nanos, a.max_purchase_nanos, a.overdraft_allowance_nanos
                FROM low_balance_watch w JOIN account a ON a.id = w.account_id WHERE w.account_id = ?
                """, [accountID])
        else { return }
        var figures = AccountFigures(
            id: accountID, name: row["name"], balance: Money(nanos: row["balance_nanos"]), maximumPurchase: Money(nanos: row["max_purchase_nanos"]),
            overdraftAllowance: Money(nanos: row["overdraft_allowance_nanos"]), lots: [])
        figures.lowBalance = LowBalanceWatch(threshold: Money(nanos: row["threshold_nanos"]), armed: (row["armed"] as Int64) != 0)
        _ = try watchBalance(of: figures, at: time)
    }

    /// Appends an event to the outbox and queues it for webhooks (``EventOutbox``); returns its
    /// sequence number.
    @discardableResult
    func insertEvent(_ kind: LedgerEventKind, accountID: Int64, at time: Timestamp, payload: [(String, JSONOutput)]) throws -> Int64 {
        try EventOutbox.insert(kind, accountID: accountID, at: time, payload: payload, db: db)
    }
}
