import GRDB
import TokenLedgerCore

/// One field of a model's prices that a catalog would change: a rate of one tier, band and
/// token class, or the context window, or the long-context threshold.
public struct PriceFieldChange: Sendable, Hashable {
    /// The tier and band of a rate; nil for `max_input_tokens`, `max_output_tokens` and
    /// `long_context_threshold_tokens`.
    public var key: RateKey?
    /// A ``TokenClass``'s name for a rate (`input`, `cached_input`, `input_audio`…); else the window's name.
    public var field: String
    /// The value in force: nanodollars per million tokens for a rate, tokens otherwise; nil
    /// when not given.
    public var old: Int64?
    /// The catalog's value, in the same unit; nil when the catalog gives none.
    public var new: Int64?

    /// A change of `field` (of the rate at `key`, or a window when `key` is nil) from `old` to `new`.
    public init(key: RateKey?, field: String, old: Int64?, new: Int64?) {
        self.key = key
        self.field = field
        self.old = old
        self.new = new
    }

    /// Whether the values are rates (nanodollars per million tokens) rather than token counts.
    public var isRate: Bool { key != nil }
}

/// What a catalog's entry for one model means against the price book at a time.
public struct PriceChange: Sendable, Hashable {
    /// `new`: no entry is in force for the model; `changed`: the entry in force differs;
    /// `unchanged`: it has the same rates, windows and threshold.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case new
        case changed
        case unchanged
    }

    /// The model (the catalog's key).
    public var model: String
    /// New model, changed or unchanged.
    public var kind: Kind
    /// The entry in force at the time, if any.
    public var current: PriceEntry?
    /// The catalog's entry, effective from the time.
    public var proposed: PriceEntry
    /// The fields that differ, in a fixed order (tier, band, class; then the windows); every
    /// field the catalog gives for a new model; empty when unchanged.
    public var fields: [PriceFieldChange]

    /// Compares the catalog's `proposed` entry with the `current` one in force.
    public init(current: PriceEntry?, proposed: PriceEntry) {
        self.model = proposed.model
        self.current = current
        self.proposed = proposed
        self.fields = PriceChange.fieldChanges(from: current, to: proposed)
        self.kind = current == nil ? .new : fields.isEmpty ? .unchanged : .changed
    }

    /// Every field whose value differs between `old` and `new` (all of `new`'s when `old` is nil).
    static func fieldChanges(from old: PriceEntry?, to new: PriceEntry) -> [PriceFieldChange] {
        var changes: [PriceFieldChange] = []
        var keys = Set(new.rates.keys)
        if let old { keys.formUnion(old.rates.keys) }
        for key in keys.sorted() {
            for tokenClass in TokenClass.allCases {
                let before = old?.rates[key]?[tokenClass]
                let after = new.rates[key]?[tokenClass]
                if before != after { changes.append(PriceFieldChange(key: key, field: tokenClass.rawValue, old: before, new: after)) }
            }
        }
        let windows: [(String, Int64?, Int64?)] = [
            ("max_input_tokens", old?.maxInputTokens, new.maxInputTokens),
            ("max_output_tokens", old?.maxOutputTokens, new.maxOutputTokens),
            ("long_context_threshold_tokens", old?.longContextThresholdTokens, new.longContextThresholdTokens),
        ]
        for (name, before, after) in windows where before != after {
            changes.append(PriceFieldChange(key: nil, field: name, old: before, new: after))
        }
        return changes
    }
}

/// What ``Ledger/importPrices(_:effectiveFrom:)`` did.
public struct PriceImportSummary: Sendable {
    /// The catalog's format (the added entries' source).
    public var format: PriceCatalogFormat
    /// When the added entries take effect.
    public var effectiveFrom: Timestamp
    /// One change per catalog entry, in the catalog's order: `new` and `changed` ones were
    /// added as entries, `unchanged` ones added nothing.
    public var changes: [PriceChange]
    /// The catalog's keys that were not taken, and why.
    public var skipped: [(model: String, reason: String)]

    /// What importing `catalog` as of `effectiveFrom` changed.
    package init(_ catalog: PriceCatalog, effectiveFrom: Timestamp, changes: [PriceChange]) {
        self.format = catalog.format
        self.effectiveFrom = effectiveFrom
        self.changes = changes
        self.skipped = catalog.skipped
    }

    /// The models that got a new entry (new models and changed prices).
    public var added: [PriceChange] { changes.filter { $0.kind != .unchanged } }
    /// The models whose entry in force already had the catalog's prices.
    public var unchanged: [PriceChange] { changes.filter { $0.kind == .unchanged } }
}

extension Ledger {
    /// Imports a price catalog as of `effectiveFrom`, in one transaction: for each entry that
    /// ``PriceCatalog/entries(asOf:)`` gives (the price in force at `effectiveFrom`, effective
    /// then, and dated changes after it, from their dates), if the entry in force for its model
    /// at that time has the same rates, windows and threshold, nothing is added; otherwise the
    /// entry (its source the catalog's format, `litellm` or `genai-prices`) is.
    ///
    /// Importing the same catalog again adds nothing; usage before `effectiveFrom` keeps the
    /// prices of its time. Throws ``PriceRefusal``: `.invalidEntry` when an entry fails
    /// ``PriceEntry/problem``, `.entryExists` when a model already has a different entry at
    /// exactly `effectiveFrom` (history is never rewritten). Refused or failed, it writes nothing.
    @discardableResult
    public func importPrices(_ catalog: PriceCatalog, effectiveFrom: Timestamp) throws -> PriceImportSummary {
        let entries = try Ledger.checkedEntries(of: catalog, effectiveFrom: effectiveFrom)
        let changes = try write { db in try Ledger.importPrices(entries, format: catalog.format, db: db) }
        return PriceImportSummary(catalog, effectiveFrom: effectiveFrom, changes: changes)
    }

    /// The entries importing `catalog` as of `effectiveFrom` would add
    /// (``PriceCatalog/entries(asOf:)``), each checked (``PriceRefusal/invalidEntry(_:)``).
    package static func checkedEntries(of catalog: PriceCatalog, effectiveFrom: Timestamp) throws -> [PriceEntry] {
        let entries = catalog.entries(asOf: effectiveFrom)
        for entry in entries {
            if let problem = entry.problem { throw PriceRefusal.invalidEntry("\(entry.model): \(problem)") }
        }
        return entries
    }

    /// Adds the `entries` of a catalog in `format` whose prices differ from those in force at
    /// their times, inside the store's transaction; one ``PriceChange`` per entry.
    package static func importPrices(_ entries: [PriceEntry], format: PriceCatalogFormat, db: some BooksWriter) throws -> [PriceChange] {
        var histories = try PriceStore.histories(db: db)
        var changes: [PriceChange] = []
        changes.reserveCapacity(entries.count)
        for entry in entries {
            let change = PriceChange(current: PriceStore.inForce(histories[entry.model] ?? [], at: entry.effectiveFrom), proposed: entry)
            if change.kind != .unchanged {
                var history = histories[entry.model] ?? []
                if history.contains(where: { $0.effectiveFrom == entry.effectiveFrom }) {
                    // Throws entryExists: a different entry is already at this exact time.
                    let inserted = try PriceStore.insertIfAbsent(entry, source: format.rawValue, db: db)
                    precondition(inserted, "an identical entry at this time would be the one in force")
                } else {
                    try PriceStore.insert(entry, source: format.rawValue, db: db)
                }
                // A later entry of the same model (a dated change) compares with this one.
                history.insert(entry, at: history.firstIndex { $0.effectiveFrom > entry.effectiveFrom } ?? history.endIndex)
                histories[entry.model] = history
            }
            changes.append(change)
        }
        return changes
    }

    /// What importing `catalog` as of `time` would change, without writing: one ``PriceChange``
    /// per entry an import would add (new model, changed with the old and new value of each
    /// field that differs, or unchanged), in the catalog's order; a dated change after `time` is
    /// compared with the prices in force at its date.
    public func diffPrices(_ catalog: PriceCatalog, at time: Timestamp) throws -> [PriceChange] {
        try read { db in try Ledger.diffPrices(catalog, at: time, db: db) }
    }

    /// ``diffPrices(_:at:)`` over either store.
    package static func diffPrices(_ catalog: PriceCatalog, at time: Timestamp, db: some BooksReader) throws -> [PriceChange] {
        let histories = try PriceStore.histories(db: db)
        return catalog.entries(asOf: time).map { entry in
            PriceChange(current: PriceStore.inForce(histories[entry.model] ?? [], at: entry.effectiveFrom), proposed: entry)
        }
    }
}
