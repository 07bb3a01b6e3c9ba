import GRDB
import TokenLedgerCore

/// Loading what snapshots need, once per batch: accounts with their lots and controls, price
/// entries, the usage tiers, month and project usage, recharges and holds.
extension ChargeBatch {
    /// The position of the customer account `name` in ``accounts``, read once per batch with
    /// its controls (recharge settings, limits, payments for the tier, its month counter); nil
    /// when there is no such account.
    func accountIndex(named name: String) throws -> Int? {
        // Rows of an import name the same account: no hashing for a repeat.
        if let last = lastAccountIndex(name) { return last }
        let find = try DirectStatement(
            cachedIn: db,
            sql: """
                SELECT a.id, a.name, a.max_purchase_nanos, a.overdraft_allowance_nanos, a.balance_nanos, a.usage_month_ms,
                    a.usage_month_nanos, r.threshold_nanos, r.restore_to_nanos, r.monthly_cap_nanos,
                    EXISTS (SELECT 1 FROM spend_limit l WHERE l.account_id = a.id), w.threshold_nanos, w.armed
                FROM account a LEFT JOIN auto_recharge r ON r.account_id = a.id LEFT JOIN low_balance_watch w ON w.account_id = a.id
                WHERE a.name = ? AND a.kind = 'customer'
                """,
            parameterCount: 1)
        try find.bind(name, at: 1)
        guard try find.nextRow(in: db) else { return nil }
        let id = find.int64(0)
        let maximumPurchase = Money(nanos: find.int64(2))
        let recharge =
            find.isNull(7)
            ? nil
            : try? AutoRechargePolicy(
                threshold: Money(nanos: find.int64(7)), restoreTo: Money(nanos: find.int64(8)),
                monthlyCap: find.isNull(9) ? nil : Money(nanos: find.int64(9)), maximumPurchase: maximumPurchase)
        var account = CachedAccount(
            figures: AccountFigures(
                id: id, name: find.text(1), balance: Money(nanos: find.int64(4)), maximumPurchase: maximumPurchase,
                overdraftAllowance: Money(nanos: find.int64(3)), lots: [], recharge: recharge),
            counter: MonthCounter(startMilliseconds: find.int64(5), usageNanos: find.int64(6)))
        let hasLimits = find.int64(10) != 0
        if !find.isNull(11) { account.figures.lowBalance = LowBalanceWatch(threshold: Money(nanos: find.int64(11)), armed: find.int64(12) != 0) }
        find.reset()
        if hasLimits { try loadLimits(&account) }
        account.figures.payments = try Ledger.payments(accountID: id, db: db)
        account.figures.lots = try Ledger.liveLots(accountID: id, db: db).sorted(by: Credits.spentBefore)
        return remember(account, named: name)
    }

    /// The price entry in force at `time` for the entry the name as sent resolves to
    /// (``ModelResolver``), with that entry's model name (the name as sent when it resolves to
    /// none).
    func priceLookup(sent: String, at time: Timestamp) throws -> (model: String, price: PriceLookup) {
        switch try resolution(of: sent) {
        case .success(let model): return (model, try priceLookup(model: model, at: time))
        case .failure(.unknown): return (sent, .unknownModel)
        case .failure(.ambiguous(_, let candidates)): return (sent, .ambiguousModel(candidates: candidates))
        }
    }

    /// The model the name as sent resolves to: itself when it is a price-book key (no more
    /// reading), else by the core's rule over the priced names and the user's aliases, both read
    /// once per batch; each name's answer is kept for the batch's life (a price or alias change
    /// is another writer's transaction, which ends a kept batch).
    private func resolution(of sent: String) throws -> Result<String, ModelResolutionFailure> {
        if !(try pricePoints(of: sent).isEmpty) { return .success(sent) }
        let key = ExactText(sent)
        if let known = resolutions[key] { return known }
        let found = try resolutionNames().resolve(sent).map(\.model)
        resolutions[key] = found
        return found
    }

    /// The priced model names and the alias table, read once per batch.
    private func resolutionNames() throws -> ModelNames {
        if let modelNames { return modelNames }
        let names = try ModelNames.read(db: db)
        modelNames = names
        return names
    }

    /// The price entry in force for `model` at `time` (``PriceHistory/indexInForce(at:)`` over
    /// the model's entries, read once per batch).
    func priceLookup(model: String, at time: Timestamp) throws -> PriceLookup {
        let points = try pricePoints(of: model)
        guard let index = PriceHistory.indexInForce(at: time, count: points.count, effectiveFrom: { points[$0].effectiveFromMilliseconds }) else {
            guard let earliest = points.first else { return .unknownModel }
            return .notYetInForce(earliest: Timestamp(milliseconds: earliest.effectiveFromMilliseconds))
        }
        let id = points[index].id
        return .inForce(id: id, entry: try entry(id: id))
    }

    /// The account's usage in `month`: in memory for its counter's month, else from the rollup
    /// (what is written and what the batch holds).
    func usage(account index: Int, month: MonthWindow) throws -> Int64 {
        if let known = accounts[index].counter.usage(inMonthStarting: month.startMilliseconds) { return known }
        if let known = accounts[index].earlierMonths[month.startMilliseconds] { return known }
        let nanos = try rollupUsage(accountID: accounts[index].figures.id, month: month, project: nil)
        accounts[index].earlierMonths[month.startMilliseconds] = nanos
        return nanos
    }

    /// A project's usage in `month`, from the rollup the first time, then kept in memory.
    func projectUsage(account index: Int, project: String, month: MonthWindow) throws -> Int64 {
        let key = ProjectMonth(project: ExactText(project), monthMilliseconds: month.startMilliseconds)
        if let known = accounts[index].projectUsage[key] { return known }
        let nanos = try rollupUsage(accountID: accounts[index].figures.id, month: month, project: project)
        accounts[index].projectUsage[key] = nanos
        return nanos
    }

    /// What succeeded recharges added to the account in `month`.
    func rechargedNanos(account index: Int, month: MonthWindow) throws -> Int64 {
        if let known = accounts[index].recharged[month.startMilliseconds] { return known }
        let nanos = try Ledger.rechargedNanos(accountID: accounts[index].figures.id, from: month.startMilliseconds, to: month.endMilliseconds, db: db)
        accounts[index].recharged[month.startMilliseconds] = nanos
        return nanos
    }

    /// The usage-tier table, read once per batch.
    func usageTiers() throws -> [UsageTier] {
        if let tierTable { return tierTable }
        let table = try Ledger.usageTiers(db: db)
        tierTable = table
        return table
    }

    /// The rank of the minimum tier `model` needs, or nil; read once per model.
    func requiredRank(model: String) throws -> Int? {
        // Rows of an import name the same few models: no hashing for a repeat.
        let name = ExactText(model)
        if let known = recentRequirements.value(for: name) { return known }
        if let known = requiredRanks[name] {
            recentRequirements.remember(known, for: name)
            return known
        }
        let query = try DirectStatement(
            cachedIn: db, sql: "SELECT t.rank FROM model_requirement m JOIN usage_tier t ON t.name = m.minimum_tier WHERE m.model = ?", parameterCount: 1)
        try query.bind(model, at: 1)
        let rank: Int? = try query.nextRow(in: db) ? Int(query.int64(0)) : nil
        if rank != nil { query.reset() }
        requiredRanks[name] = .some(rank)
        recentRequirements.remember(rank, for: name)
        return rank
    }

    /// The usage of an account (of one project when given) on days of `month` in the rollup:
    /// what is written and what the batch holds.
    private func rollupUsage(accountID: Int64, month: MonthWindow, project: String?) throws -> Int64 {
        let written = try Ledger.rollupCost(accountID: accountID, fromDay: month.startMilliseconds, beforeDay: month.endMilliseconds, project: project, db: db)
        return written + figures.rollup.heldCost(accountID: accountID, from: month.startMilliseconds, to: month.endMilliseconds, project: project)
    }

    /// The account's limits (account-wide and per project).
    private func loadLimits(_ account: inout CachedAccount) throws {
        for row in try db.rows("SELECT project, soft_nanos, hard_nanos FROM spend_limit WHERE account_id = ?", [account.figures.id]) {
            let limits = SpendLimits(soft: (row["soft_nanos"] as Int64?).map(Money.init(nanos:)), hard: (row["hard_nanos"] as Int64?).map(Money.init(nanos:)))
            let project: String = row["project"]
            if project.isEmpty { account.figures.limits = limits } else { account.projectLimits[ExactText(project)] = limits }
        }
    }
}
