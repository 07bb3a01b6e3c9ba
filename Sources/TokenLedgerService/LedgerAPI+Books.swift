import Foundation
import OpenAPIRuntime
import TokenLedger
import TokenLedgerCore

/// The books routes: price changes and imports, usage imports, monthly reports, statements,
/// charges and the journal, reconciliation and the FOCUS export. Each does what its CLI command does, through the same
/// library calls, and answers the document the command prints with `--format json`
/// (``JSONDocument``): the service adds transport, not rules.
///
/// Writes go through the group commit, one savepoint each (a refused one writes nothing);
/// reads run on a thread of their own. A route that takes a file writes the body to disk as it
/// arrives (``Upload``) and hands the library the file, as the CLI does.
extension LedgerAPI {
    // MARK: Prices

    func setPrice(_ input: Operations.SetPrice.Input) async throws -> Operations.SetPrice.Output {
        guard case .json(let body) = input.body else { throw Problem.badInput("expected a JSON body") }
        try Caller.require(.setPrices)
        let entry = try Wire.price(body).entry
        let added = try await writer.submit { books in try books.setPrice(entry) }
        let document = JSONDocument.priceSet(ListedPrice(entry: entry, source: "manual"), added: added)
        return .created(.init(headers: .init(idempotentReplayed: Self.replayed(!added)), body: .json(LedgerDocument(document))))
    }

    func importPrices(_ input: Operations.ImportPrices.Input) async throws -> Operations.ImportPrices.Output {
        try Caller.require(.importPrices)
        let query = input.query
        let effectiveFrom = try Wire.time(query.effectiveFrom, field: "effective_from")
        let format = query.inputFormat.flatMap { PriceCatalogFormat(rawValue: $0.rawValue) } ?? .litellm
        let providers = query.provider.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
        let skipBad = query.skipBad ?? false
        guard case .any(let body) = input.body else { throw Problem.badInput("expected the catalog as the body") }
        let upload = try await receive(body, name: query.file)
        defer { upload.remove() }
        do {
            let catalog = try await Blocking.run {
                try PriceCatalog.read(contentsOf: upload.path, format: format, skipBad: skipBad, providers: providers)
            }
            let summary = try await writer.submit { books in try books.importPrices(catalog, effectiveFrom: effectiveFrom) }
            return .created(.init(body: .json(LedgerDocument(JSONDocument.priceImport(summary, file: upload.name)))))
        } catch {
            throw upload.naming(error)
        }
    }

    // MARK: Usage

    func importUsage(_ input: Operations.ImportUsage.Input) async throws -> Operations.ImportUsage.Output {
        let query = input.query
        try Caller.require(.importUsage, account: query.account)
        guard let format = UsageImportFormat(rawValue: query.inputFormat.rawValue) else {
            throw Problem.badInput("input_format: '\(query.inputFormat.rawValue)' is not a usage format", field: "input_format")
        }
        let options: UsageImportOptions
        let columnMap: [String: String]
        do {
            var read = UsageImportOptions(
                account: query.account, model: query.model, timeScale: try query.timeScale.map(TimeScale.init(parsing:)) ?? .identity,
                start: try Wire.optionalTime(query.start, field: "start"), skipBad: query.skipBad ?? false)
            read.provider = query.provider
            options = read
            columnMap = try query.map.map(UsageImport.columnMap(parsing:)) ?? [:]
        } catch {
            throw Wire.parameter(error)
        }
        guard case .any(let body) = input.body else { throw Problem.badInput("expected the usage file as the body") }
        let upload = try await receive(body, name: query.file)
        defer { upload.remove() }
        do {
            var summary = try await writer.submit(locking: GroupLocks(accounts: [options.account])) { books in
                try books.importUsage(file: upload.path, format: format, columnMap: columnMap, options: options, progress: { _ in })
            }
            summary.file = upload.name
            return .created(.init(body: .json(LedgerDocument(JSONDocument.usageImport(summary)))))
        } catch {
            throw Wire.parameter(upload.naming(error))
        }
    }

    // MARK: Books

    func getMonthlyReport(_ input: Operations.GetMonthlyReport.Input) async throws -> Operations.GetMonthlyReport.Output {
        let query = input.query
        let account = try Caller.scope(.report, account: query.account)
        let month = try Wire.month(query.month, field: "month")
        let keys = try ReportKey.keys(parsing: query.by.map { [$0] } ?? [], field: "by")
        let report = try await Blocking.run { [books] in try books.monthlyReport(account: account, month: month, by: keys) }
        return .ok(.init(body: .json(LedgerDocument(JSONDocument.monthlyReport(report)))))
    }

    func getStatement(_ input: Operations.GetStatement.Input) async throws -> Operations.GetStatement.Output {
        let account = input.path.account
        try Caller.require(.statement, account: account)
        let time = try Wire.time(input.query.at, field: "at")
        let month = try input.query.month.map { try Wire.month($0, field: "month") } ?? time
        let statement = try await Blocking.run { [books] in try books.statement(of: account, month: month, now: time) }
        return .ok(.init(body: .json(LedgerDocument(JSONDocument.statement(statement)))))
    }

    func reconcile(_ input: Operations.Reconcile.Input) async throws -> Operations.Reconcile.Output {
        let query = input.query
        try Caller.require(.reconcile, account: query.account)
        let tolerance = try Wire.optionalMoney(query.toleranceUsd, field: "tolerance_usd") ?? Reconciliation.defaultTolerance
        guard tolerance >= .zero else { throw Problem.badInput("tolerance_usd must not be negative", field: "tolerance_usd") }
        let granularity = query.by.flatMap { ReconciliationGranularity(rawValue: $0.rawValue) } ?? .day
        guard case .any(let body) = input.body else { throw Problem.badInput("expected the cost data as the body") }
        let upload = try await receive(body, name: query.file)
        defer { upload.remove() }
        do {
            let providers = query.provider.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
            let request = ReconcileRequest(
                costFiles: [upload.path], account: query.account, tolerance: tolerance, granularity: granularity, providers: providers)
            let report = try await Blocking.run { [books] in try books.reconcile(request) }
            return .ok(.init(body: .json(LedgerDocument(JSONDocument.reconciliation(report, account: query.account)))))
        } catch {
            throw upload.naming(error)
        }
    }

    func exportFocus(_ input: Operations.ExportFocus.Input) async throws -> Operations.ExportFocus.Output {
        let query = input.query
        let account = try Caller.scope(.exportFocus, account: query.account)
        let month = try Timestamp(parsingMonth: query.month, field: "month")
        let provider = query.provider ?? FocusReport.defaultProvider
        let rows = try await Blocking.run { [books] in try books.focusRows(account: account, month: month, provider: provider) }
        let wantsJSON = input.headers.accept.sortedByQuality().first { $0.contentType == .json || $0.contentType == .csv }?.contentType == .json
        if wantsJSON { return .ok(.init(body: .json(LedgerDocument(JSONDocument.focus(month: month, rows: rows))))) }
        // The CLI's output byte for byte: the rows as RFC 4180 CSV, and the line end `print` adds.
        let text = CSVText.render(header: FocusReport.columns, rows: rows.map { $0.map { $0 ?? "" } }) + "\n"
        return .ok(.init(body: .csv(HTTPBody(text))))
    }

    // MARK: Charges and the journal

    func listCharges(_ input: Operations.ListCharges.Input) async throws -> Operations.ListCharges.Output {
        let query = input.query
        var charges = ChargeQuery(
            account: try Caller.scope(.listCharges, account: query.account), from: try Wire.optionalTime(query.from, field: "from"),
            to: try Wire.optionalTime(query.to, field: "to"), sort: query.sort.flatMap { ChargeSort(rawValue: $0.rawValue) } ?? .time,
            descending: query.desc ?? false, limit: 100, after: query.after)
        if let limit = query.limit {
            guard let value = Int(exactly: limit), (1...ChargeQuery.maximumLimit).contains(value) else {
                throw Problem.badInput("limit: \(limit) is not between 1 and \(ChargeQuery.maximumLimit)", field: "limit")
            }
            charges.limit = value
        }
        charges.model = query.model
        charges.project = query.project
        charges.apiKey = query.apiKey
        charges.user = query.user
        charges.requestID = query.id
        charges.tier = query.tier.map { Wire.tier($0) }
        charges.provider = query.provider
        let request = charges
        let page = try await Blocking.run { [books] in try books.charges(matching: request) }
        return .ok(.init(body: .json(LedgerDocument(JSONDocument.chargePage(page)))))
    }

    func getCharge(_ input: Operations.GetCharge.Input) async throws -> Operations.GetCharge.Output {
        let id = input.path.charge
        guard Caller.key != nil else { throw Problem.unauthorized }
        let detail = try await Blocking.run { [books] in try books.charge(id: id) }
        // A key limited to an account learns nothing of another's charges, not even that one exists.
        if let scope = Caller.accountScope, ExactText(detail.charge.account) != ExactText(scope) { throw ChargeLookupRefusal.unknownCharge(id) }
        try Caller.require(.listCharges, account: detail.charge.account)
        return .ok(.init(body: .json(LedgerDocument(JSONDocument.chargeDetail(detail)))))
    }

    func getJournal(_ input: Operations.GetJournal.Input) async throws -> Operations.GetJournal.Output {
        let account = input.path.account
        try Caller.require(.readJournal, account: account)
        let from = try Wire.optionalTime(input.query.from, field: "from") ?? .earliest
        let to = try Wire.optionalTime(input.query.to, field: "to") ?? .latest
        let journal = try await Blocking.run { [books] in try books.accountJournal(account: account, from: from, to: to, kinds: nil) }
        return .ok(.init(body: .json(LedgerDocument(JSONDocument.journal(journal)))))
    }

    // MARK: Uploads

    /// The body of a route that takes a file, written beside the ledger file (on its disk), or,
    /// for books in PostgreSQL, in the temporary folder.
    private func receive(_ body: HTTPBody, name: String?) async throws -> Upload {
        let folder = file.map { ($0.path as NSString).deletingLastPathComponent } ?? NSTemporaryDirectory()
        return try await Upload.receive(body, name: name, folder: folder.isEmpty ? "." : folder)
    }
}

extension LedgerAPI {
    func listEvents(_ input: Operations.ListEvents.Input) async throws -> Operations.ListEvents.Output {
        let query = input.query
        let account = try Caller.scope(.listEvents, account: query.account)
        let after = query.after ?? 0
        guard after >= 0 else { throw Problem.badInput("after must be 0 or more", field: "after") }
        let limit = query.limit ?? 100
        guard (1...Ledger.maximumEventPage).contains(limit) else {
            throw Problem.badInput("limit must be 1 to \(Ledger.maximumEventPage)", field: "limit")
        }
        let page = try await Blocking.run { [books] in try books.events(after: after, account: account, limit: limit) }
        return .ok(.init(body: .json(LedgerDocument(page.json))))
    }
}
