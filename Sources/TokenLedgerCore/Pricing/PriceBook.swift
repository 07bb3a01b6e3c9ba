/// Price entries held in memory, by model, to price a trace without a ledger file.
///
/// A request is priced by the entry in force at its time: the model's entry with the latest
/// `effectiveFrom` not after it, as the ledger does. The simulator prices each request once
/// with it (the bundled ``DefaultPriceBook`` or the entries of a ledger file).
public struct PriceBook: Sendable {
    /// Every entry, grouped by model and ordered by `effectiveFrom` within a model.
    public let entries: [PriceEntry]
    /// Each model's range in ``entries``.
    private let ranges: [String: Range<Int>]
    /// The user's model aliases (name as sent → priced model), step 2 of ``ModelResolver``.
    public let aliases: [String: String]

    /// A book of `entries` (any order), resolving names with `aliases`. Two entries of one model
    /// at the same time are a programmer error (a ledger never holds them).
    public init(_ entries: [PriceEntry], aliases: [String: String] = [:]) {
        let sorted = entries.sorted { ($0.model, $0.effectiveFrom) < ($1.model, $1.effectiveFrom) }
        var ranges: [String: Range<Int>] = [:]
        var start = 0
        for index in sorted.indices where index == sorted.count - 1 || sorted[index + 1].model != sorted[index].model {
            ranges[sorted[index].model] = start..<(index + 1)
            start = index + 1
        }
        precondition(zip(sorted, sorted.dropFirst()).allSatisfy { $0.model != $1.model || $0.effectiveFrom < $1.effectiveFrom }, "one entry per model and time")
        self.entries = sorted
        self.ranges = ranges
        self.aliases = aliases
    }

    /// The bundled default price book.
    public static let standard = PriceBook(DefaultPriceBook.entries)

    /// The book's model for the name as sent (``ModelResolver``): the name itself when it is
    /// one of the book's models.
    ///
    /// Refuses ``ChargeRefusal/unknownModel(_:)`` when no step finds a priced model and
    /// ``ChargeRefusal/ambiguousModel(_:candidates:)`` when one step finds two.
    public func resolvedModel(_ sent: String) throws(ChargeRefusal) -> String {
        if ranges[sent] != nil { return sent }
        do throws(ModelResolutionFailure) {
            return try ModelResolver.resolve(sent, isPriced: { ranges[$0] != nil }, alias: { aliases[$0] }).model
        } catch {
            switch error {
            case .unknown: throw .unknownModel(sent)
            case .ambiguous(_, let candidates): throw .ambiguousModel(sent, candidates: candidates)
            }
        }
    }

    /// The position in ``entries`` of the entry in force at `time` for the model the name as
    /// sent resolves to (``resolvedModel(_:)``).
    ///
    /// Refuses ``ChargeRefusal/unknownModel(_:)`` for a model without prices (or
    /// ``ChargeRefusal/ambiguousModel(_:candidates:)``) and
    /// ``ChargeRefusal/noPriceAtTime(model:time:earliest:)`` before its first price.
    public func entryIndex(model sent: String, at time: Timestamp) throws(ChargeRefusal) -> Int {
        let model = try resolvedModel(sent)
        guard let range = ranges[model] else { throw .unknownModel(model) }
        guard let offset = PriceHistory.indexInForce(at: time, count: range.count, effectiveFrom: { entries[range.lowerBound + $0].effectiveFrom.milliseconds })
        else { throw .noPriceAtTime(model: model, time: time, earliest: entries[range.lowerBound].effectiveFrom) }
        return range.lowerBound + offset
    }

    /// The entry in force for `model` at `time`, as a store's snapshot holds it (the key is the
    /// entry's position in ``entries``).
    public func lookup(model: String, at time: Timestamp) -> PriceLookup {
        do throws(ChargeRefusal) {
            let index = try entryIndex(model: model, at: time)
            return .inForce(id: Int64(index), entry: entries[index])
        } catch {
            switch error {
            case .noPriceAtTime(_, _, let earliest): return .notYetInForce(earliest: earliest)
            case .ambiguousModel(_, let candidates): return .ambiguousModel(candidates: candidates)
            default: return .unknownModel
            }
        }
    }
}
