import GRDB
import Synchronization
import TokenLedgerCore

/// Reading and writing price entries: one `price_entry` row and a `price_rate` row per tier and band.
package enum PriceStore {
    /// Builds an entry from its `price_entry` row and its rates.
    package static func entry(row: Row, db: some BooksReader) throws -> PriceEntry {
        entry(row: row, rates: try db.select("SELECT * FROM price_rate WHERE price_entry_id = ?", sqlValues(row["id"] as Int64)))
    }

    /// Builds an entry from its `price_entry` row and its `price_rate` rows.
    static func entry(row: Row, rates rateRows: [Row]) -> PriceEntry {
        var rates: [RateKey: TokenRates] = [:]
        for rate in rateRows {
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

    /// Entries of `model` (or all models), each with its source, by model and time: those in
    /// force at `time` (one per model, by ``PriceHistory/indexInForce(at:)``), or every entry
    /// when `time` is nil. Two statements whatever the number of entries (a statement per entry
    /// costs a round trip each on a database server).
    static func entries(model: String?, at time: Timestamp?, db: some BooksReader) throws -> [(entry: PriceEntry, source: String)] {
        let rows: [Row]
        let rateRows: [Row]
        if let model {
            rows = try db.select("SELECT * FROM price_entry WHERE model = ? ORDER BY model, effective_from_ms", sqlValues(model))
            rateRows = try db.select(
                "SELECT r.* FROM price_rate r JOIN price_entry e ON e.id = r.price_entry_id WHERE e.model = ?", sqlValues(model))
        } else {
            rows = try db.select("SELECT * FROM price_entry ORDER BY model, effective_from_ms")
            rateRows = try db.select("SELECT * FROM price_rate")
        }
        var inForce: [Row] = []
        if let time {
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
        } else {
            inForce = rows
        }
        let rates = Dictionary(grouping: rateRows) { $0["price_entry_id"] as Int64 }
        return inForce.map { (entry(row: $0, rates: rates[$0["id"] as Int64] ?? []), $0["source"]) }
    }

    /// Every entry, by id, in two statements.
    static func entriesByID(db: some BooksReader) throws -> [Int64: PriceEntry] {
        let rates = Dictionary(grouping: try db.select("SELECT * FROM price_rate")) { $0["price_entry_id"] as Int64 }
        var entries: [Int64: PriceEntry] = [:]
        for row in try db.select("SELECT * FROM price_entry") {
            let id: Int64 = row["id"]
            entries[id] = entry(row: row, rates: rates[id] ?? [])
        }
        return entries
    }

    /// Every model's entries, oldest first: the whole price book, read once (for an import or a
    /// diff, which compare each catalog entry with the entry in force at its time).
    ///
    /// Reads the books without the ``PriceCache``: inside a write transaction that may still roll
    /// back, an entry it inserted must never be remembered under an id that another entry could
    /// reuse.
    static func histories(db: some BooksReader) throws -> [String: [PriceEntry]] {
        Dictionary(grouping: try entries(model: nil, at: nil, db: db).map(\.entry), by: \.model)
    }

    /// The entry in force at `time` among `history` (one model's entries, oldest first).
    static func inForce(_ history: [PriceEntry], at time: Timestamp) -> PriceEntry? {
        PriceHistory.indexInForce(at: time, count: history.count) { history[$0].effectiveFrom.milliseconds }.map { history[$0] }
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
        try insert(entry, source: source, db: db)
        return true
    }

    /// Inserts `entry`, which no entry of its model at its time precedes (the unique key refuses
    /// one that does), with its rates: two statements.
    package static func insert(_ entry: PriceEntry, source: String, db: some BooksWriter) throws {
        let inserted = try db.select(
            """
            INSERT INTO price_entry (model, effective_from_ms, source, max_input_tokens, max_output_tokens, long_context_threshold_tokens, provider)
            VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id
            """,
            sqlValues(
                entry.model, entry.effectiveFrom.milliseconds, source, entry.maxInputTokens, entry.maxOutputTokens, entry.longContextThresholdTokens,
                entry.provider))
        let id: Int64 = inserted[0]["id"]
        // One statement for all its rates, in a fixed order.
        let keys = entry.rates.keys.sorted { ($0.tier.rawValue, $0.band.rawValue) < ($1.tier.rawValue, $1.band.rawValue) }
        guard !keys.isEmpty else { return }
        var arguments: [DatabaseValue] = []
        arguments.reserveCapacity(keys.count * 12)
        for key in keys {
            let rates = entry.rates[key]!
            arguments += sqlValues(
                id, key.tier.rawValue, key.band.rawValue, rates.input, rates.cachedInput, rates.cacheWrite, rates.output,
                rates.breakdown.cacheWrite1h, rates.breakdown.inputAudio, rates.breakdown.inputImage, rates.breakdown.outputAudio,
                rates.breakdown.outputImage)
        }
        try db.perform(
            """
            INSERT INTO price_rate (price_entry_id, service_tier, band, input_nanos_per_million, cached_input_nanos_per_million,
                cache_write_nanos_per_million, output_nanos_per_million, cache_write_1h_nanos_per_million, input_audio_nanos_per_million,
                input_image_nanos_per_million, output_audio_nanos_per_million, output_image_nanos_per_million)
            VALUES
            """ + Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", count: keys.count).joined(separator: ", "), arguments)
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
        try read { db in try Ledger.prices(model: model, at: time, db: db) }
    }

    /// ``prices(model:at:)`` over either store.
    package static func prices(model: String?, at time: Timestamp?, db: some BooksReader) throws -> [ListedPrice] {
        try PriceStore.entries(model: model, at: time, db: db).map { ListedPrice(entry: $0.entry, source: $0.source) }
    }

    /// Adds a price entry effective from its time. Returns false when the same entry already
    /// exists (nothing written). Throws ``PriceRefusal`` for an invalid entry, or when a
    /// different entry exists for the same model and time (history is never rewritten).
    @discardableResult
    public func setPrice(_ entry: PriceEntry) throws -> Bool {
        try Ledger.checkPrice(entry)
        return try write { db in try PriceStore.insertIfAbsent(entry, source: "manual", db: db) }
    }

    /// Refuses an entry that fails ``PriceEntry/problem`` (``PriceRefusal/invalidEntry(_:)``).
    package static func checkPrice(_ entry: PriceEntry) throws {
        if let problem = entry.problem { throw PriceRefusal.invalidEntry(problem) }
    }
}
