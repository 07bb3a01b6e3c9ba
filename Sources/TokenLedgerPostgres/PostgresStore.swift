import GRDB
import TokenLedger
import TokenLedgerCore

/// The PostgreSQL ``LedgerStore``: what ``ChargeOperation``, ``CreditOperation``,
/// ``CorrectionOperation`` and ``ReservationOperation`` decide on, loaded in the operation's
/// transaction, and their effects written there, at once (no figure is kept for later, as the
/// SQLite store's batch keeps them).
///
/// Many writers: the account's row is locked when it is loaded (`SELECT … FOR UPDATE`), so
/// operations on one account take turns and operations on different accounts proceed in
/// parallel; a system account's side of a transfer or charge is written as the customer
/// account's share of it (`system_balance`), so no row is written by every operation.
final class PostgresStore: LedgerStore {
    let session: PostgresSession
    let paymentMethod: any PaymentMethod
    /// Price entries by key, shared by the ledger's operations (an entry is never changed).
    private let prices: PriceCache
    /// The account of the last snapshot or ``accountFigures(named:)``, as the operation leaves it.
    private var account: AccountFigures?
    /// Its month counter as stored (the month of its latest usage, and that month's usage).
    private var counter = MonthCounter(startMilliseconds: 0, usageNanos: 0)
    /// The priced model names and aliases, read when a name as sent is first not a price-book key.
    private var modelNames: ModelNames?

    init(session: PostgresSession, paymentMethod: any PaymentMethod, prices: PriceCache) {
        self.session = session
        self.paymentMethod = paymentMethod
        self.prices = prices
    }

    // MARK: Accounts and credits (CreditStore)

    func accountFigures(named name: String) throws -> AccountFigures? {
        guard let locked = try Self.lockedAccount(named: name, db: session) else {
            account = nil
            return nil
        }
        account = locked.figures
        counter = locked.counter
        return locked.figures
    }

    /// The customer account `name` with its lots and controls, and its month counter, its row
    /// locked for the rest of the transaction; nil when there is none.
    static func lockedAccount(named name: String, db: PostgresSession) throws -> (figures: AccountFigures, counter: MonthCounter)? {
        guard
            let row = try db.first(
                """
                SELECT a.id, a.name, a.balance_nanos, a.max_purchase_nanos, a.overdraft_allowance_nanos, a.usage_month_ms, a.usage_month_nanos,
                    r.threshold_nanos AS recharge_threshold, r.restore_to_nanos, r.monthly_cap_nanos, w.threshold_nanos AS watch_threshold, w.armed
                FROM account a LEFT JOIN auto_recharge r ON r.account_id = a.id LEFT JOIN low_balance_watch w ON w.account_id = a.id
                WHERE a.name = ? AND a.kind = 'customer' FOR UPDATE OF a
                """, sqlValues(name))
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
        return (figures, MonthCounter(startMilliseconds: row["usage_month_ms"], usageNanos: row["usage_month_nanos"]))
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
            try insertAllocation(Allocation(lotID: writeOff.lotID, amount: writeOff.amount), transferID: transferID, accountID: accountID)
            try EventOutbox.insertWriteOff(writeOff, accountID: accountID, db: session)
        }
        figures.apply(writeOffs)
        account = figures
    }

    func recordCredit(_ credit: CreditEffects, accountID: Int64, reference: String) throws {
        guard var figures = account, figures.id == accountID else { preconditionFailure("a credit to another account") }
        let (_, lotID) = try insertCredit(credit, accountID: accountID, reference: reference)
        figures.apply(credit, lotID: lotID)
        account = figures
    }

    func watchBalance(accountID: Int64, at time: Timestamp) throws {
        guard var figures = account, figures.id == accountID else { preconditionFailure("a watch of another account") }
        figures.lowBalance = try EventOutbox.watchBalance(of: figures, at: time, db: session)
        account = figures
    }

    // MARK: Charges

    func snapshot(for request: ChargeRequest) throws -> ChargeSnapshot {
        guard let figures = try accountFigures(named: request.account) else {
            return ChargeSnapshot(account: nil, price: .unknownModel, month: MonthWindow(startMilliseconds: 0, endMilliseconds: 0))
        }
        let month = MonthWindow(of: request.at)
        let (model, price) = try priceLookup(sent: request.model, at: request.at)
        var snapshot = ChargeSnapshot(
            account: figures, price: price, tiers: try Ledger.usageTiers(db: session), requiredTierRank: try requiredRank(model: model), month: month,
            monthToDate: Money(nanos: try usage(accountID: figures.id, month: month, project: nil)))
        var limits = figures
        for row in try session.select("SELECT project, soft_nanos, hard_nanos FROM spend_limit WHERE account_id = ?", sqlValues(figures.id)) {
            let read = SpendLimits(soft: (row["soft_nanos"] as Int64?).map(Money.init(nanos:)), hard: (row["hard_nanos"] as Int64?).map(Money.init(nanos:)))
            let project: String = row["project"]
            if project.isEmpty {
                limits.limits = read
            } else if project == request.project {
                snapshot.projectLimits = read
                snapshot.projectMonthToDate = Money(nanos: try usage(accountID: figures.id, month: month, project: project))
            }
        }
        snapshot.account = limits
        account = limits
        if figures.recharge != nil {
            snapshot.rechargedThisMonth = Money(
                nanos: try Ledger.rechargedNanos(accountID: figures.id, from: month.startMilliseconds, to: month.endMilliseconds, db: session))
        }
        if request.enforce { snapshot.openHolds = try Ledger.openHolds(accountID: figures.id, at: request.at, db: session) }
        snapshot.totals = try ledgerTotals()
        return snapshot
    }

    /// The account's usage in `month` (of one project when given): the month counter's when it
    /// knows, else from the rollup.
    private func usage(accountID: Int64, month: MonthWindow, project: String?) throws -> Int64 {
        if project == nil, let known = counter.usage(inMonthStarting: month.startMilliseconds) { return known }
        return try Ledger.rollupCost(accountID: accountID, fromDay: month.startMilliseconds, beforeDay: month.endMilliseconds, project: project, db: session)
    }

    /// The price entry in force at `time` for the entry the name as sent resolves to
    /// (``ModelResolver``), with that entry's model name (the name as sent when it resolves to none).
    private func priceLookup(sent: String, at time: Timestamp) throws -> (model: String, price: PriceLookup) {
        var points = try pricePoints(of: sent)
        var model = sent
        if points.isEmpty {
            if modelNames == nil { modelNames = try ModelNames.read(db: session) }
            switch modelNames!.resolve(sent) {
            case .success(let resolution): model = resolution.model
            case .failure(.unknown): return (sent, .unknownModel)
            case .failure(.ambiguous(_, let candidates)): return (sent, .ambiguousModel(candidates: candidates))
            }
            points = try pricePoints(of: model)
        }
        guard let index = PriceHistory.indexInForce(at: time, count: points.count, effectiveFrom: { points[$0].effectiveFrom }) else {
            guard let earliest = points.first else { return (model, .unknownModel) }
            return (model, .notYetInForce(earliest: Timestamp(milliseconds: earliest.effectiveFrom)))
        }
        let id = points[index].id
        return (model, .inForce(id: id, entry: try prices.entry(id: id, db: session)))
    }

    /// The ids and times of `model`'s price entries, oldest first.
    private func pricePoints(of model: String) throws -> [(id: Int64, effectiveFrom: Int64)] {
        try session.select("SELECT id, effective_from_ms FROM price_entry WHERE model = ? ORDER BY effective_from_ms", sqlValues(model)).map {
            ($0["id"], $0["effective_from_ms"])
        }
    }

    /// The rank of the minimum tier `model` needs, or nil.
    private func requiredRank(model: String) throws -> Int? {
        try session.first("SELECT t.rank FROM model_requirement m JOIN usage_tier t ON t.name = m.minimum_tier WHERE m.model = ?", sqlValues(model))
            .map { Int($0["rank"] as Int64) }
    }

    func recordedCharge(requestID: String) throws -> RecordedCharge? {
        try Ledger.existingCharge(requestID: requestID, db: session)
    }

    func record(_ effects: ChargeEffects, of request: ChargeRequest, usage: TokenUsage, requestID: String) throws -> Int64? {
        guard var figures = account, figures.id == effects.accountID else { preconditionFailure("effects of another snapshot") }
        let accountID = effects.accountID
        let columns = EffectsWriter.usageColumns + (usage.breakdown.isEmpty ? "" : ", " + TokenUsage.breakdownColumnList())
        var values = sqlValues(
            requestID, accountID, effects.priceEntryID, effects.model, request.tier.rawValue, effects.band.rawValue, usage.inputTokens, usage.cachedTokens,
            usage.cacheWriteTokens, usage.outputTokens, request.requests, effects.cost.nanos, request.at.milliseconds, effects.balanceAfter.nanos,
            effects.firstDraw?.lotID, effects.firstDraw?.amount.nanos, request.project, request.apiKey, request.user,
            request.model == effects.model ? nil : request.model, effects.provider)
        if !usage.breakdown.isEmpty { values += usage.breakdown.fields.map(\.value.databaseValue) }
        let placeholders = Array(repeating: "?", count: values.count).joined(separator: ", ")
        // A request id already recorded inserts nothing and takes no key (`NOT EXISTS`: a key is
        // drawn only for a row inserted); one recorded by a concurrent writer meanwhile, nothing either.
        guard
            let inserted = try session.first(
                """
                INSERT INTO usage (\(columns)) SELECT \(placeholders) WHERE NOT EXISTS (SELECT 1 FROM usage WHERE request_id = ?1)
                ON CONFLICT (request_id) DO NOTHING RETURNING id
                """, values)
        else { return nil }
        let usageID: Int64 = inserted["id"]
        for draw in effects.furtherDraws {
            try session.perform(
                "INSERT INTO usage_allocation (usage_id, lot_id, amount_nanos, account_id) VALUES (?, ?, ?, ?)",
                sqlValues(usageID, draw.lotID, draw.amount.nanos, accountID))
        }
        try recordWriteOffs(effects.writeOffs, accountID: accountID)
        // The usage row is the entry debiting the account and crediting @usage: the account's
        // balance and month counter, its share of @usage, the lots drawn and the daily rollup.
        counter = counter.adding(effects.cost.nanos, monthStart: effects.month.startMilliseconds)
        try session.perform(
            "UPDATE account SET balance_nanos = balance_nanos - ?, usage_month_ms = ?, usage_month_nanos = ? WHERE id = ?",
            sqlValues(effects.cost.nanos, counter.startMilliseconds, counter.usageNanos, accountID))
        if effects.cost.nanos > 0 { try addShare(effects.cost.nanos, of: .usage, accountID: accountID) }
        for draw in [effects.firstDraw].compactMap({ $0 }) + effects.furtherDraws {
            try session.perform("UPDATE lot SET remaining_nanos = remaining_nanos - ? WHERE id = ?", sqlValues(draw.amount.nanos, draw.lotID))
        }
        // The rollup groups by the entry's model and the charge's provider, as the usage row records them.
        var rolled = request
        rolled.model = effects.model
        rolled.provider = effects.provider.map(Providers.Claim.named)
        var rollup = DailyRollup()
        try rollup.add(rolled, usage: usage, accountID: accountID, band: effects.band, cost: effects.cost, db: session)
        try rollup.flush(db: session)
        figures.apply(effects)
        account = figures
        return usageID
    }

    func recordAlert(_ alert: SpendAlert, accountID: Int64, usageID: Int64, at time: Timestamp) throws -> Bool {
        try EffectsWriter.insertAlert(alert, accountID: accountID, usageID: usageID, at: time, db: session)
    }

    func recordRecharge(_ attempt: RechargeAttempt, credit: CreditEffects?, accountID: Int64, usageID: Int64) throws {
        guard var figures = account, figures.id == accountID else { preconditionFailure("a recharge of another account") }
        let written = try credit.map { try insertCredit($0, accountID: accountID, reference: nil) }
        try EffectsWriter.insertRechargeAttempt(attempt, transferID: written?.transferID, accountID: accountID, usageID: usageID, db: session)
        if let credit, let written { figures.apply(credit, lotID: written.lotID) }
        account = figures
    }

    func openHolds(accountID: Int64, at time: Timestamp) throws -> Money {
        try Ledger.openHolds(accountID: accountID, at: time, db: session)
    }

    // MARK: Corrections

    func purchase(reference: String) throws -> RefundedPurchase? {
        try Ledger.recordedPurchase(reference: reference, db: session)
    }

    func charge(requestID: String) throws -> ReversedCharge? {
        try Ledger.chargeToReverse(requestID: requestID, db: session)
    }

    func unexpiredLots(accountID: Int64, at time: Timestamp) throws -> [Lot] {
        try session.select("SELECT * FROM lot WHERE account_id = ? AND expires_at_ms > ?", sqlValues(accountID, time.milliseconds)).map(Lot.init(row:))
    }

    func recordCorrection(_ effects: CorrectionEffects, reference: String, reason: String?, target: CorrectionTarget) throws {
        guard var figures = account, figures.id == effects.accountID else { preconditionFailure("a correction of another account") }
        let accountID = effects.accountID
        let adjustments = SystemAccount.adjustments.rawValue
        let transferID = try insertTransfer(
            .adjustment, reference: reference, debit: effects.credits ? adjustments : accountID, credit: effects.credits ? accountID : adjustments,
            accountID: accountID, amount: effects.amount, at: effects.at, balanceAfter: effects.balanceAfter)
        let (lotID, usageID): (Int64?, Int64?) =
            switch target {
            case .account: (nil, nil)
            case .lot(let id): (id, nil)
            case .usage(let id): (nil, id)
            }
        try session.perform(
            "INSERT INTO correction (transfer_id, kind, reason, lot_id, usage_id, account_id) VALUES (?, ?, ?, ?, ?, ?)",
            sqlValues(transferID, effects.kind.rawValue, reason, lotID, usageID, accountID))
        for draw in effects.draws { try insertAllocation(draw, transferID: transferID, accountID: accountID) }
        for given in effects.returns {
            try session.perform(
                "INSERT INTO lot_return (transfer_id, lot_id, amount_nanos, account_id) VALUES (?, ?, ?, ?)",
                sqlValues(transferID, given.lotID, given.amount.nanos, accountID))
            try session.perform("UPDATE lot SET remaining_nanos = remaining_nanos + ? WHERE id = ?", sqlValues(given.amount.nanos, given.lotID))
        }
        if let lot = effects.newLot {
            let newLotID = try insertLot(
                kind: lot.kind, transferID: transferID, original: lot.original, remaining: lot.remaining, at: effects.at, expiresAt: lot.expiresAt,
                accountID: accountID)
            if effects.repaid.nanos > 0 {
                try session.perform(
                    "INSERT INTO allocation (transfer_id, lot_id, amount_nanos, account_id) VALUES (?, ?, ?, ?)",
                    sqlValues(transferID, newLotID, effects.repaid.nanos, accountID))
            }
        }
        // Returns may refill lots that were spent: read them again.
        figures.balance = effects.balanceAfter
        figures.lots = try Ledger.liveLots(accountID: accountID, db: session).sorted(by: Credits.spentBefore)
        account = figures
    }

    // MARK: Writing

    /// Records a credit (purchase, grant or recharge): its transfer from the system account it
    /// comes from, its lot, and the lot's repayment of overdraft. Returns the keys of both.
    private func insertCredit(_ credit: CreditEffects, accountID: Int64, reference: String?) throws -> (transferID: Int64, lotID: Int64) {
        let source: SystemAccount = credit.transferKind == .grant ? .grants : .payments
        let transferID = try insertTransfer(
            credit.transferKind, reference: reference, debit: source.rawValue, credit: accountID, accountID: accountID, amount: credit.amount,
            at: credit.at, balanceAfter: credit.balanceAfter)
        let lotID = try insertLot(
            kind: credit.lotKind, transferID: transferID, original: credit.amount, remaining: credit.lotRemaining, at: credit.at,
            expiresAt: credit.expiresAt, accountID: accountID)
        if credit.repaid.nanos > 0 {
            try session.perform(
                "INSERT INTO allocation (transfer_id, lot_id, amount_nanos, account_id) VALUES (?, ?, ?, ?)",
                sqlValues(transferID, lotID, credit.repaid.nanos, accountID))
        }
        return (transferID, lotID)
    }

    private func insertLot(
        kind: LotKind, transferID: Int64, original: Money, remaining: Money, at time: Timestamp, expiresAt: Timestamp, accountID: Int64
    ) throws -> Int64 {
        try session.select(
            """
            INSERT INTO lot (account_id, kind, transfer_id, original_nanos, remaining_nanos, created_at_ms, expires_at_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id
            """, sqlValues(accountID, kind.rawValue, transferID, original.nanos, remaining.nanos, time.milliseconds, expiresAt.milliseconds))[0]["id"]
    }

    /// Allocates part of a debit transfer to a lot and takes it from the lot.
    private func insertAllocation(_ allocation: Allocation, transferID: Int64, accountID: Int64) throws {
        try session.perform(
            "INSERT INTO allocation (transfer_id, lot_id, amount_nanos, account_id) VALUES (?, ?, ?, ?)",
            sqlValues(transferID, allocation.lotID, allocation.amount.nanos, accountID))
        try session.perform("UPDATE lot SET remaining_nanos = remaining_nanos - ? WHERE id = ?", sqlValues(allocation.amount.nanos, allocation.lotID))
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
        guard let system = SystemAccount(rawValue: debit == accountID ? credit : debit) else { preconditionFailure("a transfer between customers") }
        try addShare(-customerDelta, of: system, accountID: accountID)
        return id
    }

    /// Adds `nanos` to the customer account's share of a system account's balance.
    private func addShare(_ nanos: Int64, of system: SystemAccount, accountID: Int64) throws {
        try session.perform(
            """
            INSERT INTO system_balance (account_id, system_account_id, balance_nanos) VALUES (?, ?, ?)
            ON CONFLICT (account_id, system_account_id) DO UPDATE SET balance_nanos = system_balance.balance_nanos + excluded.balance_nanos
            """, sqlValues(accountID, system.rawValue, nanos))
    }
}
