import Foundation
import GRDB
import TokenLedgerCore

/// The SQLite ``LedgerStore``: loads the snapshots charges are decided on and applies their
/// effects, inside one write transaction, keeping in memory what it has read (each account's
/// figures and controls, each model's price entries) and the figures its charges change.
///
/// Why it keeps what it reads: inside one write transaction nothing else can change accounts,
/// lots or prices, so one read per account and per model is enough; and with the effects of
/// each decision applied to them (``AccountFigures/apply(_:)``) the kept figures stay what the
/// file would say. Per charge it writes only the journal: the usage row (the entry debiting the
/// account and crediting `@usage`, with the first lot it drew from inline) and, rarely, further
/// draws, write-offs, alerts and recharges. Balances, lot remainders, month counters and the
/// daily rollup (``PendingFigures``) are written by ``flush()``, which the caller runs before
/// the transaction ends or anything reads them, unless the batch is kept with a tail
/// (``ChargeState``, ``UsageTail``). Statements come from the connection's cache.
final class ChargeBatch: LedgerStore {
    let db: Database
    private let prices: PriceCache
    let paymentMethod: any PaymentMethod
    private let writer: EffectsWriter
    var figures = PendingFigures()
    private var accountIndexes: [ExactText: Int] = [:]
    var accounts: [CachedAccount] = []
    /// The ledger-wide totals, read when a decision first needs them, then kept with every
    /// charge and credit the batch records (nothing else writes while the batch lives).
    private var totals: LedgerTotals?
    /// The usage-tier table, read once per batch when a charge first needs it.
    var tierTable: [UsageTier]?
    /// The minimum tier (its rank) each model needs, nil for none; read once per model.
    var requiredRanks: [ExactText: Int?] = [:]
    private var models: [ExactText: [PricePoint]] = [:]
    /// The priced names and aliases, read when a name as sent is first not a price-book key,
    /// and the model each such name resolved to (``ModelResolver``).
    var modelNames: ModelNames?
    var resolutions: [ExactText: Result<String, ModelResolutionFailure>] = [:]
    private var entries: [Int64: PriceEntry] = [:]
    /// The account of the last charge, and the models, requirements and price entries of the
    /// last few: an import's rows mostly repeat them, and comparing is cheaper than hashing.
    private var lastAccount: (name: ExactText, index: Int)?
    private var recentModels = RecentMemo<ExactText, [PricePoint]>()
    var recentRequirements = RecentMemo<ExactText, Int?>()
    private var recentEntries = RecentMemo<Int64, PriceEntry>()
    /// The account of the last snapshot, which the effects decided on it apply to.
    private var snapshotIndex: Int?
    /// Whether a charge since the last ``flush()`` wrote more than its usage row (an expiry
    /// write-off, a second lot, a recharge, part of the rollup): its transaction must flush, as
    /// the tail holds plain charges only.
    var mustFlush: Bool { wroteMore || figures.rollupWrote }
    private var wroteMore = false

    /// Charges recorded since the last ``flush()``: the tail (``UsageTail``) when the batch is
    /// kept between transactions.
    var pendingCharges: Int { figures.rows }

    /// A batch over `db`, which must be inside a write transaction for the batch's whole life.
    init(db: Database, prices: PriceCache, paymentMethod: any PaymentMethod) throws {
        self.db = db
        self.prices = prices
        self.paymentMethod = paymentMethod
        self.writer = EffectsWriter(db: db)
    }

    /// Records one charge (a valid request and its usage): ``ChargeOperation/charge(_:usage:store:paymentMethod:)``
    /// over this batch.
    func charge(_ request: ChargeRequest, usage: TokenUsage) throws -> ChargeReceipt {
        try ChargeOperation.charge(request, usage: usage, store: self, paymentMethod: paymentMethod)
    }

    // MARK: LedgerStore

    func snapshot(for request: ChargeRequest) throws -> ChargeSnapshot {
        guard let index = try accountIndex(named: request.account) else {
            snapshotIndex = nil
            return ChargeSnapshot(account: nil, price: .unknownModel, month: MonthWindow(startMilliseconds: 0, endMilliseconds: 0))
        }
        snapshotIndex = index
        if !accounts[index].month.contains(request.at) { accounts[index].month = MonthWindow(of: request.at) }
        let month = accounts[index].month
        let (model, price) = try priceLookup(sent: request.model, at: request.at)
        var snapshot = ChargeSnapshot(
            account: accounts[index].figures, price: price, tiers: try usageTiers(), requiredTierRank: try requiredRank(model: model), month: month,
            monthToDate: Money(nanos: try usage(account: index, month: month)))
        if let project = request.project, let limits = accounts[index].projectLimits[ExactText(project)] {
            snapshot.projectLimits = limits
            snapshot.projectMonthToDate = Money(nanos: try projectUsage(account: index, project: project, month: month))
        }
        if accounts[index].figures.recharge != nil { snapshot.rechargedThisMonth = Money(nanos: try rechargedNanos(account: index, month: month)) }
        if request.enforce { snapshot.openHolds = try Ledger.openHolds(accountID: accounts[index].figures.id, at: request.at, db: db) }
        snapshot.totals = try ledgerTotals()
        return snapshot
    }

    func recordedCharge(requestID: String) throws -> RecordedCharge? {
        try Ledger.existingCharge(requestID: requestID, db: db)
    }

    func record(_ effects: ChargeEffects, of request: ChargeRequest, usage: TokenUsage, requestID: String) throws -> Int64? {
        guard let index = snapshotIndex, accounts[index].figures.id == effects.accountID else { preconditionFailure("effects of another snapshot") }
        guard let usageID = try writer.insertUsage(effects, of: request, usage: usage, requestID: requestID) else { return nil }
        if !effects.furtherDraws.isEmpty || !effects.writeOffs.isEmpty { wroteMore = true }
        try writer.insertFurtherDraws(effects.furtherDraws, usageID: usageID)
        try writer.insertWriteOffs(effects.writeOffs, accountID: effects.accountID)
        accounts[index].figures.apply(effects)
        totals?.add(effects.cost, to: .usage)
        let counter = accounts[index].addUsage(effects.cost.nanos, month: effects.month)
        if let spent = effects.projectMonthToDateAfter, let project = request.project {
            accounts[index].projectUsage[ProjectMonth(project: ExactText(project), monthMilliseconds: effects.month.startMilliseconds)] = spent.nanos
        }
        // The rollup groups by the entry's model and the charge's provider, as the usage row records them.
        var rolled = request
        if request.model != effects.model { rolled.model = effects.model }
        rolled.provider = effects.provider.map(Providers.Claim.named)
        try figures.add(rolled, usage: usage, accountID: effects.accountID, band: effects.band, cost: effects.cost, firstDraw: effects.firstDraw, db: db)
        if !effects.furtherDraws.isEmpty { figures.addDraws(effects.furtherDraws) }
        figures.setCounter(counter, accountID: effects.accountID)
        return usageID
    }

    func recordAlert(_ alert: SpendAlert, accountID: Int64, usageID: Int64, at time: Timestamp) throws -> Bool {
        guard let index = snapshotIndex else { preconditionFailure("an alert without a snapshot") }
        let key = AlertKey(kind: alert.kind, project: alert.scope.project ?? "", monthMilliseconds: alert.month.startMilliseconds)
        guard accounts[index].knownAlerts.insert(key).inserted else { return false }
        return try writer.insertAlert(alert, accountID: accountID, usageID: usageID, at: time)
    }

    func recordRecharge(_ attempt: RechargeAttempt, credit: CreditEffects?, accountID: Int64, usageID: Int64) throws {
        guard let index = snapshotIndex else { preconditionFailure("a recharge without a snapshot") }
        wroteMore = true
        let lotID = try writer.insertRecharge(attempt, credit: credit, accountID: accountID, usageID: usageID)
        if let credit, let lotID {
            totals?.add(credit.amount, to: .payments)
            accounts[index].figures.apply(credit, lotID: lotID)
            accounts[index].recharged[accounts[index].month.startMilliseconds, default: 0] += credit.amount.nanos
        }
    }

    func watchBalance(accountID: Int64, at time: Timestamp) throws {
        guard let index = snapshotIndex, accounts[index].figures.id == accountID else { preconditionFailure("a watch of another account") }
        guard accounts[index].figures.lowBalance != nil else { return }
        accounts[index].figures.lowBalance = try writer.watchBalance(of: accounts[index].figures, at: time)
    }

    func accountFigures(named name: String) throws -> AccountFigures? {
        snapshotIndex = try accountIndex(named: name)
        return snapshotIndex.map { accounts[$0].figures }
    }

    func recordedCredit(reference: String) throws -> CreditReceipt? {
        try Ledger.existingCredit(reference: reference, db: db)
    }

    func recordWriteOffs(_ writeOffs: [WriteOff], accountID: Int64) throws {
        guard let index = snapshotIndex, accounts[index].figures.id == accountID else { preconditionFailure("write-offs of another account") }
        if !writeOffs.isEmpty { wroteMore = true }
        try writer.insertWriteOffs(writeOffs, accountID: accountID)
        accounts[index].figures.apply(writeOffs)
    }

    func recordCredit(_ credit: CreditEffects, accountID: Int64, reference: String) throws {
        guard let index = snapshotIndex, accounts[index].figures.id == accountID else { preconditionFailure("a credit to another account") }
        let (_, lotID) = try writer.insertCredit(credit, accountID: accountID, reference: reference)
        totals?.add(credit.amount, to: LedgerTotals.kind(of: credit.transferKind))
        accounts[index].figures.apply(credit, lotID: lotID)
    }

    func recordedCorrection(reference: String) throws -> CorrectionReceipt? {
        try Ledger.existingCorrection(reference: reference, db: db)
    }

    func openHolds(accountID: Int64, at time: Timestamp) throws -> Money {
        try Ledger.openHolds(accountID: accountID, at: time, db: db)
    }

    func purchase(reference: String) throws -> RefundedPurchase? {
        try Ledger.recordedPurchase(reference: reference, db: db)
    }

    func charge(requestID: String) throws -> ReversedCharge? {
        try Ledger.chargeToReverse(requestID: requestID, db: db)
    }

    func unexpiredLots(accountID: Int64, at time: Timestamp) throws -> [Lot] {
        try db.rows("SELECT * FROM lot WHERE account_id = ? AND expires_at_ms > ?", [accountID, time.milliseconds]).map(Lot.init(row:))
    }

    func recordCorrection(_ effects: CorrectionEffects, reference: String, reason: String?, target: CorrectionTarget) throws {
        guard let index = snapshotIndex, accounts[index].figures.id == effects.accountID else { preconditionFailure("a correction of another account") }
        try writer.insertCorrection(effects, reference: reference, reason: reason, target: target)
        if effects.credits { totals?.add(effects.amount, to: .adjustments) }
        // Returns may refill lots the batch does not hold (spent ones): read them again.
        accounts[index].figures.balance = effects.balanceAfter
        accounts[index].figures.lots = try Ledger.liveLots(accountID: effects.accountID, db: db).sorted(by: Credits.spentBefore)
    }

    func ledgerTotals() throws -> LedgerTotals {
        if let totals { return totals }
        // Written balances plus what the batch holds: @usage is credited by charges.
        var read = try LedgerTotals.stored(db: db)
        read.usage = read.usage + Money(nanos: figures.usageTotal)
        totals = read
        return read
    }

    /// Writes the figures the batch's charges changed (``PendingFigures``) and marks every
    /// usage row folded (``UsageTail``). Run it before the transaction ends (unless the batch is
    /// kept with a tail) and before anything reads accounts, lots or `usage_daily`; the batch can
    /// go on after it.
    func flush() throws {
        let rows = figures.rows
        try figures.write(db: db)
        for index in accounts.indices { accounts[index].figures.dropSpentLots() }
        // No row since the last flush: the mark is right (and a retried charge writes nothing).
        if rows > 0 { try UsageTail.markFolded(db) }
        wroteMore = false
        figures.clearRollupWrote()
    }

    // MARK: What the batch holds

    /// The account `name` if the batch holds it (the last one without hashing).
    func lastAccountIndex(_ name: String) -> Int? {
        if let last = lastAccount, last.name == ExactText(name) { return last.index }
        guard let index = accountIndexes[ExactText(name)] else { return nil }
        lastAccount = (ExactText(name), index)
        return index
    }

    /// Holds an account read from the file; returns its position.
    func remember(_ account: CachedAccount, named name: String) -> Int {
        accounts.append(account)
        accountIndexes[ExactText(name)] = accounts.count - 1
        return accounts.count - 1
    }

    /// The ids and times of `model`'s price entries, oldest first, read once per batch.
    func pricePoints(of model: String) throws -> [PricePoint] {
        let name = ExactText(model)
        if let points = recentModels.value(for: name) { return points }
        if let points = models[name] {
            recentModels.remember(points, for: name)
            return points
        }
        var points: [PricePoint] = []
        let query = try DirectStatement(
            cachedIn: db, sql: "SELECT id, effective_from_ms FROM price_entry WHERE model = ? ORDER BY effective_from_ms", parameterCount: 1)
        try query.bind(model, at: 1)
        while try query.nextRow(in: db) { points.append(PricePoint(id: query.int64(0), effectiveFromMilliseconds: query.int64(1))) }
        models[name] = points
        recentModels.remember(points, for: name)
        return points
    }

    /// The price entry `id`, from the batch, the ledger's cache of entries, or the file.
    func entry(id: Int64) throws -> PriceEntry {
        if let entry = recentEntries.value(for: id) { return entry }
        let entry = try entries[id] ?? prices.entry(id: id, db: db)
        entries[id] = entry
        recentEntries.remember(entry, for: id)
        return entry
    }
}

/// An account as a batch keeps it: the figures decisions are made on, and the controls read
/// with it or as charges needed them.
package struct CachedAccount {
    package var figures: AccountFigures
    package var projectLimits: [ExactText: SpendLimits] = [:]
    /// The month of the account's latest usage and that month's usage, as it is with the
    /// batch's charges (``MonthCounter``).
    package var counter: MonthCounter
    /// Usage of months before ``counter``'s, read from the rollup when a charge falls there.
    package var earlierMonths: [Int64: Int64] = [:]
    /// Usage per project and month, read when a project with limits is charged.
    package var projectUsage: [ProjectMonth: Int64] = [:]
    /// Succeeded recharges per month, read when a recharge is first considered in a month.
    package var recharged: [Int64: Int64] = [:]
    /// Alerts known to be recorded (this batch need not try to record them again).
    package var knownAlerts: Set<AlertKey> = []
    /// The month a charge last fell in, so that most charges need no calendar arithmetic.
    package var month = MonthWindow(startMilliseconds: 0, endMilliseconds: 0)

    package init(figures: AccountFigures, counter: MonthCounter) {
        self.figures = figures
        self.counter = counter
    }

    /// Adds `nanos` of usage in `month`; returns the month counter after it.
    package mutating func addUsage(_ nanos: Int64, month: MonthWindow) -> MonthCounter {
        let start = month.startMilliseconds
        if start < counter.startMilliseconds {
            earlierMonths[start, default: 0] += nanos
        } else if start > counter.startMilliseconds {
            earlierMonths[counter.startMilliseconds] = counter.usageNanos
        }
        counter = counter.adding(nanos, monthStart: start)
        return counter
    }
}

package struct ProjectMonth: Hashable {
    package var project: ExactText
    package var monthMilliseconds: Int64

    package init(project: ExactText, monthMilliseconds: Int64) {
        self.project = project
        self.monthMilliseconds = monthMilliseconds
    }
}

package struct AlertKey: Hashable {
    package var kind: LimitAlertKind
    package var project: String
    package var monthMilliseconds: Int64

    package init(kind: LimitAlertKind, project: String, monthMilliseconds: Int64) {
        self.kind = kind
        self.project = project
        self.monthMilliseconds = monthMilliseconds
    }
}

/// A price entry's id and the time it takes effect.
struct PricePoint {
    var id: Int64
    var effectiveFromMilliseconds: Int64
}

/// What resolving model names needs: the names with prices, and the user's aliases.
package struct ModelNames {
    var priced: Set<String>
    var aliases: [String: String]

    /// Every model with a price entry, and the alias table.
    package static func read(db: some BooksReader) throws -> ModelNames {
        ModelNames(
            priced: Set(try db.select("SELECT DISTINCT model FROM price_entry").map { $0["model"] as String }),
            aliases: Dictionary(
                uniqueKeysWithValues: try db.select("SELECT name, model FROM model_alias").map { ($0["name"] as String, $0["model"] as String) }))
    }

    /// The resolution of `sent` (``ModelResolver``) over these names.
    package func resolve(_ sent: String) -> Result<ModelResolution, ModelResolutionFailure> {
        do throws(ModelResolutionFailure) {
            return .success(try ModelResolver.resolve(sent, isPriced: { priced.contains($0) }, alias: { aliases[$0] }))
        } catch { return .failure(error) }
    }
}
