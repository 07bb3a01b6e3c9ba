/// The times a model's price entries take effect, oldest first: finds the entry in force.
///
/// The one place the rule is written: a request is priced by the model's entry with the latest
/// `effectiveFrom` not after the request's time. The in-memory ``PriceBook`` and the stores use it.
public struct PriceHistory: Sendable {
    /// Each entry's `effectiveFrom` in milliseconds, ascending, one per entry.
    public private(set) var effectiveFromMilliseconds: [Int64]

    /// A history of entries taking effect at `effectiveFromMilliseconds`, ascending.
    public init(effectiveFromMilliseconds: [Int64]) {
        precondition(zip(effectiveFromMilliseconds, effectiveFromMilliseconds.dropFirst()).allSatisfy { $0 < $1 }, "one entry per model and time, ascending")
        self.effectiveFromMilliseconds = effectiveFromMilliseconds
    }

    /// The position of the entry in force at `time`; nil before the first entry (or with none).
    public func indexInForce(at time: Timestamp) -> Int? {
        Self.indexInForce(at: time, count: effectiveFromMilliseconds.count) { effectiveFromMilliseconds[$0] }
    }

    /// The position, among `count` entries whose `effectiveFrom` (in milliseconds, ascending) is
    /// `effectiveFrom(i)`, of the one in force at `time`; nil before the first.
    @inlinable
    public static func indexInForce(at time: Timestamp, count: Int, effectiveFrom: (Int) -> Int64) -> Int? {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if effectiveFrom(middle) <= time.milliseconds { low = middle + 1 } else { high = middle }
        }
        return low > 0 ? low - 1 : nil
    }
}
