import Foundation
import TokenLedgerCore

extension Timestamp {
    /// The current time, to the millisecond, from the system's real-time clock: what the
    /// fronts (the CLI, the service) stamp a request with when it gives no time. The rules in
    /// the core never read the clock.
    public static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(milliseconds: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }
}
