import NIOCore
import PostgresNIO
import TokenLedger
import TokenLedgerCore

/// What a ``PostgresStore``'s charges recorded and it has not written yet: their usage rows
/// (column by column, as PostgreSQL's `unnest` takes them), draws on further lots, and the
/// figures they change (``PendingFigures``: balances, month counters, lots, the rollup).
struct PendingCharges {
    /// Request ids another writer recorded while an earlier run of the transaction held them.
    let recordedElsewhere: Set<String>
    /// Request ids this transaction recorded (held or written).
    private var recorded: Set<String> = []
    /// Request ids of the rows held.
    private var heldIDs: Set<String> = []
    /// The rows held, a column each (in ``columns``' order); NULL is 0 or "" (no lot id, lot
    /// amount or attribution can be either: the table's checks say so).
    private(set) var integers: [[Int64]] = Array(repeating: [], count: PendingCharges.integerColumns.count)
    private(set) var texts: [[String]] = Array(repeating: [], count: PendingCharges.textColumns.count)
    /// Draws on lots after the first of held or written rows: (usage key, draw, account).
    var draws: [(usageID: Int64, draw: Allocation, accountID: Int64)] = []
    var figures = PendingFigures()

    init(recordedElsewhere: Set<String>) {
        self.recordedElsewhere = recordedElsewhere
    }

    var rowCount: Int { integers[0].count }

    func holds(_ requestID: String) -> Bool { heldIDs.contains(requestID) }

    func recordedHere(_ requestID: String) -> Bool { recorded.contains(requestID) }

    /// Notes a request id this transaction recorded without holding its row.
    mutating func noteRecorded(_ requestID: String) { recorded.insert(requestID) }

    /// Holds a charge's usage row under the key `usageID`.
    mutating func add(_ effects: ChargeEffects, of request: ChargeRequest, usage: TokenUsage, requestID: String, usageID: Int64) {
        recorded.insert(requestID)
        heldIDs.insert(requestID)
        let numbers: [Int64] =
            [
                usageID, effects.accountID, effects.priceEntryID, usage.inputTokens, usage.cachedTokens, usage.cacheWriteTokens, usage.outputTokens,
                request.requests, effects.cost.nanos, request.at.milliseconds, effects.balanceAfter.nanos, effects.firstDraw?.lotID ?? 0,
                effects.firstDraw?.amount.nanos ?? 0,
            ] + usage.breakdown.fields.map(\.value)
        for (index, value) in numbers.enumerated() { integers[index].append(value) }
        let words = [
            requestID, effects.model, request.tier.rawValue, effects.band.rawValue, request.project ?? "", request.apiKey ?? "", request.user ?? "",
            request.model == effects.model ? "" : request.model, effects.provider ?? "",
        ]
        for (index, value) in words.enumerated() { texts[index].append(value) }
    }

    /// Forgets the rows held (once written).
    mutating func clearRows() {
        for index in integers.indices { integers[index].removeAll(keepingCapacity: true) }
        for index in texts.indices { texts[index].removeAll(keepingCapacity: true) }
        heldIDs.removeAll(keepingCapacity: true)
    }

    static let integerColumns =
        [
            "id", "account_id", "price_entry_id", "input_tokens", "cached_tokens", "cache_write_tokens", "output_tokens", "requests", "cost_nanos",
            "occurred_at_ms", "balance_after_nanos", "lot_id", "lot_nanos",
        ] + TokenBreakdown.fieldNames
    static let textColumns = ["request_id", "model", "service_tier", "band", "project", "api_key", "end_user", "model_sent", "provider"]
    /// The columns that hold NULL where a row holds 0 or "".
    static let nullable: Set<String> = ["lot_id", "lot_nanos", "project", "api_key", "end_user", "model_sent", "provider"]

    /// The insert of every row, from `parameters` (the placeholders of the columns' arrays, in
    /// ``integerColumns`` then ``textColumns`` order), `onConflict` after it.
    static func insert(from parameters: [String], onConflict: String) -> String {
        let columns = integerColumns + textColumns
        let types = integerColumns.map { _ in "bigint[]" } + textColumns.map { _ in "text[]" }
        let selected = columns.map { column in
            nullable.contains(column) ? "NULLIF(r.\(column), \(integerColumns.contains(column) ? "0" : "''"))" : "r.\(column)"
        }
        return """
            INSERT INTO usage (\(columns.joined(separator: ", ")))
            SELECT \(selected.joined(separator: ", "))
            FROM unnest(\(zip(parameters, types).map { "\($0)::\($1)" }.joined(separator: ", "))) AS r(\(columns.joined(separator: ", ")))
            \(onConflict)
            """
    }
}

/// Statements made one: each a part of a `WITH` (PostgreSQL runs every part of one statement,
/// each on the rows as they were before it, so the parts must write different rows), their
/// parameters numbered in turn.
struct WritingStatement {
    private var parts: [String] = []
    /// The part whose rows (of the column named) are the statement's answer.
    private var answer: (part: Int, column: String)?
    private var bindings = PostgresBindings()
    private var count = 0

    /// The placeholder of a new parameter, `value` bound to it.
    mutating func bind(_ value: some PostgresNonThrowingEncodable & Sendable) -> String {
        bindings.append(value)
        count += 1
        return "$\(count)"
    }

    /// Adds a statement (its parameters bound with ``bind(_:)`` first); `answering`: the column
    /// of its `RETURNING` rows that are the statement's answer (one part's at most).
    mutating func add(_ sql: String, answering column: String? = nil) {
        if let column {
            precondition(answer == nil, "two parts answering")
            answer = (parts.count, column)
        }
        parts.append(sql)
    }

    /// The statement, or nil when no part was added.
    var query: PostgresQuery? {
        guard let first = parts.first else { return nil }
        guard parts.count > 1 else { return PostgresQuery(unsafeSQL: first, binds: bindings) }
        let named = parts.enumerated().map { "w\($0.offset) AS (\($0.element))" }
        // Every part runs whether or not the answer reads it.
        let selected = answer.map { "SELECT \($0.column) FROM w\($0.part)" } ?? "SELECT 1 WHERE false"
        return PostgresQuery(unsafeSQL: "WITH " + named.joined(separator: ",\n") + "\n" + selected, binds: bindings)
    }
}

/// Keys drawn from `usage`'s sequence and not used yet: a ledger's, shared by its transactions.
final class UsageKeys: Sendable {
    /// How many keys one draw takes.
    static let drawn = 256
    private let keys = Locked<[Int64]>([])

    init() {}

    func take() -> Int64? { keys.withLock { $0.popLast() } }

    /// How many are kept.
    var count: Int { keys.withLock { $0.count } }

    /// Keeps `drawn` (in the order drawn: the first is taken first).
    func add(_ drawn: some Collection<Int64>) { keys.withLock { $0 = drawn.reversed() + $0 } }
}

/// What a ledger's transactions learn that stays true for the next: customer accounts' keys by
/// name (an account is never renamed or removed), and the models priced lately, whose price
/// points a group reads with its locks (read afresh in every transaction: only which models to
/// read is kept).
final class KnownRows: Sendable {
    /// How many models are kept, the latest priced.
    static let modelCount = 16
    private let state = Locked<(accounts: [String: Int64], models: [String])>(([:], []))

    init() {}

    /// The keys of the accounts `names`, in order, when every one is known.
    func accountIDs(named names: Set<String>) -> [Int64]? {
        state.withLock { state in
            var ids: [Int64] = []
            ids.reserveCapacity(names.count)
            for name in names {
                guard let id = state.accounts[name] else { return nil }
                ids.append(id)
            }
            return ids.sorted()
        }
    }

    func remember(account name: String, id: Int64) {
        state.withLock { $0.accounts[name] = id }
    }

    /// Forgets the accounts' keys (the books were made anew under the same names).
    func forgetAccounts() {
        state.withLock { $0.accounts.removeAll() }
    }

    /// Notes that `model`'s price points were read.
    func priced(_ model: String) {
        state.withLock { state in
            state.models.removeAll { $0 == model }
            state.models.append(model)
            if state.models.count > Self.modelCount { state.models.removeFirst() }
        }
    }

    /// The models priced lately.
    func models() -> [String] { state.withLock { $0.models } }
}

/// Request ids another writer recorded while this transaction held them too (its insert found
/// them taken): the transaction is rolled back and runs again, answering those as retries.
struct RecordedMeanwhile: Error {
    var requestIDs: Set<String>
}

extension PostgresStore {
    /// Forgets what is held and what was loaded, after the transaction was rolled back to a
    /// savepoint taken when nothing was held.
    func forget() {
        pending = PendingCharges(recordedElsewhere: pending.recordedElsewhere)
        forgetAccounts()
    }

    /// Writes everything held in one statement (its parts a `WITH` each, ``WritingStatement``):
    /// the usage rows, each account's balance and month counter, its share of `@usage`, the lots
    /// drawn and the daily rollup, each part for every row at once; then the draws on further
    /// lots. One statement rather than one a table: PostgreSQL parses, plans and answers each
    /// statement on its own, and for a group of charges that cost more than the writing.
    /// The store's figures stay (the accounts remain locked).
    ///
    /// `committing`: the transaction's last writes, sent with its `COMMIT` in one round trip
    /// (``PostgresSession/committing(_:)``), the draws too. A request id held that another
    /// writer recorded meanwhile then fails the insert, which rolls the transaction back; the ids
    /// taken are read and thrown as ``RecordedMeanwhile``, as without the commit.
    func flush(committing: Bool = false) throws {
        let rows = pending.rowCount
        var writing = WritingStatement()
        addUsageRows(to: &writing, failingOnTaken: committing)
        let (debits, counters, draws) = pending.figures.take()
        if !debits.isEmpty {
            let accounts = debits.keys.sorted()
            var ids: [Int64] = [], amounts: [Int64] = [], months: [Int64] = [], usages: [Int64] = []
            for id in accounts {
                guard let counter = counters[id] else { preconditionFailure("usage of an account without its month counter") }
                ids.append(id)
                amounts.append(debits[id]!)
                months.append(counter.startMilliseconds)
                usages.append(counter.usageNanos)
            }
            writing.add(
                """
                UPDATE account AS a SET balance_nanos = a.balance_nanos - d.amount, usage_month_ms = d.month_ms, usage_month_nanos = d.month_nanos
                FROM unnest(\(writing.bind(ids))::bigint[], \(writing.bind(amounts))::bigint[], \(writing.bind(months))::bigint[], \(writing.bind(usages))::bigint[])
                    AS d(id, amount, month_ms, month_nanos)
                WHERE a.id = d.id
                """)
            // Each account's share of @usage (``addShare``), for every account at once.
            let charged = accounts.filter { debits[$0]! != 0 }
            if !charged.isEmpty {
                writing.add(
                    """
                    INSERT INTO system_balance (account_id, system_account_id, balance_nanos)
                    SELECT d.account_id, \(writing.bind(SystemAccount.usage.rawValue))::bigint, d.nanos
                    FROM unnest(\(writing.bind(charged))::bigint[], \(writing.bind(charged.map { debits[$0]! }))::bigint[]) AS d(account_id, nanos)
                    ON CONFLICT (account_id, system_account_id) DO UPDATE SET balance_nanos = system_balance.balance_nanos + excluded.balance_nanos
                    """)
            }
        }
        let lots = draws.filter { $0.value != 0 }.keys.sorted()
        if !lots.isEmpty {
            writing.add(
                """
                UPDATE lot AS l SET remaining_nanos = l.remaining_nanos - d.amount
                FROM unnest(\(writing.bind(lots))::bigint[], \(writing.bind(lots.map { draws[$0]! }))::bigint[]) AS d(id, amount) WHERE l.id = d.id
                """)
        }
        let rollup = try pending.figures.rollup.takeRows()
        if !rollup.isEmpty {
            var columns = [writing.bind(rollup.map(\.accountID)) + "::bigint[]", writing.bind(rollup.map(\.dayMilliseconds)) + "::bigint[]"]
            for column in rollup[0].texts.indices { columns.append(writing.bind(rollup.map { $0.texts[column] }) + "::text[]") }
            for column in rollup[0].counts.indices { columns.append(writing.bind(rollup.map { $0.counts[column] }) + "::bigint[]") }
            writing.add(
                "INSERT INTO usage_daily (\(DailyRollup.columns)) SELECT * FROM unnest(" + columns.joined(separator: ", ") + ")\n" + DailyRollup.addingToRow)
        }
        var statements = writing.query.map { [$0] } ?? []
        guard committing else {
            let answers = try session.pipeline(statements)
            if rows > 0 { try checkUsageRows(inserted: answers[0]) }
            try writeDraws()
            return
        }
        statements += try pending.draws.map { usageID, draw, accountID in
            try PostgresSession.query(Self.insertDraw, sqlValues(usageID, draw.lotID, draw.amount.nanos, accountID))
        }
        do {
            _ = try session.committing(statements)
        } catch let error as LedgerError where rows > 0 && PostgresLedger.isUniqueViolation(error) {
            // Rolled back: which of the ids held another writer recorded meanwhile.
            var held = PostgresBindings(capacity: 1)
            held.append(pending.texts[0])
            let taken = try session.query(PostgresQuery(unsafeSQL: "SELECT request_id FROM usage WHERE request_id = ANY($1::text[])", binds: held))
            guard !taken.isEmpty else { throw error }
            throw RecordedMeanwhile(requestIDs: Set(try taken.map { try $0.decode(String.self) }))
        }
        pending.clearRows()
        pending.draws.removeAll()
    }

    /// Inserts a draw on a lot after the first (the first is on its usage row).
    private static let insertDraw = "INSERT INTO usage_allocation (usage_id, lot_id, amount_nanos, account_id) VALUES (?, ?, ?, ?)"

    /// Writes the usage rows held and their further draws. A request id another writer
    /// recorded meanwhile fails the transaction with ``RecordedMeanwhile`` (run again, it is
    /// answered as a retry).
    func writeUsageRows() throws {
        var writing = WritingStatement()
        addUsageRows(to: &writing, failingOnTaken: false)
        if let statement = writing.query { try checkUsageRows(inserted: try session.query(statement)) }
        try writeDraws()
    }

    /// Adds the insert of every usage row held (none when none is) to `writing`, answering the
    /// request ids inserted. `failingOnTaken`: an id another writer recorded meanwhile fails the
    /// statement (and its transaction) with a unique violation, rather than inserting nothing.
    private func addUsageRows(to writing: inout WritingStatement, failingOnTaken: Bool) {
        guard pending.rowCount > 0 else { return }
        var columns: [String] = []
        for column in pending.integers { columns.append(writing.bind(column)) }
        for column in pending.texts { columns.append(writing.bind(column)) }
        writing.add(
            PendingCharges.insert(from: columns, onConflict: failingOnTaken ? "" : "ON CONFLICT (request_id) DO NOTHING") + " RETURNING request_id",
            answering: "request_id")
    }

    /// Forgets the rows held once written, when all were: ids another writer recorded meanwhile
    /// are ``RecordedMeanwhile``.
    private func checkUsageRows(inserted: [PostgresRow]) throws {
        if inserted.count != pending.rowCount {
            let written = Set(try inserted.map { try $0.decode(String.self) })
            throw RecordedMeanwhile(requestIDs: Set(pending.texts[0]).subtracting(written))
        }
        pending.clearRows()
    }

    /// Writes the draws on further lots held (their usage rows are written).
    private func writeDraws() throws {
        for (usageID, draw, accountID) in pending.draws {
            try session.perform(Self.insertDraw, sqlValues(usageID, draw.lotID, draw.amount.nanos, accountID))
        }
        pending.draws.removeAll()
    }

    /// A key for a usage row, from `usage`'s sequence: drawn many at a time, and kept by the
    /// ledger between transactions (a key drawn is never drawn again, whether or not its
    /// transaction commits; those a process leaves unused are skipped, as a rolled-back insert's are).
    func nextUsageID() throws -> Int64 {
        if let key = usageKeys.take() { return key }
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(Int64(UsageKeys.drawn))
        let drawn = try session.query(
            PostgresQuery(unsafeSQL: "SELECT nextval(pg_get_serial_sequence('usage', 'id')) FROM generate_series(1, $1)", binds: bindings)
        ).map { try $0.decode(Int64.self) }
        usageKeys.add(drawn.dropFirst())
        return drawn[0]
    }

    /// Inserts one usage row now (a request id another writer recorded meanwhile: PostgreSQL
    /// says whether its row stands). Returns its key, or nil when the id is recorded.
    func insertUsageRow(_ effects: ChargeEffects, of request: ChargeRequest, usage: TokenUsage, requestID: String) throws -> Int64? {
        let columns = EffectsWriter.usageColumns + ", " + TokenUsage.breakdownColumnList()
        let values =
            sqlValues(
                requestID, effects.accountID, effects.priceEntryID, effects.model, request.tier.rawValue, effects.band.rawValue, usage.inputTokens,
                usage.cachedTokens, usage.cacheWriteTokens, usage.outputTokens, request.requests, effects.cost.nanos, request.at.milliseconds,
                effects.balanceAfter.nanos, effects.firstDraw?.lotID, effects.firstDraw?.amount.nanos, request.project, request.apiKey, request.user,
                request.model == effects.model ? nil : request.model, effects.provider) + usage.breakdown.fields.map(\.value.databaseValue)
        let placeholders = Array(repeating: "?", count: values.count).joined(separator: ", ")
        return try session.first(
            "INSERT INTO usage (\(columns)) VALUES (\(placeholders)) ON CONFLICT (request_id) DO NOTHING RETURNING id", values
        ).map { $0["id"] }
    }
}
