import GRDB
import TokenLedgerCore

/// Usage added up per `usage_daily` key (account, UTC day, model, tier, band, project, API
/// key, user, provider) and not yet written: what a ``ChargeBatch`` adds to the rollup at its flush.
///
/// Why in memory: an import's rows mostly share their key with a recent row, so adding them
/// up here turns a million upserts into a few. The sums of the last few keys are kept in a
/// short list and found by comparing, without hashing (rows of a day alternating between a few
/// models, projects or keys); the oldest moves to the dictionary when a new key comes.
struct DailyRollup {
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
    mutating func add(_ request: ChargeRequest, usage: TokenUsage, accountID: Int64, band: PriceBand, cost: Money, db: Database) throws {
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
    private mutating func merge(_ key: Key, _ added: Sums, db: Database) throws {
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
    func heldCost(accountID: Int64, from: Int64, to: Int64, project: String? = nil) -> Int64 {
        var total: Int64 = 0
        let held = sums.map { ($0.key, $0.value) } + recent.map { ($0.key, $0.sums) }
        for (key, sums) in held where key.accountID == accountID && key.dayMilliseconds >= from && key.dayMilliseconds < to {
            if let project, key.project != ExactText(project) { continue }
            total += sums.costNanos
        }
        return total
    }

    /// Adds what is held to `usage_daily` and forgets it.
    mutating func flush(db: Database) throws {
        while !recent.isEmpty {
            let entry = recent.removeFirst()
            try merge(entry.key, entry.sums, db: db)
        }
        guard !sums.isEmpty else { return }
        wrote = true
        let statement = try DirectStatement(
            cachedIn: db,
            sql: """
                INSERT INTO usage_daily (account_id, day_ms, model, service_tier, band, project, api_key, end_user, provider, charges,
                    requests, input_tokens, cached_tokens, cache_write_tokens, output_tokens, cost_nanos, cache_write_1h_tokens,
                    input_audio_tokens, input_image_tokens, output_audio_tokens, output_image_tokens)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (account_id, day_ms, model, service_tier, band, project, api_key, end_user, provider) DO UPDATE SET
                    charges = charges + excluded.charges, requests = requests + excluded.requests,
                    input_tokens = input_tokens + excluded.input_tokens, cached_tokens = cached_tokens + excluded.cached_tokens,
                    cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens,
                    output_tokens = output_tokens + excluded.output_tokens, cost_nanos = cost_nanos + excluded.cost_nanos,
                    cache_write_1h_tokens = cache_write_1h_tokens + excluded.cache_write_1h_tokens,
                    input_audio_tokens = input_audio_tokens + excluded.input_audio_tokens,
                    input_image_tokens = input_image_tokens + excluded.input_image_tokens,
                    output_audio_tokens = output_audio_tokens + excluded.output_audio_tokens,
                    output_image_tokens = output_image_tokens + excluded.output_image_tokens
                """, parameterCount: 21)
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
            let counts =
                [sums.charges, sums.requests, sums.input, sums.cached, sums.cacheWrite, sums.output, sums.costNanos] + sums.breakdown.fields.map(\.value)
            for (index, value) in counts.enumerated() { try statement.bind(value, at: Int32(index + 10)) }
            _ = try statement.step(in: db)
        }
        sums.removeAll(keepingCapacity: true)
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
