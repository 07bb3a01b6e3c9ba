import GRDB
import TokenLedgerCore

/// Charges many requests inside one write transaction, keeping in memory what the transaction
/// has already read: each account's balance and live lots, and each model's price entries.
///
/// Why: charging row by row re-read the account, the live lots and the price entry for every
/// request. Inside one write transaction nothing else can change them (the transaction holds
/// the write lock, and price entries are never updated), so one read per account and per model
/// is enough. Per request it writes only what the journal needs (the usage row, its transfer
/// and allocations) with prepared statements; account balances and lot remainders are written
/// by ``flush()``, which the caller must run before the transaction ends or anything reads them.
///
/// Results are exactly those of ``Ledger/charge(_:usage:prices:db:)`` row by row: the same
/// receipts, the same refusals in the same order, the same transfers, balances after and
/// allocations. All checks come before any write, so a refused request changes nothing, in
/// the file or in memory.
final class ChargeBatch {
    private let db: Database
    private let prices: PriceCache
    private var accountIndexes: [ExactText: Int] = [:]
    private var accounts: [BatchAccount] = []
    private var models: [ExactText: [PricePoint]] = [:]
    private var entries: [Int64: PriceEntry] = [:]
    /// Balance changes of the system accounts not yet written, by account id.
    private var systemDeltas: [Int64: Int64] = [:]
    private let recordedStatement: DirectStatement
    private let transferStatement: DirectStatement
    private let allocationStatement: DirectStatement
    private let usageStatement: DirectStatement

    /// A batch over `db`, which must be inside a write transaction for the batch's whole life.
    init(db: Database, prices: PriceCache) throws {
        self.db = db
        self.prices = prices
        recordedStatement = try DirectStatement(db: db, sql: "SELECT 1 FROM usage WHERE request_id = ?", parameterCount: 1)
        transferStatement = try DirectStatement(
            db: db,
            sql: """
                INSERT INTO transfer (reference, kind, debit_account_id, credit_account_id, amount_nanos, occurred_at_ms, balance_after_nanos)
                VALUES (NULL, ?, ?, ?, ?, ?, ?)
                """, parameterCount: 6)
        allocationStatement = try DirectStatement(
            db: db, sql: "INSERT INTO allocation (transfer_id, lot_id, amount_nanos) VALUES (?, ?, ?)", parameterCount: 3)
        usageStatement = try DirectStatement(
            db: db,
            sql: """
                INSERT INTO usage (request_id, account_id, transfer_id, price_entry_id, model, service_tier, band, input_tokens,
                    cached_tokens, cache_write_tokens, output_tokens, requests, cost_nanos, occurred_at_ms, balance_after_nanos, project, api_key,
                    end_user)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, parameterCount: 18)
    }

    /// Records one charge (a valid request and its usage), as ``Ledger/charge(_:usage:prices:db:)``.
    ///
    /// Throws ``ChargeRefusal`` in the same order, having written nothing.
    func charge(_ request: ChargeRequest, usage: TokenUsage) throws -> ChargeReceipt {
        let requestID = request.requestID ?? Ledger.generatedID("req")
        try recordedStatement.bind(requestID, at: 1)
        if try recordedStatement.hasRow() {
            guard let existing = try Ledger.existingCharge(requestID: requestID, db: db) else { preconditionFailure("usage row vanished") }
            guard existing.matches(request, usage: usage) else { throw ChargeRefusal.idConflict(requestID) }
            return existing.receipt
        }
        let index = try accountIndex(named: request.account)
        let (entryID, entry) = try entryInForce(model: request.model, at: request.at)
        let cost: Cost
        do throws(PricingRefusal) { cost = try entry.cost(of: usage, tier: request.tier) } catch { throw ChargeRefusal(error, model: request.model) }
        let expired = Credits.expired(accounts[index].lots, at: request.at)
        var balance = accounts[index].account.balance
        for lot in expired { balance -= lot.remaining }
        let allowance = accounts[index].account.overdraftAllowance
        if request.enforce, cost.total > balance + allowance {
            throw ChargeRefusal.insufficientBalance(cost: cost.total, available: balance + allowance)
        }
        guard let balanceAfter = balance.adding(-cost.total) else { throw ChargeRefusal.balanceOverflow }
        // After this point the operation must succeed.
        try writeOff(expired, account: index)
        let (allocations, uncovered) = Credits.allocate(cost.total, from: accounts[index].lots, at: request.at)
        let accountID = accounts[index].account.id
        var transferID: Int64?
        if cost.total.nanos > 0 {
            let id = try record("usage", debit: index, credit: .usage, amount: cost.total, at: request.at, balanceAfter: balanceAfter)
            try spend(allocations, transferID: id, account: index)
            transferID = id
        }
        try insertUsage(
            request, usage: usage, requestID: requestID, accountID: accountID, transferID: transferID, entryID: entryID, cost: cost,
            balanceAfter: balanceAfter)
        precondition(accounts[index].account.balance == balanceAfter)
        return ChargeReceipt(
            id: requestID, account: accounts[index].account.name, model: request.model, tier: request.tier, band: cost.band, usage: usage,
            cost: cost.total, balance: balanceAfter, overdraft: uncovered, priceEffectiveFrom: entry.effectiveFrom, at: request.at,
            duplicate: false)
    }

    /// Inserts the usage row of a charge.
    private func insertUsage(
        _ request: ChargeRequest, usage: TokenUsage, requestID: String, accountID: Int64, transferID: Int64?, entryID: Int64, cost: Cost,
        balanceAfter: Money
    ) throws {
        let statement = usageStatement
        try statement.bind(requestID, at: 1)
        try statement.bind(accountID, at: 2)
        try statement.bind(transferID, at: 3)
        try statement.bind(entryID, at: 4)
        try statement.bind(request.model, at: 5)
        try statement.bind(request.tier.rawValue, at: 6)
        try statement.bind(cost.band.rawValue, at: 7)
        try statement.bind(usage.inputTokens, at: 8)
        try statement.bind(usage.cachedTokens, at: 9)
        try statement.bind(usage.cacheWriteTokens, at: 10)
        try statement.bind(usage.outputTokens, at: 11)
        try statement.bind(request.requests, at: 12)
        try statement.bind(cost.total.nanos, at: 13)
        try statement.bind(request.at.milliseconds, at: 14)
        try statement.bind(balanceAfter.nanos, at: 15)
        try statement.bind(request.project, at: 16)
        try statement.bind(request.apiKey, at: 17)
        try statement.bind(request.user, at: 18)
        try statement.execute()
    }

    /// Writes the balances and lot remainders kept in memory. Run it before the transaction
    /// ends and before anything reads accounts or lots; the batch can go on after it.
    func flush() throws {
        for index in accounts.indices where accounts[index].isChanged {
            let account = accounts[index].account
            try db.run("UPDATE account SET balance_nanos = ? WHERE id = ?", [account.balance.nanos, account.id])
            for lotIndex in accounts[index].lots.indices where accounts[index].changedLots.contains(accounts[index].lots[lotIndex].id) {
                let lot = accounts[index].lots[lotIndex]
                try db.run("UPDATE lot SET remaining_nanos = ? WHERE id = ?", [lot.remaining.nanos, lot.id])
            }
            accounts[index].changedLots.removeAll(keepingCapacity: true)
            accounts[index].lots.removeAll { $0.remaining.nanos == 0 }
            accounts[index].isChanged = false
        }
        for (accountID, delta) in systemDeltas.sorted(by: { $0.key < $1.key }) where delta != 0 {
            try Ledger.post(Money(nanos: delta), to: accountID, db: db)
        }
        systemDeltas.removeAll(keepingCapacity: true)
    }

    /// The position of the customer account `name` in ``accounts``, read once per batch.
    private func accountIndex(named name: String) throws -> Int {
        if let index = accountIndexes[ExactText(name)] { return index }
        guard let account = try Account.find(named: name, db: db) else { throw ChargeRefusal.unknownAccount(name) }
        accounts.append(BatchAccount(account: account, lots: try Ledger.liveLots(accountID: account.id, db: db)))
        accountIndexes[ExactText(name)] = accounts.count - 1
        return accounts.count - 1
    }

    /// The entry in force for `model` at `time`, as ``PriceStore/entryInForce(model:at:db:cache:)``.
    private func entryInForce(model: String, at time: Timestamp) throws -> (id: Int64, entry: PriceEntry) {
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
        if let entry = entries[id] { return (id, entry) }
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
        if let points = models[ExactText(model)] { return points }
        var points: [PricePoint] = []
        let rows = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT id, effective_from_ms FROM price_entry WHERE model = ? ORDER BY effective_from_ms"), arguments: [model])
        while let row = try rows.next() { points.append(PricePoint(id: row[0], effectiveFromMilliseconds: row[1])) }
        models[ExactText(model)] = points
        return points
    }

    /// Writes off the remainder of `expired` lots of an account, each at its expiry, as
    /// ``Ledger/bringUpToDate(_:at:db:)`` does.
    private func writeOff(_ expired: [Lot], account index: Int) throws {
        for lot in expired {
            let balanceAfter = accounts[index].account.balance - lot.remaining
            let transferID = try record("expiry", debit: index, credit: .expired, amount: lot.remaining, at: lot.expiresAt, balanceAfter: balanceAfter)
            try spend([Allocation(lotID: lot.id, amount: lot.remaining)], transferID: transferID, account: index)
        }
    }

    /// Appends a debit transfer of a customer account to a system account; the balances change
    /// in memory. Returns the transfer's id.
    private func record(
        _ kind: String, debit index: Int, credit system: SystemAccount, amount: Money, at time: Timestamp, balanceAfter: Money
    ) throws -> Int64 {
        precondition(amount.nanos > 0)
        let accountID = accounts[index].account.id
        try transferStatement.bind(kind, at: 1)
        try transferStatement.bind(accountID, at: 2)
        try transferStatement.bind(system.rawValue, at: 3)
        try transferStatement.bind(amount.nanos, at: 4)
        try transferStatement.bind(time.milliseconds, at: 5)
        try transferStatement.bind(balanceAfter.nanos, at: 6)
        try transferStatement.execute()
        accounts[index].account.balance -= amount
        accounts[index].isChanged = true
        precondition(accounts[index].account.balance == balanceAfter)
        systemDeltas[system.rawValue, default: 0] += amount.nanos
        return db.lastInsertedRowID
    }

    /// Records `allocations` of a transfer and takes them from the account's lots in memory.
    private func spend(_ allocations: [Allocation], transferID: Int64, account index: Int) throws {
        for allocation in allocations {
            try allocationStatement.bind(transferID, at: 1)
            try allocationStatement.bind(allocation.lotID, at: 2)
            try allocationStatement.bind(allocation.amount.nanos, at: 3)
            try allocationStatement.execute()
            guard let lotIndex = accounts[index].lots.firstIndex(where: { $0.id == allocation.lotID }) else {
                preconditionFailure("allocation from a lot the batch does not hold")
            }
            accounts[index].lots[lotIndex].remaining -= allocation.amount
            precondition(accounts[index].lots[lotIndex].remaining.nanos >= 0)
            accounts[index].changedLots.insert(allocation.lotID)
        }
    }
}

/// An account as a batch holds it: its balance and live lots as they are now in the
/// transaction, and what is not yet written.
private struct BatchAccount {
    var account: Account
    /// The lots that had credit when read, with their remainders now (some may be zero).
    var lots: [Lot]
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
private struct ExactText: Hashable {
    let text: String

    init(_ text: String) { self.text = text }

    static func == (lhs: ExactText, rhs: ExactText) -> Bool { lhs.text.utf8.elementsEqual(rhs.text.utf8) }

    func hash(into hasher: inout Hasher) {
        let hashed: Void? = text.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if hashed == nil { for byte in text.utf8 { hasher.combine(byte) } }
        hasher.combine(text.utf8.count)
    }
}
