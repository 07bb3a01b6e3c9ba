/// Runs an auto-recharge policy over a trace in memory, by the ledger's own rules.
///
/// The start balance is one purchased lot at the first request's time. Requests go in time
/// order; a request is **blocked** (not charged) when the balance is zero or below, or when
/// month-to-date spend has reached the hard limit; otherwise it is charged its cost (the balance
/// may go below zero, as the ledger's overdraft), its lots spent earliest-expiring first; then
/// ``Charging/figures(afterCharging:balance:monthToDate:recharge:rechargedThisMonth:maximumPurchase:)``,
/// the ledger's own money step, gives the balance, month-to-date spend and decides a
/// recharge exactly as after a ledger charge, a purchase that repays overdraft first and
/// expires a year later, unless its payment fails. Lots expire a year after purchase, what
/// remains of them written off at that instant.
///
/// ```swift
/// let result = Simulator.run(trace, policy: SimulationPolicy(startBalance: Money(dollars: 20), recharge: policy))
/// print(result.recharges, result.blocked, result.averageBalance)
/// ```
public enum Simulator {
    /// The result of `policy` over `trace`: the fast path, with nothing recorded along the way.
    public static func run(_ trace: SimulationTrace, policy: SimulationPolicy) -> SimulationResult {
        var observer = NoSimulationObserver()
        return run(trace, policy: policy, observer: &observer)
    }

    /// The result of `policy` over `trace`, with the balance over time recorded in `series`.
    public static func run(_ trace: SimulationTrace, policy: SimulationPolicy, series: inout BalanceSeries) -> SimulationResult {
        run(trace, policy: policy, observer: &series)
    }

    /// The result of `policy` over `trace`, telling `observer` what happens.
    public static func run<Observer: SimulationObserver>(
        _ trace: SimulationTrace, policy: SimulationPolicy, observer: inout Observer
    ) -> SimulationResult {
        guard let first = trace.firstMilliseconds, let last = trace.lastMilliseconds else {
            var result = SimulationResult()
            result.minimumBalance = policy.startBalance
            result.finalBalance = policy.startBalance
            result.averageBalance = policy.startBalance
            return result
        }
        var run = PolicyRun(policy: policy, firstMilliseconds: first, observer: observer)
        let times = trace.timesMilliseconds
        for tile in trace.tiles {
            let offset = tile.offsetMilliseconds
            trace.costArrays[tile.costIndex].withUnsafeBufferPointer { costs in
                times.withUnsafeBufferPointer { times in
                    for index in 0..<times.count {
                        run.request(atMilliseconds: times[index] + offset, costNanos: costs[index])
                    }
                }
            }
        }
        observer = run.observer
        return run.finish(firstMilliseconds: first, lastMilliseconds: last)
    }
}

/// The state of one policy's run: the balance, its lots, this month's figures.
///
/// Lots are purchases only, so spending them earliest-expiring first is spending them in the
/// order they were bought: the front lot is the only one partly spent, and the credit in lots
/// is always `max(balance, 0)` (a purchase made in overdraft repays it first).
struct PolicyRun<Observer: SimulationObserver> {
    let policy: SimulationPolicy
    /// Block once month-to-date spend reaches this; `Int64.max` (never) without a limit.
    let hardLimitNanos: Int64
    var observer: Observer
    var generator: SplitMix64

    var balance: Int64
    var monthToDate: Int64 = 0
    var rechargedThisMonth: Int64 = 0
    /// The earliest-expiring lot with credit left (remaining 0 and expiry `Int64.max`: none),
    /// and the lots bought after it, oldest first, from `queueHead` on.
    var frontRemaining: Int64 = 0
    var frontExpiry: Int64 = .max
    var queue: [(expiry: Int64, remaining: Int64)] = []
    var queueHead = 0
    /// The next month boundary, and the earlier of it and the front lot's expiry.
    var nextMonthStart: Int64
    var nextEvent: Int64
    /// Balance × milliseconds since the first request, and when it was last added to.
    var area: Int128 = 0
    var lastMilliseconds: Int64

    var month: SimulationMonth
    var months: [SimulationMonth] = []

    init(policy: SimulationPolicy, firstMilliseconds: Int64, observer: Observer) {
        precondition(policy.startBalance.nanos >= 0, "the start balance is a purchase")
        self.policy = policy
        self.observer = observer
        hardLimitNanos = policy.hardLimit?.nanos ?? .max
        generator = SplitMix64(seed: policy.seed)
        balance = policy.startBalance.nanos
        let first = Timestamp(milliseconds: firstMilliseconds)
        if balance > 0 {
            frontRemaining = balance
            frontExpiry = Credits.purchaseExpiry(from: first).milliseconds
        }
        nextMonthStart = first.startOfNextMonth.milliseconds
        nextEvent = min(nextMonthStart, frontExpiry)
        lastMilliseconds = firstMilliseconds
        month = SimulationMonth(start: first.startOfMonth, openingBalance: policy.startBalance)
    }

    /// One request of the trace, at `time` and costing `cost` if charged.
    @inline(__always)
    mutating func request(atMilliseconds time: Int64, costNanos cost: Int64) {
        if time >= nextEvent { advance(to: time) }
        area += Int128(balance) * Int128(time - lastMilliseconds)
        lastMilliseconds = time
        month.requests += 1
        if balance <= 0 || monthToDate >= hardLimitNanos {
            month.blocked += 1
            observer.blocked(atMilliseconds: time)
            return
        }
        let spent = min(cost, max(balance, 0))
        // The ledger's own money step (the balance, month-to-date spend, the recharge due).
        let after = Charging.figures(
            afterCharging: cost, balance: balance, monthToDate: monthToDate, recharge: policy.recharge, rechargedThisMonth: rechargedThisMonth,
            maximumPurchase: policy.maximumPurchase)
        balance = after.balanceNanos
        monthToDate = after.monthToDateNanos
        month.cost.nanos += cost
        if balance < month.minimumBalance.nanos { month.minimumBalance.nanos = balance }
        if spent < frontRemaining { frontRemaining -= spent } else { spendAcrossLots(spent) }
        observer.charged(balanceNanos: balance, atMilliseconds: time)
        if let amount = after.rechargeDue { recharge(amount, atMilliseconds: time) }
    }

    /// Spends `amount` from the front lot and the ones after it, as far as it goes.
    mutating func spendAcrossLots(_ amount: Int64) {
        var left = amount
        while left > 0, left >= frontRemaining, frontExpiry != .max {
            left -= frontRemaining
            popFront()
        }
        frontRemaining -= left
        precondition(frontRemaining >= 0, "lots hold max(balance, 0)")
    }

    /// Makes the next lot the front one (or none).
    mutating func popFront() {
        if queueHead < queue.count {
            (frontExpiry, frontRemaining) = queue[queueHead]
            queueHead += 1
            if queueHead > 64, queueHead * 2 > queue.count {
                queue.removeFirst(queueHead)
                queueHead = 0
            }
        } else {
            (frontExpiry, frontRemaining) = (.max, 0)
        }
        nextEvent = min(nextMonthStart, frontExpiry)
    }

    /// Month boundaries and lot expiries up to `time`, in time order (a month's boundary
    /// before an expiry at the same instant, which belongs to the new month).
    mutating func advance(to time: Int64) {
        while nextEvent <= time {
            let at = nextEvent
            area += Int128(balance) * Int128(at - lastMilliseconds)
            lastMilliseconds = at
            if nextMonthStart <= frontExpiry {
                closeMonth(at: at)
            } else {
                let amount = frontRemaining
                balance -= amount
                month.expired.nanos += amount
                if balance < month.minimumBalance.nanos { month.minimumBalance.nanos = balance }
                observer.expired(amountNanos: amount, balanceNanos: balance, atMilliseconds: at)
                popFront()
            }
        }
    }

    /// Ends the month at its boundary `at` and opens the next one.
    mutating func closeMonth(at: Int64) {
        month.closingBalance = Money(nanos: balance)
        months.append(month)
        let start = Timestamp(milliseconds: at)
        month = SimulationMonth(start: start, openingBalance: Money(nanos: balance))
        monthToDate = 0
        rechargedThisMonth = 0
        nextMonthStart = start.startOfNextMonth.milliseconds
        nextEvent = min(nextMonthStart, frontExpiry)
    }

    /// The auto-recharge of `amount` that a charge at `time` called for, credited as the ledger
    /// credits it (``Credits/credit(_:kind:to:at:expiresAt:)``) unless its payment fails.
    mutating func recharge(_ amount: Money, atMilliseconds time: Int64) {
        if self.policy.paymentFailureRate.fails(draw: generator.next()) {
            month.failedRecharges += 1
            observer.recharged(amountNanos: amount.nanos, succeeded: false, balanceNanos: balance, atMilliseconds: time)
            return
        }
        let at = Timestamp(milliseconds: time)
        guard let credit = Credits.credit(amount, kind: .recharge, to: Money(nanos: balance), at: at, expiresAt: Credits.purchaseExpiry(from: at))
        else { preconditionFailure("a balance below a threshold plus a purchase fits") }
        balance = credit.balanceAfter.nanos
        rechargedThisMonth += amount.nanos
        month.recharges += 1
        month.recharged.nanos += amount.nanos
        let remaining = credit.lotRemaining.nanos
        if remaining > 0 {
            let expiry = credit.expiresAt.milliseconds
            if frontExpiry == .max {
                (frontExpiry, frontRemaining) = (expiry, remaining)
                nextEvent = min(nextMonthStart, frontExpiry)
            } else {
                queue.append((expiry, remaining))
            }
        }
        observer.recharged(amountNanos: amount.nanos, succeeded: true, balanceNanos: balance, atMilliseconds: time)
    }

    /// The result, once every request has been run.
    mutating func finish(firstMilliseconds first: Int64, lastMilliseconds last: Int64) -> SimulationResult {
        month.closingBalance = Money(nanos: balance)
        months.append(month)
        for index in months.indices { months[index].charged = months[index].requests - months[index].blocked }
        var result = SimulationResult()
        result.months = months
        result.firstAt = Timestamp(milliseconds: first)
        result.lastAt = Timestamp(milliseconds: last)
        result.finalBalance = Money(nanos: balance)
        result.minimumBalance = Money(nanos: min(policy.startBalance.nanos, months.map(\.minimumBalance.nanos).min() ?? balance))
        let span = last - first
        result.averageBalance = span > 0 ? Money(nanos: Int64(Rounding.halfToEven(area, dividedBy: Int128(span)))) : Money(nanos: balance)
        for month in months {
            result.requests += month.requests
            result.charged += month.requests - month.blocked
            result.blocked += month.blocked
            result.cost += month.cost
            result.recharges += month.recharges
            result.recharged += month.recharged
            result.failedRecharges += month.failedRecharges
            result.expired += month.expired
        }
        return result
    }
}
