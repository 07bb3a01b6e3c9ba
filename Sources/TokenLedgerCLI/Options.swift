import ArgumentParser
import Foundation
import TokenLedger
import TokenLedgerCore

/// How a command prints its result.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table
    case json
    case csv
    case markdown
}

/// The options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The ledger file (default: $TOKENLEDGER_DB, else ./tokenledger.sqlite).", valueName: "path"))
    var db: String?

    @Option(name: .long, help: "Output: table (for people), json (one object), csv (RFC 4180 rows) or markdown (tables).")
    var format: OutputFormat = .table

    @Flag(name: .long, help: "Create and initialize the ledger file if it is missing.")
    var create = false

    /// The ledger path in force.
    var path: String {
        if let db { return db }
        if let fromEnvironment = ProcessInfo.processInfo.environment["TOKENLEDGER_DB"], !fromEnvironment.isEmpty { return fromEnvironment }
        return "tokenledger.sqlite"
    }

    /// Opens the ledger (creating it with the default prices when `--create` is given).
    func open() throws -> Ledger {
        CommandState.format = format
        let existed = FileManager.default.fileExists(atPath: path)
        let ledger = try openLedger(at: path, create: create)
        if create && !existed { try ledger.loadDefaultPrices() }
        return ledger
    }

    func emit(_ rendered: Rendered) { rendered.print(as: format) }
}

/// Opens the ledger at `path` with the options the environment sets (for tests, documented in
/// the README): `TOKENLEDGER_BUSY_TIMEOUT_MS` (how long to wait for a lock, default 10000) and
/// `TOKENLEDGER_MAX_PAGE_COUNT` (a cap on the file's size in 4 KiB pages).
func openLedger(at path: String, create: Bool = false) throws -> Ledger {
    let environment = ProcessInfo.processInfo.environment
    var options = Ledger.Options.standard
    if let text = environment["TOKENLEDGER_BUSY_TIMEOUT_MS"], !text.isEmpty {
        guard let milliseconds = Int(text), (0...3_600_000).contains(milliseconds) else {
            throw InputError(field: "TOKENLEDGER_BUSY_TIMEOUT_MS", reason: "'\(text)' is not a number of milliseconds from 0 to 3600000")
        }
        options.busyTimeoutMilliseconds = milliseconds
    }
    if let text = environment["TOKENLEDGER_MAX_PAGE_COUNT"], !text.isEmpty {
        guard let pages = Int(text), (1...Int(Int32.max)).contains(pages) else {
            throw InputError(field: "TOKENLEDGER_MAX_PAGE_COUNT", reason: "'\(text)' is not a positive number of pages")
        }
        options.maximumPageCount = pages
    }
    return try Ledger.open(at: path, create: create, options: options)
}

/// Process-wide state the error reporter needs: the output format of the running command.
enum CommandState {
    nonisolated(unsafe) static var format: OutputFormat = .table
}

/// Parsers for the values people type, with messages that say why a value is wrong.
enum Parse {
    static func money(_ text: String) throws -> Money {
        do { return try Money(parsing: text) } catch { throw ValidationError(error.description) }
    }

    static func time(_ text: String) throws -> Timestamp {
        do { return try Timestamp(parsing: text) } catch { throw ValidationError(error.description) }
    }

    static func tier(_ text: String) throws -> ServiceTier {
        guard let tier = ServiceTier(name: text) else {
            throw ValidationError("'\(text)' is not a service tier (default, flex, batch or priority)")
        }
        return tier
    }

    /// A price typed in dollars per million tokens, as nanodollars per million.
    static func pricePerMillion(_ text: String) throws -> Int64 { try money(text).nanos }

    /// `2026-01` as 00:00 UTC on its first day.
    static func month(_ text: String) throws -> Timestamp {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let start = try? Timestamp(parsing: text + "-01") else {
            throw ValidationError("'\(text)' is not a month: use YYYY-MM, such as 2026-01")
        }
        return start
    }
}

/// The current time, read once per command (the ledger's rules never read the clock).
func now() -> Timestamp {
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    return Timestamp(milliseconds: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
}
