import Foundation
import Metrics
import Prometheus
import TokenLedgerCore

/// The service's metrics, through swift-metrics into a Prometheus registry of the service's own
/// (not the process-wide bootstrap, so that a library user's metrics system is left alone):
/// requests by operation and status, refusals by code, request latency by operation, and the
/// size of each commit group. `GET /metrics` serves the registry as Prometheus text.
final class ServiceMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let groupSizes: Recorder

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
        ]
        factory.valueHistogramBuckets["tokenledger_commit_group_size"] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 10_000]
        self.factory = factory
        groupSizes = Recorder(label: "tokenledger_commit_group_size", factory: factory)
    }

    /// One answered request.
    func request(operation: String, status: Int, duration: Duration, refusal: String?) {
        Counter(label: "tokenledger_http_requests_total", dimensions: [("operation", operation), ("status", String(status))], factory: factory)
            .increment()
        Metrics.Timer(label: "tokenledger_http_request_duration_seconds", dimensions: [("operation", operation)], factory: factory)
            .recordInterval(duration)
        if let refusal { Counter(label: "tokenledger_refusals_total", dimensions: [("code", refusal)], factory: factory).increment() }
    }

    /// One committed group of `operations`.
    func committed(operations: Int) { groupSizes.record(operations) }

    /// The Prometheus text exposition.
    func exposition() -> [UInt8] { registry.emitToBuffer() }
}

extension Metrics.Timer {
    func recordInterval(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
