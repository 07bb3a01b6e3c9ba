/// A trace ready to simulate: each request's time and cost, resolved once, in time order.
///
/// Why: a request's cost depends on its tokens and on the price in force at its time, never on
/// the auto-recharge policy, so it is computed once per trace and every policy then runs a
/// tight loop over two arrays of `Int64`. A trace repeated end to end (`--repeat N`) keeps one
/// copy of the times and places each repetition (a **tile**) at its own offset; tiles whose
/// requests are all priced by the same entries share one array of costs, so memory stays flat
/// in the number of repetitions.
///
/// ```swift
/// let trace = SimulationTrace(timesMilliseconds: [0, 1_000, 2_000], costsNanos: [5_000, 7_000, 6_000])
/// trace.count   // 3
/// ```
public struct SimulationTrace: Sendable {
    /// One tile's request times, in milliseconds since 1970, ascending.
    public let timesMilliseconds: [Int64]
    /// Where each tile starts, added to ``timesMilliseconds``, and which cost array it uses.
    public let tiles: [Tile]
    /// The distinct cost arrays (nanodollars per request), each as long as ``timesMilliseconds``.
    public let costArrays: [[Int64]]

    /// One repetition of the trace: its offset in milliseconds and its costs.
    public struct Tile: Hashable, Sendable {
        public var offsetMilliseconds: Int64
        public var costIndex: Int

        public init(offsetMilliseconds: Int64, costIndex: Int) {
            self.offsetMilliseconds = offsetMilliseconds
            self.costIndex = costIndex
        }
    }

    /// A trace of one tile. Times must be ascending and costs not negative (programmer errors).
    public init(timesMilliseconds: [Int64], costsNanos: [Int64]) {
        self.init(timesMilliseconds: timesMilliseconds, tiles: [Tile(offsetMilliseconds: 0, costIndex: 0)], costArrays: [costsNanos])
    }

    /// A trace of several tiles. Times ascending, costs not negative, every array as long as the
    /// times, and each tile starting no earlier than the one before ends (programmer errors).
    public init(timesMilliseconds: [Int64], tiles: [Tile], costArrays: [[Int64]]) {
        precondition(zip(timesMilliseconds, timesMilliseconds.dropFirst()).allSatisfy { $0 <= $1 }, "times must be ascending")
        precondition(costArrays.allSatisfy { $0.count == timesMilliseconds.count && $0.allSatisfy { $0 >= 0 } }, "one cost per time, none negative")
        precondition(tiles.allSatisfy { costArrays.indices.contains($0.costIndex) }, "every tile names a cost array")
        if let first = timesMilliseconds.first, let last = timesMilliseconds.last {
            precondition(zip(tiles, tiles.dropFirst()).allSatisfy { $0.offsetMilliseconds + last <= $1.offsetMilliseconds + first }, "tiles must not overlap")
        }
        self.timesMilliseconds = timesMilliseconds
        self.tiles = timesMilliseconds.isEmpty ? [] : tiles
        self.costArrays = costArrays
    }

    /// How many requests the trace holds, all tiles together.
    public var count: Int { timesMilliseconds.count * tiles.count }

    /// The first and last request times, or nil for an empty trace.
    public var firstMilliseconds: Int64? { tiles.first.map { $0.offsetMilliseconds + timesMilliseconds[0] } }
    public var lastMilliseconds: Int64? { tiles.last.map { $0.offsetMilliseconds + timesMilliseconds[timesMilliseconds.count - 1] } }

    /// What all requests cost, charged or not.
    public var totalCost: Money {
        var total: Int64 = 0
        for tile in tiles { total += costArrays[tile.costIndex].reduce(0, +) }
        return Money(nanos: total)
    }
}
