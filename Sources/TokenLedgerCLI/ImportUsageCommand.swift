import ArgumentParser
import Foundation
import TokenLedger
import TokenLedgerCore

/// The usage file formats, as `--input-format` names them (`openai-jsonl`, `csv`, `azure-trace`, …).
extension UsageImportFormat: ExpressibleByArgument {}

extension ImportCommand {
    struct Usage: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a usage file: each row charged as by `charge`, all in one transaction.",
            discussion: """
                Formats (--input-format): openai-jsonl (a response or its usage object per line), csv (a header naming time, model, \
                input_tokens, cached_tokens, output_tokens, and optionally cache_write_tokens, requests, request_id, project, \
                api_key, user, tier), azure-trace and mooncake-trace (need --model; mooncake also --start), openai-usage-api \
                (Usage API pages), openai-usage-export (the dashboard's usage CSV) and anthropic-usage-report (Admin API \
                usage report pages; a result with 1-hour cache writes or web searches is refused): aggregated rows carry \
                their request count. \
                Provider response bodies, one per line: openai-jsonl also reads OpenAI-compatible bodies (Groq, OpenRouter, \
                Mistral, DeepSeek, Together, Ollama) and embeddings; anthropic-jsonl (Messages responses, InvokeModel bodies \
                on Bedrock, stream message_delta events), gemini-jsonl (generateContent), bedrock-jsonl (Converse: needs \
                --model), cohere-jsonl (v2 chat: billed_units), and auto (each line read by the reader its shape names). A \
                body that gives no time is charged at --start; one that names no model takes --model.

                Rows without a request id get a deterministic id (imp_ + SHA-256 of the format, account, the row's fields \
                and how many identical rows came before it), so importing the same file again charges nothing twice and an \
                interrupted import can be run again. A bad row stops the import and nothing is written (exit 1 for a \
                malformed row, 2 for a row a rule refuses, naming the file, line and field); with --skip-bad, good rows are \
                recorded and the bad ones listed (exit 0).

                --format names the output format (table, json or csv). Deprecated, still accepted with a warning: \
                --format given twice, the first naming the file's format (--format csv --format json), or once naming \
                only the file's format (--format csv: a csv file, a table printed).
                """)

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The usage file.") var file: String
        @Option(
            help: ArgumentHelp(
                "The file's format (required). Deprecated: a first --format naming it, as in `--format csv --format json`.",
                valueName: "format"))
        var inputFormat: UsageImportFormat?
        @Option(help: "The account to charge.") var account: String
        @Option(help: "The model of rows that name none (required for traces and Bedrock Converse bodies).") var model: String?
        @Option(name: .customLong("time-scale"), help: "Multiply each request's offset from the first by this positive decimal (720: an hour becomes a month).")
        var timeScale: String?
        @Option(
            help: "Place the first request at this time (ISO 8601, UTC); the rest keep their offsets. Bodies without a time are charged at it.",
            transform: Parse.time)
        var start: Timestamp?
        @Flag(help: "Record the good rows and list the bad ones, rather than write nothing.") var skipBad = false
        @Option(help: ArgumentHelp("Rename CSV columns before matching them: old=new,old2=new2.", valueName: "old=new,...")) var map: String?
        @Option(help: "Who served the rows that name no provider of their own (default: the format's, the model name's or its price entry's).")
        var provider: String?

        func validate() throws { _ = try formats() }

        /// The file's format and the options left for the output: `--input-format`, else
        /// (deprecated) a first `--format` naming a usage format (`--format csv --format json`).
        func formats() throws -> (file: UsageImportFormat, options: GlobalOptions) {
            if let inputFormat { return (inputFormat, options) }
            let deprecated = options.splittingDeprecatedInputFormat(among: UsageImportFormat.allCases.map(\.rawValue))
            guard let name = deprecated.name, let format = UsageImportFormat(rawValue: name) else {
                throw ValidationError(
                    "give the file's format: --input-format " + UsageImportFormat.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return (format, deprecated.options)
        }

        func run() throws {
            let (fileFormat, global) = try formats()
            if inputFormat == nil { warnDeprecated("--format \(fileFormat.rawValue) naming the file's format", use: "--input-format \(fileFormat.rawValue)") }
            try global.useOutputFormat()
            var importOptions = UsageImportOptions(
                account: account, model: model, timeScale: try timeScale.map(TimeScale.init(parsing:)) ?? .identity,
                start: start, skipBad: skipBad)
            importOptions.provider = provider
            let columnMap = try map.map(UsageImport.columnMap(parsing:)) ?? [:]
            // A file that cannot be read is refused before the ledger is opened.
            _ = try UsageImport.rows(of: file, format: fileFormat, columnMap: columnMap)
            let books = try global.openBooks()
            let progress = Progress(label: "importing \(file) (bytes)")
            let summary = try books.importUsage(file: file, format: fileFormat, columnMap: columnMap, options: importOptions) { step in
                progress.update(Int(step.bytesRead), Int(step.totalBytes))
            }
            global.emit(UsageImportRendering.render(summary))
        }
    }
}
