import Foundation

/// A value behind a lock, for state that several threads share.
///
/// Why not `Synchronization.Mutex`: on Linux it locks with raw futexes, which ThreadSanitizer
/// does not see, so it reports every access through one as a race (CI runs the tests under the
/// thread sanitizer). `NSLock` is a pthread mutex, which it understands.
public final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) { self.value = value }

    /// Runs `body` with the value, holding the lock.
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
