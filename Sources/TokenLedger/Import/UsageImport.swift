import TokenLedgerCore

/// The file formats `import usage` reads, by their command-line names.
public enum UsageImportFormat: String, CaseIterable, Sendable, Hashable {
    /// One provider response (Chat Completions or Responses), or its `usage` object with `model`,
    /// `id`, `service_tier` and `created`, per line.
    case openAIJSONL = "openai-jsonl"
    /// A CSV file whose header names the columns (`time,model,input_tokens,cached_tokens,output_tokens,…`).
    case csv
    /// The Azure LLM inference trace: `TIMESTAMP,ContextTokens,GeneratedTokens` (needs a model).
    case azureTrace = "azure-trace"
    /// The Mooncake trace: JSON lines with `timestamp` (ms from the trace's start), `input_length`,
    /// `output_length` and `hash_ids` (needs a model and a start time).
    case mooncakeTrace = "mooncake-trace"
    /// Pages of the OpenAI Usage API (`/v1/organization/usage/completions`): one charge per result.
    case openAIUsageAPI = "openai-usage-api"
    /// The OpenAI dashboard's usage CSV export: one charge per row.
    case openAIUsageExport = "openai-usage-export"
    /// One Anthropic Messages response per line (also Anthropic models' InvokeModel bodies on
    /// Bedrock), or a streaming `message_delta` event; other stream events charge nothing.
    case anthropicJSONL = "anthropic-jsonl"
    /// One Gemini `generateContent` response per line (`usageMetadata`, `modelVersion`).
    case geminiJSONL = "gemini-jsonl"
    /// One Bedrock Converse response per line (`usage.inputTokens`; no model: needs `--model`).
    case bedrockJSONL = "bedrock-jsonl"
    /// One Cohere v2 chat response per line: its `usage.billed_units` are charged.
    case cohereJSONL = "cohere-jsonl"
    /// Response bodies of any of the providers above, each line read by the reader its shape
    /// names (Anthropic, Gemini, Bedrock, Cohere, else OpenAI).
    case auto
    /// Pages of Anthropic's Admin API usage report (`/v1/organizations/usage_report/messages`):
    /// one charge per result.
    case anthropicUsageReport = "anthropic-usage-report"

    /// Whether the format's times are relative, so the import needs a start time.
    public var needsStart: Bool { self == .mooncakeTrace }

    /// Whether the format is CSV with a header, whose columns `--map` can rename.
    public var hasColumns: Bool { self == .csv || self == .openAIUsageExport }

    /// What the format says of the provider of its rows (``Providers/charged(claim:sent:entryProvider:)``):
    /// a provider's own shape names it (anthropic-jsonl → `anthropic`, gemini-jsonl → `google`,
    /// bedrock-jsonl → `bedrock`, cohere-jsonl → `cohere`); OpenAI's shapes say `openai` unless
    /// the model names another; traces, `csv` (its `provider` column) and `auto` (each body's
    /// shape) say nothing of their own.
    public var providerClaim: Providers.Claim? {
        switch self {
        case .anthropicJSONL, .anthropicUsageReport: .named("anthropic")
        case .geminiJSONL: .named("google")
        case .bedrockJSONL: .named("bedrock")
        case .cohereJSONL: .named("cohere")
        case .openAIJSONL, .openAIUsageAPI, .openAIUsageExport: .openAIShape
        case .csv, .azureTrace, .mooncakeTrace, .auto: nil
        }
    }
}

/// The fields of a usage row, as an import names them in its messages.
///
/// ``UsageFieldNames`` maps each to the file's own key or column, for messages.
public enum UsageField: String, CaseIterable, Sendable, Hashable {
    case time, model, tier, input, cached, cacheWrite, output, requests, requestID, project, apiKey, user, provider
    case cacheWrite1h, inputAudio, inputImage, outputAudio, outputImage
}

/// The names a format gives the fields of a row, for messages that point at the file's own
/// column or key (`prompt_tokens`, `ContextTokens`).
public final class UsageFieldNames: Sendable {
    private let names: [UsageField: String]

    /// Names for the fields given; the others keep the names of the `csv` format.
    public init(_ names: [UsageField: String] = [:]) { self.names = names }

    /// The name of `field` in the file.
    public func name(of field: UsageField) -> String { names[field] ?? UsageFieldNames.standard[field]! }

    private static let standard: [UsageField: String] = [
        .time: "time", .model: "model", .tier: "tier", .input: "input_tokens", .cached: "cached_tokens",
        .cacheWrite: "cache_write_tokens", .output: "output_tokens", .requests: "requests", .requestID: "request_id",
        .project: "project", .apiKey: "api_key", .user: "user", .provider: "provider",
        .cacheWrite1h: "cache_write_1h_tokens", .inputAudio: "input_audio_tokens", .inputImage: "input_image_tokens",
        .outputAudio: "output_audio_tokens", .outputImage: "output_image_tokens",
    ]

    /// The names of the `csv` format.
    public static let csv = UsageFieldNames()
}

/// One usage row read from a file, before the import's options (model, start, time scale) apply.
public struct UsageRow: Sendable {
    /// The line of the file the row starts on (from 1).
    public var line: Int
    /// When the request (or the aggregated bucket) happened, in nanoseconds since 1970-01-01 UTC.
    /// Finer than the ledger's milliseconds, so that `--time-scale` multiplies exact offsets.
    public var timeNanoseconds: Int128
    /// Whether the row gives its time: a body that does not (Anthropic, Gemini, Bedrock and
    /// Cohere responses carry none) is charged at the import's `start`, and refused without one.
    public var hasTime: Bool
    /// The model, when the row names one.
    public var model: String?
    /// The service tier the provider reports it used.
    public var tier: ServiceTier
    /// Input tokens, including cached, cache-write, audio and image tokens.
    public var inputTokens: Int64
    public var cachedTokens: Int64
    public var cacheWriteTokens: Int64
    /// Output tokens, including reasoning, audio and image tokens.
    public var outputTokens: Int64
    /// The parts of the input and output billed at rates of their own (1-hour cache writes,
    /// audio, images), within the counts above.
    public var breakdown: TokenBreakdown = .none
    /// How many requests the row stands for (1 for one request; aggregated rows carry more).
    public var requests: Int64
    /// The provider's request id, when the row has one.
    public var requestID: String?
    /// Attribution: the project, API key and end user the usage is for.
    public var project: String?
    public var apiKey: String?
    public var user: String?
    /// Who served the request, when the row or its body's shape says (a CSV `provider` column,
    /// the shape `auto` detected); else the import format's ``UsageImportFormat/providerClaim``.
    public var provider: Providers.Claim?
    /// What the file calls each field, for messages.
    public var fieldNames: UsageFieldNames

    /// A row; counts and attribution are checked when it is charged.
    public init(
        line: Int, timeNanoseconds: Int128, model: String?, tier: ServiceTier = .default, input: Int64, cached: Int64 = 0, cacheWrite: Int64 = 0,
        output: Int64, requests: Int64 = 1, requestID: String? = nil, project: String? = nil, apiKey: String? = nil, user: String? = nil,
        fieldNames: UsageFieldNames = .csv, hasTime: Bool = true
    ) {
        self.line = line
        self.timeNanoseconds = timeNanoseconds
        self.hasTime = hasTime
        self.model = model
        self.tier = tier
        self.inputTokens = input
        self.cachedTokens = cached
        self.cacheWriteTokens = cacheWrite
        self.outputTokens = output
        self.requests = requests
        self.requestID = requestID
        self.project = project
        self.apiKey = apiKey
        self.user = user
        self.fieldNames = fieldNames
    }

    /// A row that carries no usage at all (an empty bucket of an export): nothing to charge.
    public var isEmpty: Bool {
        requests == 0 && inputTokens == 0 && cachedTokens == 0 && cacheWriteTokens == 0 && outputTokens == 0 && breakdown.isEmpty
    }
}

/// A row that could not be imported: where, which field, and why.
public struct BadUsageRow: Error, Sendable, Hashable, CustomStringConvertible {
    /// The line the row starts on (from 1).
    public var line: Int
    /// The file's name for the field at fault, when one is.
    public var field: String?
    /// `bad_input` for a malformed row, else the code of the charge's refusal (`unknown_model`).
    public var code: String
    /// Why, for people.
    public var reason: String
    /// Whether the row is malformed (exit 1) rather than refused by a rule (exit 2).
    public var isBadInput: Bool

    /// A bad row; by default a malformed one (`bad_input`).
    public init(line: Int, field: String?, code: String = "bad_input", reason: String, isBadInput: Bool = true) {
        self.line = line
        self.field = field
        self.code = code
        self.reason = reason
        self.isBadInput = isBadInput
    }

    public var description: String { "line \(line)" + (field.map { " (\($0))" } ?? "") + ": " + reason }
}

/// What a row source yields: a row, or a row it could not read (and it reads on after it).
public enum UsageRowResult: Sendable {
    case row(UsageRow)
    case bad(BadUsageRow)
}

/// A stream of usage rows from one file, read incrementally.
///
/// Each format has one (``UsageImport/rows(of:format:columnMap:)`` opens them); a program can
/// import rows of its own by conforming. `next()` returns `nil` at the end; it throws
/// ``InputError`` only when the file cannot be read on (a missing file, a broken JSON page).
public protocol UsageRowSource {
    /// The format, part of every generated id.
    var format: UsageImportFormat { get }
    /// The file's name in messages.
    var file: String { get }
    /// Bytes read so far and the file's size, for progress.
    var bytesRead: Int64 { get }
    var totalBytes: Int64 { get }
    /// Whether rows name their model; when not, the import needs `--model`.
    var namesModels: Bool { get }
    /// The next row, a bad row, or nil at the end of the file.
    mutating func next() throws -> UsageRowResult?
}

extension UsageRowSource {
    /// Rows name their model unless the source says otherwise.
    public var namesModels: Bool { true }
}

/// A positive decimal factor for the offsets of a trace's requests from its first one.
///
/// Kept as an exact integer of billionths (`720` is 720,000,000,000), so that scaled times are
/// exact and rounded once, half to even, to whole milliseconds.
public struct TimeScale: Sendable, Hashable, CustomStringConvertible {
    /// The factor × 10⁹.
    public let billionths: Int64

    /// The largest factor accepted: a million (an hour becomes about 114 years).
    public static let maximum = TimeScale(billionths: 1_000_000 * 1_000_000_000)
    /// No scaling.
    public static let identity = TimeScale(billionths: 1_000_000_000)

    private init(billionths: Int64) { self.billionths = billionths }

    /// Reads `720`, `0.5`, `31.25`: a positive decimal with at most nine decimals, up to a million.
    /// Throws ``InputError`` naming `--time-scale`.
    public init(parsing text: String) throws(InputError) {
        let value: Int64
        do { value = try DecimalText.scaledInteger(text, scale: 9) } catch {
            throw InputError(field: "--time-scale", reason: "'\(text)' is not a decimal factor with at most 9 decimals: \(error)")
        }
        guard value > 0, value <= TimeScale.maximum.billionths else {
            throw InputError(field: "--time-scale", reason: "'\(text)' must be above 0 and at most 1000000")
        }
        self.init(billionths: value)
    }

    public var description: String {
        let whole = billionths / 1_000_000_000
        var fraction = String(billionths % 1_000_000_000)
        if fraction == "0" { return String(whole) }
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(whole).\(fraction)"
    }
}

/// How to import: into which account, and how to place and complete the rows.
public struct UsageImportOptions: Sendable {
    /// The account charged.
    public var account: String
    /// The model of rows that name none; traces (Azure, Mooncake) need it.
    public var model: String?
    /// Offsets from the first request are multiplied by this.
    public var timeScale: TimeScale
    /// Where the first request falls; the file's own times when nil. Mooncake traces need it,
    /// and so does a row whose body gives no time: it is charged at this instant.
    public var start: Timestamp?
    /// Record good rows and list bad ones, rather than write nothing when a row is bad.
    public var skipBad: Bool
    /// Who served the rows that name no provider of their own (a CSV `provider` column): the
    /// caller's word, before the format's (``UsageImportFormat/providerClaim``).
    public var provider: String?

    /// Options for an import into `account`; by default the file's own times, all or nothing.
    public init(account: String, model: String? = nil, timeScale: TimeScale = .identity, start: Timestamp? = nil, skipBad: Bool = false) {
        self.account = account
        self.model = model
        self.timeScale = timeScale
        self.start = start
        self.skipBad = skipBad
    }

    /// Throws ``InputError`` when the rows of `source` need an option these lack.
    public func check(for source: some UsageRowSource) throws(InputError) {
        let format = source.format
        if !source.namesModels, model == nil {
            throw InputError(field: "--model", reason: "the rows of this \(format.rawValue) file name no model: pass --model")
        }
        if format.needsStart, start == nil {
            throw InputError(field: "--start", reason: "\(format.rawValue) times are offsets from the trace's start: pass --start")
        }
    }
}

/// What an import did.
public struct UsageImportSummary: Sendable {
    /// The file, its format and the account charged.
    public var file: String
    public var format: UsageImportFormat
    public var account: String
    /// Rows read (good and bad), headers and blank lines not counted.
    public var rowsRead: Int = 0
    /// Rows recorded as new charges.
    public var charged: Int = 0
    /// Rows already recorded (same id and usage): nothing written for them.
    public var duplicates: Int = 0
    /// Rows with no requests and no tokens (empty buckets): nothing to charge.
    public var empty: Int = 0
    /// Bad rows skipped (with `skipBad`), all of them; ``badRows`` lists the first ones.
    public var skipped: Int = 0
    /// The first ``badRowListLimit`` bad rows, in file order.
    public var badRows: [BadUsageRow] = []
    /// New charges beyond their model's context window in the price book: recorded (the usage
    /// happened; the catalog's window can be wrong) and flagged `over_context_window`.
    public var overContextWindow: Int = 0
    /// The lines of the first ``badRowListLimit`` of them, in file order.
    public var overContextWindowLines: [Int] = []
    /// Requests the new charges stand for.
    public var requests: Int64 = 0
    /// What the new charges cost.
    public var cost: Money = .zero
    /// The earliest and latest time of the rows charged or already recorded.
    public var firstAt: Timestamp?
    public var lastAt: Timestamp?
    /// The account's balance after the import.
    public var balance: Money = .zero

    /// How many bad rows a summary lists; the rest are only counted.
    public static let badRowListLimit = 1_000

    /// An empty summary, before the first row.
    public init(file: String, format: UsageImportFormat, account: String) {
        self.file = file
        self.format = format
        self.account = account
    }
}

/// Progress of a running import, reported every few thousand rows and at the end.
public struct UsageImportProgress: Sendable {
    /// Rows read so far.
    public var rowsRead: Int
    /// Bytes read so far, of the file's `totalBytes`.
    public var bytesRead: Int64
    public var totalBytes: Int64
}

/// A row refused by a charge rule, with where it is in the file: the import wrote nothing.
public struct ImportRowRefusal: Refusal {
    /// Where the row is: the file, its line, and the file's name for the field at fault.
    public var file: String
    public var line: Int
    public var field: String?
    /// What the charge of the row was refused as.
    public var refusal: ChargeRefusal

    public var code: String { refusal.code }
    public var message: String { "\(file):\(line)" + (field.map { " (\($0))" } ?? "") + ": " + refusal.message }
    public var isBadInput: Bool { refusal.isBadInput }
}

/// Opens the row source of each format.
public enum UsageImport {
    /// The rows of `path` read as `format`. `columnMap` renames CSV columns (file name → ours)
    /// before they are matched. Throws ``InputError`` when the file cannot be opened or its
    /// header is wrong.
    public static func rows(of path: String, format: UsageImportFormat, columnMap: [String: String] = [:]) throws -> any UsageRowSource {
        if !columnMap.isEmpty, !format.hasColumns {
            throw InputError(field: "--map", reason: "--map renames CSV columns; \(format.rawValue) files have none")
        }
        let lines = try LineReader(path: path)
        switch format {
        case .openAIJSONL: return ResponseBodyLines<OpenAIBody>(lines: lines)
        case .anthropicJSONL: return ResponseBodyLines<AnthropicBody>(lines: lines)
        case .geminiJSONL: return ResponseBodyLines<GeminiBody>(lines: lines)
        case .bedrockJSONL: return ResponseBodyLines<BedrockConverseBody>(lines: lines)
        case .cohereJSONL: return ResponseBodyLines<CohereBody>(lines: lines)
        case .auto: return ResponseBodyLines<DetectedBody>(lines: lines)
        case .csv: return try UsageCSVRows(lines: lines, columnMap: columnMap)
        case .azureTrace: return try AzureTraceRows(lines: lines)
        case .mooncakeTrace: return MooncakeTraceRows(lines: lines)
        case .openAIUsageAPI, .anthropicUsageReport: return OpenAIUsageAPIRows(lines: lines, format: format)
        case .openAIUsageExport: return try OpenAIUsageExportRows(lines: lines, columnMap: columnMap)
        }
    }

    /// Reads `--map` text: `old=new,old2=new2` (file column → the import's column name).
    public static func columnMap(parsing text: String) throws(InputError) -> [String: String] {
        var map: [String: String] = [:]
        for pair in text.split(separator: ",", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map { $0.trimmingASCIIWhitespace().lowercased() }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw InputError(field: "--map", reason: "'\(pair)' is not old=new")
            }
            guard map.updateValue(parts[1], forKey: parts[0]) == nil else {
                throw InputError(field: "--map", reason: "the column '\(parts[0])' is renamed twice")
            }
        }
        return map
    }
}
