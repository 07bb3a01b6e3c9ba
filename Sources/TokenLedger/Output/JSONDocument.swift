import TokenLedgerCore

/// The JSON documents that the CLI prints with `--format json` and the service answers, built
/// in one place from the library's results so the two never drift apart.
///
/// Each is a ``JSONOutput`` with its keys in order; money is an exact decimal string in a field
/// ending `_usd`, token counts are integers and times ISO 8601. The README's "JSON" section and
/// the service's `openapi.yaml` describe the fields.
///
/// ```swift
/// let summary = try ledger.importUsage(file: "usage.csv", format: .csv, options: UsageImportOptions(account: "acme"))
/// print(JSONDocument.usageImport(summary).rendered())
/// ```
public enum JSONDocument {
    /// A usage's token counts as JSON fields: `input_tokens`, `cached_tokens`,
    /// `cache_write_tokens`, `output_tokens`, then the counts billed apart
    /// (`cache_write_1h_tokens`, `input_audio_tokens`, `input_image_tokens`,
    /// `output_audio_tokens`, `output_image_tokens`), 0 where there are none.
    public static func tokenFields(
        input: Int64, cached: Int64, cacheWrite: Int64, output: Int64, breakdown: TokenBreakdown
    ) -> [(String, JSONOutput)] {
        [
            ("input_tokens", .int(input)), ("cached_tokens", .int(cached)), ("cache_write_tokens", .int(cacheWrite)),
            ("output_tokens", .int(output)),
        ] + zip(TokenBreakdown.fieldNames, breakdown.fields).map { ($0, JSONOutput.int($1.value)) }
    }

    /// ``tokenFields(input:cached:cacheWrite:output:breakdown:)`` of one usage.
    public static func tokenFields(_ usage: TokenUsage) -> [(String, JSONOutput)] {
        tokenFields(
            input: usage.inputTokens, cached: usage.cachedTokens, cacheWrite: usage.cacheWriteTokens, output: usage.outputTokens,
            breakdown: usage.breakdown)
    }

    /// What `import usage` did: counts, cost, first and last time, the balance after, and the
    /// first bad rows (``UsageImportSummary/badRowListLimit``) with how many more there were.
    public static func usageImport(_ summary: UsageImportSummary) -> JSONOutput {
        .object([
            ("file", .string(summary.file)), ("format", .string(summary.format.rawValue)), ("account", .string(summary.account)),
            ("rows_read", .int(Int64(summary.rowsRead))), ("charged", .int(Int64(summary.charged))), ("duplicates", .int(Int64(summary.duplicates))),
            ("empty", .int(Int64(summary.empty))), ("skipped", .int(Int64(summary.skipped))),
            ("over_context_window", .int(Int64(summary.overContextWindow))),
            ("over_context_window_lines", .array(summary.overContextWindowLines.map { .int(Int64($0)) })), ("requests", .int(summary.requests)),
            ("cost_usd", .money(summary.cost)), ("first_at", summary.firstAt.map(JSONOutput.time) ?? .null),
            ("last_at", summary.lastAt.map(JSONOutput.time) ?? .null), ("balance_usd", .money(summary.balance)),
            (
                "bad_rows",
                .array(
                    summary.badRows.map { bad in
                        .object([
                            ("line", .int(Int64(bad.line))), ("field", .optional(bad.field)), ("code", .string(bad.code)), ("reason", .string(bad.reason)),
                        ])
                    })
            ),
            ("bad_rows_not_listed", .int(Int64(summary.skipped - summary.badRows.count))),
        ])
    }

    /// What `prices import` did with the catalog `file`: the models added (new or changed),
    /// those unchanged, and the keys skipped with the reason.
    public static func priceImport(_ summary: PriceImportSummary, file: String) -> JSONOutput {
        let added = summary.added
        let newCount = added.filter { $0.kind == .new }.count
        return .object([
            ("file", .string(file)), ("format", .string(summary.format.rawValue)), ("effective_from", .time(summary.effectiveFrom)),
            ("added_count", .int(Int64(added.count))), ("new_count", .int(Int64(newCount))),
            ("changed_count", .int(Int64(added.count - newCount))), ("unchanged_count", .int(Int64(summary.unchanged.count))),
            ("skipped_count", .int(Int64(summary.skipped.count))),
            (
                "added",
                .array(
                    added.map {
                        .object([
                            ("model", .string($0.model)), ("change", .string($0.kind.rawValue)), ("effective_from", .time($0.proposed.effectiveFrom)),
                        ])
                    })
            ),
            ("unchanged", .array(summary.unchanged.map { .string($0.model) })),
            ("skipped", skipped(summary.skipped)),
        ])
    }

    /// The catalog keys not taken, each with the reason.
    public static func skipped(_ skipped: [(model: String, reason: String)]) -> JSONOutput {
        .array(skipped.map { .object([("model", .string($0.model)), ("reason", .string($0.reason))]) })
    }

    /// One price entry: its model, time, source, the rates of each tier it prices (USD per
    /// million tokens; the classes billed apart, `cache_write_1h_usd_per_million`,
    /// `input_audio_usd_per_million`…, only where priced), its context window, and the long-context band: the input tokens above
    /// which a request is billed at it and its rates per tier (none without a threshold).
    public static func price(_ price: ListedPrice) -> JSONOutput {
        let entry = price.entry
        func tiers(_ band: PriceBand) -> JSONOutput {
            .object(
                ServiceTier.allCases.compactMap { tier in
                    guard let rates = entry.resolvedRates(tier: tier, band: band) else { return nil }
                    return (
                        tier.rawValue,
                        .object(
                            [
                                ("input_usd_per_million", .money(Money(nanos: rates.input))),
                                ("cached_input_usd_per_million", .money(Money(nanos: rates.cachedInput))),
                                ("cache_write_usd_per_million", .money(Money(nanos: rates.cacheWrite))),
                                ("output_usd_per_million", .money(Money(nanos: rates.output))),
                            ]
                                + BreakdownRates.classes.compactMap { tokenClass in
                                    rates.breakdown[tokenClass].map { ("\(tokenClass.rawValue)_usd_per_million", JSONOutput.money(Money(nanos: $0))) }
                                })
                    )
                })
        }
        return .object([
            ("model", .string(entry.model)), ("effective_from", .time(entry.effectiveFrom)), ("source", .string(price.source)),
            ("tiers", tiers(.standard)),
            ("max_input_tokens", entry.maxInputTokens.map(JSONOutput.int) ?? .null),
            ("max_output_tokens", entry.maxOutputTokens.map(JSONOutput.int) ?? .null),
            ("long_context_threshold_tokens", entry.longContextThresholdTokens.map(JSONOutput.int) ?? .null),
            ("long_context_tiers", entry.longContextThresholdTokens == nil ? .object([]) : tiers(.longContext)),
            ("provider", .optional(entry.provider)),
        ])
    }

    /// What `prices set` did: whether the entry was added (false: the same entry was already
    /// there, nothing written) and the entry.
    public static func priceSet(_ price: ListedPrice, added: Bool) -> JSONOutput {
        .object([("added", .bool(added)), ("price", JSONDocument.price(price))])
    }

    /// A spend alert as statements and balances list it.
    public static func alert(_ alert: LimitAlert) -> JSONOutput {
        .object([
            ("alert", .string(alert.code)), ("limit_usd", .money(alert.limit)), ("month_to_date_usd", .money(alert.monthToDate)),
            ("at", .time(alert.at)), ("request_id", .string(alert.requestID)),
        ])
    }
}
