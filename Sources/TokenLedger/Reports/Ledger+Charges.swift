import GRDB
import TokenLedgerCore

/// How ``Ledger/charges(matching:)`` orders the charges it finds.
public enum ChargeSort: String, Sendable, Hashable, CaseIterable {
    /// By the time of the request, then in the order recorded.
    case time
    /// By cost, then in the order recorded.
    case cost
}

/// Which recorded charges to find, in what order, and which page of them.
///
/// Every filter is optional and they all must hold. `provider` matches the provider each charge
/// recorded (charges recorded before providers were have none and match no provider).
///
/// ```swift
/// var query = ChargeQuery(account: "acme", from: january, to: february)
/// query.model = "gpt-4o"
/// let page = try ledger.charges(matching: query)      // then query.after = page.next
/// ```
public struct ChargeQuery: Sendable, Hashable {
    public var account: String?
    /// The first instant (inclusive).
    public var from: Timestamp?
    /// The end (exclusive).
    public var to: Timestamp?
    public var model: String?
    public var project: String?
    public var apiKey: String?
    public var user: String?
    /// The request id: at most one charge has it.
    public var requestID: String?
    public var tier: ServiceTier?
    /// Who served and billed the charge (`openai`, `anthropic`, `bedrock`…).
    public var provider: String?
    public var sort: ChargeSort
    public var descending: Bool
    /// The most charges on a page: 1 to ``maximumLimit``.
    public var limit: Int
    /// The request id of the last charge of the previous page (``ChargePage/next``): the page
    /// starts right after it in this order. Paging by key stays fast however deep it goes.
    public var after: String?

    /// The most charges one page may hold.
    public static let maximumLimit = 10_000

    public init(
        account: String? = nil, from: Timestamp? = nil, to: Timestamp? = nil, sort: ChargeSort = .time, descending: Bool = false, limit: Int = 100,
        after: String? = nil
    ) {
        self.account = account
        self.from = from
        self.to = to
        self.sort = sort
        self.descending = descending
        self.limit = limit
        self.after = after
    }
}

/// One recorded charge: a usage row of the journal.
public struct ChargeEntry: Sendable, Hashable {
    /// The request id.
    public var id: String
    public var account: String
    public var model: String
    public var tier: ServiceTier
    public var band: PriceBand
    public var usage: TokenUsage
    /// How many requests the row adds up (1 unless an imported row was aggregated).
    public var requests: Int64
    public var cost: Money
    public var at: Timestamp
    /// The account's balance right after the charge, as recorded.
    public var balanceAfter: Money
    public var project: String?
    public var apiKey: String?
    public var user: String?
    /// When the price entry that priced it took effect.
    public var priceEffectiveFrom: Timestamp
    /// The model name as the request sent it, when it is not ``model`` (``ModelResolver``).
    public var modelSent: String? = nil
    /// Who served and billed it (``Providers/charged(claim:sent:entryProvider:)``); nil for a
    /// charge recorded before providers were.
    public var provider: String? = nil
}

/// A page of charges, and the cursor of the next page.
public struct ChargePage: Sendable, Hashable {
    public var charges: [ChargeEntry]
    /// The request id to pass as ``ChargeQuery/after`` for the next page; nil on the last page.
    public var next: String?
}

/// The part of a charge paid from one lot.
public struct LotDraw: Sendable, Hashable {
    public var lotKind: LotKind
    /// The id of the purchase, grant or recharge that created the lot.
    public var lotReference: String?
    public var lotCreatedAt: Timestamp
    public var lotExpiresAt: Timestamp
    public var amount: Money
}

/// A charge worked out: its price entry, tokens × rates = cost per class, the lots that paid it,
/// the overdraft, the balance after and the recharge it caused.
public struct ChargeDetail: Sendable, Hashable {
    public var charge: ChargeEntry
    /// The price entry that priced it, and where the entry came from (`default`, `manual`, `litellm`).
    public var price: PriceEntry
    public var priceSource: String
    /// One line per token class (``CostLine``); the shares add up to the charge.
    public var lines: [CostLine]
    /// The classes' exact costs added up, before the one rounding (femtodollars).
    public var exactFemtos: Int128
    /// The exact sum rounded once, half to even: the charge unless the books disagree with their prices.
    public var repriced: Money
    /// The lots that paid it, in the order they were drawn.
    public var draws: [LotDraw]
    /// What no lot paid: the part of the charge that went into overdraft.
    public var overdraft: Money
    /// The auto-recharge the charge caused, if any.
    public var recharge: RechargeAttempt?
}

extension Ledger {
    /// The recorded charges that match `query`, in its order, one page of at most `limit`.
    ///
    /// Filters by account and time read the account's charges by the `usage_by_account_time`
    /// index (a request id by its own index); the other filters are applied to those rows.
    /// Throws ``ChargeRefusal/unknownAccount(_:)``, ``ChargeLookupRefusal/unknownCharge(_:)`` when
    /// `after` names no charge, and ``InputError`` for a limit out of range.
    public func charges(matching query: ChargeQuery) throws -> ChargePage {
        try read { db in try Ledger.charges(matching: query, db: db) }
    }

    /// ``charges(matching:)`` on either store.
    package static func charges(matching query: ChargeQuery, db: some BooksReader) throws -> ChargePage {
        guard (1...ChargeQuery.maximumLimit).contains(query.limit) else {
            throw InputError(field: "limit", reason: "\(query.limit) is not between 1 and \(ChargeQuery.maximumLimit)")
        }
        var conditions: [String] = []
        var arguments: [DatabaseValue] = []
        func add(_ condition: String, _ values: any DatabaseValueConvertible...) {
            conditions.append(condition)
            arguments.append(contentsOf: values.map(\.databaseValue))
        }
        if let name = query.account {
            guard let account = try Account.find(named: name, db: db) else { throw ChargeRefusal.unknownAccount(name) }
            add("u.account_id = ?", account.id)
        }
        if let from = query.from { add("u.occurred_at_ms >= ?", from.milliseconds) }
        if let to = query.to { add("u.occurred_at_ms < ?", to.milliseconds) }
        if let model = query.model { add("u.model = ?", model) }
        if let project = query.project { add("u.project = ?", project) }
        if let apiKey = query.apiKey { add("u.api_key = ?", apiKey) }
        if let user = query.user { add("u.end_user = ?", user) }
        if let requestID = query.requestID { add("u.request_id = ?", requestID) }
        if let tier = query.tier { add("u.service_tier = ?", tier.rawValue) }
        if let provider = query.provider { add("u.provider = ?", provider) }
        let key = query.sort == .time ? "u.occurred_at_ms" : "u.cost_nanos"
        if let after = query.after {
            guard let row = try db.first("SELECT id, occurred_at_ms, cost_nanos FROM usage WHERE request_id = ?", sqlValues(after)) else {
                throw ChargeLookupRefusal.unknownCharge(after)
            }
            let value: Int64 = query.sort == .time ? row["occurred_at_ms"] : row["cost_nanos"]
            let rowID: Int64 = row["id"]
            // The first bound alone is one the index can seek to.
            add(query.descending ? "\(key) <= ? AND (\(key) < ? OR u.id < ?)" : "\(key) >= ? AND (\(key) > ? OR u.id > ?)", value, value, rowID)
        }
        let direction = query.descending ? "DESC" : "ASC"
        let rows = try db.select(
            """
            SELECT u.request_id, a.name, u.model, u.service_tier, u.band, u.input_tokens, u.cached_tokens, u.cache_write_tokens,
                   u.output_tokens, \(TokenUsage.breakdownColumnList(prefix: "u.")), u.requests, u.cost_nanos, u.occurred_at_ms,
                   u.balance_after_nanos, u.project, u.api_key, u.end_user, u.model_sent, u.provider, p.effective_from_ms
            FROM usage u JOIN account a ON a.id = u.account_id JOIN price_entry p ON p.id = u.price_entry_id
            \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            ORDER BY \(key) \(direction), u.id \(direction) LIMIT ?
            """, arguments + [(query.limit + 1).databaseValue])
        let charges = try rows.prefix(query.limit).map(ChargeEntry.init(row:))
        return ChargePage(charges: charges, next: rows.count > query.limit ? charges.last?.id : nil)
    }

    /// The charge recorded under `requestID`, worked out (``ChargeDetail``). Throws
    /// ``ChargeLookupRefusal/unknownCharge(_:)`` when no charge has that id.
    public func charge(id requestID: String) throws -> ChargeDetail {
        try read { db in try Ledger.charge(id: requestID, prices: priceCache, db: db) }
    }

    /// ``charge(id:)`` on either store, price entries read through `prices`.
    package static func charge(id requestID: String, prices: PriceCache, db: some BooksReader) throws -> ChargeDetail {
        guard
            let row = try db.first(
                """
                SELECT u.id AS usage_id, u.request_id, a.name, u.model, u.service_tier, u.band, u.input_tokens, u.cached_tokens,
                       u.cache_write_tokens, u.output_tokens, \(TokenUsage.breakdownColumnList(prefix: "u.")), u.requests, u.cost_nanos,
                       u.occurred_at_ms, u.balance_after_nanos, u.project,
                       u.api_key, u.end_user, u.model_sent, u.provider, u.price_entry_id, u.lot_id, u.lot_nanos, p.effective_from_ms, p.source
                FROM usage u JOIN account a ON a.id = u.account_id JOIN price_entry p ON p.id = u.price_entry_id
                WHERE u.request_id = ?
                """, sqlValues(requestID))
        else { throw ChargeLookupRefusal.unknownCharge(requestID) }
        let charge = try ChargeEntry(row: row)
        let usageID: Int64 = row["usage_id"]
        let price = try prices.entry(id: row["price_entry_id"], db: db)
        let cost = Cost.of(charge.usage, at: price.resolvedRates(tier: charge.tier, band: charge.band) ?? .free, band: charge.band)
        let draws = try Ledger.draws(usageID: usageID, inlineLot: row["lot_id"], inlineNanos: row["lot_nanos"], db: db)
        return ChargeDetail(
            charge: charge, price: price, priceSource: row["source"], lines: cost.lines(of: charge.usage, recorded: charge.cost),
            exactFemtos: cost.exactFemtos, repriced: cost.total, draws: draws,
            overdraft: charge.cost - draws.reduce(.zero) { $0 + $1.amount },
            recharge: try Ledger.rechargeAttempts(.causedBy(usageID: usageID), db: db).first)
    }

    /// The lots a charge drew from: the first inline in its usage row, the others in `usage_allocation`.
    static func draws(usageID: Int64, inlineLot: Int64?, inlineNanos: Int64?, db: some BooksReader) throws -> [LotDraw] {
        var parts: [(lot: Int64, nanos: Int64)] = []
        if let inlineLot, let inlineNanos { parts.append((inlineLot, inlineNanos)) }
        for row in try db.select("SELECT lot_id, amount_nanos FROM usage_allocation WHERE usage_id = ? ORDER BY lot_id", sqlValues(usageID)) {
            parts.append((row["lot_id"], row["amount_nanos"]))
        }
        return try parts.map { part in
            guard
                let lot = try db.first(
                    "SELECT l.kind, l.created_at_ms, l.expires_at_ms, t.reference FROM lot l JOIN transfer t ON t.id = l.transfer_id WHERE l.id = ?",
                    sqlValues(part.lot))
            else { throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "usage row \(usageID) drew from a lot that does not exist") }
            return LotDraw(
                lotKind: LotKind(rawValue: lot["kind"]) ?? .purchase, lotReference: lot["reference"],
                lotCreatedAt: Timestamp(milliseconds: lot["created_at_ms"]), lotExpiresAt: Timestamp(milliseconds: lot["expires_at_ms"]),
                amount: Money(nanos: part.nanos))
        }
    }
}

extension ChargeEntry {
    /// A charge from a usage row joined with its account's name and its price entry's time.
    init(row: Row) throws {
        guard let tier = ServiceTier(rawValue: row["service_tier"]), let band = PriceBand(rawValue: row["band"]) else {
            throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "the usage row '\(row["request_id"] as String)' has an unknown tier or band")
        }
        self.init(
            id: row["request_id"], account: row["name"], model: row["model"], tier: tier, band: band,
            usage: TokenUsage(row: row),
            requests: row["requests"], cost: Money(nanos: row["cost_nanos"]), at: Timestamp(milliseconds: row["occurred_at_ms"]),
            balanceAfter: Money(nanos: row["balance_after_nanos"]), project: row["project"], apiKey: row["api_key"], user: row["end_user"],
            priceEffectiveFrom: Timestamp(milliseconds: row["effective_from_ms"]), modelSent: row["model_sent"],
            provider: row["provider"])
    }
}
