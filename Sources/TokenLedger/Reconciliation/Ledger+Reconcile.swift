import GRDB
import TokenLedgerCore

/// What `reconcile` compares: the provider's cost files (and optionally its usage report) against
/// the ledger's usage of one account, or of every account, on the days the costs cover.
public struct ReconcileRequest: Sendable {
    /// Cost data, one or several files: OpenAI's Costs API pages or dashboard cost export,
    /// Anthropic's cost report, or FOCUS files (see ``ProviderCosts/read(files:modelNames:)``).
    public var costFiles: [String]
    /// The provider's usage report (Usage API pages or usage export), for token comparisons; may be empty.
    public var usageFiles: [String]
    /// The account whose usage is compared; every account's when nil.
    public var account: String?
    public var tolerance: Money
    public var granularity: ReconciliationGranularity
    /// The providers whose charges the bill covers (`anthropic`, `bedrock`): the ledger's side
    /// holds only their charges, and those recorded without a provider. Nil: the providers the
    /// cost data names (Anthropic's cost report, FOCUS's `ProviderName`), or every charge when
    /// it names none (OpenAI's files).
    public var providers: Set<String>?

    public init(
        costFiles: [String], usageFiles: [String] = [], account: String? = nil, tolerance: Money = Reconciliation.defaultTolerance,
        granularity: ReconciliationGranularity = .day, providers: Set<String>? = nil
    ) {
        self.costFiles = costFiles
        self.usageFiles = usageFiles
        self.account = account
        self.tolerance = tolerance
        self.granularity = granularity
        self.providers = providers
    }
}

/// The ledger's side of a reconciliation.
public struct LedgerReconciliationData: Sendable {
    /// Amounts by day and line item: each charge split over its token classes (``ClassApportionment``).
    public var costs: [LedgerCost] = []
    /// Requests within ``Reconciliation/shiftWindowMilliseconds`` of a midnight (at most
    /// ``Reconciliation/maximumShiftCandidates`` nearest each one).
    public var boundaryUsages: [BoundaryUsage] = []
    /// Tokens by day, model, tier and class.
    public var tokens: [TokenCountKey: Int64] = [:]
    /// How many charges were recorded each day.
    public var charges: [CalendarDay: Int] = [:]
}

/// One recorded usage with its charge split by token class.
struct SplitUsage {
    var requestID: String
    var account: String
    var project: String?
    var at: Timestamp
    var model: String
    var tier: ServiceTier
    var band: PriceBand
    var priceEntryID: Int64
    var priceEffectiveFrom: Timestamp
    var usage: TokenUsage
    /// Rates per class (nanodollars per million tokens); nil when the entry has no price for the tier.
    var rates: ResolvedRates?
    /// The recorded cost split over the classes; adds up to the recorded cost exactly.
    var amounts: [TokenClass: Money]
    /// Who served and billed it (nil for a charge recorded before providers were), and the
    /// provider of its price entry.
    var provider: String? = nil
    var entryProvider: String? = nil

    func item(_ tokenClass: TokenClass) -> LineItem { .tokens(model: model, tier: tier, band: band, tokenClass: tokenClass) }
}

extension Ledger {
    /// Reconciles the provider's bill with the ledger; see ``Reconciliation/reconcile(_:by:tolerance:)``.
    ///
    /// The files are read first, whole: a bad one throws ``InputError`` (file, line, field) before
    /// the ledger is read. The ledger is only read. Throws ``ChargeRefusal/unknownAccount(_:)``
    /// for an unknown account and ``InputError`` when the cost files hold no bucket.
    public func reconcile(_ request: ReconcileRequest) throws -> ReconciliationReport {
        try read { db in try Ledger.reconcile(request, db: db) }
    }

    /// ``reconcile(_:)`` over either store, on one snapshot of the books: the files are read
    /// first (the books only for the models they record, when a file needs them to be read).
    package static func reconcile(_ request: ReconcileRequest, db: some BooksReader) throws -> ReconciliationReport {
        var provider = try ProviderCosts.read(files: request.costFiles) {
            try db.select("SELECT DISTINCT model FROM usage").map { $0["model"] as String }
        }
        var providerTokens = request.usageFiles.isEmpty ? nil : try ProviderUsageReport.tokens(files: request.usageFiles)
        // The bill's model names as the ledger records them: the entry each resolves to, as a
        // charge's name does (Anthropic bills `claude-sonnet-4-5-20250929`, charged under `claude-sonnet-4-5`).
        let names = try ModelNames.read(db: db)
        func recorded(_ model: String) -> String { (try? names.resolve(model).get().model) ?? model }
        provider.costs = provider.costs.map { cost in
            guard case .tokens(let model, let tier, let band, let tokenClass) = cost.item else { return cost }
            var cost = cost
            cost.item = .tokens(model: recorded(model), tier: tier, band: band, tokenClass: tokenClass)
            return cost
        }
        if let tokens = providerTokens {
            var resolved: [TokenCountKey: Int64] = [:]
            for (key, count) in tokens {
                var key = key
                key.model = recorded(key.model)
                resolved[key, default: 0] += count
            }
            providerTokens = resolved
        }
        guard let first = provider.days.min(), let last = provider.days.max() else {
            throw InputError(file: request.costFiles.first, reason: "the cost data holds no bucket: nothing to reconcile")
        }
        if request.granularity == .lineItem, !provider.costs.isEmpty, provider.costs.allSatisfy(\.isDayTotal) {
            throw InputError(
                file: request.costFiles.joined(separator: ", "), field: "line_item",
                reason: "the cost data has no line items (day totals only, the dashboard's default export): "
                    + "reconcile it by day, or export the costs grouped by line item to compare by line item")
        }
        if let named = request.providers, let bad = named.sorted().first(where: { Providers.problem($0) != nil }) {
            throw InputError(field: "provider", reason: "'\(bad)' is not a provider: it " + Providers.problem(bad)!)
        }
        let providers = request.providers ?? Self.billingProviders(of: provider.costs)
        let ledger = try reconciliationData(account: request.account, from: first.start, to: last.end, providers: providers, db: db)
        let input = ReconciliationInput(
            provider: provider.costs, days: provider.days, ledger: ledger.costs, boundaryUsages: ledger.boundaryUsages,
            providerTokens: providerTokens, ledgerTokens: ledger.tokens, ledgerCharges: ledger.charges)
        var report = Reconciliation.reconcile(input, by: request.granularity, tolerance: request.tolerance)
        report.separate = provider.separate.sorted { ($0.day, $0.category) < ($1.day, $1.category) }
        report.providers = providers
        return report
    }

    /// The providers cost data bills for: each row's provider in TokenLedger's words
    /// (``Providers/billed(by:)``); nil when a row names none (OpenAI's files) or a name maps to
    /// no provider, so that every charge is compared.
    static func billingProviders(of costs: [ProviderCost]) -> Set<String>? {
        guard !costs.isEmpty else { return nil }
        var providers = Set<String>()
        for cost in costs {
            guard let name = cost.provider else { return nil }
            let ids = Providers.billed(by: name)
            if ids.isEmpty { return nil }
            providers.formUnion(ids)
        }
        return providers
    }

    /// The ledger's usage of `account` (every account when nil) with times in `[from, to)`, split
    /// by line item, with the requests near each midnight and the token counts.
    /// With `providers`, only their charges and those recorded without a provider.
    public func reconciliationData(account: String?, from: Timestamp, to: Timestamp, providers: Set<String>? = nil) throws -> LedgerReconciliationData {
        try read { db in try Ledger.reconciliationData(account: account, from: from, to: to, providers: providers, db: db) }
    }

    /// ``reconciliationData(account:from:to:providers:)`` over either store.
    static func reconciliationData(
        account: String?, from: Timestamp, to: Timestamp, providers: Set<String>?, db: some BooksReader
    ) throws -> LedgerReconciliationData {
        var data = LedgerReconciliationData()
        var costs: [LineItemDay: (amount: Money, charges: Int)] = [:]
        var boundary = BoundaryCollector()
        try forEachSplitUsage(account: account, from: from, to: to, db: db) { split in
            if let providers, let provider = split.provider, !providers.contains(provider) { return }
            let day = CalendarDay(split.at)
            data.charges[day, default: 0] += 1
            for tokenClass in TokenClass.allCases {
                let tokens = tokenClass.tokens(in: split.usage)
                let amount = split.amounts[tokenClass] ?? .zero
                guard tokens > 0 || amount != .zero else { continue }
                costs[LineItemDay(day: day, item: split.item(tokenClass)), default: (.zero, 0)].amount += amount
                costs[LineItemDay(day: day, item: split.item(tokenClass)), default: (.zero, 0)].charges += 1
                data.tokens[TokenCountKey(day: day, model: split.model, tier: split.tier, tokenClass: tokenClass), default: 0] += tokens
            }
            boundary.consider(split)
        }
        data.costs = costs.map { LedgerCost(day: $0.key.day, item: $0.key.item, amount: $0.value.amount, charges: $0.value.charges) }
        data.boundaryUsages = boundary.usages
        return data
    }

    /// Calls `body` with each usage of `account` (every account when nil) in `[from, to)`, in
    /// time order, its recorded cost split by token class. Throws
    /// ``ChargeRefusal/unknownAccount(_:)`` for an unknown account.
    static func forEachSplitUsage(account: String?, from: Timestamp, to: Timestamp, db: some BooksReader, _ body: (SplitUsage) throws -> Void) throws {
        var condition = "u.occurred_at_ms >= ? AND u.occurred_at_ms < ?"
        var arguments = sqlValues(from.milliseconds, to.milliseconds)
        if let account {
            guard let found = try Account.find(named: account, db: db) else { throw ChargeRefusal.unknownAccount(account) }
            condition += " AND u.account_id = ?"
            arguments += sqlValues(found.id)
        }
        // The price book, read first, whole (two statements): a statement inside the loop would
        // wait for the rows still coming on a database server.
        let entries = try PriceStore.entriesByID(db: db)
        try db.forEachRow(
            """
            SELECT u.request_id, u.price_entry_id, u.model, u.service_tier, u.band, u.input_tokens, u.cached_tokens,
                   u.cache_write_tokens, u.output_tokens, \(TokenUsage.breakdownColumnList(prefix: "u.")), u.cost_nanos, u.occurred_at_ms,
                   u.project, u.provider, a.name AS account
            FROM usage u JOIN account a ON a.id = u.account_id
            WHERE \(condition)
            ORDER BY u.occurred_at_ms, u.request_id
            """, arguments
        ) { row in
            let entryID: Int64 = row["price_entry_id"]
            guard let entry = entries[entryID] else { preconditionFailure("a charge priced by an entry not read") }
            try body(Self.split(row, entry: entry))
        }
    }

    /// A usage row with its cost split by class: each class at the rates of its entry, tier and
    /// band, the recorded cost shared by ``Cost/split(recorded:)``. A usage whose entry has no
    /// price for its tier (never recorded so) puts its whole cost on input.
    private static func split(_ row: Row, entry: PriceEntry) -> SplitUsage {
        let usage = TokenUsage(row: row)
        let tier = ServiceTier(rawValue: row["service_tier"])!
        let band = PriceBand(rawValue: row["band"])!
        let recorded = Money(nanos: row["cost_nanos"])
        let rates = entry.resolvedRates(tier: tier, band: band)
        let amounts = Cost.of(usage, at: rates ?? .free, band: band).split(recorded: recorded)
        return SplitUsage(
            requestID: row["request_id"], account: row["account"], project: row["project"], at: Timestamp(milliseconds: row["occurred_at_ms"]),
            model: row["model"], tier: tier, band: band, priceEntryID: row["price_entry_id"], priceEffectiveFrom: entry.effectiveFrom,
            usage: usage, rates: rates, amounts: amounts, provider: row["provider"], entryProvider: entry.provider)
    }
}

/// A day and a line item: where a ledger amount is added up.
private struct LineItemDay: Hashable {
    var day: CalendarDay
    var item: LineItem
}

/// Keeps the requests nearest each midnight, as usages arrive in time order: the first ones of a
/// day after its midnight, and the last ones before the next.
private struct BoundaryCollector {
    private var early: [CalendarDay: [BoundaryUsage]] = [:]
    private var late: [CalendarDay: [BoundaryUsage]] = [:]
    private let limit = Reconciliation.maximumShiftCandidates
    private let window = Reconciliation.shiftWindowMilliseconds

    mutating func consider(_ split: SplitUsage) {
        let day = CalendarDay(split.at)
        let nearStart = split.at.milliseconds - day.start.milliseconds < window
        let nearEnd = day.end.milliseconds - split.at.milliseconds <= window
        guard nearStart || nearEnd else { return }
        var amounts: [LineItem: Money] = [:]
        for (tokenClass, amount) in split.amounts where amount != .zero { amounts[split.item(tokenClass)] = amount }
        var tokens: [TokenCountKey: Int64] = [:]
        for tokenClass in TokenClass.allCases where tokenClass.tokens(in: split.usage) > 0 {
            tokens[TokenCountKey(day: day, model: split.model, tier: split.tier, tokenClass: tokenClass)] = tokenClass.tokens(in: split.usage)
        }
        let usage = BoundaryUsage(requestID: split.requestID, at: split.at, amounts: amounts, tokens: tokens)
        if nearStart, early[day, default: []].count < limit { early[day, default: []].append(usage) }
        if nearEnd, !nearStart {
            late[day, default: []].append(usage)
            if late[day]!.count >= 2 * limit { late[day]!.removeFirst(late[day]!.count - limit) }
        }
    }

    var usages: [BoundaryUsage] { early.values.flatMap { $0 } + late.values.flatMap { $0.suffix(limit) } }
}

extension ReconciliationRow {
    /// The `tokenledger charges list` command that lists the row's charges (of `account`, or
    /// every account): the day, and by line item its model and tier; nil when it has none.
    public func chargesCommand(account: String?) -> String? {
        guard charges > 0 else { return nil }
        var words = ["tokenledger", "charges", "list"]
        if let account { words += ["--account", ShellWord.quoted(account)] }
        words += ["--from", day.description, "--to", day.next.description]
        if case .tokens(let model, let tier, _, _) = item {
            words += ["--model", ShellWord.quoted(model)]
            if tier != .default { words += ["--tier", tier.rawValue] }
        }
        return words.joined(separator: " ")
    }
}

/// Words of a shell command, quoted only when they need it.
enum ShellWord {
    static func quoted(_ word: String) -> String {
        let plain =
            !word.isEmpty
            && word.unicodeScalars.allSatisfy { $0.isASCII && (Character($0).isLetter || Character($0).isNumber || "-_.:/@+=,".unicodeScalars.contains($0)) }
        return plain ? word : "'" + word.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }
}
