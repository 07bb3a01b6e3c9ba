import GRDB
import TokenLedger
import TokenLedgerCore

/// The PostgreSQL ``LedgerStore``: what ``ChargeOperation``, ``CreditOperation``,
/// ``CorrectionOperation`` and ``ReservationOperation`` decide on, loaded in the operation's
/// transaction, and their effects written there. One store lives for one transaction.
///
/// Many writers: an account's row is locked when it is loaded (`SELECT … FOR UPDATE`), so
/// operations on one account take turns and operations on different accounts proceed in
/// parallel; a system account's side of a transfer or charge is written as the customer
/// account's share of it (`system_balance`), so no row is written by every operation.
///
/// Charges in a group (``buffering``): as the file's ``ChargeBatch`` does, the store keeps each
/// account it loaded (locked for the rest of the transaction: nothing else changes it) with the
/// effects of every charge applied, and holds what the charges write (``PendingCharges``) until
/// ``flush()``, which writes all of it in a few statements, each over every row at once. Alerts
/// and recharges, which name their charge's row, write the rows held first. Other operations
/// write as they go.
final class PostgresStore: LedgerStore {
    let session: PostgresSession
    let paymentMethod: any PaymentMethod
    /// Price entries by key, shared by the ledger's operations (an entry is never changed).
    private let prices: PriceCache
    /// Whether charges' writes are held until ``flush()`` (a group's charges), or written by each.
    var buffering = false
    /// The accounts loaded in this transaction (each locked), by key, with what charges changed.
    private var held: [Int64: CachedAccount] = [:]
    private var heldNames: [String: Int64] = [:]
    /// The account of the last snapshot or ``accountFigures(named:)``.
    private var currentID: Int64?
    /// The usage tiers, the ledger's totals (with what this transaction recorded), each model's
    /// price points and minimum tier, and the priced names and aliases: read once per transaction.
    private var tierTable: [UsageTier]?
    private var totals: LedgerTotals?
    private var pricePointsByModel: [String: [(id: Int64, effectiveFrom: Int64)]] = [:]
    private var requiredRanks: [String: Int?] = [:]
    private var modelNames: ModelNames?
    /// What charges recorded and this store has not written yet.
    var pending: PendingCharges
    /// Charges recorded before this transaction, looked up by ``lookUp(requestID:)`` before a
    /// request with their id was charged; each is forgotten once it answered.
    private var foundRecorded: [String: RecordedCharge] = [:]
    /// Keys for usage rows, drawn from the sequence (the ledger's).
    let usageKeys: UsageKeys
    /// Accounts' keys and the models priced lately (the ledger's): what lets a group lock its
    /// accounts and read what it needs in one round trip (``lock(accounts:reservations:)``).
    let known: KnownRows

    /// A store over `session`'s transaction. `recordedElsewhere`: request ids another writer
    /// recorded while an earlier run of this transaction held them (``RecordedMeanwhile``).
    init(
        session: PostgresSession, paymentMethod: any PaymentMethod, prices: PriceCache, usageKeys: UsageKeys = UsageKeys(),
        known: KnownRows = KnownRows(), recordedElsewhere: Set<String> = []
    ) {
        self.session = session
        self.usageKeys = usageKeys
        self.known = known
        self.paymentMethod = paymentMethod
        self.prices = prices
        self.pending = PendingCharges(recordedElsewhere: recordedElsewhere)
    }

    /// The figures of the account of the last snapshot or ``accountFigures(named:)``.
    private var account: AccountFigures? {
        get { currentID.flatMap { held[$0]?.figures } }
        set {
            guard let id = currentID, let newValue else { return }
            held[id]?.figures = newValue
        }
    }

    /// Forgets the accounts loaded and the totals (what they were read with was undone).
    func forgetAccounts() {
        held.removeAll()
        heldNames.removeAll()
        currentID = nil
        totals = nil
    }

    // MARK: Accounts and credits (CreditStore)

    /// The account `name` read afresh (an operation other than a charge may have changed it),
    /// its row locked for the rest of the transaction.
    func accountFigures(named name: String) throws -> AccountFigures? {
        try flush()
        if let id = heldNames.removeValue(forKey: name) { held[id] = nil }
        currentID = try load(named: name)
        return account
    }

    /// The customer account `name` from what the store holds, else read with its row locked
    /// (with its controls, lots and payments) and held; its key, or nil when there is none.
    private func heldAccount(named name: String) throws -> Int64? {
        if let id = heldNames[name] { return id }
        return try load(named: name)
    }

    /// The columns of an account's row as the store holds it, with its controls.
    private static let accountColumns = """
        SELECT a.id, a.name, a.balance_nanos, a.max_purchase_nanos, a.overdraft_allowance_nanos, a.usage_month_ms, a.usage_month_nanos,
            r.threshold_nanos AS recharge_threshold, r.restore_to_nanos, r.monthly_cap_nanos, w.threshold_nanos AS watch_threshold, w.armed,
            EXISTS (SELECT 1 FROM spend_limit l WHERE l.account_id = a.id) AS has_limits
        FROM account a LEFT JOIN auto_recharge r ON r.account_id = a.id LEFT JOIN low_balance_watch w ON w.account_id = a.id
        """

    private func load(named name: String) throws -> Int64? {
        let rows = try session.select(Self.accountColumns + " WHERE a.name = ? AND a.kind = 'customer' FOR UPDATE OF a", sqlValues(name))
        try hold(rows)
        return rows.first.map { $0["id"] }
    }

    /// Locks the customer accounts `names` and those holding the reservations `reservations`,
    /// in key order (so that writers locking many accounts never wait on each other in a
    /// circle), and holds them: what a group of operations on them needs, read at once. When
    /// every name's key is known (an account's key never changes), the lock and the reads (the
    /// accounts' lots, payments and limits, the usage tiers, the ledger's totals, the price
    /// points of the models priced lately, keys for usage rows when few are left) go in one
    /// round trip; else the reads follow the lock.
    func lock(accounts names: Set<String>, reservations: Set<String>) throws {
        guard !names.isEmpty || !reservations.isEmpty else { return }
        let named = names.sorted().map(\.databaseValue)
        if reservations.isEmpty, let ids = known.accountIDs(named: names) {
            // By key (the names too, so that no other account is locked): a lookup PostgreSQL
            // plans at once, where the names with reservations' accounts cost it more than the
            // reading.
            let statement = (
                sql: Self.accountColumns + " WHERE a.id IN (\(Self.list(ids.count))) AND a.name IN (\(Self.list(names.count))) ORDER BY a.id FOR UPDATE OF a",
                arguments: ids.map(\.databaseValue) + named
            )
            let models = known.models()
            let drawKeys = usageKeys.count < UsageKeys.drawn / 4
            let (rows, read) = try session.prefetching(after: statement) { reader in
                try self.reads(accounts: ids, limited: ids, models: models, drawKeys: drawKeys, reader: reader)
            }
            if rows.map({ $0["id"] as Int64 }) == ids { return try hold(rows, read) }
            // The names hold other keys than those known (the books were made anew): lock them
            // by name and read again.
            known.forgetAccounts()
        }
        let sql =
            reservations.isEmpty
            ? Self.accountColumns + " WHERE a.kind = 'customer' AND a.name IN (\(Self.list(names.count))) ORDER BY a.id FOR UPDATE OF a"
            : Self.accountColumns + """
                 WHERE a.kind = 'customer' AND (a.name IN (\(Self.list(names.count)))
                    OR a.id IN (SELECT account_id FROM reservation WHERE reference IN (\(Self.list(reservations.count)))))
                ORDER BY a.id FOR UPDATE OF a
                """
        try hold(try session.select(sql, named + reservations.sorted().map(\.databaseValue)))
    }

    /// `count` placeholders, or NULL for none.
    private static func list(_ count: Int) -> String { count == 0 ? "NULL" : Array(repeating: "?", count: count).joined(separator: ", ") }

    /// What ``hold(_:_:)`` reads beside the accounts' rows.
    private struct HoldingReads {
        var lots: [Int64: [Lot]]
        var payments: [Int64: PaymentHistory]
        var limits: [Row]
        var tiers: [UsageTier]?
        var totals: LedgerTotals?
        /// The models read (those priced lately), and their price points and minimum tiers.
        var models: [String] = []
        var modelRows: (pricePoints: [Row], requirements: [Row]) = ([], [])
        /// Keys drawn from `usage`'s sequence.
        var keys: [Row] = []
    }

    /// Reads, from `reader`, the lots and payments of the accounts `accounts`, the spend limits
    /// of `limited`, the usage tiers and the ledger's totals when not read yet, the price points
    /// and minimum tiers of `models`, and keys for usage rows when `drawKeys`.
    private func reads(accounts: [Int64], limited: [Int64], models: [String], drawKeys: Bool, reader: any BooksReader) throws -> HoldingReads {
        var read = HoldingReads(
            lots: try Ledger.liveLots(accountIDs: accounts, db: reader), payments: try Ledger.payments(accountIDs: accounts, db: reader),
            limits: limited.isEmpty
                ? []
                : try reader.select(
                    "SELECT account_id, project, soft_nanos, hard_nanos FROM spend_limit WHERE account_id IN (\(Self.list(limited.count)))",
                    limited.map(\.databaseValue)),
            tiers: tierTable == nil ? try Ledger.usageTiers(db: reader) : nil,
            totals: totals == nil ? try LedgerTotals.stored(db: reader) : nil)
        if !models.isEmpty {
            read.models = models
            read.modelRows = try Self.modelReads(models, reader: reader)
        }
        if drawKeys {
            read.keys = try reader.select(
                "SELECT nextval(pg_get_serial_sequence('usage', 'id')) AS key FROM generate_series(1, ?)", [Int64(UsageKeys.drawn).databaseValue])
        }
        return read
    }

    /// Holds the accounts of `rows` (as ``accountColumns`` reads them, locked), with their lots,
    /// payments and limits, and the usage tiers and ledger totals when not read yet: all read
    /// at once (``PostgresSession/prefetching(_:)``).
    private func hold(_ rows: [Row]) throws {
        guard !rows.isEmpty else { return }
        let ids = rows.map { $0["id"] as Int64 }
        let limited = rows.filter { ($0["has_limits"] as Int64) != 0 }.map { $0["id"] as Int64 }
        try hold(rows, try session.prefetching { reader in try self.reads(accounts: ids, limited: limited, models: [], drawKeys: false, reader: reader) })
    }

    /// Holds the accounts of `rows` with what was read of them (`read`), and keeps the rest of it.
    private func hold(_ rows: [Row], _ read: HoldingReads) throws {
        if let tiers = read.tiers { tierTable = tiers }
        if let stored = read.totals { keepTotals(stored) }
        if !read.keys.isEmpty { usageKeys.add(read.keys.map { $0["key"] as Int64 }) }
        keep(models: read.models, read.modelRows)
        let limits = Dictionary(grouping: read.limits) { $0["account_id"] as Int64 }
        for row in rows {
            let id: Int64 = row["id"]
            let maximumPurchase = Money(nanos: row["max_purchase_nanos"])
            let recharge = (row["recharge_threshold"] as Int64?).flatMap { threshold in
                try? AutoRechargePolicy(
                    threshold: Money(nanos: threshold), restoreTo: Money(nanos: row["restore_to_nanos"]),
                    monthlyCap: (row["monthly_cap_nanos"] as Int64?).map(Money.init(nanos:)), maximumPurchase: maximumPurchase)
            }
            var figures = AccountFigures(
                id: id, name: row["name"], balance: Money(nanos: row["balance_nanos"]), maximumPurchase: maximumPurchase,
                overdraftAllowance: Money(nanos: row["overdraft_allowance_nanos"]), lots: (read.lots[id] ?? []).sorted(by: Credits.spentBefore),
                recharge: recharge)
            if let threshold = row["watch_threshold"] as Int64? {
                figures.lowBalance = LowBalanceWatch(threshold: Money(nanos: threshold), armed: (row["armed"] as Int64) != 0)
            }
            figures.payments = read.payments[id] ?? PaymentHistory()
            var cached = CachedAccount(figures: figures, counter: MonthCounter(startMilliseconds: row["usage_month_ms"], usageNanos: row["usage_month_nanos"]))
            for row in limits[id] ?? [] {
                let limit = SpendLimits(
                    soft: (row["soft_nanos"] as Int64?).map(Money.init(nanos:)), hard: (row["hard_nanos"] as Int64?).map(Money.init(nanos:)))
                let project: String = row["project"]
                if project.isEmpty { cached.figures.limits = limit } else { cached.projectLimits[ExactText(project)] = limit }
            }
            known.remember(account: cached.figures.name, id: id)
            // An account held already keeps what this transaction's charges changed.
            guard held[id] == nil else { continue }
            held[id] = cached
            heldNames[cached.figures.name] = id
        }
    }

    func recordedCredit(reference: String) throws -> CreditReceipt? {
        try Ledger.existingCredit(reference: reference, db: session)
    }

    func recordedCorrection(reference: String) throws -> CorrectionReceipt? {
        try Ledger.existingCorrection(reference: reference, db: session)
    }

    func ledgerTotals() throws -> LedgerTotals {
        if let totals { return totals }
        keepTotals(try LedgerTotals.stored(db: session))
        return totals!
    }

    /// Keeps the totals as stored plus what the store holds (@usage is credited by charges).
    private func keepTotals(_ stored: LedgerTotals) {
        var read = stored
        read.usage = read.usage + Money(nanos: pending.figures.usageTotal)
        totals = read
    }

    func recordWriteOffs(_ writeOffs: [WriteOff], accountID: Int64) throws {
        guard var figures = account, figures.id == accountID else { preconditionFailure("write-offs of another account") }
        try insertWriteOffs(writeOffs, accountID: accountID)
        figures.apply(writeOffs)
        account = figures
    }

    private func insertWriteOffs(_ writeOffs: [WriteOff], accountID: Int64) throws {
        for writeOff in writeOffs {
            let transferID = try insertTransfer(
                .expiry, reference: nil, debit: accountID, credit: SystemAccount.expired.rawValue, accountID: accountID, amount: writeOff.amount,
                at: writeOff.expiredAt, balanceAfter: writeOff.balanceAfter)
            try insertAllocation(Allocation(lotID: writeOff.lotID, amount: writeOff.amount), transferID: transferID, accountID: accountID)
            try EventOutbox.insertWriteOff(writeOff, accountID: accountID, db: session)
        }
    }

    func recordCredit(_ credit: CreditEffects, accountID: Int64, reference: String) throws {
        guard var figures = account, figures.id == accountID else { preconditionFailure("a credit to another account") }
        let (_, lotID) = try insertCredit(credit, accountID: accountID, reference: reference)
        totals?.add(credit.amount, to: LedgerTotals.kind(of: credit.transferKind))
        figures.apply(credit, lotID: lotID)
        account = figures
    }

    func watchBalance(accountID: Int64, at time: Timestamp) throws {
        guard var figures = account, figures.id == accountID else { preconditionFailure("a watch of another account") }
        guard figures.lowBalance != nil else { return }
        figures.lowBalance = try EventOutbox.watchBalance(of: figures, at: time, db: session)
        account = figures
    }

    // MARK: Charges

    func snapshot(for request: ChargeRequest) throws -> ChargeSnapshot {
        guard let id = try heldAccount(named: request.account), var cached = held[id] else {
            currentID = nil
            return ChargeSnapshot(account: nil, price: .unknownModel, month: MonthWindow(startMilliseconds: 0, endMilliseconds: 0))
        }
        currentID = id
        if !cached.month.contains(request.at) { cached.month = MonthWindow(of: request.at) }
        let month = cached.month
        let (model, price) = try priceLookup(sent: request.model, at: request.at)
        var snapshot = ChargeSnapshot(
            account: cached.figures, price: price, tiers: try usageTiers(), requiredTierRank: try requiredRank(model: model), month: month,
            monthToDate: Money(nanos: try usage(of: &cached, month: month)))
        if let project = request.project, let limits = cached.projectLimits[ExactText(project)] {
            snapshot.projectLimits = limits
            let key = ProjectMonth(project: ExactText(project), monthMilliseconds: month.startMilliseconds)
            if cached.projectUsage[key] == nil { cached.projectUsage[key] = try rollupUsage(accountID: id, month: month, project: project) }
            snapshot.projectMonthToDate = Money(nanos: cached.projectUsage[key]!)
        }
        if cached.figures.recharge != nil {
            if cached.recharged[month.startMilliseconds] == nil {
                cached.recharged[month.startMilliseconds] = try Ledger.rechargedNanos(
                    accountID: id, from: month.startMilliseconds, to: month.endMilliseconds, db: session)
            }
            snapshot.rechargedThisMonth = Money(nanos: cached.recharged[month.startMilliseconds]!)
        }
        if request.enforce { snapshot.openHolds = try Ledger.openHolds(accountID: id, at: request.at, db: session) }
        snapshot.totals = try ledgerTotals()
        held[id] = cached
        return snapshot
    }

    /// The account's usage in `month`: its month counter's when it knows, else from the rollup
    /// (what is written and what the store holds), kept.
    private func usage(of account: inout CachedAccount, month: MonthWindow) throws -> Int64 {
        if let known = account.counter.usage(inMonthStarting: month.startMilliseconds) { return known }
        if let known = account.earlierMonths[month.startMilliseconds] { return known }
        let nanos = try rollupUsage(accountID: account.figures.id, month: month, project: nil)
        account.earlierMonths[month.startMilliseconds] = nanos
        return nanos
    }

    /// The usage of an account (of one project when given) on days of `month` in the rollup:
    /// what is written and what the store holds.
    private func rollupUsage(accountID: Int64, month: MonthWindow, project: String?) throws -> Int64 {
        let written = try Ledger.rollupCost(
            accountID: accountID, fromDay: month.startMilliseconds, beforeDay: month.endMilliseconds, project: project, db: session)
        return written + pending.figures.rollup.heldCost(accountID: accountID, from: month.startMilliseconds, to: month.endMilliseconds, project: project)
    }

    /// The usage-tier table, read once.
    private func usageTiers() throws -> [UsageTier] {
        if let tierTable { return tierTable }
        let table = try Ledger.usageTiers(db: session)
        tierTable = table
        return table
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

    /// The ids and times of `model`'s price entries, oldest first, read once per model.
    private func pricePoints(of model: String) throws -> [(id: Int64, effectiveFrom: Int64)] {
        if pricePointsByModel[model] == nil { try readModel(model) }
        return pricePointsByModel[model]!
    }

    /// The rank of the minimum tier `model` needs, or nil; read once per model.
    private func requiredRank(model: String) throws -> Int? {
        if requiredRanks[model] == nil { try readModel(model) }
        return requiredRanks[model]!
    }

    /// Reads `model`'s price points and minimum tier, at once.
    private func readModel(_ model: String) throws {
        let read = try session.prefetching { reader in try Self.modelReads([model], reader: reader) }
        keep(models: [model], read)
        known.priced(model)
    }

    /// The price points (oldest first) and minimum tiers of `models`, read from `reader`.
    private static func modelReads(_ models: [String], reader: any BooksReader) throws -> (pricePoints: [Row], requirements: [Row]) {
        (
            try reader.select(
                "SELECT model, id, effective_from_ms FROM price_entry WHERE model IN (\(list(models.count))) ORDER BY model, effective_from_ms",
                models.map(\.databaseValue)),
            try reader.select(
                "SELECT m.model, t.rank FROM model_requirement m JOIN usage_tier t ON t.name = m.minimum_tier WHERE m.model IN (\(list(models.count)))",
                models.map(\.databaseValue))
        )
    }

    /// Keeps the price points and minimum tier of each of `models` not kept yet, from what
    /// ``modelReads(_:reader:)`` read (a model with none has none).
    private func keep(models: [String], _ read: (pricePoints: [Row], requirements: [Row])) {
        let points = Dictionary(grouping: read.pricePoints) { $0["model"] as String }
        var ranks: [String: Int] = [:]
        for row in read.requirements { ranks[row["model"]] = Int(row["rank"] as Int64) }
        for model in models where pricePointsByModel[model] == nil {
            pricePointsByModel[model] = (points[model] ?? []).map { ($0["id"], $0["effective_from_ms"]) }
            requiredRanks[model] = .some(ranks[model])
        }
    }

    /// Looks `requestID` up before it is charged, for an operation of many charges that may
    /// repeat ids recorded before (an import run again): one found is charged as a retry (written
    /// at once, answered from its row) instead of held, since a held row whose id turns out taken
    /// when written fails the whole transaction (``RecordedMeanwhile``).
    func lookUp(requestID: String) throws {
        guard !pending.recordedHere(requestID), !pending.recordedElsewhere.contains(requestID), foundRecorded[requestID] == nil else { return }
        foundRecorded[requestID] = try Ledger.existingCharge(requestID: requestID, db: session)
    }

    func recordedCharge(requestID: String) throws -> RecordedCharge? {
        // Found by ``lookUp(requestID:)``: the charge answers from it once.
        if let found = foundRecorded.removeValue(forKey: requestID) { return found }
        // A row held is written first, so that it is found.
        if pending.holds(requestID) { try writeUsageRows() }
        return try Ledger.existingCharge(requestID: requestID, db: session)
    }

    func record(_ effects: ChargeEffects, of request: ChargeRequest, usage: TokenUsage, requestID: String) throws -> Int64? {
        guard let id = currentID, var cached = held[id], id == effects.accountID else { preconditionFailure("effects of another snapshot") }
        let usageID: Int64
        if foundRecorded[requestID] != nil {
            // Recorded before this transaction, found by ``lookUp(requestID:)``: a retry.
            return nil
        } else if pending.recordedHere(requestID) {
            // Recorded by this transaction already: a retry, answered from its row.
            try writeUsageRows()
            return nil
        } else if pending.recordedElsewhere.contains(requestID) {
            // Another writer recorded it while an earlier run held it: written now, so that
            // PostgreSQL says whether that writer's row stands.
            guard let inserted = try insertUsageRow(effects, of: request, usage: usage, requestID: requestID) else { return nil }
            pending.noteRecorded(requestID)
            usageID = inserted
        } else {
            usageID = try nextUsageID()
            pending.add(effects, of: request, usage: usage, requestID: requestID, usageID: usageID)
        }
        pending.draws += effects.furtherDraws.map { (usageID, $0, id) }
        try insertWriteOffs(effects.writeOffs, accountID: id)
        cached.figures.apply(effects)
        totals?.add(effects.cost, to: .usage)
        let counter = cached.addUsage(effects.cost.nanos, month: effects.month)
        if let spent = effects.projectMonthToDateAfter, let project = request.project {
            cached.projectUsage[ProjectMonth(project: ExactText(project), monthMilliseconds: effects.month.startMilliseconds)] = spent.nanos
        }
        held[id] = cached
        // The rollup groups by the entry's model and the charge's provider, as the usage row records them.
        var rolled = request
        if request.model != effects.model { rolled.model = effects.model }
        rolled.provider = effects.provider.map(Providers.Claim.named)
        try pending.figures.add(rolled, usage: usage, accountID: id, band: effects.band, cost: effects.cost, firstDraw: effects.firstDraw, db: session)
        if !effects.furtherDraws.isEmpty { pending.figures.addDraws(effects.furtherDraws) }
        pending.figures.setCounter(counter, accountID: id)
        if !buffering { try flush() }
        return usageID
    }

    func recordAlert(_ alert: SpendAlert, accountID: Int64, usageID: Int64, at time: Timestamp) throws -> Bool {
        guard let id = currentID, id == accountID else { preconditionFailure("an alert without a snapshot") }
        let key = AlertKey(kind: alert.kind, project: alert.scope.project ?? "", monthMilliseconds: alert.month.startMilliseconds)
        guard held[id]?.knownAlerts.insert(key).inserted ?? true else { return false }
        try writeUsageRows()
        return try EffectsWriter.insertAlert(alert, accountID: accountID, usageID: usageID, at: time, db: session)
    }

    func recordRecharge(_ attempt: RechargeAttempt, credit: CreditEffects?, accountID: Int64, usageID: Int64) throws {
        guard var figures = account, figures.id == accountID else { preconditionFailure("a recharge of another account") }
        try writeUsageRows()
        let written = try credit.map { try insertCredit($0, accountID: accountID, reference: nil) }
        try EffectsWriter.insertRechargeAttempt(attempt, transferID: written?.transferID, accountID: accountID, usageID: usageID, db: session)
        if let credit, let written {
            figures.apply(credit, lotID: written.lotID)
            totals?.add(credit.amount, to: .payments)
            if let month = held[accountID]?.month { held[accountID]?.recharged[month.startMilliseconds, default: 0] += credit.amount.nanos }
        }
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
        if effects.credits { totals?.add(effects.amount, to: .adjustments) }
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
