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
        let ledger = try Ledger.open(at: path, create: create)
        if create && !existed { try ledger.loadDefaultPrices() }
        return ledger
    }

    func emit(_ rendered: Rendered) { rendered.print(as: format) }
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
}

/// The current time, read once per command (the ledger's rules never read the clock).
func now() -> Timestamp {
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    return Timestamp(milliseconds: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
}
