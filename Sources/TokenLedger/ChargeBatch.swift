import Foundation
import GRDB
import TokenLedgerCore

/// Records charges inside one write transaction, keeping in memory what the transaction has
/// already read: each account's balance and live lots, and each model's price entries. Every
/// charge goes through it: ``Ledger/charge(_:)`` as a batch of one, imports and
/// ``Ledger/charge(all:)`` as batches of many.
///
/// Why: inside one write transaction nothing else can change accounts, lots or prices (the
/// transaction holds the write lock, and price entries are never updated), so one read per
/// account and per model is enough. Per request it writes only the journal: the usage row
/// (which is the entry debiting the account and crediting @usage, with the first lot it drew
/// from inline) and, rarely, further allocations and expiry write-offs. Account balances, lot
/// remainders and the daily rollup are written by ``flush()``, which the caller must run
/// before the transaction ends or anything reads them. Statements come from the connection's
/// cache, prepared once per connection rather than once per transaction.
///
/// All checks come before any write, so a refused request changes nothing, in the file or in
/// memory.
final class ChargeBatch {
    let db: Database
    private let prices: PriceCache
    let paymentMethod: any PaymentMethod
    private var accountIndexes: [ExactText: Int] = [:]
    var accounts: [BatchAccount] = []
    /// The usage-tier table, read once per batch when a charge first needs it.
    var tierTable: [UsageTier]?
    /// The minimum tier (its rank) each model needs, nil for none; read once per model.
    var requiredRanks: [ExactText: Int?] = [:]
    var lastRequirement: (model: ExactText, rank: Int?)?
    private var models: [ExactText: [PricePoint]] = [:]
    private var entries: [Int64: PriceEntry] = [:]
    /// The account, model and price entry of the last charge: an import's rows mostly repeat
    /// them, and comparing is cheaper than hashing.
    private var lastAccount: (name: ExactText, index: Int)?
    private var lastModel: (name: ExactText, points: [PricePoint])?
    private var lastEntry: (id: Int64, entry: PriceEntry)?
    /// Balance changes of the system accounts not yet written, by account id.
    private var systemDeltas: [Int64: Int64] = [:]
    /// Usage not yet added to `usage_daily`.
    var rollup = DailyRollup()
    /// Charges recorded since the last ``flush()``: the tail (``UsageTail``) when the batch is
    /// kept between transactions.
    private(set) var pendingCharges = 0
    /// Whether a charge since the last ``flush()`` wrote more than its usage row (an expiry
    /// write-off, a second lot, a recharge, part of the rollup): its transaction must flush, as
    /// the tail holds plain charges only.
    var mustFlush: Bool {
        get { wroteMore || rollup.wrote }
        set { wroteMore = newValue }
    }
    private var wroteMore = false
    private let recordedStatement: DirectStatement
    private let usageStatement: DirectStatement
    private var setBalance: DirectStatement {
        get throws {
            try DirectStatement(
                cachedIn: db, sql: "UPDATE account SET balance_nanos = ?, usage_month_ms = ?, usage_month_nanos = ? WHERE id = ?", parameterCount: 4)
        }
    }
    private var addToBalance: DirectStatement {
        get throws { try DirectStatement(cachedIn: db, sql: "UPDATE account SET balance_nanos = balance_nanos + ? WHERE id = ?", parameterCount: 2) }
    }
    private var setRemaining: DirectStatement {
        get throws { try DirectStatement(cachedIn: db, sql: "UPDATE lot SET remaining_nanos = ? WHERE id = ?", parameterCount: 2) }
    }

    /// A batch over `db`, which must be inside a write transaction for the batch's whole life.
    init(db: Database, prices: PriceCache, paymentMethod: any PaymentMethod) throws {
        self.db = db
        self.prices = prices
        self.paymentMethod = paymentMethod
        recordedStatement = try DirectStatement(cachedIn: db, sql: "SELECT 1 FROM usage WHERE request_id = ?", parameterCount: 1)
        usageStatement = try DirectStatement(
            cachedIn: db,
            sql: """
                INSERT INTO usage (request_id, account_id, price_entry_id, model, service_tier, band, input_tokens, cached_tokens,
                    cache_write_tokens, output_tokens, requests, cost_nanos, occurred_at_ms, balance_after_nanos, lot_id, lot_nanos, project,
                    api_key, end_user)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (request_id) DO NOTHING
                """, parameterCount: 19)
    }

    /// Records one charge (a valid request and its usage): prices it with the entry in force at
    /// its time, spends grants before purchases and the earliest-expiring lot first, and goes
    /// into overdraft rather than dropping usage that happened.
    ///
    /// Throws ``ChargeRefusal`` in check order, having written nothing. A request id already
    /// recorded with the same usage returns the original receipt with `duplicate` set; with
    /// different usage it is refused as `id_conflict`. (The id is checked by the insert itself,
    /// `ON CONFLICT DO NOTHING`, rather than by a lookup before it; a request refused before the
    /// insert looks its id up, so a retry is answered as a retry whatever the account's state.)
    func charge(_ request: ChargeRequest, usage: TokenUsage) throws -> ChargeReceipt {
        let requestID = request.requestID ?? Ledger.generatedID("req")
        let plan: Plan
        do {
            plan = try self.plan(request, usage: usage)
        } catch let refusal as ChargeRefusal {
            try recordedStatement.bind(requestID, at: 1)
            guard try recordedStatement.hasRow(in: db) else { throw refusal }
            return try retried(request, usage: usage, requestID: requestID)
        }
        let accountID = accounts[plan.index].account.id
        guard try insertUsage(request, usage: usage, requestID: requestID, accountID: accountID, plan: plan) else {
            return try retried(request, usage: usage, requestID: requestID)
        }
        // After this point the operation must succeed.
        let usageID = db.lastInsertedRowID
        pendingCharges += 1
        if !plan.further.isEmpty { try recordFurther(plan.further, usageID: usageID) }
        try writeOff(plan.expired, account: plan.index)
        if let first = plan.first { take(first, account: plan.index) }
        for allocation in plan.further { take(allocation, account: plan.index) }
        if plan.cost.total.nanos > 0 {
            accounts[plan.index].account.balance -= plan.cost.total
            accounts[plan.index].isChanged = true
            systemDeltas[SystemAccount.usage.rawValue, default: 0] += plan.cost.total.nanos
        }
        precondition(accounts[plan.index].account.balance == plan.balanceAfter)
        try rollup.add(request, usage: usage, accountID: accountID, band: plan.cost.band, cost: plan.cost.total, db: db)
        if rollup.count >= DailyRollup.flushThreshold { try rollup.flush(db: db) }
        var receipt = ChargeReceipt(
            id: requestID, account: accounts[plan.index].account.name, model: request.model, tier: request.tier, band: plan.cost.band,
            usage: usage, cost: plan.cost.total, balance: plan.balanceAfter, overdraft: plan.uncovered,
            priceEffectiveFrom: plan.entry.effectiveFrom, at: request.at, duplicate: false)
        try applyControls(plan.controls, request: request, requestID: requestID, cost: plan.cost.total, usageID: usageID, account: plan.index, receipt: &receipt)
        return receipt
    }

    /// What a charge will record, worked out from memory without changing anything.
    private struct Plan {
        var index: Int
        var entryID: Int64
        var entry: PriceEntry
        var cost: Cost
        /// Lots expired by the charge's time, written off first.
        var expired: [Lot]
        var balanceAfter: Money
        /// The lot that pays it (all of it, for nearly every charge), then any further lots.
        var first: Allocation?
        var further: [Allocation]
        var uncovered: Money
        /// What the account's limits, tier and recharge settings say about the charge.
        var controls: ControlCheck
    }

    /// Checks a charge and works out what it records. Throws ``ChargeRefusal`` in check order.
    private func plan(_ request: ChargeRequest, usage: TokenUsage) throws -> Plan {
        let index = try accountIndex(named: request.account)
        let (entryID, entry) = try entryInForce(model: request.model, at: request.at)
        let cost: Cost
        do throws(PricingRefusal) { cost = try entry.cost(of: usage, tier: request.tier, requests: request.requests) } catch { throw ChargeRefusal(error, model: request.model) }
        let lots = accounts[index].lots
        let expired = lots.contains { $0.remaining.nanos > 0 && $0.expiresAt <= request.at } ? Credits.expired(lots, at: request.at) : []
        var balance = accounts[index].account.balance
        for lot in expired { balance -= lot.remaining }
        let controls = try checkControls(request, account: index)
        if request.enforce {
            let available = balance - (try openHolds(account: index, at: request.at)) + accounts[index].account.overdraftAllowance
            if cost.total > available { throw ChargeRefusal.insufficientBalance(cost: cost.total, available: available) }
        }
        guard let balanceAfter = balance.adding(-cost.total) else { throw ChargeRefusal.balanceOverflow }
        let (first, further, uncovered) = Self.allocate(cost.total, from: lots, at: request.at)
        return Plan(
            index: index, entryID: entryID, entry: entry, cost: cost, expired: expired, balanceAfter: balanceAfter, first: first, further: further,
            uncovered: uncovered, controls: controls)
    }

    /// ``Credits/allocate(_:from:at:)`` over lots kept in spending order, as its first
    /// allocation and the rest: without sorting or an array when the first live lot pays it all
    /// (nearly every charge).
    private static func allocate(_ amount: Money, from lots: [Lot], at time: Timestamp) -> (first: Allocation?, further: [Allocation], uncovered: Money) {
        guard amount.nanos > 0 else { return (nil, [], .zero) }
        if let lot = lots.first(where: { $0.isLive(at: time) }), lot.remaining >= amount {
            return (Allocation(lotID: lot.id, amount: amount), [], .zero)
        }
        let (allocations, uncovered) = Credits.allocate(amount, from: lots, at: time)
        return (allocations.first, Array(allocations.dropFirst()), uncovered)
    }

    /// The answer to a request id already recorded: its receipt, or `id_conflict`.
    private func retried(_ request: ChargeRequest, usage: TokenUsage, requestID: String) throws -> ChargeReceipt {
        guard let existing = try Ledger.existingCharge(requestID: requestID, db: db) else { preconditionFailure("usage row vanished") }
        guard existing.matches(request, usage: usage) else { throw ChargeRefusal.idConflict(requestID) }
        return existing.receipt
    }

    /// Inserts the usage row of a charge, with the first lot it drew from; false when its
    /// request id was already recorded (nothing inserted).
    private func insertUsage(_ request: ChargeRequest, usage: TokenUsage, requestID: String, accountID: Int64, plan: Plan) throws -> Bool {
        let (entryID, cost, balanceAfter, first) = (plan.entryID, plan.cost, plan.balanceAfter, plan.first)
        let statement = usageStatement
        try statement.bind(requestID, at: 1)
        try statement.bind(accountID, at: 2)
        try statement.bind(entryID, at: 3)
        try statement.bind(request.model, at: 4)
        try statement.bind(request.tier.rawValue, at: 5)
        try statement.bind(cost.band.rawValue, at: 6)
        try statement.bind(usage.inputTokens, at: 7)
        try statement.bind(usage.cachedTokens, at: 8)
        try statement.bind(usage.cacheWriteTokens, at: 9)
        try statement.bind(usage.outputTokens, at: 10)
        try statement.bind(request.requests, at: 11)
        try statement.bind(cost.total.nanos, at: 12)
        try statement.bind(request.at.milliseconds, at: 13)
        try statement.bind(balanceAfter.nanos, at: 14)
        try statement.bind(first?.lotID, at: 15)
        try statement.bind(first?.amount.nanos, at: 16)
        try statement.bind(request.project, at: 17)
        try statement.bind(request.apiKey, at: 18)
        try statement.bind(request.user, at: 19)
        return try statement.step(in: db)
    }

    /// Records the lots a charge drew from after its first.
    private func recordFurther(_ allocations: [Allocation], usageID: Int64) throws {
        mustFlush = true
        for allocation in allocations {
            try db.run("INSERT INTO usage_allocation (usage_id, lot_id, amount_nanos) VALUES (?, ?, ?)", [usageID, allocation.lotID, allocation.amount.nanos])
        }
    }

    /// Writes the balances, lot remainders and rollup kept in memory, and marks every usage row
    /// folded (``UsageTail``). Run it before the transaction ends (unless the batch is kept with
    /// a tail) and before anything reads accounts, lots or `usage_daily`; the batch can go on
    /// after it.
    func flush() throws {
        for index in accounts.indices where accounts[index].isChanged {
            let account = accounts[index].account
            let usageMonth = accounts[index].controls.latestMonth
            try setBalance.bind(account.balance.nanos, at: 1)
            try setBalance.bind(usageMonth.startMilliseconds, at: 2)
            try setBalance.bind(usageMonth.usageNanos, at: 3)
            try setBalance.bind(account.id, at: 4)
            _ = try setBalance.step(in: db)
            for lotIndex in accounts[index].lots.indices where accounts[index].changedLots.contains(accounts[index].lots[lotIndex].id) {
                let lot = accounts[index].lots[lotIndex]
                try setRemaining.bind(lot.remaining.nanos, at: 1)
                try setRemaining.bind(lot.id, at: 2)
                _ = try setRemaining.step(in: db)
            }
            accounts[index].changedLots.removeAll(keepingCapacity: true)
            accounts[index].lots.removeAll { $0.remaining.nanos == 0 }
            accounts[index].isChanged = false
        }
        for (accountID, delta) in systemDeltas.sorted(by: { $0.key < $1.key }) where delta != 0 {
            try addToBalance.bind(delta, at: 1)
            try addToBalance.bind(accountID, at: 2)
            _ = try addToBalance.step(in: db)
        }
        systemDeltas.removeAll(keepingCapacity: true)
        try rollup.flush(db: db)
        // No row since the last flush: the mark is right (and a retried charge writes nothing).
        if pendingCharges > 0 { try UsageTail.markFolded(db) }
        pendingCharges = 0
        mustFlush = false
        rollup.wrote = false
    }

    /// The position of the customer account `name` in ``accounts``, read once per batch with
    /// its controls (recharge settings, whether it has limits, its payments for the tier, its
    /// latest month's usage).
    func accountIndex(named name: String) throws -> Int {
        // Rows of an import name the same account: no hashing for a repeat.
        if let last = lastAccount, last.name == ExactText(name) { return last.index }
        if let index = accountIndexes[ExactText(name)] {
            lastAccount = (ExactText(name), index)
            return index
        }
        let find = try DirectStatement(
            cachedIn: db,
            sql: """
                SELECT a.id, a.name, a.max_purchase_nanos, a.overdraft_allowance_nanos, a.balance_nanos, a.created_at_ms, a.usage_month_ms,
                    a.usage_month_nanos, r.threshold_nanos, r.restore_to_nanos, r.monthly_cap_nanos,
                    EXISTS (SELECT 1 FROM spend_limit l WHERE l.account_id = a.id)
                FROM account a LEFT JOIN auto_recharge r ON r.account_id = a.id
                WHERE a.name = ? AND a.kind = 'customer'
                """,
            parameterCount: 1)
        try find.bind(name, at: 1)
        guard try find.nextRow(in: db) else { throw ChargeRefusal.unknownAccount(name) }
        let account = Account(
            id: find.int64(0), name: find.text(1), maximumPurchase: Money(nanos: find.int64(2)), overdraftAllowance: Money(nanos: find.int64(3)),
            balance: Money(nanos: find.int64(4)), createdAt: Timestamp(milliseconds: find.int64(5)))
        var controls = BatchControls(latestMonth: MonthUsage(startMilliseconds: find.int64(6), usageNanos: find.int64(7)))
        controls.recharge = find.isNull(8)
            ? nil
            : try? AutoRechargePolicy(
                threshold: Money(nanos: find.int64(8)), restoreTo: Money(nanos: find.int64(9)),
                monthlyCap: find.isNull(10) ? nil : Money(nanos: find.int64(10)), maximumPurchase: account.maximumPurchase)
        let hasLimits = find.int64(11) != 0
        find.reset()
        if hasLimits { try loadLimits(&controls, accountID: account.id) }
        controls.payments = try payments(accountID: account.id)
        controls.paidNanos = controls.payments.reduce(0) { $0 + $1.nanos }
        let lots = try DirectStatement(
            cachedIn: db,
            sql: "SELECT id, kind, original_nanos, remaining_nanos, created_at_ms, expires_at_ms FROM lot WHERE account_id = ? AND remaining_nanos > 0",
            parameterCount: 1)
        try lots.bind(account.id, at: 1)
        var live: [Lot] = []
        while try lots.nextRow(in: db) {
            live.append(
                Lot(
                    id: lots.int64(0), kind: lots.text(1) == LotKind.grant.rawValue ? .grant : .purchase, original: Money(nanos: lots.int64(2)),
                    remaining: Money(nanos: lots.int64(3)), createdAt: Timestamp(milliseconds: lots.int64(4)),
                    expiresAt: Timestamp(milliseconds: lots.int64(5))))
        }
        accounts.append(BatchAccount(account: account, lots: live.sorted(by: Credits.spentBefore), controls: controls))
        accountIndexes[ExactText(name)] = accounts.count - 1
        return accounts.count - 1
    }

    /// The entry in force for `model` at `time`, as ``PriceStore/entryInForce(model:at:db:cache:)``.
    func entryInForce(model: String, at time: Timestamp) throws -> (id: Int64, entry: PriceEntry) {
        let points = try pricePoints(of: model)
        // The last entry whose effective_from is not after `time` (entries sorted by it).
        var low = 0
        var high = points.count
        while low < high {
            let middle = (low + high) / 2
            if points[middle].effectiveFromMilliseconds <= time.milliseconds { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else {
            guard let earliest = points.first else { throw ChargeRefusal.unknownModel(model) }
            throw ChargeRefusal.noPriceAtTime(model: model, time: time, earliest: Timestamp(milliseconds: earliest.effectiveFromMilliseconds))
        }
        let id = points[low - 1].id
        if let last = lastEntry, last.id == id { return last }
        if let entry = entries[id] {
            lastEntry = (id, entry)
            return (id, entry)
        }
        let entry: PriceEntry
        if let cached = prices.entry(id: id) {
            entry = cached
        } else {
            entry = try PriceStore.entry(row: try db.row("SELECT * FROM price_entry WHERE id = ?", [id])!, db: db)
            prices.store(entry, id: id)
        }
        entries[id] = entry
        return (id, entry)
    }

    /// The ids and times of `model`'s price entries, oldest first, read once per batch.
    private func pricePoints(of model: String) throws -> [PricePoint] {
        if let last = lastModel, last.name == ExactText(model) { return last.points }
        if let points = models[ExactText(model)] {
            lastModel = (ExactText(model), points)
            return points
        }
        var points: [PricePoint] = []
        let query = try DirectStatement(
            cachedIn: db, sql: "SELECT id, effective_from_ms FROM price_entry WHERE model = ? ORDER BY effective_from_ms", parameterCount: 1)
        try query.bind(model, at: 1)
        while try query.nextRow(in: db) { points.append(PricePoint(id: query.int64(0), effectiveFromMilliseconds: query.int64(1))) }
        models[ExactText(model)] = points
        return points
    }

    /// Writes off the remainder of `expired` lots of an account, each at its expiry, as
    /// ``Ledger/bringUpToDate(_:at:db:)`` does: an expiry transfer and its allocation each.
    private func writeOff(_ expired: [Lot], account index: Int) throws {
        for lot in expired {
            mustFlush = true
            let balanceAfter = accounts[index].account.balance - lot.remaining
            let transferID = try Ledger.record(
                "expiry", reference: nil, debit: accounts[index].account.id, credit: SystemAccount.expired.rawValue, amount: lot.remaining,
                at: lot.expiresAt, balanceAfter: balanceAfter, db: db)
            try db.run("INSERT INTO allocation (transfer_id, lot_id, amount_nanos) VALUES (?, ?, ?)", [transferID, lot.id, lot.remaining.nanos])
            accounts[index].account.balance = balanceAfter
            accounts[index].isChanged = true
            take(Allocation(lotID: lot.id, amount: lot.remaining), account: index)
        }
    }

    /// Takes an allocation from the account's lots in memory.
    private func take(_ allocation: Allocation, account index: Int) {
        guard let lotIndex = accounts[index].lots.firstIndex(where: { $0.id == allocation.lotID }) else {
            preconditionFailure("allocation from a lot the batch does not hold")
        }
        accounts[index].lots[lotIndex].remaining -= allocation.amount
        precondition(accounts[index].lots[lotIndex].remaining.nanos >= 0)
        accounts[index].changedLots.insert(allocation.lotID)
        accounts[index].isChanged = true
    }
}

/// An account as a batch holds it: its balance and live lots as they are now in the
/// transaction, and what is not yet written.
struct BatchAccount {
    var account: Account
    /// The lots that had credit when read, with their remainders now (some may be zero), in
    /// the order they are spent.
    var lots: [Lot]
    var controls: BatchControls
    var changedLots: Set<Int64> = []
    var isChanged = false
}

/// A price entry's id and the time it takes effect.
private struct PricePoint {
    var id: Int64
    var effectiveFromMilliseconds: Int64
}

/// Text compared and hashed by its UTF-8 bytes, as SQLite compares names, rather than by
/// Unicode canonical equivalence as `String` does: two spellings of "café" are two names.
struct ExactText: Hashable {
    let text: String

    init(_ text: String) { self.text = text }

    static func == (lhs: ExactText, rhs: ExactText) -> Bool {
        guard lhs.text.utf8.count == rhs.text.utf8.count else { return false }
        let compared = lhs.text.utf8.withContiguousStorageIfAvailable { left in
            rhs.text.utf8.withContiguousStorageIfAvailable { right in
                left.count == 0 || memcmp(left.baseAddress!, right.baseAddress!, left.count) == 0
            }
        }
        return (compared ?? nil) ?? lhs.text.utf8.elementsEqual(rhs.text.utf8)
    }

    func hash(into hasher: inout Hasher) {
        let hashed: Void? = text.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if hashed == nil { for byte in text.utf8 { hasher.combine(byte) } }
        hasher.combine(text.utf8.count)
    }
}
