import GRDB
import Synchronization
import TokenLedgerCore

/// Reading and writing price entries: one `price_entry` row and a `price_rate` row per tier and band.
package enum PriceStore {
    /// Builds an entry from its `price_entry` row and its rates.
    package static func entry(row: Row, db: some BooksReader) throws -> PriceEntry {
        var rates: [RateKey: TokenRates] = [:]
        for rate in try db.select("SELECT * FROM price_rate WHERE price_entry_id = ?", sqlValues(row["id"] as Int64)) {
            let key = RateKey(ServiceTier(rawValue: rate["service_tier"])!, PriceBand(rawValue: rate["band"])!)
            rates[key] = TokenRates(
                input: rate["input_nanos_per_million"], cachedInput: rate["cached_input_nanos_per_million"],
                cacheWrite: rate["cache_write_nanos_per_million"], output: rate["output_nanos_per_million"],
                breakdown: BreakdownRates(
                    cacheWrite1h: rate["cache_write_1h_nanos_per_million"], inputAudio: rate["input_audio_nanos_per_million"],
                    inputImage: rate["input_image_nanos_per_million"], outputAudio: rate["output_audio_nanos_per_million"],
                    outputImage: rate["output_image_nanos_per_million"]))
        }
        return PriceEntry(
            model: row["model"], effectiveFrom: Timestamp(milliseconds: row["effective_from_ms"]), rates: rates,
            maxInputTokens: row["max_input_tokens"], maxOutputTokens: row["max_output_tokens"],
            longContextThresholdTokens: row["long_context_threshold_tokens"], provider: row["provider"])
    }

    /// Entries of `model` (or all models), each with its source: those in force at `time` (one
    /// per model, by ``PriceHistory/indexInForce(at:)``), or every entry when `time` is nil.
    static func entries(model: String?, at time: Timestamp?, db: Database) throws -> [(entry: PriceEntry, source: String)] {
        let rows = try db.rows("SELECT * FROM price_entry WHERE ?1 IS NULL OR model = ?1 ORDER BY model, effective_from_ms", [model])
        guard let time else { return try rows.map { (try entry(row: $0, db: db), $0["source"]) } }
        var inForce: [Row] = []
        var start = 0
        while start < rows.count {
            let name: String = rows[start]["model"]
            var end = start + 1
            while end < rows.count, rows[end]["model"] as String == name { end += 1 }
            let models = rows[start..<end]
            if let index = PriceHistory.indexInForce(at: time, count: models.count, effectiveFrom: { models[start + $0]["effective_from_ms"] }) {
                inForce.append(rows[start + index])
            }
            start = end
        }
        return try inForce.map { (try entry(row: $0, db: db), $0["source"]) }
    }

    /// The entry in force for `model` at `time`, or nil when the model has none then.
    ///
    /// Reads the file without the ``PriceCache``: inside a write transaction that may still roll
    /// back, an entry it inserted must never be remembered under an id that another entry could
    /// reuse.
    static func entryInForceIfAny(model: String, at time: Timestamp, db: Database) throws -> PriceEntry? {
        try entries(model: model, at: time, db: db).first?.entry
    }

    /// Inserts `entry` unless one exists for the same model and time. Returns whether it was
    /// added; throws ``PriceRefusal/entryExists(model:effectiveFrom:)`` when the existing one
    /// differs (other than by having no provider).
    package static func insertIfAbsent(_ entry: PriceEntry, source: String, db: some BooksWriter) throws -> Bool {
        if let row = try db.select(
            "SELECT * FROM price_entry WHERE model = ? AND effective_from_ms = ?", sqlValues(entry.model, entry.effectiveFrom.milliseconds)
        ).first {
            // An entry recorded before providers were (none) is the same entry with one: it keeps
            // none, so what it prices stays as it was.
            let existing = try self.entry(row: row, db: db)
            var compared = entry
            if existing.provider == nil { compared.provider = nil }
            guard existing == compared else {
                throw PriceRefusal.entryExists(model: entry.model, effectiveFrom: entry.effectiveFrom)
            }
            return false
        }
        let inserted = try db.select(
            """
            INSERT INTO price_entry (model, effective_from_ms, source, max_input_tokens, max_output_tokens, long_context_threshold_tokens, provider)
            VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id
            """,
            sqlValues(
                entry.model, entry.effectiveFrom.milliseconds, source, entry.maxInputTokens, entry.maxOutputTokens, entry.longContextThresholdTokens,
                entry.provider))
        let id: Int64 = inserted[0]["id"]
        for (key, rates) in entry.rates {
            try db.perform(
                """
                INSERT INTO price_rate (price_entry_id, service_tier, band, input_nanos_per_million, cached_input_nanos_per_million,
                    cache_write_nanos_per_million, output_nanos_per_million, cache_write_1h_nanos_per_million, input_audio_nanos_per_million,
                    input_image_nanos_per_million, output_audio_nanos_per_million, output_image_nanos_per_million)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                sqlValues(
                    id, key.tier.rawValue, key.band.rawValue, rates.input, rates.cachedInput, rates.cacheWrite, rates.output,
                    rates.breakdown.cacheWrite1h, rates.breakdown.inputAudio, rates.breakdown.inputImage, rates.breakdown.outputAudio,
                    rates.breakdown.outputImage))
        }
        return true
    }
}

/// Price entries already read, by id. Entries are never updated once written (a price change
/// is a new entry), so an entry read once stays right for the life of the process.
package final class PriceCache: Sendable {
    private let entries = Locked<[Int64: PriceEntry]>([:])

    package init() {}

    /// The entry `id`, read from the books the first time.
    package func entry(id: Int64, db: some BooksReader) throws -> PriceEntry {
        if let cached = entries.withLock({ $0[id] }) { return cached }
        guard let row = try db.first("SELECT * FROM price_entry WHERE id = ?", sqlValues(id)) else { preconditionFailure("a price entry vanished") }
        let entry = try PriceStore.entry(row: row, db: db)
        entries.withLock { $0[id] = entry }
        return entry
    }
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
