import Foundation
import TokenLedger
import TokenLedgerCore

/// The fuzz targets: each reads untrusted bytes the way TokenLedger reads them from people or
/// files, and checks that it returns a value or an error, never crashes, hangs or grows without
/// bound; where a parse can be checked against its own output, that it round-trips.
///
/// Built two ways (see `scripts/fuzz`):
/// - with `-sanitize=fuzzer -D FUZZING`: libFuzzer's `main` drives ``fuzz(_:)`` with the target
///   named by `TOKENLEDGER_FUZZ_TARGET`;
/// - plainly: `TokenLedgerFuzz TARGET PATH...` replays the files (or folders of files) given, as
///   the regression test `FuzzCorpusTests` does with `Fuzz/Corpus/<target>/`.
enum FuzzTarget: String, CaseIterable {
    case money, timestamp, catalog, costs
    case usageOpenAIJSONL = "usage-openai-jsonl"
    case usageCSV = "usage-csv"
    case usageAzureTrace = "usage-azure-trace"
    case usageMooncakeTrace = "usage-mooncake-trace"
    case usageOpenAIUsageAPI = "usage-openai-usage-api"
    case usageOpenAIUsageExport = "usage-openai-usage-export"
    case usageAnthropicJSONL = "usage-anthropic-jsonl"
    case usageGeminiJSONL = "usage-gemini-jsonl"
    case usageBedrockJSONL = "usage-bedrock-jsonl"
    case usageCohereJSONL = "usage-cohere-jsonl"
    case usageAuto = "usage-auto"

    /// Runs one input through the target; a broken property stops the process.
    func run(_ bytes: UnsafeRawBufferPointer) {
        let text = String(decoding: bytes, as: UTF8.self)
        switch self {
        case .money: Self.money(text)
        case .timestamp: Self.timestamp(text)
        case .catalog:
            // Both catalog formats, with malformed entries skipped (the deepest path).
            for format in PriceCatalogFormat.allCases { _ = try? PriceCatalog.parse(text, file: "catalog.json", format: format, skipBad: true) }
        case .costs: _ = try? ProviderCosts.read(files: [ScratchFile.shared.write(bytes)])
        default: Self.usage(format, ScratchFile.shared.write(bytes))
        }
    }

    private var format: UsageImportFormat {
        UsageImportFormat(rawValue: String(rawValue.dropFirst("usage-".count)))!
    }

    /// An amount that parses prints as text that parses to the same amount.
    private static func money(_ text: String) {
        guard let amount = try? Money(parsing: text) else { return }
        precondition((try? Money(parsing: amount.decimalString)) == amount, "\(text): \(amount.decimalString) does not read back")
        precondition((try? Money(parsing: amount.displayString)) == amount, "\(text): \(amount.displayString) does not read back")
        _ = try? TimeScale(parsing: text)
    }

    /// A time that parses prints as ISO 8601 text that parses to the same time.
    private static func timestamp(_ text: String) {
        guard let time = try? Timestamp(parsing: text) else { return }
        precondition((try? Timestamp(parsing: time.iso8601)) == time, "\(text): \(time.iso8601) does not read back")
    }

    /// Every row of the file is read, good or bad, until the end or an error.
    private static func usage(_ format: UsageImportFormat, _ path: String) {
        guard var rows = try? UsageImport.rows(of: path, format: format) else { return }
        var count = 0
        // `try?` flattens: nil at the end of the file and at an error that stops the reading.
        while (try? rows.next()) != nil {
            count += 1
            precondition(count <= 1 << 20, "more rows than bytes")
        }
    }
}

/// One file per process that file-reading targets write each input to.
final class ScratchFile: @unchecked Sendable {
    static let shared = ScratchFile()
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-fuzz-\(getpid())").path

    func write(_ bytes: UnsafeRawBufferPointer) -> String {
        precondition(FileManager.default.createFile(atPath: path, contents: Data(bytes)), "cannot write \(path)")
        return path
    }
}

#if FUZZING
    /// libFuzzer's driver (in its runtime, linked by `-sanitize=fuzzer`). Called from our own `main`
    /// because SwiftPM links an executable's `main` to the module's entry point, not libFuzzer's.
    @_silgen_name("LLVMFuzzerRunDriver")
    private func runFuzzerDriver(
        _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt

    /// The target in force, named by `TOKENLEDGER_FUZZ_TARGET`.
    private let target: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["TOKENLEDGER_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            fatalError("TOKENLEDGER_FUZZ_TARGET must be one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return target
    }()

    /// libFuzzer's entry point: one input.
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
        target.run(UnsafeRawBufferPointer(start: start, count: count))
        return 0
    }

    /// Runs libFuzzer's driver with libFuzzer's arguments.
    @main
    enum Fuzz {
        static func main() {
            _ = target
            var argc = CommandLine.argc
            var argv = CommandLine.unsafeArgv
            exit(runFuzzerDriver(&argc, &argv, fuzzOneInput))
        }
    }
#else
    /// Replays inputs: `TokenLedgerFuzz TARGET PATH...`, each path a file or a folder of files.
    @main
    enum Replay {
        static func main() throws {
            let arguments = CommandLine.arguments.dropFirst()
            guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
                print("usage: TokenLedgerFuzz TARGET PATH...; targets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: " "))")
                exit(1)
            }
            var replayed = 0
            for path in arguments.dropFirst() {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
                let files =
                    isDirectory.boolValue
                    ? try FileManager.default.contentsOfDirectory(atPath: path).sorted().map { path + "/" + $0 } : [path]
                for file in files {
                    let data = try Data(contentsOf: URL(fileURLWithPath: file))
                    data.withUnsafeBytes { target.run($0) }
                    replayed += 1
                }
            }
            print("\(target.rawValue): \(replayed) inputs replayed")
        }
    }
#endif
