/// The balance over time of one simulated run, reduced to a fixed number of time buckets, with
/// the recharges and blocked requests: what a chart of the run draws, in memory that does not
/// grow with the trace.
///
/// Each bucket keeps the lowest, highest and last balance seen in it and how many requests
/// were blocked in it; recharges (succeeded or failed) are kept one by one up to
/// ``maximumEvents``, then only counted per bucket.
public struct BalanceSeries: SimulationObserver, Sendable {
    /// One slice of time.
    public struct Bucket: Hashable, Sendable {
        /// The slice's end (exclusive), milliseconds since 1970.
        public var endMilliseconds: Int64
        public var minimumNanos: Int64
        public var maximumNanos: Int64
        public var lastNanos: Int64
        public var blocked: Int = 0
        /// Whether anything happened in the slice (else the balance carried over).
        public var touched = false
    }

    /// A recharge attempted.
    public struct Recharge: Hashable, Sendable {
        public var atMilliseconds: Int64
        public var amountNanos: Int64
        public var succeeded: Bool
        public var balanceAfterNanos: Int64
    }

    public static let maximumEvents = 2_000

    public let firstMilliseconds: Int64
    public let lastMilliseconds: Int64
    public private(set) var buckets: [Bucket]
    public private(set) var recharges: [Recharge] = []
    /// Recharges not kept in ``recharges`` (beyond ``maximumEvents``).
    public private(set) var rechargesNotListed = 0
    /// The balance at the start.
    public let startNanos: Int64

    /// A series over `[first, last]` in `bucketCount` slices, starting at `startBalance`.
    public init(firstMilliseconds: Int64, lastMilliseconds: Int64, startBalance: Money, bucketCount: Int = 600) {
        precondition(bucketCount > 0 && lastMilliseconds >= firstMilliseconds)
        self.firstMilliseconds = firstMilliseconds
        self.lastMilliseconds = lastMilliseconds
        startNanos = startBalance.nanos
        let span = lastMilliseconds - firstMilliseconds + 1
        buckets = (0..<bucketCount).map { index in
            let end = firstMilliseconds + Int64((Int128(span) * Int128(index + 1) / Int128(bucketCount)))
            return Bucket(endMilliseconds: end, minimumNanos: startBalance.nanos, maximumNanos: startBalance.nanos, lastNanos: startBalance.nanos)
        }
    }

    private func index(of time: Int64) -> Int {
        let span = Int128(lastMilliseconds - firstMilliseconds + 1)
        let offset = Int128(min(max(time, firstMilliseconds), lastMilliseconds) - firstMilliseconds)
        return Int(offset * Int128(buckets.count) / span)
    }

    private mutating func note(_ balance: Int64, at time: Int64) {
        let index = index(of: time)
        if !buckets[index].touched {
            // Carry the balance from the slices before, then start this one.
            let previous = index > 0 ? lastBalance(before: index) : startNanos
            buckets[index].minimumNanos = min(previous, balance)
            buckets[index].maximumNanos = max(previous, balance)
            buckets[index].touched = true
        }
        buckets[index].minimumNanos = min(buckets[index].minimumNanos, balance)
        buckets[index].maximumNanos = max(buckets[index].maximumNanos, balance)
        buckets[index].lastNanos = balance
    }

    /// The balance at the end of the last touched slice before `index`.
    private func lastBalance(before index: Int) -> Int64 {
        var cursor = index - 1
        while cursor >= 0 {
            if buckets[cursor].touched { return buckets[cursor].lastNanos }
            cursor -= 1
        }
        return startNanos
    }

    /// The slices with their balances filled in: an untouched slice keeps the balance before it.
    public var filledBuckets: [Bucket] {
        var result = buckets
        var carried = startNanos
        for index in result.indices {
            if result[index].touched {
                carried = result[index].lastNanos
            } else {
                result[index].minimumNanos = carried
                result[index].maximumNanos = carried
                result[index].lastNanos = carried
            }
        }
        return result
    }

    public mutating func charged(balanceNanos: Int64, atMilliseconds timeMilliseconds: Int64) {
        note(balanceNanos, at: timeMilliseconds)
    }

    public mutating func blocked(atMilliseconds timeMilliseconds: Int64) {
        buckets[index(of: timeMilliseconds)].blocked += 1
    }

    public mutating func recharged(amountNanos: Int64, succeeded: Bool, balanceNanos: Int64, atMilliseconds timeMilliseconds: Int64) {
        note(balanceNanos, at: timeMilliseconds)
        if recharges.count < BalanceSeries.maximumEvents {
            recharges.append(Recharge(atMilliseconds: timeMilliseconds, amountNanos: amountNanos, succeeded: succeeded, balanceAfterNanos: balanceNanos))
        } else {
            rechargesNotListed += 1
        }
    }

    public mutating func expired(amountNanos: Int64, balanceNanos: Int64, atMilliseconds timeMilliseconds: Int64) {
        note(balanceNanos, at: timeMilliseconds)
    }
}
