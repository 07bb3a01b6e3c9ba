/// The charge rules, in one place: whether a request may be charged and what charging it
/// records, decided on a snapshot of the account alone (no store, no clock, no I/O).
///
/// Every charge goes through ``decide(_:usage:snapshot:)``: a single charge, an import's rows,
/// a batch, a reservation's settle. A reservation's hold goes through ``decideHold(_:usage:snapshot:)``,
/// which runs the same checks. A store loads the snapshot and applies the effects; the simulator
/// runs the same money step on each request of a trace
/// (``figures(afterCharging:balance:monthToDate:recharge:rechargedThisMonth:maximumPurchase:)``).
///
/// All checks come first, in a fixed order (the order of ``ChargeRefusal``'s cases); after them
/// the charge cannot fail.
///
/// ```swift
/// let effects = try Charging.decide(request, usage: usage, snapshot: snapshot)
/// print(effects.cost, effects.balanceAfter, effects.limitsReached)
/// ```
public enum Charging {
    /// What charging `request` records, or why it is refused.
    ///
    /// Refuses, in this order: `unknown_account`, `unknown_model` or `ambiguous_model`, `no_price_at_time`,
    /// for an enforced charge `context_window_exceeded`, `no_price_for_tier`, and for an enforced
    /// charge `tier_too_low`, `hard_limit` and `insufficient_balance`; `balance_overflow`,
    /// `ledger_total_limit`. A plain charge is never refused for its context window, tier or
    /// limits: usage that happened is recorded, and flagged (``ChargeEffects/flags``:
    /// `over_context_window`, `tier_too_low`, …).
    public static func decide(_ request: ChargeRequest, usage: TokenUsage, snapshot: ChargeSnapshot) throws(ChargeRefusal) -> ChargeEffects {
        guard let account = snapshot.account else { throw .unknownAccount(request.account) }
        let (entryID, entry) = try entryInForce(request, snapshot.price)
        var windowFlags: [ChargeAlert] = []
        if let excess = entry.windowExcess(of: usage, requests: request.requests) {
            if request.enforce { throw ChargeRefusal(excess, model: request.model) }
            windowFlags.append(.overContextWindow)
        }
        let cost: Cost
        do throws(PricingRefusal) { cost = try entry.cost(of: usage, tier: request.tier, requests: request.requests) } catch {
            throw ChargeRefusal(error, model: request.model)
        }
        let writeOffs = Credits.hasExpired(account.lots, at: request.at) ? Credits.writeOffs(of: account.lots, balance: account.balance, at: request.at) : []
        let balance = writeOffs.last?.balanceAfter ?? account.balance
        let tierRank = account.payments.tierRank(at: request.at, table: snapshot.tiers)
        let flags = try windowFlags + checkControls(request, account: account, snapshot: snapshot, tierRank: tierRank)
        if request.enforce {
            let available = Credits.available(balance: balance, holds: snapshot.openHolds, overdraftAllowance: account.overdraftAllowance)
            if cost.total > available { throw .insufficientBalance(cost: cost.total, available: available) }
        }
        guard balance.adding(-cost.total) != nil else { throw .balanceOverflow }
        guard snapshot.totals.admits(cost.total, to: .usage) else { throw .ledgerTotalLimit }
        // After this point the charge is accepted: what follows only works out what it records.
        let after = figures(
            afterCharging: cost.total.nanos, balance: balance.nanos, monthToDate: snapshot.monthToDate.nanos, recharge: account.recharge,
            rechargedThisMonth: snapshot.rechargedThisMonth.nanos, maximumPurchase: account.maximumPurchase)
        let (balanceAfter, monthToDateAfter) = (Money(nanos: after.balanceNanos), Money(nanos: after.monthToDateNanos))
        let draw = Credits.draw(cost.total, from: account.lots, at: request.at)
        let projectMonthToDateAfter = snapshot.projectLimits == nil ? nil : snapshot.projectMonthToDate + cost.total
        var effects = ChargeEffects(
            accountID: account.id, priceEntryID: entryID, priceEffectiveFrom: entry.effectiveFrom, model: entry.model, cost: cost.total, band: cost.band,
            writeOffs: writeOffs,
            firstDraw: draw.first, furtherDraws: draw.further, uncovered: draw.uncovered, balanceAfter: balanceAfter, month: snapshot.month,
            monthToDateAfter: monthToDateAfter, projectMonthToDateAfter: projectMonthToDateAfter,
            limitsReached: limitsReached(
                request, account: account, snapshot: snapshot, tierLimit: snapshot.tiers[tierRank].monthlyUsageLimit, monthToDate: monthToDateAfter,
                projectMonthToDate: projectMonthToDateAfter),
            flags: flags, rechargeDue: after.rechargeDue)
        if let due = after.rechargeDue, !snapshot.totals.admits(due, to: .payments) { effects.rechargePassesLimit = true }
        effects.provider = Providers.charged(claim: request.provider, sent: request.model, entryProvider: entry.provider)
        return effects
    }

    /// The figures a charge of `cost` leaves: the balance, month-to-date spend, and the
    /// auto-recharge the balance then calls for (``rechargeDue(balance:policy:rechargedThisMonth:maximumPurchase:)``).
    ///
    /// The money step of every accepted charge, written once: ``decide(_:usage:snapshot:)`` runs
    /// it on the snapshot's figures, and the simulator runs it on each request of a trace (with
    /// costs priced once), so a simulated policy cannot drift from the ledger. The caller has
    /// checked that the balance does not overflow.
    @inlinable @inline(__always)
    public static func figures(
        afterCharging costNanos: Int64, balance: Int64, monthToDate: Int64, recharge policy: AutoRechargePolicy?, rechargedThisMonth: Int64,
        maximumPurchase: Money
    ) -> (balanceNanos: Int64, monthToDateNanos: Int64, rechargeDue: Money?) {
        let balanceAfter = balance - costNanos
        let due = rechargeDue(
            balance: Money(nanos: balanceAfter), policy: policy, rechargedThisMonth: Money(nanos: rechargedThisMonth), maximumPurchase: maximumPurchase)
        return (balanceAfter, monthToDate + costNanos, due)
    }

    /// The hold a reservation makes: the cost of its input and maximum output at the price in
    /// force, in its tier, with no cached tokens; or why it is refused.
    ///
    /// Runs the checks of an enforced charge (`unknown_account` … `hard_limit`), then refuses
    /// `hard_limit` when month-to-date spend plus open holds plus this hold would pass a hard
    /// limit: the project's (its spend and its holds, ``ChargeSnapshot/projectOpenHolds``), the
    /// account's or the usage tier's monthly limit (all the account's holds); and
    /// `insufficient_balance` when the hold exceeds balance − open holds + overdraft allowance.
    public static func decideHold(_ request: ChargeRequest, usage: TokenUsage, snapshot: ChargeSnapshot) throws(ReservationRefusal) -> Money {
        var request = request
        request.enforce = true
        let account: AccountFigures
        let hold: Money
        do throws(ChargeRefusal) {
            guard let found = snapshot.account else { throw .unknownAccount(request.account) }
            account = found
            let (_, entry) = try entryInForce(request, snapshot.price)
            if let excess = entry.windowExcess(of: usage) { throw ChargeRefusal(excess, model: request.model) }
            do throws(PricingRefusal) { hold = try entry.cost(of: usage, tier: request.tier).total } catch { throw ChargeRefusal(error, model: request.model) }
            let tierRank = account.payments.tierRank(at: request.at, table: snapshot.tiers)
            _ = try checkControls(request, account: account, snapshot: snapshot, tierRank: tierRank)
            if let passed = holdLimits(request, account: account, snapshot: snapshot, tier: snapshot.tiers[tierRank]).first(where: {
                $0.monthToDate + hold > $0.limit
            }) {
                throw .hardLimit(passed)
            }
        } catch {
            guard let refusal = ReservationRefusal(error) else { preconditionFailure("a hold's checks refuse only what a reservation can") }
            throw refusal
        }
        let available = account.available(holding: snapshot.openHolds)
        guard hold <= available else { throw .insufficientBalance(hold: hold, available: available) }
        return hold
    }

    /// The auto-recharge a balance calls for after a charge: nil above the threshold, or when
    /// the monthly cap is used up. The ledger and the simulator both recharge by this.
    @inlinable @inline(__always)
    public static func rechargeDue(balance: Money, policy: AutoRechargePolicy?, rechargedThisMonth: Money, maximumPurchase: Money) -> Money? {
        guard let policy, balance < policy.threshold else { return nil }
        return policy.rechargeAmount(balance: balance, rechargedThisMonth: rechargedThisMonth, maximumPurchase: maximumPurchase)
    }

    /// The price entry in force, or `unknown_model` / `no_price_at_time`.
    private static func entryInForce(_ request: ChargeRequest, _ price: PriceLookup) throws(ChargeRefusal) -> (Int64, PriceEntry) {
        switch price {
        case .inForce(let id, let entry): return (id, entry)
        case .unknownModel: throw .unknownModel(request.model)
        case .ambiguousModel(let candidates): throw .ambiguousModel(request.model, candidates: candidates)
        case .notYetInForce(let earliest): throw .noPriceAtTime(model: request.model, time: request.at, earliest: earliest)
        }
    }

    /// The usage tier and the hard limits against month-to-date spend before the charge: an
    /// enforced charge is refused (`tier_too_low`, then `hard_limit`), a plain one flagged.
    private static func checkControls(
        _ request: ChargeRequest, account: AccountFigures, snapshot: ChargeSnapshot, tierRank rank: Int
    ) throws(ChargeRefusal) -> [ChargeAlert] {
        let table = snapshot.tiers
        let tier = table[rank]
        var flags: [ChargeAlert] = []
        if let required = snapshot.requiredTierRank, required > rank {
            let shortfall = TierShortfall(model: request.model, required: table[min(required, table.count - 1)].name, tier: tier.name)
            if request.enforce { throw .tierTooLow(shortfall) }
            flags.append(.tierTooLow)
        }
        let spent = snapshot.monthToDate
        var reached: [(LimitReached, ChargeAlert)] = []
        if let hard = account.limits.hard, spent >= hard {
            reached.append((LimitReached(scope: .account, limit: hard, monthToDate: spent), .overHardLimit(.account)))
        }
        if let project = request.project, let hard = snapshot.projectLimits?.hard, snapshot.projectMonthToDate >= hard {
            reached.append((LimitReached(scope: .project(project), limit: hard, monthToDate: snapshot.projectMonthToDate), .overHardLimit(.project(project))))
        }
        if spent >= tier.monthlyUsageLimit {
            reached.append((LimitReached(scope: .account, tier: tier.name, limit: tier.monthlyUsageLimit, monthToDate: spent), .overTierLimit))
        }
        if let first = reached.first, request.enforce { throw .hardLimit(first.0) }
        return flags + reached.map(\.1)
    }

    /// The limits month-to-date spend has reached with the charge: the account's soft, hard and
    /// tier limits, then the project's soft and hard limits.
    private static func limitsReached(
        _ request: ChargeRequest, account: AccountFigures, snapshot: ChargeSnapshot, tierLimit: Money, monthToDate: Money, projectMonthToDate: Money?
    ) -> [SpendAlert] {
        let limits = account.limits
        // The common case (no limit reached) without building a list.
        guard
            monthToDate >= (limits.soft ?? Money(nanos: .max)) || monthToDate >= (limits.hard ?? Money(nanos: .max)) || monthToDate >= tierLimit
                || projectMonthToDate != nil
        else { return [] }
        var reached: [SpendAlert] = []
        for (kind, limit) in [(LimitAlertKind.softLimit, limits.soft), (.hardLimit, limits.hard), (.tierLimit, tierLimit)] {
            guard let limit, monthToDate >= limit else { continue }
            reached.append(SpendAlert(kind: kind, scope: .account, limit: limit, monthToDate: monthToDate, month: snapshot.month))
        }
        if let project = request.project, let projectLimits = snapshot.projectLimits, let spent = projectMonthToDate {
            for (kind, limit) in [(LimitAlertKind.softLimit, projectLimits.soft), (.hardLimit, projectLimits.hard)] {
                guard let limit, spent >= limit else { continue }
                reached.append(SpendAlert(kind: kind, scope: .project(project), limit: limit, monthToDate: spent, month: snapshot.month))
            }
        }
        return reached
    }

    /// The hard limits a hold counts against, in check order, each with month-to-date spend plus
    /// the open holds it counts: the project's (its own spend and holds: another project's holds
    /// are not its spending), the account's and the usage tier's monthly limit (every hold).
    private static func holdLimits(_ request: ChargeRequest, account: AccountFigures, snapshot: ChargeSnapshot, tier: UsageTier) -> [LimitReached] {
        let held = snapshot.openHolds
        var limits: [LimitReached] = []
        if let project = request.project, let hard = snapshot.projectLimits?.hard {
            limits.append(LimitReached(scope: .project(project), limit: hard, monthToDate: snapshot.projectMonthToDate + snapshot.projectOpenHolds))
        }
        if let hard = account.limits.hard { limits.append(LimitReached(scope: .account, limit: hard, monthToDate: snapshot.monthToDate + held)) }
        limits.append(LimitReached(scope: .account, tier: tier.name, limit: tier.monthlyUsageLimit, monthToDate: snapshot.monthToDate + held))
        return limits
    }
}
