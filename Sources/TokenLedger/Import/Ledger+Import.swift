import GRDB
import TokenLedgerCore

extension Ledger {
    /// Imports a usage file: every row charged as by ``charge(_:)``, all in one transaction.
    ///
    /// ```swift
    /// var rows = try UsageImport.rows(of: "usage.csv", format: .csv)
    /// let summary = try ledger.importUsage(&rows, options: UsageImportOptions(account: "acme"))
    /// print(summary.charged, summary.duplicates, summary.cost)
    /// ```
    /// Rows without a request id get a deterministic one (see ``UsageImportSummary`` and
    /// `ImportIdentity`): importing the same file again records nothing twice. The file is read
    /// as the import goes, never whole.
    ///
    /// All or nothing: by default the first bad row stops the import and nothing from the file is
    /// written; it throws ``InputError`` (file, line, field) for a malformed row and
    /// ``ImportRowRefusal`` for a row a charge rule refuses. With `options.skipBad`, good rows
    /// are recorded and bad ones listed in the summary (each refused row rolled back alone, by
    /// a savepoint). Throws ``ChargeRefusal/unknownAccount(_:)`` for an unknown account, and
    /// ``InputError`` when the format needs `--model` or `--start` and the options lack them.
    public func importUsage(
        _ source: inout some UsageRowSource, options: UsageImportOptions, progress: (UsageImportProgress) -> Void = { _ in }
    ) throws -> UsageImportSummary {
        try options.check(for: source)
        do {
            return try write { db in
                // A larger page cache while the import runs (the connection's usual one after it;
                // pages beyond it are freed when the transaction ends).
                try db.execute(sql: "PRAGMA cache_size = -\(Ledger.importPageCacheKibibytes)")
                defer { try? db.execute(sql: "PRAGMA cache_size = -\(Ledger.pageCacheKibibytes)") }
                guard let account = try Account.find(named: options.account, db: db) else { throw ChargeRefusal.unknownAccount(options.account) }
                let batch = try ChargeBatch(db: db, prices: priceCache, paymentMethod: paymentMethod)
                var run = ImportRun(
                    source: source, options: options, idScheme: try ImportIdentity.scheme(db: db),
                    charge: options.skipBad
                        ? { request, usage in try ImportRun.chargeInSavepoint(request, usage: usage, batch: batch, db: db) }
                        : { request, usage in try batch.charge(request, usage: usage) })
                try run.takeAll(from: &source, db: db, progress: progress)
                try batch.flush()
                run.summary.balance = try Account.find(id: account.id, db: db).balance
                progress(run.finished(source))
                return run.summary
            }
        } catch let error as DatabaseError {
            throw LedgerError.from(error, path: path)
        }
    }

    /// Imports the usage file at `path` read as `format`; see ``importUsage(_:options:progress:)``.
    /// `columnMap` renames CSV columns (file name → the import's).
    public func importUsage(
        file path: String, format: UsageImportFormat, columnMap: [String: String] = [:], options: UsageImportOptions,
        progress: (UsageImportProgress) -> Void = { _ in }
    ) throws -> UsageImportSummary {
        var rows = try UsageImport.rows(of: path, format: format, columnMap: columnMap)
        return try importUsage(&rows, options: options, progress: progress)
    }
}

extension Ledger {
    /// The page cache of the connection while it imports, in KiB (its usual one is
    /// ``pageCacheKibibytes``, 8 MiB).
    ///
    /// Why: every row of a file with random request ids (as providers' are) goes to a random
    /// place of the `request_id` index. With 8 MiB, a million rows' index (~45 MiB) no longer
    /// fits, and nearly every row read a page back from the write-ahead log and wrote another
    /// out to make room (a third of the import). With 32 MiB most of a million rows' index stays
    /// in memory; the cache counts toward the process's memory, which must stay under 100 MB
    /// for ten million rows. (The benchmarks' raw SQLite baseline uses the same cache.)
    public static let importPageCacheKibibytes = 32_768
}

/// The state of one import while it runs: counters, the clock, the ids, and the bad rows. The
/// store charges each row (``ChargeOperation`` over it); the run decides what a row is.
package struct ImportRun {
    static let progressInterval = 4_096

    let options: UsageImportOptions
    /// Charges one row's request, valid and placed in time: refused charges write nothing (with
    /// `skipBad`, the import goes on past them).
    let charge: (ChargeRequest, TokenUsage) throws -> ChargeReceipt
    let file: String
    package var summary: UsageImportSummary
    var clock: ImportClock
    var identity: ImportIdentity
    /// What the caller (``UsageImportOptions/provider``), else the file's format
    /// (``UsageImportFormat/providerClaim``), says of its rows' provider.
    let providerClaim: Providers.Claim?

    package init(
        source: some UsageRowSource, options: UsageImportOptions, idScheme: Int, charge: @escaping (ChargeRequest, TokenUsage) throws -> ChargeReceipt
    ) {
        self.providerClaim = options.provider.map(Providers.Claim.named) ?? source.format.providerClaim
        self.options = options
        self.charge = charge
        self.file = source.file
        self.summary = UsageImportSummary(file: source.file, format: source.format, account: options.account)
        self.clock = ImportClock(start: options.start, scale: options.timeScale)
        self.identity = ImportIdentity(format: source.format, account: options.account, scheme: idScheme)
    }

    /// Charges or rejects every item of `source`, telling `progress` every ``progressInterval``
    /// rows; then forgets the occurrences counted (the ids are made).
    package mutating func takeAll(from source: inout some UsageRowSource, db: some BooksWriter, progress: (UsageImportProgress) -> Void) throws {
        while let item = try source.next() {
            try take(item, db: db)
            if summary.rowsRead % Self.progressInterval == 0 {
                progress(UsageImportProgress(rowsRead: summary.rowsRead, bytesRead: source.bytesRead, totalBytes: source.totalBytes))
            }
        }
        try identity.finish(db: db)
    }

    /// The scheme of the ids made for rows without one (``ImportIdentity``), as these books use it.
    package static func idScheme(db: some BooksReader) throws -> Int { try ImportIdentity.scheme(db: db) }

    /// The progress of an import that read the whole of `source`.
    package func finished(_ source: some UsageRowSource) -> UsageImportProgress {
        UsageImportProgress(rowsRead: summary.rowsRead, bytesRead: source.totalBytes, totalBytes: source.totalBytes)
    }

    /// Charges or rejects the next item of the file.
    mutating func take(_ item: UsageRowResult, db: some BooksWriter) throws {
        summary.rowsRead += 1
        switch item {
        case .bad(let bad): try reject(bad)
        case .row(let row): try charge(row, db: db)
        }
    }

    /// Charges one row, or rejects it.
    private mutating func charge(_ row: UsageRow, db: some BooksWriter) throws {
        // An empty bucket charges nothing, so its time (none, for a row of empty fields) is not placed.
        if row.isEmpty {
            summary.empty += 1
            return
        }
        guard let at = try place(row) else { return }
        guard let model = row.model ?? options.model else {
            return try reject(BadUsageRow(line: row.line, field: row.fieldNames.name(of: .model), reason: "no model: name it in the row or pass --model"))
        }
        var request = ChargeRequest(
            account: options.account, model: model, tier: row.tier, input: row.inputTokens, cached: row.cachedTokens, cacheWrite: row.cacheWriteTokens,
            output: row.outputTokens, project: row.project, apiKey: row.apiKey, user: row.user, requestID: row.requestID, at: at, requests: row.requests,
            provider: row.provider ?? providerClaim)
        request.breakdown = row.breakdown
        let usage: TokenUsage
        do throws(ChargeRefusal) { usage = try request.validatedUsage() } catch { return try reject(error, row: row) }
        if request.requestID == nil { request.requestID = try identity.id(for: request, db: db) }
        let receipt: ChargeReceipt
        do {
            receipt = try charge(request, usage)
        } catch let refusal as ChargeRefusal {
            return try reject(refusal, row: row)
        }
        if receipt.duplicate {
            summary.duplicates += 1
        } else {
            summary.charged += 1
            if receipt.alerts.contains(.overContextWindow) {
                summary.overContextWindow += 1
                if summary.overContextWindowLines.count < UsageImportSummary.badRowListLimit { summary.overContextWindowLines.append(row.line) }
            }
            summary.requests += request.requests
            summary.cost = summary.cost + receipt.cost
        }
        summary.firstAt = min(summary.firstAt ?? at, at)
        summary.lastAt = max(summary.lastAt ?? at, at)
    }

    /// When a row is charged: its own time placed by the clock, or `--start` for a row whose
    /// body gives none; nil when the row was rejected for its time.
    private mutating func place(_ row: UsageRow) throws -> Timestamp? {
        let field = row.fieldNames.name(of: .time)
        guard row.hasTime else {
            if options.start == nil {
                try reject(BadUsageRow(line: row.line, field: field, reason: "missing: the body gives no time of the request; pass --start to charge it then"))
            }
            return options.start
        }
        guard let at = clock.timestamp(forNanoseconds: row.timeNanoseconds) else {
            try reject(BadUsageRow(line: row.line, field: field, reason: "the time, once placed, is outside 1970 to 9999"))
            return nil
        }
        return at
    }

    /// One charge in a savepoint of its own: a refusal rolls back whatever it had written (the
    /// batch checks before it writes, so that is nothing; the savepoint keeps it so).
    static func chargeInSavepoint(_ request: ChargeRequest, usage: TokenUsage, batch: ChargeBatch, db: Database) throws -> ChargeReceipt {
        var receipt: ChargeReceipt?
        try db.inSavepoint {
            receipt = try batch.charge(request, usage: usage)
            return .commit
        }
        return receipt!
    }

    /// A row refused by a charge rule: the field the refusal is about, in the file's words.
    private mutating func reject(_ refusal: ChargeRefusal, row: UsageRow) throws {
        let field = Self.field(of: refusal).map(row.fieldNames.name(of:))
        guard options.skipBad else { throw ImportRowRefusal(file: file, line: row.line, field: field, refusal: refusal) }
        record(BadUsageRow(line: row.line, field: field, code: refusal.code, reason: refusal.message, isBadInput: refusal.isBadInput))
    }

    /// A malformed row: stops the import, or is listed with `skipBad`.
    private mutating func reject(_ bad: BadUsageRow) throws {
        guard options.skipBad else { throw InputError(file: file, line: bad.line, field: bad.field, reason: bad.reason) }
        record(bad)
    }

    private mutating func record(_ bad: BadUsageRow) {
        summary.skipped += 1
        if summary.badRows.count < UsageImportSummary.badRowListLimit { summary.badRows.append(bad) }
    }

    /// Which field of a row a refusal is about.
    static func field(of refusal: ChargeRefusal) -> UsageField? {
        let fields: [String: UsageField] = [
            "input": .input, "cached": .cached, "cache_write": .cacheWrite, "output": .output, "cache_write_1h": .cacheWrite1h,
            "input_audio": .inputAudio, "input_image": .inputImage, "output_audio": .outputAudio, "output_image": .outputImage,
            "project": .project, "api_key": .apiKey,
            "user": .user, "id": .requestID, "model": .model, "requests": .requests, "provider": .provider,
        ]
        switch refusal {
        case .invalidUsage(let problem): return fields[problem.field]
        case .invalidAttribution(let field, _): return fields[field]
        case .contextWindowExceeded(let field, _, _): return fields[field]
        case .idConflict: return .requestID
        case .unknownModel, .ambiguousModel, .noPriceAtTime: return .model
        case .noPriceForTier: return .tier
        case .noPriceForClass(_, let tokenClass, _):
            let fields: [TokenClass: UsageField] = [
                .cacheWrite1h: .cacheWrite1h, .inputAudio: .inputAudio, .inputImage: .inputImage, .outputAudio: .outputAudio, .outputImage: .outputImage,
            ]
            return fields[tokenClass]
        default: return nil
        }
    }
}
