import GRDB
import TokenLedgerCore

/// An account's usage in one calendar month (UTC).
struct MonthUsage {
    /// The month's first instant; 0 for an account with no usage yet.
    var startMilliseconds: Int64
    var usageNanos: Int64
}

/// An account's controls as a batch holds them: read with the account, then kept in memory
/// as the batch's charges add usage and recharges.
struct BatchControls {
    /// The month of the account's latest usage and that month's usage (written back at flush).
    var latestMonth: MonthUsage
    /// Usage of months before ``latestMonth``, read from the rollup when a charge falls there.
    var earlierMonths: [Int64: Int64] = [:]
    var recharge: AutoRechargePolicy?
    var accountLimits = SpendLimits()
    var projectLimits: [ExactText: SpendLimits] = [:]
    /// Usage per project and month, read when a project with limits is charged.
    var projectUsage: [ProjectMonth: Int64] = [:]
    /// Card payments (purchases and recharges), in time order: they set the usage tier.
    var payments: [(milliseconds: Int64, nanos: Int64)] = []
    var paidNanos: Int64 = 0
    /// Succeeded recharges per month, read when a recharge is first considered in a month.
    var recharged: [Int64: Int64] = [:]
    /// Alerts known to be recorded (this batch need not try to record them again).
    var knownAlerts: Set<AlertKey> = []
    /// The month a charge last fell in, so that most charges need no calendar arithmetic.
    var month = MonthWindow(startMilliseconds: 0, endMilliseconds: 0)

    /// The usage tier at `time`, from the payments up to then.
    func tier(at time: Timestamp, table: [UsageTier]) -> (tier: UsageTier, rank: Int) {
        var paid = paidNanos
        var first = payments.first?.milliseconds
        if let last = payments.last, last.milliseconds > time.milliseconds {
            paid = 0
            first = nil
            for payment in payments where payment.milliseconds <= time.milliseconds {
                paid += payment.nanos
                first = first ?? payment.milliseconds
            }
        }
        let rank = UsageTier.reachedRank(paid: Money(nanos: paid), firstPayment: first.map(Timestamp.init(milliseconds:)), at: time, table: table)
        return (table[rank], rank)
    }
}

/// A calendar month as `[start, end)` in milliseconds.
struct MonthWindow: Equatable {
    var startMilliseconds: Int64
    var endMilliseconds: Int64

    func contains(_ time: Timestamp) -> Bool { time.milliseconds >= startMilliseconds && time.milliseconds < endMilliseconds }

    init(startMilliseconds: Int64, endMilliseconds: Int64) {
        self.startMilliseconds = startMilliseconds
        self.endMilliseconds = endMilliseconds
    }

    init(of time: Timestamp) {
        startMilliseconds = time.startOfMonth.milliseconds
        endMilliseconds = time.startOfNextMonth.milliseconds
    }
}

struct ProjectMonth: Hashable {
    var project: ExactText
    var monthMilliseconds: Int64
}

struct AlertKey: Hashable {
    var kind: LimitAlertKind
    var project: String
    var monthMilliseconds: Int64
}

/// What an account's tier and limits say about one charge, worked out before it is recorded.
struct ControlCheck {
    var month: MonthWindow
    var tierName: String
    var tierLimit: Money
    /// The limits of the charge's project, if it has any.
    var projectLimits: SpendLimits?
    /// Flags of usage recorded although an enforced charge would have been refused.
    var flags: [String]
}

extension ChargeBatch {
    /// Checks a charge against the account's usage tier and hard limits: an enforced charge is
    /// refused (``ChargeRefusal/tierTooLow(_:)``, then ``ChargeRefusal/hardLimit(_:)``), a plain
    /// one is flagged. Changes nothing in the file.
    func checkControls(_ request: ChargeRequest, account index: Int) throws -> ControlCheck {
        if !accounts[index].controls.month.contains(request.at) { accounts[index].controls.month = MonthWindow(of: request.at) }
        let month = accounts[index].controls.month
        let table = try usageTiers()
        let (tier, rank) = accounts[index].controls.tier(at: request.at, table: table)
        var flags: [String] = []
        if let required = try requiredRank(model: request.model), required > rank {
            let shortfall = TierShortfall(model: request.model, required: table[min(required, table.count - 1)].name, tier: tier.name)
            if request.enforce { throw ChargeRefusal.tierTooLow(shortfall) }
            flags.append("tier_too_low")
        }
        let spent = try usage(account: index, month: month)
        var reached: [(LimitReached, String)] = []
        if let hard = accounts[index].controls.accountLimits.hard, spent >= hard.nanos {
            reached.append((LimitReached(scope: .account, limit: hard, monthToDate: Money(nanos: spent)), "over_hard_limit"))
        }
        var projectLimits: SpendLimits?
        if let project = request.project, let limits = accounts[index].controls.projectLimits[ExactText(project)] {
            projectLimits = limits
            let projectSpent = try projectUsage(account: index, project: project, month: month)
            if let hard = limits.hard, projectSpent >= hard.nanos {
                let scope = LimitScope.project(project)
                reached.append((LimitReached(scope: scope, limit: hard, monthToDate: Money(nanos: projectSpent)), LimitAlert.code("over_hard_limit", scope: scope)))
            }
        }
        if spent >= tier.monthlyUsageLimit.nanos {
            reached.append((LimitReached(scope: .account, tier: tier.name, limit: tier.monthlyUsageLimit, monthToDate: Money(nanos: spent)), "over_tier_limit"))
        }
        if let first = reached.first, request.enforce { throw ChargeRefusal.hardLimit(first.0) }
        flags += reached.map(\.1)
        return ControlCheck(month: month, tierName: tier.name, tierLimit: tier.monthlyUsageLimit, projectLimits: projectLimits, flags: flags)
    }

    /// After a charge is recorded: adds its cost to month-to-date usage, records the limits it
    /// reached (once a month each), and makes the auto-recharge its balance calls for.
    func applyControls(_ check: ControlCheck, request: ChargeRequest, requestID: String, cost: Money, usageID: Int64, account index: Int, receipt: inout ChargeReceipt) throws {
        let month = check.month
        let after = addUsage(cost.nanos, account: index, month: month)
        let limits = accounts[index].controls.accountLimits
        var alerts: [String] = []
        // The common case (no limit reached) without building a list per charge.
        if after >= (limits.soft?.nanos ?? .max) || after >= (limits.hard?.nanos ?? .max) || after >= check.tierLimit.nanos {
            for (kind, limit) in [(LimitAlertKind.softLimit, limits.soft), (.hardLimit, limits.hard), (.tierLimit, check.tierLimit)] {
                guard let limit, after >= limit.nanos else { continue }
                if let code = try recordAlert(kind, scope: .account, limit: limit, spent: after, month: month, usageID: usageID, account: index, at: request.at) {
                    alerts.append(code)
                }
            }
        }
        if let project = request.project, let projectLimits = check.projectLimits {
            let key = ProjectMonth(project: ExactText(project), monthMilliseconds: month.startMilliseconds)
            accounts[index].controls.projectUsage[key, default: 0] += cost.nanos
            let spent = accounts[index].controls.projectUsage[key]!
            for (kind, limit) in [(LimitAlertKind.softLimit, projectLimits.soft), (.hardLimit, projectLimits.hard)] {
                guard let limit, spent >= limit.nanos else { continue }
                let scope = LimitScope.project(project)
                if let code = try recordAlert(kind, scope: scope, limit: limit, spent: spent, month: month, usageID: usageID, account: index, at: request.at) {
                    alerts.append(code)
                }
            }
        }
        if !alerts.isEmpty || !check.flags.isEmpty { receipt.alerts = alerts + check.flags }
        if let policy = accounts[index].controls.recharge, accounts[index].account.balance < policy.threshold {
            receipt.recharge = try recharge(policy, account: index, month: month, usageID: usageID, requestID: requestID, at: request.at)
        }
    }

    /// Records an alert unless it already was this month; returns its code when this charge
    /// recorded it.
    private func recordAlert(
        _ kind: LimitAlertKind, scope: LimitScope, limit: Money, spent: Int64, month: MonthWindow, usageID: Int64, account index: Int, at time: Timestamp
    ) throws -> String? {
        let key = AlertKey(kind: kind, project: scope.project ?? "", monthMilliseconds: month.startMilliseconds)
        guard !accounts[index].controls.knownAlerts.contains(key) else { return nil }
        accounts[index].controls.knownAlerts.insert(key)
        let insert = try DirectStatement(
            cachedIn: db,
            sql: """
                INSERT INTO spend_alert (account_id, project, kind, month_ms, limit_nanos, spend_nanos, usage_id, occurred_at_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, month_ms, kind, project) DO NOTHING
                """, parameterCount: 8)
        try insert.bind(accounts[index].account.id, at: 1)
        try insert.bind(key.project, at: 2)
        try insert.bind(kind.rawValue, at: 3)
        try insert.bind(month.startMilliseconds, at: 4)
        try insert.bind(limit.nanos, at: 5)
        try insert.bind(spent, at: 6)
        try insert.bind(usageID, at: 7)
        try insert.bind(time.milliseconds, at: 8)
        return try insert.step(in: db) ? LimitAlert.code(kind.rawValue, scope: scope) : nil
    }

    /// The auto-recharge after a charge left the account below its threshold: the amount
    /// ``AutoRechargePolicy/rechargeAmount(balance:rechargedThisMonth:maximumPurchase:)`` says,
    /// paid through the payment method; a purchase lot when it succeeds, a failed attempt
    /// recorded when it does not. Nil when the rule calls for no recharge (the cap is used up).
    private func recharge(
        _ policy: AutoRechargePolicy, account index: Int, month: MonthWindow, usageID: Int64, requestID: String, at time: Timestamp
    ) throws -> RechargeAttempt? {
        let account = accounts[index].account
        let recharged = try rechargedNanos(account: index, month: month)
        guard let amount = policy.rechargeAmount(balance: account.balance, rechargedThisMonth: Money(nanos: recharged), maximumPurchase: account.maximumPurchase)
        else { return nil }
        let outcome = paymentMethod.pay(RechargePayment(account: account.name, amount: amount, at: time, key: "recharge:" + requestID))
        var attempt = RechargeAttempt(
            account: account.name, amount: amount, status: .succeeded, failure: nil, at: time, balance: account.balance, repaid: .zero,
            requestID: requestID)
        var transferID: Int64?
        switch outcome {
        case .failed(let reason):
            attempt.status = .failed
            attempt.failure = String((reason.isEmpty ? "the payment failed" : reason).prefix(1_024))
        case .succeeded:
            transferID = try creditRecharge(amount, account: index, at: time, attempt: &attempt)
            accounts[index].controls.recharged[month.startMilliseconds, default: 0] += amount.nanos
        }
        try db.run(
            "INSERT INTO recharge_attempt (account_id, usage_id, amount_nanos, status, transfer_id, failure, occurred_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [account.id, usageID, amount.nanos, attempt.status.rawValue, transferID, attempt.failure, time.milliseconds])
        return attempt
    }

    /// Writes a succeeded recharge as ``Ledger/credit(_:kind:transferKind:from:amount:at:expiresAt:reference:db:)``
    /// writes a purchase (transfer, lot, repayment of overdraft) and adds the lot to the batch's.
    private func creditRecharge(_ amount: Money, account index: Int, at time: Timestamp, attempt: inout RechargeAttempt) throws -> Int64 {
        mustFlush = true
        let account = accounts[index].account
        guard let balanceAfter = account.balance.adding(amount) else { preconditionFailure("a balance below a threshold plus a purchase fits") }
        let repaid = Credits.repayment(of: amount, balance: account.balance)
        let expiresAt = Credits.purchaseExpiry(from: time)
        let transferID = try Ledger.record(
            "recharge", reference: nil, debit: SystemAccount.payments.rawValue, credit: account.id, amount: amount, at: time, balanceAfter: balanceAfter,
            db: db)
        try db.run(
            "INSERT INTO lot (account_id, kind, transfer_id, original_nanos, remaining_nanos, created_at_ms, expires_at_ms) VALUES (?, 'purchase', ?, ?, ?, ?, ?)",
            [account.id, transferID, amount.nanos, (amount - repaid).nanos, time.milliseconds, expiresAt.milliseconds])
        let lotID = db.lastInsertedRowID
        if repaid.nanos > 0 { try db.run("INSERT INTO allocation (transfer_id, lot_id, amount_nanos) VALUES (?, ?, ?)", [transferID, lotID, repaid.nanos]) }
        // `record` added the amount to the stored balance; the flush writes the batch's figure over it.
        accounts[index].account.balance = balanceAfter
        accounts[index].isChanged = true
        if repaid < amount {
            accounts[index].lots.append(Lot(id: lotID, kind: .purchase, original: amount, remaining: amount - repaid, createdAt: time, expiresAt: expiresAt))
            accounts[index].lots.sort(by: Credits.spentBefore)
        }
        accounts[index].controls.payments.append((time.milliseconds, amount.nanos))
        accounts[index].controls.payments.sort { $0.milliseconds < $1.milliseconds }
        accounts[index].controls.paidNanos += amount.nanos
        attempt.balance = balanceAfter
        attempt.repaid = repaid
        return transferID
    }

    // MARK: Reading what the controls need, once per batch

    /// The account's usage in `month`: in memory for its latest month, else from the rollup
    /// (what is written and what the batch holds).
    func usage(account index: Int, month: MonthWindow) throws -> Int64 {
        let latest = accounts[index].controls.latestMonth
        if month.startMilliseconds == latest.startMilliseconds { return latest.usageNanos }
        if month.startMilliseconds > latest.startMilliseconds { return 0 }
        if let known = accounts[index].controls.earlierMonths[month.startMilliseconds] { return known }
        let accountID = accounts[index].account.id
        let written = try db.value(
            Int64.self, "SELECT coalesce(sum(cost_nanos), 0) FROM usage_daily WHERE account_id = ? AND day_ms >= ? AND day_ms < ?",
            [accountID, month.startMilliseconds, month.endMilliseconds])
        let nanos = (written ?? 0) + rollup.heldCost(accountID: accountID, from: month.startMilliseconds, to: month.endMilliseconds)
        accounts[index].controls.earlierMonths[month.startMilliseconds] = nanos
        return nanos
    }

    /// Adds `nanos` to the account's usage in `month` (read first by ``usage(account:month:)``); returns the new total.
    private func addUsage(_ nanos: Int64, account index: Int, month: MonthWindow) -> Int64 {
        let latest = accounts[index].controls.latestMonth
        if month.startMilliseconds == latest.startMilliseconds {
            accounts[index].controls.latestMonth.usageNanos += nanos
            return accounts[index].controls.latestMonth.usageNanos
        }
        if month.startMilliseconds > latest.startMilliseconds {
            accounts[index].controls.earlierMonths[latest.startMilliseconds] = latest.usageNanos
            accounts[index].controls.latestMonth = MonthUsage(startMilliseconds: month.startMilliseconds, usageNanos: nanos)
            return nanos
        }
        accounts[index].controls.earlierMonths[month.startMilliseconds, default: 0] += nanos
        return accounts[index].controls.earlierMonths[month.startMilliseconds]!
    }

    /// A project's usage in `month`, from the rollup the first time, then kept in memory.
    private func projectUsage(account index: Int, project: String, month: MonthWindow) throws -> Int64 {
        let key = ProjectMonth(project: ExactText(project), monthMilliseconds: month.startMilliseconds)
        if let known = accounts[index].controls.projectUsage[key] { return known }
        let accountID = accounts[index].account.id
        let written = try db.value(
            Int64.self, "SELECT coalesce(sum(cost_nanos), 0) FROM usage_daily WHERE account_id = ? AND day_ms >= ? AND day_ms < ? AND project = ?",
            [accountID, month.startMilliseconds, month.endMilliseconds, project])
        let nanos = (written ?? 0) + rollup.heldCost(accountID: accountID, from: month.startMilliseconds, to: month.endMilliseconds, project: project)
        accounts[index].controls.projectUsage[key] = nanos
        return nanos
    }

    /// What succeeded recharges added to the account in `month`.
    private func rechargedNanos(account index: Int, month: MonthWindow) throws -> Int64 {
        if let known = accounts[index].controls.recharged[month.startMilliseconds] { return known }
        let nanos = try db.value(
            Int64.self,
            "SELECT coalesce(sum(amount_nanos), 0) FROM recharge_attempt WHERE account_id = ? AND status = 'succeeded' AND occurred_at_ms >= ? AND occurred_at_ms < ?",
            [accounts[index].account.id, month.startMilliseconds, month.endMilliseconds]) ?? 0
        accounts[index].controls.recharged[month.startMilliseconds] = nanos
        return nanos
    }

    /// The holds of the account's reservations still open at `time`.
    func openHolds(account index: Int, at time: Timestamp) throws -> Money {
        let query = try DirectStatement(
            cachedIn: db, sql: "SELECT coalesce(sum(hold_nanos), 0) FROM reservation WHERE account_id = ? AND status = 'open' AND expires_at_ms > ?",
            parameterCount: 2)
        try query.bind(accounts[index].account.id, at: 1)
        try query.bind(time.milliseconds, at: 2)
        _ = try query.nextRow(in: db)
        let nanos = query.int64(0)
        query.reset()
        return Money(nanos: nanos)
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
        // Rows of an import name the same model: no hashing for a repeat.
        if let last = lastRequirement, last.model == ExactText(model) { return last.rank }
        if let known = requiredRanks[ExactText(model)] {
            lastRequirement = (ExactText(model), known)
            return known
        }
        let query = try DirectStatement(
            cachedIn: db, sql: "SELECT t.rank FROM model_requirement m JOIN usage_tier t ON t.name = m.minimum_tier WHERE m.model = ?", parameterCount: 1)
        try query.bind(model, at: 1)
        let rank: Int? = try query.nextRow(in: db) ? Int(query.int64(0)) : nil
        if rank != nil { query.reset() }
        requiredRanks[ExactText(model)] = .some(rank)
        return rank
    }

    /// The account's limits (account-wide and per project).
    func loadLimits(_ controls: inout BatchControls, accountID: Int64) throws {
        for row in try db.rows("SELECT project, soft_nanos, hard_nanos FROM spend_limit WHERE account_id = ?", [accountID]) {
            let limits = SpendLimits(soft: (row["soft_nanos"] as Int64?).map(Money.init(nanos:)), hard: (row["hard_nanos"] as Int64?).map(Money.init(nanos:)))
            let project: String = row["project"]
            if project.isEmpty { controls.accountLimits = limits } else { controls.projectLimits[ExactText(project)] = limits }
        }
    }

    /// The account's card payments (purchases and recharges), in time order.
    func payments(accountID: Int64) throws -> [(milliseconds: Int64, nanos: Int64)] {
        let query = try DirectStatement(
            cachedIn: db,
            sql: "SELECT occurred_at_ms, amount_nanos FROM transfer WHERE credit_account_id = ? AND kind IN ('purchase', 'recharge') ORDER BY occurred_at_ms",
            parameterCount: 1)
        try query.bind(accountID, at: 1)
        var payments: [(milliseconds: Int64, nanos: Int64)] = []
        while try query.nextRow(in: db) { payments.append((query.int64(0), query.int64(1))) }
        return payments
    }
}
