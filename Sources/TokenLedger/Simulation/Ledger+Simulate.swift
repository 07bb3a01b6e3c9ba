import TokenLedgerCore

/// How to read a trace for a simulation: the options of `import usage` that place and
/// complete its rows, and how many times to repeat it end to end.
public struct SimulationTraceOptions: Sendable {
    /// The model of rows that name none; traces (Azure, Mooncake) need it.
    public var model: String?
    /// Offsets from the first request are multiplied by this.
    public var timeScale: TimeScale
    /// Where the first request falls; the file's own times when nil.
    public var start: Timestamp?
    /// How many times the trace is tiled end to end (1: as it is).
    public var repeats: Int

    /// The most repetitions of a trace.
    public static let maximumRepeats = 1_000_000

    public init(model: String? = nil, timeScale: TimeScale = .identity, start: Timestamp? = nil, repeats: Int = 1) {
        self.model = model
        self.timeScale = timeScale
        self.start = start
        self.repeats = repeats
    }
}

/// A trace read and priced for simulation, with what was read.
public struct LoadedTrace: Sendable {
    /// Each request's time and cost, in time order, tiled `repeats` times.
    public var trace: SimulationTrace
    public var file: String
    public var format: UsageImportFormat
    /// Rows read from the file (one repetition), and those of them with no usage (skipped).
    public var rowsRead: Int
    public var emptyRows: Int
    /// The models the rows were priced as, in order of first appearance.
    public var models: [String]
    public var repeats: Int
    /// How far apart repetitions start: the trace's span plus its mean gap between requests.
    public var periodMilliseconds: Int64
}

/// Reads usage files and traces into ``SimulationTrace``s, with the same row readers, time
/// placement and pricing as `import usage`, so that a simulation charges what an import would.
public enum TraceLoader {
    /// Reads `path` as `format` and prices each row with `prices`; see ``load(_:options:prices:progress:)``.
    public static func load(
        file path: String, format: UsageImportFormat, columnMap: [String: String] = [:], options: SimulationTraceOptions, prices: PriceBook,
        progress: (UsageImportProgress) -> Void = { _ in }
    ) throws -> LoadedTrace {
        var rows = try UsageImport.rows(of: path, format: format, columnMap: columnMap)
        return try load(&rows, options: options, prices: prices, progress: progress)
    }

    /// Reads every row of `source`, places it in time (`start`, `timeScale`), prices it at the
    /// price in force at its time, orders the requests by time (stably), and tiles the trace
    /// `repeats` times, each repetition starting one mean gap after the one before ends.
    ///
    /// All or nothing, as an import: throws ``InputError`` (file, line, field) for a malformed
    /// row or missing option and ``ImportRowRefusal`` for a row a charge rule refuses (an
    /// unknown model, no price at its time, beyond the context window). Memory: the times and
    /// costs of one repetition (16 bytes a request), plus each row's tokens when `repeats > 1`.
    public static func load(
        _ source: inout some UsageRowSource, options: SimulationTraceOptions, prices: PriceBook, progress: (UsageImportProgress) -> Void = { _ in }
    ) throws -> LoadedTrace {
        guard (1...SimulationTraceOptions.maximumRepeats).contains(options.repeats) else {
            throw InputError(field: "--repeat", reason: "must be from 1 to \(SimulationTraceOptions.maximumRepeats) (got \(options.repeats))")
        }
        try UsageImportOptions(account: "simulation", model: options.model, timeScale: options.timeScale, start: options.start).check(for: source)
        var reading = TraceReading(file: source.file, book: prices, keepsUsage: options.repeats > 1)
        var clock = ImportClock(start: options.start, scale: options.timeScale)
        while let item = try source.next() {
            reading.rowsRead += 1
            switch item {
            case .bad(let bad): throw InputError(file: source.file, line: bad.line, field: bad.field, reason: bad.reason)
            case .row(let row):
                guard let at = clock.timestamp(forNanoseconds: row.timeNanoseconds) else {
                    throw InputError(
                        file: source.file, line: row.line, field: row.fieldNames.name(of: .time), reason: "the time, once placed, is outside 1970 to 9999")
                }
                try reading.take(row, at: at, defaultModel: options.model)
            }
            if reading.rowsRead % ImportRun.progressInterval == 0 {
                progress(UsageImportProgress(rowsRead: reading.rowsRead, bytesRead: source.bytesRead, totalBytes: source.totalBytes))
            }
        }
        progress(UsageImportProgress(rowsRead: reading.rowsRead, bytesRead: source.totalBytes, totalBytes: source.totalBytes))
        reading.sortByTime()
        let (trace, period) = try reading.tiled(options.repeats)
        return LoadedTrace(
            trace: trace, file: source.file, format: source.format, rowsRead: reading.rowsRead, emptyRows: reading.emptyRows, models: reading.models,
            repeats: options.repeats, periodMilliseconds: period)
    }
}

/// The rows of a trace as they are read: times and costs, and each row's usage when the trace
/// will be repeated (a repetition may fall under other prices).
private struct TraceReading {
    /// What a repetition needs to price a row again.
    struct Usage {
        var usage: TokenUsage
        var tier: ServiceTier
        /// How many requests the row adds up (1 but for aggregated rows).
        var requests: Int64
        var model: Int32
        var line: Int
        var fieldNames: UsageFieldNames
    }

    let file: String
    let book: PriceBook
    let keepsUsage: Bool
    var rowsRead = 0
    var emptyRows = 0
    var times: [Int64] = []
    var costs: [Int64] = []
    var usages: [Usage] = []
    var models: [String] = []
    var modelIndexes: [String: Int32] = [:]

    init(file: String, book: PriceBook, keepsUsage: Bool) {
        self.file = file
        self.book = book
        self.keepsUsage = keepsUsage
    }

    /// One row placed at `at`: checked, priced, kept.
    mutating func take(_ row: UsageRow, at: Timestamp, defaultModel: String?) throws {
        if row.isEmpty {
            emptyRows += 1
            return
        }
        guard let model = row.model ?? defaultModel else {
            throw InputError(file: file, line: row.line, field: row.fieldNames.name(of: .model), reason: "no model: name it in the row or pass --model")
        }
        let usage: TokenUsage
        do {
            usage = try TokenUsage.validated(input: row.inputTokens, cached: row.cachedTokens, cacheWrite: row.cacheWriteTokens, output: row.outputTokens)
        } catch {
            throw refusal(.invalidUsage(error), line: row.line, fieldNames: row.fieldNames)
        }
        let modelIndex =
            modelIndexes[model]
            ?? {
                models.append(model)
                modelIndexes[model] = Int32(models.count - 1)
                return Int32(models.count - 1)
            }()
        let kept = Usage(usage: usage, tier: row.tier, requests: row.requests, model: modelIndex, line: row.line, fieldNames: row.fieldNames)
        times.append(at.milliseconds)
        costs.append(try cost(of: kept, at: at))
        if keepsUsage { usages.append(kept) }
    }

    /// What `row` costs at `time`, by the entry in force then.
    func cost(of row: Usage, at time: Timestamp) throws -> Int64 {
        let model = models[Int(row.model)]
        do throws(ChargeRefusal) {
            let entry = book.entries[try book.entryIndex(model: model, at: time)]
            do throws(PricingRefusal) { return try entry.cost(of: row.usage, tier: row.tier, requests: row.requests).total.nanos } catch {
                throw ChargeRefusal(error, model: model)
            }
        } catch {
            throw refusal(error, line: row.line, fieldNames: row.fieldNames)
        }
    }

    func refusal(_ refusal: ChargeRefusal, line: Int, fieldNames: UsageFieldNames) -> ImportRowRefusal {
        ImportRowRefusal(file: file, line: line, field: ImportRun.field(of: refusal).map(fieldNames.name(of:)), refusal: refusal)
    }

    /// Orders the rows by time, keeping file order among equal times.
    mutating func sortByTime() {
        guard !zip(times, times.dropFirst()).allSatisfy({ $0 <= $1 }) else { return }
        let order = times.indices.sorted { (times[$0], $0) < (times[$1], $1) }
        times = order.map { times[$0] }
        costs = order.map { costs[$0] }
        if keepsUsage { usages = order.map { usages[$0] } }
    }

    /// The trace tiled `repeats` times, and the period between repetitions. Repetitions priced
    /// by the same entries share one array of costs.
    func tiled(_ repeats: Int) throws -> (SimulationTrace, Int64) {
        guard let first = times.first, let last = times.last else { return (SimulationTrace(timesMilliseconds: [], costsNanos: []), 0) }
        let span = last - first
        let gap = times.count > 1 ? Int64(Rounding.halfToEven(Int128(span), dividedBy: Int128(times.count - 1))) : 1_000
        let period = span + max(gap, 1)
        guard repeats > 1 else { return (SimulationTrace(timesMilliseconds: times, costsNanos: costs), period) }
        let (lastOffset, overflow) = period.multipliedReportingOverflow(by: Int64(repeats - 1))
        guard !overflow, lastOffset <= Timestamp.latest.milliseconds - last else {
            throw InputError(field: "--repeat", reason: "\(repeats) repetitions of the trace would end after 9999")
        }
        var costArrays = [costs]
        var arraysByEntries: [[Int]: Int] = [:]
        if let key = entriesKey(offset: 0, first: first, last: last) { arraysByEntries[key] = 0 }
        var tiles = [SimulationTrace.Tile(offsetMilliseconds: 0, costIndex: 0)]
        for repetition in 1..<repeats {
            let offset = period * Int64(repetition)
            let key = entriesKey(offset: offset, first: first, last: last)
            if let key, let index = arraysByEntries[key] {
                tiles.append(.init(offsetMilliseconds: offset, costIndex: index))
                continue
            }
            costArrays.append(try zip(times, usages).map { time, row in try cost(of: row, at: Timestamp(milliseconds: time + offset)) })
            if let key { arraysByEntries[key] = costArrays.count - 1 }
            tiles.append(.init(offsetMilliseconds: offset, costIndex: costArrays.count - 1))
        }
        return (SimulationTrace(timesMilliseconds: times, tiles: tiles, costArrays: costArrays), period)
    }

    /// The entries in force for every model over a whole repetition at `offset`, when each
    /// model's entry is the same at its start and end (so for every row of it); else nil.
    func entriesKey(offset: Int64, first: Int64, last: Int64) -> [Int]? {
        var key: [Int] = []
        for model in models {
            guard let atStart = try? book.entryIndex(model: model, at: Timestamp(milliseconds: first + offset)),
                let atEnd = try? book.entryIndex(model: model, at: Timestamp(milliseconds: last + offset)), atStart == atEnd
            else { return nil }
            key.append(atStart)
        }
        return key
    }
}

extension Ledger {
    /// Every price entry of the ledger, with its model aliases, as a book to price simulations
    /// with (names resolve as a charge's do, ``ModelResolver``).
    public func priceBook() throws -> PriceBook {
        let aliases = try modelAliases()
        return PriceBook(try prices(at: nil).map(\.entry), aliases: Dictionary(uniqueKeysWithValues: aliases.map { ($0.name, $0.model) }))
    }
}
