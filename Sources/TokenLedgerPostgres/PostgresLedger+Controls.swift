import TokenLedger
import TokenLedgerCore

/// Controls, prices and model names on PostgreSQL: the settings ``Ledger`` keeps on its file
/// (limits, auto-recharge, low-balance thresholds, minimum tiers, price entries, aliases), set
/// and read by the same functions, each write in one transaction that locks the account's row
/// it decides by (``BooksWriter/lockingRows(_:)``).
extension PostgresLedger {
    /// Every limit set on `account` and its projects, as ``Ledger/limits(account:)`` lists them.
    public func limits(account: String) throws -> [LimitSetting] {
        try reading { session in try Ledger.limits(account: account, db: session) }
    }

    /// Sets monthly limits, as ``Ledger/setLimits(account:scope:soft:hard:clear:)`` does.
    @discardableResult
    public func setLimits(account: String, scope: LimitScope = .account, soft: Money? = nil, hard: Money? = nil, clear: Bool = false) throws
        -> LimitSetting
    {
        if let refusal = LimitRefusal.check(SpendLimits(soft: soft, hard: hard), scope: scope) { throw refusal }
        return try writing { session in try Ledger.setLimits(account: account, scope: scope, soft: soft, hard: hard, clear: clear, db: session) }
    }

    /// The limit alerts of `account` in the month that contains `month`, as
    /// ``Ledger/alerts(account:month:)`` reads them.
    public func alerts(account: String, month: Timestamp) throws -> [LimitAlert] {
        try reading { session in try Ledger.alerts(account: account, month: month, db: session) }
    }

    /// The recharges attempted for `account`, as ``Ledger/rechargeAttempts(account:from:to:)``
    /// reads them.
    public func rechargeAttempts(account: String, from: Timestamp = .earliest, to: Timestamp = .latest) throws -> [RechargeAttempt] {
        try reading { session in try Ledger.rechargeAttempts(account: account, from: from, to: to, db: session) }
    }

    /// The auto-recharge settings of `account`, as ``Ledger/autoRecharge(account:)`` reads them.
    public func autoRecharge(account: String) throws -> AutoRechargeSettings {
        try reading { session in try Ledger.autoRecharge(account: account, db: session) }
    }

    /// Turns auto-recharge on, as ``Ledger/setAutoRecharge(account:threshold:restoreTo:monthlyCap:at:)`` does.
    @discardableResult
    public func setAutoRecharge(account: String, threshold: Money, restoreTo: Money, monthlyCap: Money? = nil, at time: Timestamp) throws
        -> AutoRechargeSettings
    {
        try writing { session in
            try Ledger.setAutoRecharge(account: account, threshold: threshold, restoreTo: restoreTo, monthlyCap: monthlyCap, at: time, db: session)
        }
    }

    /// Turns auto-recharge off, as ``Ledger/turnOffAutoRecharge(account:)`` does.
    @discardableResult
    public func turnOffAutoRecharge(account: String) throws -> AutoRechargeSettings {
        try writing { session in try Ledger.turnOffAutoRecharge(account: account, db: session) }
    }

    /// The account's low-balance threshold, as ``Ledger/lowBalanceWatch(account:)`` reads it.
    public func lowBalanceWatch(account: String) throws -> LowBalanceWatch? {
        try reading { session in try Ledger.lowBalanceWatch(account: account, db: session) }
    }

    /// Sets the account's low-balance threshold, as ``Ledger/setLowBalanceThreshold(account:threshold:)``
    /// does: armed by its credit, read with its row locked.
    @discardableResult
    public func setLowBalanceThreshold(account: String, threshold: Money?) throws -> LowBalanceWatch? {
        try Ledger.checkLowBalanceThreshold(threshold)
        return try writing { session in try Ledger.setLowBalanceThreshold(account: account, threshold: threshold, db: session) }
    }

    /// The usage-tier table, lowest first.
    public func usageTiers() throws -> [UsageTier] {
        try reading { session in try Ledger.usageTiers(db: session) }
    }

    /// Each model's minimum tier, by model.
    public func minimumTiers() throws -> [(model: String, tier: String)] {
        try reading { session in try Ledger.minimumTiers(db: session) }
    }

    /// Sets or lifts a model's minimum tier, as ``Ledger/setMinimumTier(model:tier:)`` does.
    public func setMinimumTier(model: String, tier: String?) throws {
        try writing { session in try Ledger.setMinimumTier(model: model, tier: tier, db: session) }
    }

    /// Writes off, for every account, what remains of the lots expired by `time`, as
    /// ``Ledger/expireLots(at:)`` does: in one transaction, each account's row locked (in the
    /// order of their keys, as a group locks them) while its lots are written off.
    @discardableResult
    public func expireLots(at time: Timestamp) throws -> [ExpiryRecord] {
        try writing { session in
            let names = try session.select(
                """
                SELECT a.name FROM account a WHERE a.kind = 'customer'
                AND EXISTS (SELECT 1 FROM lot l WHERE l.account_id = a.id AND l.remaining_nanos > 0 AND l.expires_at_ms <= ?)
                ORDER BY a.id FOR UPDATE OF a
                """, sqlValues(time.milliseconds)
            ).map { $0["name"] as String }
            return try names.flatMap { try self.writeOffExpired(account: $0, at: time, session: session).1 }
        }
    }

    /// Price entries in force at `time` (or the whole history), as ``Ledger/prices(model:at:)`` lists them.
    public func prices(model: String? = nil, at time: Timestamp?) throws -> [ListedPrice] {
        try reading { session in try Ledger.prices(model: model, at: time, db: session) }
    }

    /// Adds a price entry, as ``Ledger/setPrice(_:)`` does.
    @discardableResult
    public func setPrice(_ entry: PriceEntry) throws -> Bool {
        try Ledger.checkPrice(entry)
        return try writing { session in try PriceStore.insertIfAbsent(entry, source: "manual", db: session) }
    }

    /// Imports a price catalog, as ``Ledger/importPrices(_:effectiveFrom:)`` does, in one transaction.
    @discardableResult
    public func importPrices(_ catalog: PriceCatalog, effectiveFrom: Timestamp) throws -> PriceImportSummary {
        let entries = try Ledger.checkedEntries(of: catalog, effectiveFrom: effectiveFrom)
        let changes = try writing { session in try Ledger.importPrices(entries, format: catalog.format, db: session) }
        return PriceImportSummary(catalog, effectiveFrom: effectiveFrom, changes: changes)
    }

    /// What importing `catalog` would change, as ``Ledger/diffPrices(_:at:)`` says, without writing.
    public func diffPrices(_ catalog: PriceCatalog, at time: Timestamp) throws -> [PriceChange] {
        try reading { session in try Ledger.diffPrices(catalog, at: time, db: session) }
    }

    /// Every model alias, by name.
    public func modelAliases() throws -> [ModelAlias] {
        try reading { session in try Ledger.modelAliases(db: session) }
    }

    /// Maps a name as sent to a priced model, as ``Ledger/setModelAlias(_:model:)`` does.
    @discardableResult
    public func setModelAlias(_ name: String, model: String) throws -> Bool {
        try Ledger.checkAliasName(name)
        return try writing { session in try Ledger.setModelAlias(name, model: model, db: session) }
    }

    /// Removes a model alias, as ``Ledger/removeModelAlias(_:)`` does.
    public func removeModelAlias(_ name: String) throws {
        try writing { session in try Ledger.removeModelAlias(name, db: session) }
    }

    /// How `name` resolves to a priced model, as ``Ledger/explainModelName(_:)`` explains it.
    public func explainModelName(_ name: String) throws -> ModelNameExplanation {
        try reading { session in try Ledger.explainModelName(name, db: session) }
    }
}
