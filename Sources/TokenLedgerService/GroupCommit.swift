import Foundation
import NIOCore
import NIOPosix
import TokenLedger
import TokenLedgerCore

/// The one writer of the service: requests' writes wait in a bounded queue, and a thread of its
/// own takes all that wait (up to ``maximumGroup`` operations) and commits them in one
/// transaction of the books (``LedgerBooks/commit(group:locking:)``: ``Ledger/group(_:)`` on a
/// file; on PostgreSQL the accounts they write locked first, in one order). Each request is
/// answered only after its transaction has committed; a request a rule refuses answers its
/// refusal and does not abort the others.
///
/// Why a thread and not a task: the books' calls block (SQLite's, and the PostgreSQL store's), and a blocked task would hold one of the
/// few threads that run every request's code.
final class GroupCommit: @unchecked Sendable {
    /// A write waiting for its group: what it does, how many operations it counts for (a batch
    /// of charges counts each), and how to answer.
    private struct Job {
        var weight: Int
        /// What it writes (the accounts to lock first on PostgreSQL).
        var locks: GroupLocks
        var run: (any LedgerBooks) throws -> any Sendable
        var answer: (Result<any Sendable, any Error>) -> Void
        /// The event loop the request was submitted from, to be answered on (nil: answered from
        /// the writer's thread).
        var loop: (any EventLoop)?
    }

    let books: any LedgerBooks
    /// The most operations waiting; past it a write is answered 503 `busy` at once.
    let queueLimit: Int
    /// The most operations in one transaction.
    let maximumGroup: Int
    /// Called after each commit with the number of operations it held (for metrics).
    private let committed: @Sendable (Int) -> Void

    private let condition = NSCondition()
    private var queue: [Job] = []
    private var queuedWeight = 0
    private var stopping = false
    private var stopped = false
    private var thread: Thread?

    init(books: any LedgerBooks, queueLimit: Int = 20_000, maximumGroup: Int = 10_000, committed: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.books = books
        self.queueLimit = queueLimit
        self.maximumGroup = maximumGroup
        self.committed = committed
    }

    /// Starts the writer's thread.
    func start() {
        let thread = Thread { [self] in loop() }
        thread.name = "tokenledger-writer"
        self.thread = thread
        thread.start()
    }

    /// Runs `operation` in the next group; returns its result once that group has committed, or
    /// throws its refusal, the books' error, or 503 `busy` / `stopping`. `locking` says what it
    /// writes.
    func submit<T: Sendable>(
        weight: Int = 1, locking: GroupLocks = GroupLocks(), _ operation: @escaping @Sendable (any LedgerBooks) throws -> T
    ) async throws -> T {
        let result: any Sendable = try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            defer { condition.unlock() }
            if stopping {
                continuation.resume(throwing: Problem.stopping)
                return
            }
            guard queuedWeight + weight <= max(queueLimit, weight) || queue.isEmpty else {
                continuation.resume(throwing: Problem.busy(retryAfter: 1))
                return
            }
            queue.append(
                Job(
                    weight: weight, locks: locking, run: { try operation($0) }, answer: { continuation.resume(with: $0) },
                    loop: MultiThreadedEventLoopGroup.currentEventLoop))
            queuedWeight += weight
            condition.signal()
        }
        guard let value = result as? T else { preconditionFailure("a group answered with another type") }
        return value
    }

    /// Stops taking writes, commits every write already taken, and returns once the thread has
    /// finished (the in-flight requests are then all answered).
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !stopped { condition.wait() }
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if queue.isEmpty && stopping {
                stopped = true
                condition.broadcast()
                condition.unlock()
                return
            }
            var taken = 0
            var weight = 0
            while taken < queue.count && (taken == 0 || weight + queue[taken].weight <= maximumGroup) {
                weight += queue[taken].weight
                taken += 1
            }
            let jobs = Array(queue[..<taken])
            queue.removeFirst(taken)
            queuedWeight -= weight
            condition.unlock()
            run(jobs, weight: weight)
        }
    }

    private func run(_ jobs: [Job], weight: Int) {
        let results: [Result<any Sendable, any Error>]
        do {
            var locks = GroupLocks()
            for job in jobs { locks.formUnion(job.locks) }
            results = try books.commit(group: jobs.map { $0.run }, locking: locks)
            committed(weight)
        } catch {
            // The books failed the transaction: none of the group is written, each is told so.
            results = jobs.map { _ in .failure(error) }
        }
        Self.answer(jobs, with: results)
    }

    /// Answers each job, on the event loop its request came from: one hand-over per loop for the
    /// whole group (rather than one wake-up per request), and each request's task goes on on its
    /// connection's loop, where its answer is written.
    private static func answer(_ jobs: [Job], with results: [Result<any Sendable, any Error>]) {
        var byLoop: [ObjectIdentifier: (loop: any EventLoop, answers: [() -> Void])] = [:]
        for (job, result) in zip(jobs, results) {
            guard let loop = job.loop else {
                job.answer(result)
                continue
            }
            let answer = job.answer
            byLoop[ObjectIdentifier(loop), default: (loop, [])].answers.append { answer(result) }
        }
        for (loop, answers) in byLoop.values {
            let all = UncheckedSendable(answers)
            loop.execute { for answer in all.value { answer() } }
        }
    }
}

/// The answers of one group, handed to an event loop: each resumes a continuation, which may be
/// resumed from any thread.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
