import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import TokenLedger
import TokenLedgerCore

/// Posts the ledger's events to its webhook endpoints: a service of `tokenledger serve`.
///
/// What is to be sent lives in the books (``LedgerBooks/claimDeliveries(at:limit:until:)``),
/// queued in the same transaction as each event, so a crash between a commit and its delivery
/// loses nothing: after a restart the queue is sent (at least once). Per endpoint and account, an
/// event is posted only once the one before it was delivered or given up. A failed attempt (no
/// 2xx answer in time) is tried again after a delay that doubles from ``Options/firstRetryDelay``
/// up to ``Options/maximumRetryDelay``, at most ``Options/maximumAttempts`` times; every attempt
/// is logged (``LedgerBooks/recordDeliveryAttempt(_:outcome:statusCode:error:at:retryAt:)``).
///
/// Many instances may serve one PostgreSQL database: each claims what it posts for its timeout
/// and ``claimMargin``, so that an event is posted by one instance at a time; the claims of an
/// instance that dies lapse, and another posts them. On a graceful shutdown the posts in flight
/// are cancelled, unrecorded: they are sent again later (on a file, by the next `serve`; on
/// PostgreSQL, once their claims lapse).
public final class WebhookDelivery: Service, Sendable {
    /// How deliveries are paced.
    public struct Options: Sendable {
        /// The delay before the second attempt; each further one doubles it.
        public var firstRetryDelay: Duration = .seconds(1)
        /// The longest delay between two attempts.
        public var maximumRetryDelay: Duration = .seconds(3_600)
        /// The most attempts per event and endpoint (then it is given up, `failed`).
        public var maximumAttempts = 12
        /// How long an endpoint has to answer.
        public var timeout: Duration = .seconds(10)
        /// How often the queue is looked at when nothing is due.
        public var pollInterval: Duration = .milliseconds(250)

        public init() {}

        /// The delay after failed attempt number `attempt` (1 for the first).
        func retryDelay(after attempt: Int) -> Duration {
            var delay = firstRetryDelay
            for _ in 1..<max(attempt, 1) where delay < maximumRetryDelay { delay *= 2 }
            return min(delay, maximumRetryDelay)
        }
    }

    /// How long a claim outlasts an endpoint's timeout: time to record the attempt.
    static let claimMargin: Duration = .seconds(10)

    private let books: any LedgerBooks
    private let options: Options
    private let metrics: ServiceMetrics
    private let logger: Logger

    init(books: any LedgerBooks, options: Options, metrics: ServiceMetrics, logger: Logger) {
        self.books = books
        self.options = options
        self.metrics = metrics
        self.logger = logger
    }

    /// The `TokenLedger-Signature` header of `body` sent at `unixSeconds`:
    /// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the secret's UTF-8>`.
    static func signature(body: String, secret: String, unixSeconds: Int64) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(unixSeconds).\(body)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return "t=\(unixSeconds),v1=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    public func run() async throws {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .init(options.timeout), read: .init(options.timeout))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let sent = await self.round(client: client)
                if !sent { try? await Task.sleep(for: self.options.pollInterval) }
            }
        }
        try? await client.shutdown()
    }

    /// Posts every delivery due now, concurrently across endpoints and accounts; whether any was.
    private func round(client: HTTPClient) async -> Bool {
        let due: [PendingDelivery]
        do {
            let now = Timestamp.now()
            let until = Timestamp(milliseconds: now.milliseconds + (options.timeout + Self.claimMargin).milliseconds)
            due = try await Blocking.run { [books] in try books.claimDeliveries(at: now, limit: 64, until: until) }
        } catch {
            logger.warning("webhooks: reading the queue failed: \(error)")
            return false
        }
        await withTaskGroup(of: Void.self) { group in
            for delivery in due { group.addTask { await self.deliver(delivery, client: client) } }
        }
        return !due.isEmpty
    }

    /// One attempt, recorded unless it was cancelled by a shutdown.
    private func deliver(_ delivery: PendingDelivery, client: HTTPClient) async {
        let body = delivery.event.body
        var request = HTTPClientRequest(url: delivery.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "tokenledger-webhooks")
        request.headers.add(name: "TokenLedger-Event", value: delivery.event.kind.rawValue)
        request.headers.add(name: "TokenLedger-Delivery", value: "\(delivery.event.seq)")
        request.headers.add(
            name: "TokenLedger-Signature", value: Self.signature(body: body, secret: delivery.secret, unixSeconds: Timestamp.now().milliseconds / 1_000))
        request.body = .bytes(ByteBuffer(string: body))
        var statusCode: Int?
        var failure: String?
        do {
            let response = try await client.execute(request, timeout: .init(options.timeout))
            statusCode = Int(response.status.code)
            _ = try? await response.body.collect(upTo: 64 << 10)
            if !(200..<300).contains(response.status.code) { failure = "HTTP \(response.status.code)" }
        } catch {
            if Task.isCancelled { return }
            failure = String(describing: error)
        }
        if Task.isCancelled { return }
        let now = Timestamp.now()
        let outcome: DeliveryOutcome = failure == nil ? .delivered : delivery.attempt >= options.maximumAttempts ? .failed : .retry
        let retryAt = outcome == .retry ? Timestamp(milliseconds: now.milliseconds + options.retryDelay(after: delivery.attempt).milliseconds) : nil
        metrics.webhookAttempt(outcome: outcome.rawValue, kind: delivery.event.kind.rawValue)
        do {
            let recorded = try await Blocking.run { [books, statusCode, failure] in
                try books.recordDeliveryAttempt(delivery, outcome: outcome, statusCode: statusCode, error: failure, at: now, retryAt: retryAt)
            }
            if !recorded {
                logger.warning(
                    "webhooks: attempt \(delivery.attempt) of event \(delivery.event.seq) was recorded by another instance (this one's claim lapsed)")
            }
        } catch {
            logger.warning("webhooks: recording an attempt failed: \(error)")
        }
    }
}

extension Duration {
    /// Whole milliseconds.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000 + attoseconds / 1_000_000_000_000_000
    }
}

extension TimeAmount {
    init(_ duration: Duration) { self = .milliseconds(duration.milliseconds) }
}
