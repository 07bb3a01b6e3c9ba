import ArgumentParser
import Foundation
import TokenLedger
import TokenLedgerCore
import TokenLedgerService

/// `tokenledger serve`: the ledger as an HTTP service (see `openapi.yaml`).
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the ledger over HTTP (JSON; the routes of openapi.yaml, also at GET /openapi.yaml).",
        discussion: """
            One process over one ledger file (made with the default prices when missing); a second serve on the same file is \
            refused. With --db postgres://…, any number of instances serve one database (made a ledger when it holds none); \
            the routes that run on a file only answer 501 there. Requests need an API key (`tokenledger keys create`), as Authorization: Bearer KEY, except GET /healthz and \
            GET /openapi.yaml. Concurrent writes are committed together. SIGTERM or SIGINT stops accepting connections, finishes \
            the requests in flight and exits 0. Prints one line once listening: the address, and the port when --port 0 picked one.
            """)

    @OptionGroup var options: GlobalOptions
    @Option(help: "The address to listen on (127.0.0.1: this machine only).") var host = "127.0.0.1"
    @Option(help: "The port (0: any free port, printed once listening).") var port = 8080
    @Option(help: ArgumentHelp("The most writes waiting for a commit; past it writes are answered 503 with Retry-After.", valueName: "count"))
    var queueLimit = 20_000
    @Option(
        help: ArgumentHelp(
            "Seconds a connection may send nothing (a request head or body that stops, an idle keep-alive) before it is closed.",
            valueName: "seconds"))
    var idleTimeout: Int64 = 30
    @Option(help: ArgumentHelp("The most attempts to post an event to a webhook before it is given up.", valueName: "count"))
    var webhookAttempts = 12
    @Option(help: ArgumentHelp("The delay before a webhook's second attempt; each further one doubles it (at most an hour).", valueName: "ms"))
    var webhookRetryMs: Int64 = 1_000
    @Option(help: ArgumentHelp("How long a webhook endpoint has to answer.", valueName: "ms"))
    var webhookTimeoutMs: Int64 = 10_000

    func validate() throws {
        guard (1...100).contains(webhookAttempts) else { throw ValidationError("--webhook-attempts must be 1 to 100 (got \(webhookAttempts))") }
        guard (1...3_600_000).contains(webhookRetryMs) else { throw ValidationError("--webhook-retry-ms must be 1 to 3600000 (got \(webhookRetryMs))") }
        guard (1...600_000).contains(webhookTimeoutMs) else { throw ValidationError("--webhook-timeout-ms must be 1 to 600000 (got \(webhookTimeoutMs))") }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0 to 65535 (got \(port))") }
        guard queueLimit >= 1 else { throw ValidationError("--queue-limit must be at least 1 (got \(queueLimit))") }
        guard (1...86_400).contains(idleTimeout) else { throw ValidationError("--idle-timeout must be 1 to 86400 seconds (got \(idleTimeout))") }
    }

    func run() throws {
        let books = try options.openBooks(creating: true)
        let path = books.place
        var serverOptions = LedgerServer.Options()
        serverOptions.queueLimit = queueLimit
        serverOptions.idleTimeoutSeconds = idleTimeout
        serverOptions.webhooks.maximumAttempts = webhookAttempts
        serverOptions.webhooks.firstRetryDelay = .milliseconds(webhookRetryMs)
        serverOptions.webhooks.timeout = .milliseconds(webhookTimeoutMs)
        let server: LedgerServer
        do {
            server = try LedgerServer(books: books, options: serverOptions)
        } catch let refusal as ServeRefusal {
            throw LedgerError(.locked, path: path, detail: refusal.description)
        }
        LedgerServer.runTasksOnEventLoops()
        let host = self.host
        let port = self.port
        let outcome = Locked<Result<Void, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                try await server.run(host: host, port: port) { bound in
                    FileHandle.standardOutput.write(Data("tokenledger serve: listening on http://\(host):\(bound) (ledger \(path))\n".utf8))
                }
                outcome.withLock { $0 = .success(()) }
            } catch {
                outcome.withLock { $0 = .failure(error) }
            }
            done.signal()
        }
        done.wait()
        if case .failure(let error) = outcome.withLock({ $0 }) { throw ServeFailure(error: error) }
    }
}

/// The server could not start or stopped with an error (a port in use, an address that is
/// not this machine's): exit 4 with the reason.
struct ServeFailure: Error, CustomStringConvertible {
    var error: any Error
    var description: String { "the service stopped: \(error)" }
}
