import Foundation
import Metrics
import Prometheus
import TokenLedger
import TokenLedgerCore

/// The service's metrics, through swift-metrics into a Prometheus registry of the service's own
/// (not the process-wide bootstrap, so that a library user's metrics system is left alone):
/// requests by operation and status, refusals by code, request latency by operation, and the
/// size of each commit group. `GET /metrics` serves the registry as Prometheus text.
final class ServiceMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    /// How many accounts `/metrics` names (by balance, largest first): the rest are in the totals.
    static let topAccounts = 20
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
        let (counter, timer) = requestMetrics(operation: operation, status: status)
        counter.increment()
        timer.recordInterval(duration)
        if let refusal { Counter(label: "tokenledger_refusals_total", dimensions: [("code", refusal)], factory: factory).increment() }
    }

    private struct RequestKey: Hashable {
        var operation: String
        var status: Int
    }

    /// The counter and timer of each operation and status, made once: making them looks them up
    /// in the registry by label and dimensions, which cost more than counting.
    private let requestMetricsMade = Locked<[RequestKey: (Metrics.Counter, Metrics.Timer)]>([:])

    private func requestMetrics(operation: String, status: Int) -> (Metrics.Counter, Metrics.Timer) {
        let key = RequestKey(operation: operation, status: status)
        if let made = requestMetricsMade.withLock({ $0[key] }) { return made }
        let made = (
            Counter(label: "tokenledger_http_requests_total", dimensions: [("operation", operation), ("status", String(status))], factory: factory),
            Metrics.Timer(label: "tokenledger_http_request_duration_seconds", dimensions: [("operation", operation)], factory: factory)
        )
        requestMetricsMade.withLock { $0[key] = made }
        return made
    }

    /// One attempt to post an event to a webhook, by its outcome (`delivered`, `retry`, `failed`).
    func webhookAttempt(outcome: String, kind: String) {
        Counter(label: "tokenledger_webhook_attempts_total", dimensions: [("outcome", outcome), ("kind", kind)], factory: factory).increment()
    }

    /// The books' figures as Prometheus gauges (``FinanceFigures``), read at each scrape: money
    /// written as the exact decimal string of dollars (never through a float).
    static func exposition(of figures: FinanceFigures) -> [UInt8] {
        var text = "# TYPE tokenledger_account_balance_usd gauge\n"
        for figure in figures.topAccounts { text += "tokenledger_account_balance_usd{account=\"\(label(figure.account))\"} \(figure.balance.decimalString)\n" }
        text += "# TYPE tokenledger_account_available_usd gauge\n"
        for figure in figures.topAccounts {
            text += "tokenledger_account_available_usd{account=\"\(label(figure.account))\"} \(figure.available.decimalString)\n"
        }
        text += "# TYPE tokenledger_accounts gauge\ntokenledger_accounts \(figures.accounts)\n"
        text += "# TYPE tokenledger_balance_usd_total gauge\ntokenledger_balance_usd_total \(figures.totalBalance.decimalString)\n"
        text += "# TYPE tokenledger_available_usd_total gauge\ntokenledger_available_usd_total \(figures.totalAvailable.decimalString)\n"
        text += "# TYPE tokenledger_recharges_total counter\n"
        for status in ["succeeded", "failed"] { text += "tokenledger_recharges_total{status=\"\(status)\"} \(figures.recharges[status] ?? 0)\n" }
        text += "# TYPE tokenledger_events_total counter\n"
        for kind in LedgerEventKind.allCases { text += "tokenledger_events_total{kind=\"\(kind.rawValue)\"} \(figures.events[kind.rawValue] ?? 0)\n" }
        text += "# TYPE tokenledger_webhook_deliveries gauge\n"
        for status in ["pending", "delivered", "failed"] {
            text += "tokenledger_webhook_deliveries{status=\"\(status)\"} \(figures.deliveries[status] ?? 0)\n"
        }
        return Array(text.utf8)
    }

    /// A label value escaped as Prometheus's text format wants: backslash, quote, newline.
    private static func label(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
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
