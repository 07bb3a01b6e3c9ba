import TokenLedgerCore

/// Buckets of Anthropic's Admin API cost report (`GET /v1/organizations/cost_report`):
/// `{"data": [{"starting_at", "ending_at", "results": [...]}], "has_more", "next_page"}`, each
/// result `{"currency", "amount", "workspace_id", "description", "cost_type", "context_window",
/// "model", "service_tier", "token_type"}`. Pages are told from the Costs API's by their buckets'
/// `starting_at` (RFC 3339; the Costs API's `start_time` is seconds since 1970).
///
/// `amount` is in the currency's lowest units (cents) as a decimal string: `"123.45"` is
/// $1.2345, read exactly. A result of `cost_type` `tokens` with a `model` and a `token_type` is
/// that model's line item: `uncached_input_tokens` is input, `cache_read_input_tokens` cached
/// input, `cache_creation.ephemeral_5m_input_tokens` cache writes, `output_tokens` output;
/// `service_tier` `standard` is the default tier, `batch` the batch tier; `context_window`
/// `200k-1M` is the long-context band. A 1-hour cache write
/// (`cache_creation.ephemeral_1h_input_tokens`) has no class of ours: it is the line item
/// `MODEL, cache writes (1h)`, which matches nothing in the ledger. Other cost types
/// (`web_search`, `code_execution`) are line items that are not tokens, named by their
/// `description` (else their type). A result without `cost_type`, `model` and `token_type` (the
/// report not grouped by description) is the bucket's total.
enum AnthropicCostReport {
    /// The provider every amount of the report is billed by.
    static let provider = "Anthropic"

    /// Whether `bucket` is one of the cost report's (it has `starting_at`).
    static func isReportBucket(_ bucket: JSONObjectFields) -> Bool { bucket.member("starting_at") != nil }

    static func read(bucket: JSONObjectFields, into costs: inout ProviderCosts) throws(BadUsageRow) {
        let start = try bucket.rfc3339("starting_at", required: true)!
        let end = try bucket.rfc3339("ending_at", required: false)
        do { try ProviderFiles.checkBucket(start: start, end: end) } catch { throw bucket.problem("ending_at", error.reason) }
        costs.cover(start: start, end: end)
        for (index, value) in (try bucket.array("results") ?? []).enumerated() {
            guard let result = JSONObjectFields(value, path: bucket.path + ".results[\(index)]", lineOffset: bucket.lineOffset, line: bucket.line) else {
                throw bucket.problem("results", "result \(index) is \(value.kindDescription), not an object")
            }
            costs.costs.append(try cost(result, day: CalendarDay(start)))
        }
    }

    private static func cost(_ result: JSONObjectFields, day: CalendarDay) throws(BadUsageRow) -> ProviderCost {
        guard let amount = try result.numberOrText("amount") else { throw result.problem("amount", "missing") }
        let picos: Int128
        do { picos = try ProviderFiles.picos(cents: amount) } catch { throw result.problem("amount", error.reason) }
        let currency = try result.string("currency")
        do { try ProviderFiles.checkCurrency(currency) } catch { throw result.problem("currency", error.reason) }
        let (item, text) = try lineItem(result)
        return ProviderCost(day: day, item: item, text: text, amountPicos: picos, provider: provider)
    }

    /// The result's line item and its text (nil for a bucket's total).
    private static func lineItem(_ result: JSONObjectFields) throws(BadUsageRow) -> (LineItem, String?) {
        let costType = try result.string("cost_type")
        let model = try result.string("model")
        let tokenType = try result.string("token_type")
        if let costType, costType != "tokens" { return (.other, try result.string("description") ?? costType) }
        guard let model else {
            // Not grouped by description: the bucket's (or the workspace's) total.
            return (.other, nil)
        }
        let tier = try result.tier("service_tier")
        let band: PriceBand
        switch try result.string("context_window") {
        case nil, "0-200k": band = .standard
        case "200k-1M": band = .longContext
        case let other?: throw result.problem("context_window", "expected 0-200k or 200k-1M, found '\(other)'")
        }
        guard let tokenType else { return (.other, try result.string("description") ?? model) }
        if tokenType == "cache_creation.ephemeral_1h_input_tokens" { return (.other, "\(model), cache writes (1h)") }
        guard let tokenClass = tokenClasses[tokenType] else {
            throw result.problem(
                "token_type",
                "'\(tokenType)' is not a token type of the cost report (\(tokenClasses.keys.sorted().joined(separator: ", ")) or cache_creation.ephemeral_1h_input_tokens)"
            )
        }
        let item = LineItem.tokens(model: model, tier: tier, band: band, tokenClass: tokenClass)
        return (item, item.description)
    }

    /// The report's token types that are classes of ours.
    static let tokenClasses: [String: TokenClass] = [
        "uncached_input_tokens": .input, "cache_read_input_tokens": .cachedInput, "cache_creation.ephemeral_5m_input_tokens": .cacheWrite,
        "output_tokens": .output,
    ]
}

extension JSONObjectFields {
    /// An RFC 3339 time (`2025-08-01T00:00:00Z`); nil when missing or null and not `required`.
    func rfc3339(_ key: String, required: Bool) throws(BadUsageRow) -> Timestamp? {
        guard let text = try string(key) else {
            if required { throw problem(key, "missing") }
            return nil
        }
        do { return try ProviderFiles.timestamp(nanoseconds: try ImportFields.isoTime(text)) } catch { throw problem(key, error.reason) }
    }
}
