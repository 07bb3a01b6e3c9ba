import ArgumentParser
import Foundation
import TokenLedger
import TokenLedgerCore
import TokenLedgerPostgres

/// How a command prints its result.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table
    case json
    case csv
    case markdown
}

/// The options every command takes: `--db`, `--format`, `--create`.
///
/// They may stand before the command's name or after it: `tokenledger --db books.sqlite balance
/// acme` is `tokenledger balance acme --db books.sqlite`. The root command declares this group
/// too, so the parser reads these options wherever they stand, and every command's
/// `@OptionGroup` of this type receives the values the root read.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The ledger file (default: $TOKENLEDGER_DB, else ./tokenledger.sqlite).", valueName: "path"))
    var db: String?

    /// Every `--format` given, in order: the output format, once. Given twice (deprecated), the
    /// first names the input file's format, as `--input-format` does (`--format litellm --format json`).
    @Option(
        name: .customLong("format"),
        help: ArgumentHelp("Output: table (for people), json (one object), csv (RFC 4180 rows) or markdown (tables).", valueName: "format"))
    var formats: [FormatName] = []

    @Flag(name: .long, help: "Create and initialize the ledger file if it is missing.")
    var create = false

    func validate() throws {
        guard formats.count <= 2, formats.count < 2 || (formats[0].isInputFormat && formats[1].outputFormat != nil) else {
            throw ValidationError(
                "--format names the output format (table, json, csv or markdown), once; given twice (deprecated), "
                    + "the first names the input file's format: use --input-format for it")
        }
    }

    /// The output format: the last `--format`, when it names one; else table.
    var format: OutputFormat { formats.last?.outputFormat ?? .table }

    /// The ledger path in force.
    var path: String {
        if let db { return db }
        if let fromEnvironment = ProcessInfo.processInfo.environment["TOKENLEDGER_DB"], !fromEnvironment.isEmpty { return fromEnvironment }
        return "tokenledger.sqlite"
    }

    /// For a command that reads a file in one of the formats `accepted`: the file's format given
    /// the deprecated way, as the first `--format` (`--format csv --format json` in `import usage`),
    /// with these options left holding the output format only; nil and these options unchanged
    /// when the first `--format` names none of them.
    func splittingDeprecatedInputFormat(among accepted: [String]) -> (name: String?, options: GlobalOptions) {
        guard let first = formats.first, accepted.contains(first.name) else { return (nil, self) }
        var rest = self
        rest.formats.removeFirst()
        return (first.name, rest)
    }

    /// Checks that `--format` names the output format only (a command that reads a file takes
    /// its format out first, with `splittingDeprecatedInputFormat`), and makes it the format of
    /// error messages too.
    func useOutputFormat() throws {
        if formats.count == 2 {
            throw InputError(
                field: "--format",
                reason: "given twice, but this command reads no file whose format a first --format could name; "
                    + "--format names the output format (table, json, csv or markdown), once")
        }
        if let only = formats.first, only.outputFormat == nil {
            throw InputError(field: "--format", reason: "'\(only.name)' is not an output format (table, json, csv or markdown)")
        }
        CommandState.format = format
    }

    /// Opens the books for a command that runs on either store: the ledger file (as ``open()``)
    /// or, for a `postgres://` URL, the PostgreSQL database (with `--create`, one holding no
    /// ledger gets one, with the default prices).
    func openBooks(creating: Bool? = nil) throws -> any LedgerBooks {
        let create = creating ?? self.create
        try useOutputFormat()
        guard PostgresLocation.isURL(path) else { return try openFile(create: create) }
        if try create && !PostgresLedger.holdsLedger(url: path) {
            let ledger = try PostgresLedger.open(url: path, create: true)
            try ledger.loadDefaultPrices()
            return ledger
        }
        return try PostgresLedger.open(url: path)
    }

    /// The ledger file (with `create`, made with the default prices when missing).
    private func openFile(create: Bool) throws -> Ledger {
        let existed = FileManager.default.fileExists(atPath: path)
        let ledger = try openLedger(at: path, create: create)
        if create && !existed { try ledger.loadDefaultPrices() }
        return ledger
    }

    func emit(_ rendered: Rendered) { rendered.print(as: format) }
}

/// A value of `--format`: an output format or, the deprecated way, an input file's format
/// (a usage file's, `import usage`, or a price catalog's, `prices import` and `prices diff`).
struct FormatName: ExpressibleByArgument, Equatable {
    /// Every input format `--format` may name (deprecated; `--input-format` names them now).
    static let inputFormats = UsageImportFormat.allCases.map(\.rawValue) + PriceCatalogFormat.allCases.map(\.rawValue)

    let name: String

    init?(argument: String) {
        guard OutputFormat(rawValue: argument) != nil || Self.inputFormats.contains(argument) else { return nil }
        name = argument
    }

    /// The names help and error messages offer: the output formats.
    static var allValueStrings: [String] { OutputFormat.allCases.map(\.rawValue) }

    var outputFormat: OutputFormat? { OutputFormat(rawValue: name) }
    var isInputFormat: Bool { Self.inputFormats.contains(name) }
}

/// Writes that a deprecated spelling was used, and its replacement, on standard error.
func warnDeprecated(_ old: String, use replacement: String) {
    FileHandle.standardError.write(Data("warning: \(old) is deprecated; use \(replacement)\n".utf8))
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
    static func time(_ text: String) throws -> Timestamp {
        do { return try Timestamp(parsing: text) } catch { throw ValidationError(error.description) }
    }

    static func tier(_ text: String) throws -> ServiceTier {
        guard let tier = ServiceTier(name: text) else {
            throw ValidationError("'\(text)' is not a service tier (default, flex, batch or priority)")
        }
        return tier
    }

    /// `2026-01` as 00:00 UTC on its first day.
    static func month(_ text: String) throws -> Timestamp {
        do { return try Timestamp(parsingMonth: text, field: "--month") } catch { throw ValidationError(error.reason) }
    }
}

/// The current time, read once per command (the ledger's rules never read the clock).
func now() -> Timestamp { Timestamp.now() }
