import GRDB
import TokenLedgerCore

/// Usage added up per `usage_daily` key (account, UTC day, model, tier, band, project, API
/// key, user, provider) and not yet written: what a ``ChargeBatch`` adds to the rollup at its flush.
///
/// Why in memory: an import's rows mostly share their key with a recent row, so adding them
/// up here turns a million upserts into a few. The sums of the last few keys are kept in a
/// short list and found by comparing, without hashing (rows of a day alternating between a few
/// models, projects or keys); the oldest moves to the dictionary when a new key comes.
package struct DailyRollup {
    /// Keys held before the sums are written, so that memory stays flat on any import.
    static let flushThreshold = 4_096
    static let dayMilliseconds: Int64 = 86_400_000

    /// How many recent keys are kept out of the dictionary.
    static let recentKeys = 8

    private var sums: [Key: Sums] = [:]
    /// The sums of the most recent keys, the most recent last.
    private var recent: [(key: Key, sums: Sums)] = []

    /// Whether ``flush(db:)`` has written sums since this was last set to false.
    var wrote = false

    /// How many keys are held.
    var count: Int { sums.count + recent.count }

    /// Adds a recorded usage. Sums that would overflow in memory are written first, so that
    /// SQLite refuses the overflow (an error, not a crash).
    package init() {}

    package mutating func add(_ request: ChargeRequest, usage: TokenUsage, accountID: Int64, band: PriceBand, cost: Money, db: some BooksWriter) throws {
        let milliseconds = request.at.milliseconds
        let key = Key(
            accountID: accountID, dayMilliseconds: milliseconds - milliseconds % Self.dayMilliseconds, model: ExactText(request.model),
            tier: request.tier, band: band, project: ExactText(request.project ?? ""), apiKey: ExactText(request.apiKey ?? ""),
            user: ExactText(request.user ?? ""), provider: ExactText(request.namedProvider ?? ""))
        let added = Sums(
            charges: 1, requests: request.requests, input: usage.inputTokens, cached: usage.cachedTokens, cacheWrite: usage.cacheWriteTokens,
            output: usage.outputTokens, costNanos: cost.nanos, breakdown: usage.breakdown)
        var position = recent.count - 1
        while position >= 0, recent[position].key != key { position -= 1 }
        if position >= 0 {
            if let total = recent[position].sums.adding(added) {
                recent[position].sums = total
                return
            }
            try flush(db: db)
        } else if recent.count >= Self.recentKeys {
            let oldest = recent.removeFirst()
            try merge(oldest.key, oldest.sums, db: db)
        }
        recent.append((key, added))
    }

    /// Moves sums to the dictionary (writing what is held first if they would overflow).
    private mutating func merge(_ key: Key, _ added: Sums, db: some BooksWriter) throws {
        guard let held = sums[key] else {
            sums[key] = added
            return
        }
        if let total = held.adding(added) {
            sums[key] = total
        } else {
            try flush(db: db)
            sums[key] = added
        }
    }

    /// The cost held (not yet written) of an account's usage on days in `[from, to)`, of one
    /// project when `project` is given: what a reader of `usage_daily` adds to what it reads,
    /// rather than flushing in the middle of a charge that may yet be refused.
    package func heldCost(accountID: Int64, from: Int64, to: Int64, project: String? = nil) -> Int64 {
        var total: Int64 = 0
        let held = sums.map { ($0.key, $0.value) } + recent.map { ($0.key, $0.sums) }
        for (key, sums) in held where key.accountID == accountID && key.dayMilliseconds >= from && key.dayMilliseconds < to {
            if let project, key.project != ExactText(project) { continue }
            total += sums.costNanos
        }
        return total
    }

    /// Adds what is held to `usage_daily` and forgets it.
    package mutating func flush(db: some BooksWriter) throws {
        while !recent.isEmpty {
            let entry = recent.removeFirst()
            try merge(entry.key, entry.sums, db: db)
        }
        guard !sums.isEmpty else { return }
        wrote = true
        guard let sqlite = db as? Database else {
            // PostgreSQL: the same upsert, each key's values bound as one row.
            for (key, sums) in sums { try db.perform(Self.upsert, Self.values(key, sums)) }
            sums.removeAll(keepingCapacity: true)
            return
        }
        let statement = try DirectStatement(cachedIn: sqlite, sql: Self.upsert, parameterCount: 21)
        for (key, sums) in sums {
            let values: [Int64] = [key.accountID, key.dayMilliseconds]
            for (index, value) in values.enumerated() { try statement.bind(value, at: Int32(index + 1)) }
            try statement.bind(key.model.text, at: 3)
            try statement.bind(key.tier.rawValue, at: 4)
            try statement.bind(key.band.rawValue, at: 5)
            try statement.bind(key.project.text, at: 6)
            try statement.bind(key.apiKey.text, at: 7)
            try statement.bind(key.user.text, at: 8)
            try statement.bind(key.provider.text, at: 9)
            for (index, value) in sums.counts.enumerated() { try statement.bind(value, at: Int32(index + 10)) }
            _ = try statement.step(in: sqlite)
        }
        sums.removeAll(keepingCapacity: true)
    }

    /// The columns of `usage_daily` that ``upsert`` and ``upsertRows`` write: a key's, then its sums'.
    package static let columns = """
        account_id, day_ms, model, service_tier, band, project, api_key, end_user, provider, charges, requests, input_tokens, cached_tokens,
        cache_write_tokens, output_tokens, cost_nanos, cache_write_1h_tokens, input_audio_tokens, input_image_tokens, output_audio_tokens,
        output_image_tokens
        """

    /// What an upsert does with a key that has a row: adds the sums to it (both stores: the
    /// row's sums are named by the table, as PostgreSQL requires, the sums added by `excluded`).
    package static let addingToRow = """
        ON CONFLICT (account_id, day_ms, model, service_tier, band, project, api_key, end_user, provider) DO UPDATE SET
            charges = usage_daily.charges + excluded.charges, requests = usage_daily.requests + excluded.requests,
            input_tokens = usage_daily.input_tokens + excluded.input_tokens, cached_tokens = usage_daily.cached_tokens + excluded.cached_tokens,
            cache_write_tokens = usage_daily.cache_write_tokens + excluded.cache_write_tokens,
            output_tokens = usage_daily.output_tokens + excluded.output_tokens, cost_nanos = usage_daily.cost_nanos + excluded.cost_nanos,
            cache_write_1h_tokens = usage_daily.cache_write_1h_tokens + excluded.cache_write_1h_tokens,
            input_audio_tokens = usage_daily.input_audio_tokens + excluded.input_audio_tokens,
            input_image_tokens = usage_daily.input_image_tokens + excluded.input_image_tokens,
            output_audio_tokens = usage_daily.output_audio_tokens + excluded.output_audio_tokens,
            output_image_tokens = usage_daily.output_image_tokens + excluded.output_image_tokens
        """

    /// Adds one key's sums to its row of `usage_daily`.
    private static let upsert = "INSERT INTO usage_daily (\(columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)\n" + addingToRow

    /// One key's sums as a row of `usage_daily`, in ``columns``' order: the account and day, the
    /// key's text (model, tier, band, project, API key, user, provider; "" for none), the sums.
    package struct Row {
        package var accountID: Int64
        package var dayMilliseconds: Int64
        package var texts: [String]
        package var counts: [Int64]
    }

    /// Every key held with its sums, and forgets them: for a store that writes them its own
    /// way (PostgreSQL's, all in one statement). Sums past 64 bits are an error, as the
    /// database's would be.
    package mutating func takeRows() throws -> [Row] {
        for entry in recent {
            guard let held = sums[entry.key] else {
                sums[entry.key] = entry.sums
                continue
            }
            guard let total = held.adding(entry.sums) else {
                throw LedgerError(.database, path: "", detail: "usage_daily: a day's sums past the largest 64-bit integer")
            }
            sums[entry.key] = total
        }
        recent.removeAll(keepingCapacity: true)
        guard !sums.isEmpty else { return [] }
        wrote = true
        defer { sums.removeAll(keepingCapacity: true) }
        return sums.map { key, sums in
            Row(
                accountID: key.accountID, dayMilliseconds: key.dayMilliseconds,
                texts: [key.model.text, key.tier.rawValue, key.band.rawValue, key.project.text, key.apiKey.text, key.user.text, key.provider.text],
                counts: sums.counts)
        }
    }

    /// The 21 values of ``upsert`` for one key and its sums.
    private static func values(_ key: Key, _ sums: Sums) -> [DatabaseValue] {
        sqlValues(
            key.accountID, key.dayMilliseconds, key.model.text, key.tier.rawValue, key.band.rawValue, key.project.text, key.apiKey.text, key.user.text,
            key.provider.text)
            + sums.counts.map(\.databaseValue)
    }

    private struct Key: Hashable {
        var accountID: Int64
        var dayMilliseconds: Int64
        var model: ExactText
        var tier: ServiceTier
        var band: PriceBand
        var project: ExactText
        var apiKey: ExactText
        var user: ExactText
        var provider: ExactText
    }

    private struct Sums {
        var charges: Int64 = 0
        var requests: Int64 = 0
        var input: Int64 = 0
        var cached: Int64 = 0
        var cacheWrite: Int64 = 0
        var output: Int64 = 0
        var costNanos: Int64 = 0
        var breakdown = TokenBreakdown.none

        /// The counts in the order of ``upsert``'s columns (from `charges`).
        var counts: [Int64] { [charges, requests, input, cached, cacheWrite, output, costNanos] + breakdown.fields.map(\.value) }

        /// The sums of both, or nil when one would overflow.
        func adding(_ other: Sums) -> Sums? {
            var total = Sums()
            var overflow = false
            func add(_ left: Int64, _ right: Int64) -> Int64 {
                let (sum, overflowed) = left.addingReportingOverflow(right)
                overflow = overflow || overflowed
                return sum
            }
            total.charges = add(charges, other.charges)
            total.requests = add(requests, other.requests)
            total.input = add(input, other.input)
            total.cached = add(cached, other.cached)
            total.cacheWrite = add(cacheWrite, other.cacheWrite)
            total.output = add(output, other.output)
            total.costNanos = add(costNanos, other.costNanos)
            // Each part of the breakdown is within the input or output, so it cannot overflow when they do not.
            guard !overflow else { return nil }
            total.breakdown = breakdown.adding(other.breakdown)
            return total
        }
    }
}
