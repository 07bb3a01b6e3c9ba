import GRDB
import Synchronization
import TokenLedgerCore

/// Reading and writing price entries: one `price_entry` row and a `price_rate` row per tier and band.
enum PriceStore {
    /// The entry in force for `model` at `time`: the latest `effective_from` not after it.
    /// Throws ``ChargeRefusal`` `.unknownModel` or `.noPriceAtTime`.
    static func entryInForce(model: String, at time: Timestamp, db: Database, cache: PriceCache) throws -> (id: Int64, entry: PriceEntry) {
        if let id = try db.value(
            Int64.self, "SELECT id FROM price_entry WHERE model = ? AND effective_from_ms <= ? ORDER BY effective_from_ms DESC LIMIT 1",
            [model, time.milliseconds])
        {
            if let cached = cache.entry(id: id) { return (id, cached) }
            let entry = try entry(row: try db.row("SELECT * FROM price_entry WHERE id = ?", [id])!, db: db)
            cache.store(entry, id: id)
            return (id, entry)
        }
        guard let earliest = try db.value(Int64.self, "SELECT min(effective_from_ms) FROM price_entry WHERE model = ?", [model]) else {
            throw ChargeRefusal.unknownModel(model)
        }
        throw ChargeRefusal.noPriceAtTime(model: model, time: time, earliest: Timestamp(milliseconds: earliest))
    }

    /// Builds an entry from its `price_entry` row and its rates.
    static func entry(row: Row, db: Database) throws -> PriceEntry {
        var rates: [RateKey: TokenRates] = [:]
        for rate in try db.rows("SELECT * FROM price_rate WHERE price_entry_id = ?", [row["id"] as Int64]) {
            let key = RateKey(ServiceTier(rawValue: rate["service_tier"])!, PriceBand(rawValue: rate["band"])!)
            rates[key] = TokenRates(
                input: rate["input_nanos_per_million"], cachedInput: rate["cached_input_nanos_per_million"],
                cacheWrite: rate["cache_write_nanos_per_million"], output: rate["output_nanos_per_million"])
        }
        return PriceEntry(
            model: row["model"], effectiveFrom: Timestamp(milliseconds: row["effective_from_ms"]), rates: rates,
            maxInputTokens: row["max_input_tokens"], maxOutputTokens: row["max_output_tokens"],
            longContextThresholdTokens: row["long_context_threshold_tokens"])
    }

    /// Entries of `model` (or all models), each with its source: those in force at `time`, or
    /// every entry when `time` is nil.
    static func entries(model: String?, at time: Timestamp?, db: Database) throws -> [(entry: PriceEntry, source: String)] {
        // With no time, ?2 is the latest instant: every entry counts, not only those in force.
        let sql = """
            SELECT * FROM price_entry p WHERE (?1 IS NULL OR model = ?1)
              AND (?3 OR effective_from_ms = (SELECT max(effective_from_ms) FROM price_entry q WHERE q.model = p.model AND q.effective_from_ms <= ?2))
            ORDER BY model, effective_from_ms
            """
        let arguments: StatementArguments = [model, (time ?? .latest).milliseconds, time == nil]
        return try db.rows(sql, arguments).map { (try entry(row: $0, db: db), $0["source"]) }
    }

    /// The entry in force for `model` at `time`, or nil when the model has none then.
    ///
    /// Reads the file without the ``PriceCache``: inside a write transaction that may still roll
    /// back, an entry it inserted must never be remembered under an id that another entry could
    /// reuse.
    static func entryInForceIfAny(model: String, at time: Timestamp, db: Database) throws -> PriceEntry? {
        guard let row = try db.row(
            "SELECT * FROM price_entry WHERE model = ? AND effective_from_ms <= ? ORDER BY effective_from_ms DESC LIMIT 1",
            [model, time.milliseconds])
        else { return nil }
        return try entry(row: row, db: db)
    }

    /// Inserts `entry` unless one exists for the same model and time. Returns whether it was
    /// added; throws ``PriceRefusal/entryExists(model:effectiveFrom:)`` when the existing one differs.
    static func insertIfAbsent(_ entry: PriceEntry, source: String, db: Database) throws -> Bool {
        if let row = try db.row("SELECT * FROM price_entry WHERE model = ? AND effective_from_ms = ?", [entry.model, entry.effectiveFrom.milliseconds])
        {
            guard try self.entry(row: row, db: db) == entry else {
                throw PriceRefusal.entryExists(model: entry.model, effectiveFrom: entry.effectiveFrom)
            }
            return false
        }
        try db.run("""
                INSERT INTO price_entry (model, effective_from_ms, source, max_input_tokens, max_output_tokens, long_context_threshold_tokens)
                VALUES (?, ?, ?, ?, ?, ?)
                """, [entry.model, entry.effectiveFrom.milliseconds, source, entry.maxInputTokens, entry.maxOutputTokens, entry.longContextThresholdTokens])
        let id = db.lastInsertedRowID
        for (key, rates) in entry.rates {
            try db.run("""
                    INSERT INTO price_rate (price_entry_id, service_tier, band, input_nanos_per_million, cached_input_nanos_per_million,
                        cache_write_nanos_per_million, output_nanos_per_million) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, [id, key.tier.rawValue, key.band.rawValue, rates.input, rates.cachedInput, rates.cacheWrite, rates.output])
        }
        return true
    }
}

/// Price entries already read, by id. Entries are never updated once written (a price change
/// is a new entry), so an entry read once stays right for the life of the process.
final class PriceCache: Sendable {
    private let entries = Locked<[Int64: PriceEntry]>([:])

    func entry(id: Int64) -> PriceEntry? { entries.withLock { $0[id] } }
    func store(_ entry: PriceEntry, id: Int64) { entries.withLock { $0[id] = entry } }
}

/// A price entry with where it came from (`default`, `manual`, `litellm`).
public struct ListedPrice: Sendable, Hashable {
    public var entry: PriceEntry
    public var source: String

    public init(entry: PriceEntry, source: String) {
        self.entry = entry
        self.source = source
    }
}

extension Ledger {
    /// Price entries: those in force at `time` (every model's current one), or, when `time` is
    /// nil, the whole effective-dated history. Filtered to `model` when given.
    public func prices(model: String? = nil, at time: Timestamp?) throws -> [ListedPrice] {
        try read { db in try PriceStore.entries(model: model, at: time, db: db).map { ListedPrice(entry: $0.entry, source: $0.source) } }
    }

    /// Adds a price entry effective from its time. Returns false when the same entry already
    /// exists (nothing written). Throws ``PriceRefusal`` for an invalid entry, or when a
    /// different entry exists for the same model and time (history is never rewritten).
    @discardableResult
    public func setPrice(_ entry: PriceEntry) throws -> Bool {
        if let problem = entry.problem { throw PriceRefusal.invalidEntry(problem) }
        return try write { db in try PriceStore.insertIfAbsent(entry, source: "manual", db: db) }
    }
}
