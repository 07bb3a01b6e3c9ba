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

    /// A book of `entries` (any order). Two entries of one model at the same time are a
    /// programmer error (a ledger never holds them).
    public init(_ entries: [PriceEntry]) {
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
    }

    /// The bundled default price book.
    public static let standard = PriceBook(DefaultPriceBook.entries)

    /// The position in ``entries`` of the entry in force for `model` at `time`.
    ///
    /// Refuses ``ChargeRefusal/unknownModel(_:)`` for a model without prices and
    /// ``ChargeRefusal/noPriceAtTime(model:time:earliest:)`` before its first price.
    public func entryIndex(model: String, at time: Timestamp) throws(ChargeRefusal) -> Int {
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
            if case .noPriceAtTime(_, _, let earliest) = error { return .notYetInForce(earliest: earliest) }
            return .unknownModel
        }
    }
}
