import ArgumentParser
import Foundation
import TokenLedger
import TokenLedgerCore

/// What `--format` names in `import usage`: the file's format or the output's (`csv` is both:
/// the first `csv` names the file's format when no other file format is given).
enum ImportCommandFormat: String, ExpressibleByArgument, CaseIterable {
    case openAIJSONL = "openai-jsonl"
    case csv
    case azureTrace = "azure-trace"
    case mooncakeTrace = "mooncake-trace"
    case openAIUsageAPI = "openai-usage-api"
    case openAIUsageExport = "openai-usage-export"
    case table
    case json
}

/// The options of `import usage`: the global ones, except that `--format` is given once for the
/// file's format and optionally again for the output's (`--format csv --format json`).
struct UsageImportCommandOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The ledger file (default: $TOKENLEDGER_DB, else ./tokenledger.sqlite).", valueName: "path"))
    var db: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The file's format (openai-jsonl, csv, azure-trace, mooncake-trace, openai-usage-api, openai-usage-export); repeat it to "
                + "give the output's (table, json or csv).",
            valueName: "format"))
    var format: [ImportCommandFormat] = []

    @Flag(name: .long, help: "Create and initialize the ledger file if it is missing.")
    var create = false

    /// The file's format and the output's: the first value naming a file format is the file's,
    /// the other (at most one) is the output's.
    func formats() throws -> (file: UsageImportFormat, output: OutputFormat) {
        guard let index = format.firstIndex(where: { UsageImportFormat(rawValue: $0.rawValue) != nil }) else {
            throw ValidationError(
                "--format must name the file's format: " + UsageImportFormat.allCases.map(\.rawValue).joined(separator: ", "))
        }
        var rest = format
        let file = UsageImportFormat(rawValue: rest.remove(at: index).rawValue)!
        guard rest.count <= 1 else { throw ValidationError("--format names the file's format and at most one output format (table, json or csv)") }
        guard let output = OutputFormat(rawValue: rest.first?.rawValue ?? "table") else {
            throw ValidationError("--format names one file format; '\(rest[0].rawValue)' is not an output format (table, json or csv)")
        }
        return (file, output)
    }

    /// The global options these stand for, so the ledger is opened and output printed as by
    /// every other command. Sets the output format of error messages too.
    func global(output: OutputFormat) throws -> GlobalOptions {
        CommandState.format = output
        var arguments = ["--format", output.rawValue]
        if let db { arguments.append("--db=\(db)") }
        if create { arguments.append("--create") }
        return try GlobalOptions.parse(arguments)
    }
}

extension ImportCommand {
    struct Usage: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a usage file: each row charged as by `charge`, all in one transaction.",
            discussion: """
                Formats: openai-jsonl (a response or its usage object per line), csv (a header naming time, model, \
                input_tokens, cached_tokens, output_tokens, and optionally cache_write_tokens, requests, request_id, project, \
                api_key, user, tier), azure-trace and mooncake-trace (need --model; mooncake also --start), openai-usage-api \
                (Usage API pages) and openai-usage-export (the dashboard's usage CSV): aggregated rows carry their request count.

                Rows without a request id get a deterministic id (imp_ + SHA-256 of the format, account, the row's fields \
                and how many identical rows came before it), so importing the same file again charges nothing twice and an \
                interrupted import can be run again. A bad row stops the import and nothing is written (exit 1 for a \
                malformed row, 2 for a row a rule refuses, naming the file, line and field); with --skip-bad, good rows are \
                recorded and the bad ones listed (exit 0).
                """)

        @OptionGroup var options: UsageImportCommandOptions
        @Argument(help: "The usage file.") var file: String
        @Option(help: "The account to charge.") var account: String
        @Option(help: "The model of rows that name none (required for traces).") var model: String?
        @Option(name: .customLong("time-scale"), help: "Multiply each request's offset from the first by this positive decimal (720: an hour becomes a month).")
        var timeScale: String?
        @Option(help: "Place the first request at this time (ISO 8601, UTC); the rest keep their offsets.", transform: Parse.time)
        var start: Timestamp?
        @Flag(help: "Record the good rows and list the bad ones, rather than write nothing.") var skipBad = false
        @Option(help: ArgumentHelp("Rename CSV columns before matching them: old=new,old2=new2.", valueName: "old=new,...")) var map: String?

        func validate() throws { _ = try options.formats() }

        func run() throws {
            let (fileFormat, output) = try options.formats()
            let global = try options.global(output: output)
            let importOptions = UsageImportOptions(
                account: account, model: model, timeScale: try timeScale.map(TimeScale.init(parsing:)) ?? .identity,
                start: start, skipBad: skipBad)
            let columnMap = try map.map(UsageImport.columnMap(parsing:)) ?? [:]
            var rows = try UsageImport.rows(of: file, format: fileFormat, columnMap: columnMap)
            let ledger = try global.open()
            let progress = Progress(label: "importing \(file) (bytes)")
            let summary = try ledger.importUsage(&rows, options: importOptions) { step in
                progress.update(Int(step.bytesRead), Int(step.totalBytes))
            }
            global.emit(UsageImportRendering.render(summary))
        }
    }
}
