/// What a simulated policy did over a trace.
public struct SimulationResult: Hashable, Sendable {
    /// Requests in the trace (an aggregated row counts as one, as the ledger charges it).
    public var requests: Int = 0
    /// Requests charged, and requests blocked: refused because the balance was zero or below,
    /// or month-to-date spend had reached the hard limit. `requests = charged + blocked`.
    public var charged: Int = 0
    public var blocked: Int = 0
    /// What the charged requests cost.
    public var cost: Money = .zero
    /// Recharges whose payment succeeded, and what they added.
    public var recharges: Int = 0
    public var recharged: Money = .zero
    /// Recharges whose payment failed (nothing added).
    public var failedRecharges: Int = 0
    /// Credit written off when lots expired (a year after purchase).
    public var expired: Money = .zero
    /// The lowest balance at any moment, the balance after the last request, and the balance
    /// averaged over time from the first request to the last: the credit tied up, on average.
    public var minimumBalance: Money = .zero
    public var finalBalance: Money = .zero
    public var averageBalance: Money = .zero
    /// The first and last request times; nil for an empty trace.
    public var firstAt: Timestamp?
    public var lastAt: Timestamp?
    /// One row per calendar month (UTC) from the first request's to the last one's.
    public var months: [SimulationMonth] = []

    public init() {}
}

/// One calendar month (UTC) of a simulation.
public struct SimulationMonth: Hashable, Sendable {
    /// The month's first instant (00:00 UTC on the first).
    public var start: Timestamp
    public var requests: Int = 0
    public var charged: Int = 0
    public var blocked: Int = 0
    public var cost: Money = .zero
    public var recharges: Int = 0
    public var recharged: Money = .zero
    public var failedRecharges: Int = 0
    public var expired: Money = .zero
    /// The lowest balance during the month and the balance at its end (or after the last request).
    public var minimumBalance: Money
    public var closingBalance: Money

    public init(start: Timestamp, openingBalance: Money) {
        self.start = start
        self.minimumBalance = openingBalance
        self.closingBalance = openingBalance
    }

    /// `2026-01`.
    public var label: String { String(start.dateString.prefix(7)) }
}

/// Receives what happens during a run, for charts. The simulator is generic over it, so a run
/// without one (``NoSimulationObserver``) pays nothing for the calls.
public protocol SimulationObserver {
    /// The balance after a request was charged at `timeMilliseconds`.
    mutating func charged(balanceNanos: Int64, atMilliseconds timeMilliseconds: Int64)
    /// A request blocked at `timeMilliseconds`.
    mutating func blocked(atMilliseconds timeMilliseconds: Int64)
    /// A recharge attempted: its amount, whether the payment went through, and the balance after.
    mutating func recharged(amountNanos: Int64, succeeded: Bool, balanceNanos: Int64, atMilliseconds timeMilliseconds: Int64)
    /// Credit written off at a lot's expiry, and the balance after.
    mutating func expired(amountNanos: Int64, balanceNanos: Int64, atMilliseconds timeMilliseconds: Int64)
}

/// An observer that ignores everything: the simulator's fast path.
public struct NoSimulationObserver: SimulationObserver {
    public init() {}
    @inline(__always) public mutating func charged(balanceNanos: Int64, atMilliseconds timeMilliseconds: Int64) {}
    @inline(__always) public mutating func blocked(atMilliseconds timeMilliseconds: Int64) {}
    @inline(__always) public mutating func recharged(amountNanos: Int64, succeeded: Bool, balanceNanos: Int64, atMilliseconds timeMilliseconds: Int64) {}
    @inline(__always) public mutating func expired(amountNanos: Int64, balanceNanos: Int64, atMilliseconds timeMilliseconds: Int64) {}
}
