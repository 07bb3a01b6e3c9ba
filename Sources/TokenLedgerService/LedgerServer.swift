import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import OpenAPIHummingbird
import OpenAPIRuntime
import ServiceLifecycle
import TokenLedger
import TokenLedgerCore

/// `tokenledger serve`: the ledger over HTTP, one process over one ledger file, or one of many
/// instances over one PostgreSQL database.
///
/// On a file it takes the file for itself (a second `serve` on the same file is refused); on
/// PostgreSQL any number of instances serve the same books (the database keeps them one). It answers the
/// routes of `openapi.yaml`, commits concurrent writes together (``GroupCommit``), and on
/// SIGTERM or SIGINT stops accepting connections, finishes the requests in flight, commits what
/// they wrote, and returns.
///
/// ```swift
/// let server = try LedgerServer(ledger: try Ledger.open(at: "books.sqlite", create: true))
/// try await server.run(host: "127.0.0.1", port: 8080) { port in print("listening on \(port)") }
/// ```
public final class LedgerServer: Sendable {
    public struct Options: Sendable {
        /// The most writes waiting for a commit; past it a write is answered 503 with `Retry-After`.
        public var queueLimit = 20_000
        /// The most operations committed in one transaction.
        public var maximumGroup = 10_000
        /// The largest request body, in bytes (a batch of 10,000 charges fits).
        public var maximumBodyBytes = 8 << 20
        /// The largest file a route that takes one (usage import, price import, reconcile)
        /// receives, in bytes: it is written to disk as it arrives, never held in memory.
        public var maximumUploadBytes = 1 << 30
        /// How long a connection may stay idle (a slow client is cut).
        public var idleTimeoutSeconds: Int64 = 30
        /// How webhooks are delivered (retries, timeouts).
        public var webhooks = WebhookDelivery.Options()

        public init() {}
    }

    let books: any LedgerBooks
    /// The ledger file, when the books are one.
    let file: Ledger?
    let options: Options
    private let claim: ServeClaim?

    /// A server over the ledger file `ledger`; refuses (``ServeRefusal``) when another `serve`
    /// has the file.
    public convenience init(ledger: Ledger, options: Options = Options()) throws {
        try self.init(books: ledger, options: options)
    }

    /// A server over `books`: a ledger file (``Ledger``: then refused, ``ServeRefusal``, when
    /// another `serve` has it) or books that many instances share (a PostgreSQL database).
    public init(books: any LedgerBooks, options: Options = Options()) throws {
        self.books = books
        self.file = books as? Ledger
        self.options = options
        self.claim = try file.map { try ServeClaim(path: $0.path) }
    }

    /// Runs Swift Concurrency's tasks on the server's event loops (NIO's singleton group) rather
    /// than on a pool of threads of their own, so that a request is not handed from an event
    /// loop to another thread and back on its way (on two cores it took a third of the CPU a
    /// request cost). For a process that only serves: call it once, from the main thread, before
    /// any task starts (`tokenledger serve` does); a library user with tasks of their own may
    /// leave it. Returns whether it took effect.
    @discardableResult
    public static func runTasksOnEventLoops() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }

    /// How the generated code writes JSON: compact, keys sorted, slashes as they are (as
    /// ``PlainJSONWriter`` writes the plain routes' answers).
    static let configuration = Configuration(jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes])

    /// Serves until SIGTERM or SIGINT (or the task is cancelled), then shuts down gracefully.
    /// `ready` is called with the port once the server listens (`port` 0 picks a free one).
    public func run(host: String, port: Int, ready: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        var logger = Logger(label: "tokenledger.serve") { ServeLogHandler(label: $0) }
        logger.logLevel = .warning
        let metrics = ServiceMetrics()
        let writer = GroupCommit(books: books, queueLimit: options.queueLimit, maximumGroup: options.maximumGroup) { operations in
            metrics.committed(operations: operations)
        }
        writer.start()
        defer { writer.stop() }
        let router = Router()
        let api = LedgerAPI(books: books, file: file, writer: writer, metrics: metrics)
        let middleware = ServiceMiddleware(
            keys: KeyCache(books: books), metrics: metrics, maximumBodyBytes: options.maximumBodyBytes, maximumUploadBytes: options.maximumUploadBytes)
        // Plain charges, batches, reservations and settles first; every other request on to the generated code.
        router.add(middleware: PlainRoutes(api: api, middleware: middleware))
        try api.registerHandlers(on: router, configuration: Self.configuration, middlewares: [middleware])
        let app = Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .seconds(options.idleTimeoutSeconds))),
            configuration: .init(address: .hostname(host, port: port), serverName: "tokenledger"),
            onServerRunning: { channel in ready(channel.localAddress?.port ?? port) },
            logger: logger)
        // Shut down in reverse order: the HTTP server first (it stops accepting, answers what is in
        // flight after its commit), then the webhook delivery, which may still post what those wrote.
        let services: [any Service] = [WebhookDelivery(books: books, options: options.webhooks, metrics: metrics, logger: logger), app]
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger))
        try await group.run()
        claim?.release()
    }
}

/// Why `serve` cannot start.
public enum ServeRefusal: Error, Sendable, CustomStringConvertible {
    /// Another `tokenledger serve` has the file.
    case alreadyServed(path: String)

    public var description: String {
        switch self {
        case .alreadyServed(let path): "another tokenledger serve is already running on \(path): one service per ledger file"
        }
    }

    /// The stable code, as the CLI prints it.
    public var code: String { "already_served" }
}

/// The file taken for one `serve`: an exclusive `flock` on the ledger file, held while the
/// process lives (the kernel drops it when the process ends, however it ends).
///
/// Why `flock` on the file itself: no lock file to leave behind, and on Linux and macOS it is
/// independent of the POSIX locks SQLite takes on the same file. The descriptor stays open for
/// the process's life, so closing it never drops SQLite's locks.
final class ServeClaim: Sendable {
    private let descriptor: Int32

    init(path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw LedgerError(.missing, path: path, detail: String(cString: strerror(errno))) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { throw ServeRefusal.alreadyServed(path: path) }
        self.descriptor = descriptor
    }

    /// Lets another `serve` take the file (the descriptor stays open: see the type's comment).
    func release() { _ = flock(descriptor, LOCK_UN) }
}

/// The server's log handler: standard error, as swift-log's `StreamLogHandler` writes it, but
/// the metadata is formatted only when a message is written. Hummingbird sets a request id on
/// every request's logger, and `StreamLogHandler` formats its metadata each time it is set
/// (a few percent of a charge's CPU), for messages that at the `warning` level are never written.
struct ServeLogHandler: LogHandler {
    let label: String
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var stream = StreamLogHandler.standardError(label: label)
        stream.logLevel = logLevel
        stream.metadata = metadata
        stream.log(event: event)
    }
}
