import TokenLedger
import TokenLedgerCore

/// Usage imports on PostgreSQL: the rows read, placed, identified and charged as on a file
/// (``ImportRun``, each row through ``ChargeOperation`` over a ``PostgresStore``), all in one
/// transaction with the account's row locked. A file imported before runs twice: the first run
/// stops at the first write that finds an id recorded; the second looks every id up first.
extension PostgresLedger {
    /// The rows held before they are written, a few statements for all of them, by default.
    /// (The request ids the transaction recorded are kept to its end, to answer a repeated id:
    /// an import's memory grows with its file, about 35 bytes a row.)
    static let defaultImportRowsPerWrite = 4_096

    /// The rows an import holds before it writes them (``defaultImportRowsPerWrite``; a test
    /// sets fewer, so that a small file takes many writes).
    package var importRowsPerWrite: Int {
        get { rowsPerWrite.withLock { $0 } }
        set {
            precondition(newValue > 0, "an import writes at least one row at a time")
            rowsPerWrite.withLock { $0 = newValue }
        }
    }

    /// Imports the usage file at `path` read as `format`, as ``Ledger/importUsage(file:format:columnMap:options:progress:)``
    /// does: all or nothing (with `options.skipBad`, bad rows listed and the others recorded),
    /// the same ids for rows without one, so that importing the file again, on either store or
    /// any instance, records nothing twice. The file is read again from its start if the
    /// transaction must run again (another writer recorded one of its ids meanwhile).
    public func importUsage(
        file path: String, format: UsageImportFormat, columnMap: [String: String] = [:], options: UsageImportOptions,
        progress: (UsageImportProgress) -> Void = { _ in }
    ) throws -> UsageImportSummary {
        // A file that cannot be read, or options it lacks, are refused before the database is used.
        try options.check(for: try UsageImport.rows(of: path, format: format, columnMap: columnMap))
        return try writing(charges: true) { session in
            var source = try UsageImport.rows(of: path, format: format, columnMap: columnMap)
            guard try Account.locked(named: options.account, db: session) != nil else { throw ChargeRefusal.unknownAccount(options.account) }
            let store = self.chargeStore()
            let rowsPerWrite = self.importRowsPerWrite
            return try self.allOrNothing(session: session, store: store) {
                var run = ImportRun(source: source, options: options, idScheme: try ImportRun.idScheme(db: session)) { request, usage in
                    // A file imported again (or rows of it) repeats recorded ids. The first run of
                    // the transaction charges optimistically (a round trip a row saved); when its
                    // writes found ids taken (``RecordedMeanwhile``), it runs again, looking each
                    // row's id up first.
                    if !store.pending.recordedElsewhere.isEmpty, let id = request.requestID { try store.lookUp(requestID: id) }
                    let receipt = try ChargeOperation.charge(request, usage: usage, store: store, paymentMethod: self.paymentMethod)
                    if store.pending.rowCount >= rowsPerWrite { try store.flush() }
                    return receipt
                }
                try run.takeAll(from: &source, db: session, progress: progress)
                try store.flush()
                guard let account = try Account.find(named: options.account, db: session) else { preconditionFailure("an account vanished") }
                run.summary.balance = account.balance
                progress(run.finished(source))
                return run.summary
            }
        }
    }
}
