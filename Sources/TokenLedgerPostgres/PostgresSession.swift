import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import TokenLedger

/// One connection to a PostgreSQL server, used from blocking code (the CLI's commands, the
/// ledger's operations): every call waits for its answer. Not for an event loop's thread.
///
/// Errors come out as ``LedgerError`` naming the database by its URL without the password:
/// `.unavailable` when the server cannot be reached or refuses the login, `.database` for an
/// error of a statement (with PostgreSQL's message, detail and SQLSTATE).
final class PostgresSession: @unchecked Sendable {
    let location: PostgresLocation
    /// The connection; replaced by a new one when the server closed it (a restart, a failover,
    /// an idle timeout) and no transaction is open. Used by one caller at a time (its owner's lock).
    private var connection: PostgresConnection
    /// Whether a transaction is open on ``connection``.
    private var inTransaction = false
    /// The `BEGIN` of the transaction open, not sent yet: it goes with the transaction's first
    /// statement (``pipeline(_:)``), in the same round trip.
    private var pendingBegin: PostgresQuery?
    /// Whether the transaction open was ended by a statement of its own (``committing(_:)``).
    private var ended = false
    /// How many times this session has sent statements and waited for their answers: its round
    /// trips to the server (what a transaction costs beyond its work when the server is far).
    private(set) var roundTrips = 0
    /// How many statements this session has sent (`BEGIN` and `COMMIT` too): the server parses,
    /// plans and answers each one on its own, which costs it more than a small statement's work.
    private(set) var statementsSent = 0
    /// postgres-nio's own logging goes nowhere: its errors reach the caller as thrown errors.
    static let logger = Logger(label: "tokenledger.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    /// How the connection was made, to make another like it.
    private let configuration: PostgresConnection.Configuration

    private init(location: PostgresLocation, connection: PostgresConnection, configuration: PostgresConnection.Configuration) {
        self.location = location
        self.connection = connection
        self.configuration = configuration
    }

    /// Connects to `location`, with TLS as its `sslmode` says.
    static func connect(to location: PostgresLocation) throws -> PostgresSession {
        let tls = try tlsConfiguration(for: location)
        var configuration: PostgresConnection.Configuration
        if let host = location.host {
            configuration = .init(
                host: host, port: location.port, username: location.user, password: location.password, database: location.database, tls: tls)
        } else {
            configuration = .init(
                unixSocketPath: location.socketPath!, username: location.user, password: location.password, database: location.database)
        }
        configuration.options.connectTimeout = .seconds(Int64(location.connectTimeoutSeconds))
        // The ledger's tables live in a schema of their own (``PostgresSchema``). No JIT: the
        // ledger's statements are short, and a planner that misjudges a small table's size
        // (before the first ANALYZE) would spend tens of milliseconds compiling one.
        configuration.options.additionalStartupParameters = [
            ("application_name", location.applicationName), ("search_path", PostgresSchema.namespace), ("jit", "off"),
        ]
        return PostgresSession(location: location, connection: try open(location: location, configuration: configuration), configuration: configuration)
    }

    /// The event loop every session's connection runs on: one thread of its own, so that the
    /// answers of the database are read at once, not after the HTTP work of a service's loops
    /// (the blocking caller waits on them).
    private static let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    private static func open(location: PostgresLocation, configuration: PostgresConnection.Configuration) throws -> PostgresConnection {
        let loop = loops.next()
        do {
            return try PostgresConnection.connect(on: loop, configuration: configuration, id: 1, logger: logger).wait()
        } catch {
            throw Self.ledgerError(error, location: location, connecting: true)
        }
    }

    /// A connection the server closed is replaced before the next transaction or statement
    /// outside one: the ledger goes on after a database restart (what was in flight failed).
    private func reconnectIfClosed(force: Bool = false) throws {
        guard connection.isClosed, force || !inTransaction else { return }
        connection = try Self.open(location: location, configuration: configuration)
    }

    private static func tlsConfiguration(for location: PostgresLocation) throws -> PostgresConnection.Configuration.TLS {
        guard location.host != nil else { return .disable }
        var tls = TLSConfiguration.makeClientConfiguration()
        switch location.tlsMode {
        case .disable: return .disable
        case .prefer, .require: tls.certificateVerification = .none
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        case .verifyFull: tls.certificateVerification = .fullVerification
        }
        if let roots = location.rootCertificatePath {
            tls.trustRoots = .file(roots)
        }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: tls)
        } catch {
            throw LedgerError(.unavailable, path: location.description, detail: "cannot set up TLS: \(error)")
        }
        return location.tlsMode == .prefer ? .prefer(context) : .require(context)
    }

    /// Runs `query` and returns every row.
    @discardableResult
    func query(_ query: PostgresQuery) throws -> [PostgresRow] {
        try pipeline([query])[0]
    }

    /// Runs `queries` one after the other, handed to the connection at once: this waits once
    /// for all of them. (postgres-nio sends each statement once the one before is answered, so
    /// on the wire each is still an exchange with the server: what saves those is fewer
    /// statements, ``CombinedReads`` and ``WritingStatement``.) For statements that do not need
    /// each other's answers. Returns each one's rows; throws the
    /// first error (after which, in a transaction, the server runs none of the rest).
    func pipeline(_ queries: [PostgresQuery]) throws -> [[PostgresRow]] {
        guard !queries.isEmpty else { return [] }
        if !inTransaction || pendingBegin != nil { try reconnectIfClosed(force: true) }
        var sent = queries
        let began = pendingBegin != nil
        if let begin = pendingBegin {
            sent.insert(begin, at: 0)
            pendingBegin = nil
        }
        // Sent from the connection's event loop and gathered there, so that this thread hands
        // the statements over once and is woken once, for all the answers (a statement sent or
        // a future waited on from here would hop to the loop and back, each).
        roundTrips += 1
        statementsSent += sent.count
        let connection = connection
        let loop = connection.eventLoop
        let statements = sent
        let gathered = loop.flatSubmit {
            EventLoopFuture.whenAllComplete(statements.map { connection.query($0, logger: Self.logger) }, on: loop)
        }
        let answers: [Result<PostgresQueryResult, any Error>]
        do {
            answers = try gathered.wait()
        } catch {
            throw Self.ledgerError(error, location: location, connecting: false)
        }
        var results: [[PostgresRow]] = []
        results.reserveCapacity(answers.count)
        var failure: (any Error)?
        for answer in answers {
            switch answer {
            case .success(let result): results.append(result.rows)
            case .failure(let error):
                if failure == nil { failure = error }
                results.append([])
            }
        }
        if let failure { throw Self.ledgerError(failure, location: location, connecting: false) }
        return Array(results.dropFirst(began ? 1 : 0))
    }

    /// Runs `sql`, which may hold many statements (a migration's file), one after the other,
    /// without parameters.
    func execute(_ sql: String) throws {
        for statement in Self.statements(in: sql) {
            try query(PostgresQuery(unsafeSQL: statement))
        }
    }

    /// The statements of `sql`, split at each `;` that ends one: not inside a quoted string or
    /// name, a dollar-quoted body (`$$ … $$`, `$tag$ … $tag$`) or a comment. Statements that are
    /// only space and comments are left out.
    static func statements(in sql: String) -> [String] {
        let characters = Array(sql.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var meaningful = false
        var index = 0
        func take(_ count: Int) {
            current.append(contentsOf: characters[index..<min(characters.count, index + count)])
            index += count
        }
        func finish() {
            if meaningful { statements.append(String(current).trimmingCharacters(in: .whitespacesAndNewlines)) }
            current = String.UnicodeScalarView()
            meaningful = false
        }
        while index < characters.count {
            let character = characters[index]
            let next = index + 1 < characters.count ? characters[index + 1] : nil
            switch character {
            case "-" where next == "-":
                while index < characters.count && characters[index] != "\n" { take(1) }
            case "/" where next == "*":
                var depth = 0
                repeat {
                    if characters[index] == "/" && index + 1 < characters.count && characters[index + 1] == "*" {
                        depth += 1
                        take(2)
                    } else if characters[index] == "*" && index + 1 < characters.count && characters[index + 1] == "/" {
                        depth -= 1
                        take(2)
                    } else {
                        take(1)
                    }
                } while depth > 0 && index < characters.count
            case "'", "\"":
                meaningful = true
                take(1)
                while index < characters.count {
                    if characters[index] == character {
                        // A doubled quote is a quote inside the string.
                        if index + 1 < characters.count && characters[index + 1] == character {
                            take(2)
                            continue
                        }
                        take(1)
                        break
                    }
                    take(1)
                }
            case "$":
                meaningful = true
                // A dollar quote's tag: $$ or $name$ (a letter or _ first; $1 is a parameter).
                var end = index + 1
                while end < characters.count,
                    characters[end] == "_" || characters[end].properties.isAlphabetic
                        || (end > index + 1 && ("0"..."9").contains(characters[end]))
                {
                    end += 1
                }
                guard end < characters.count, characters[end] == "$" else {
                    take(1)
                    continue
                }
                let tag = Array(characters[index...end])
                take(tag.count)
                while index < characters.count {
                    if characters[index] == "$", index + tag.count <= characters.count, Array(characters[index..<(index + tag.count)]) == tag {
                        take(tag.count)
                        break
                    }
                    take(1)
                }
            case ";":
                index += 1
                finish()
            default:
                if !character.properties.isWhitespace { meaningful = true }
                take(1)
            }
        }
        finish()
        return statements
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    /// Its `BEGIN` is sent with its first statement; a transaction that ran none sends nothing.
    func transaction<T>(isolation: String = "READ COMMITTED", _ body: () throws -> T) throws -> T {
        pendingBegin = PostgresQuery(unsafeSQL: "BEGIN ISOLATION LEVEL \(isolation)")
        inTransaction = true
        ended = false
        defer {
            inTransaction = false
            pendingBegin = nil
        }
        do {
            let value = try body()
            if pendingBegin == nil && !ended { try execute("COMMIT") }
            return value
        } catch {
            if pendingBegin == nil && !ended { try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Runs `queries`, then commits the transaction open (``transaction(isolation:_:)``), all
    /// sent at once: one round trip for a transaction's last writes and its commit. When one of
    /// them fails, PostgreSQL runs none of the rest and the `COMMIT` rolls the transaction back;
    /// either way it is over, and this throws the first error. Returns each query's rows.
    func committing(_ queries: [PostgresQuery]) throws -> [[PostgresRow]] {
        precondition(inTransaction, "a commit outside a transaction")
        // A transaction that sent nothing has nothing to commit.
        guard !queries.isEmpty || pendingBegin == nil else { return [] }
        defer { ended = true }
        return Array(try pipeline(queries + [PostgresQuery(unsafeSQL: "COMMIT")]).dropLast())
    }

    func close() {
        try? connection.close().wait()
    }

    deinit {
        // A session not closed by its owner still says goodbye to the server, and its connection
        // is closed before it goes (postgres-nio requires it). Waiting is fine off an event loop,
        // where every session lives (blocking code); on one, the close is only started.
        guard !connection.isClosed else { return }
        if MultiThreadedEventLoopGroup.currentEventLoop == nil {
            try? connection.close().wait()
        } else {
            connection.close().whenComplete { _ in }
        }
    }

    /// What a PostgreSQL error means to the ledger's users.
    static func ledgerError(_ error: any Error, location: PostgresLocation, connecting: Bool) -> LedgerError {
        let place = location.description
        guard let error = error as? PSQLError else {
            return LedgerError(connecting ? .unavailable : .database, path: place, detail: "\(error)")
        }
        if let info = error.serverInfo {
            let state = info[.sqlState] ?? ""
            var detail = info[.message] ?? "an error"
            if let more = info[.detail] { detail += " (\(more))" }
            if !state.isEmpty { detail += " [SQLSTATE \(state)]" }
            switch state {
            // 28: invalid authorization; 3D000: no such database; 57P0x: the server is shutting
            // down or restarting; 53: out of resources (too many connections, disk full).
            case let code where code.hasPrefix("28") || code == "3D000" || code.hasPrefix("57P") || code.hasPrefix("08"):
                return LedgerError(.unavailable, path: place, detail: detail)
            case "53100": return LedgerError(.diskFull, path: place, detail: detail)
            case let code where code.hasPrefix("53"): return LedgerError(.unavailable, path: place, detail: detail)
            case "25006": return LedgerError(.readOnly, path: place, detail: detail)
            case "55P03", "40P01", "40001": return LedgerError(.locked, path: place, detail: detail)
            default: return LedgerError(connecting ? .unavailable : .database, path: place, detail: detail)
            }
        }
        let reason: String
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
            reason = error.underlying.map { "cannot reach the server: \($0)" } ?? "cannot reach the server"
        case .sslUnsupported: reason = "the server does not support TLS, which sslmode \(location.tlsMode.rawValue) requires"
        case .authMechanismRequiresPassword:
            reason = "the server asks for a password: give it in the URL, PGPASSWORD or ~/.pgpass"
        case .unsupportedAuthMechanism: reason = "the server asks for a login method this client does not support"
        default: reason = "\(error.code)" + (error.underlying.map { ": \($0)" } ?? "")
        }
        return LedgerError(.unavailable, path: place, detail: reason)
    }
}
