import TokenLedgerCore

/// The buckets of an `anthropic-usage-report` file: pages of Anthropic's Admin API usage report
/// (`GET /v1/organizations/usage_report/messages`), `{"data": [{"starting_at", "ending_at",
/// "results": [...]}], "has_more", "next_page"}`. Each result is one row at the bucket's
/// `starting_at`, standing for one request (the report gives no request count).
///
/// A result's counts map to our classes as an Anthropic response's do (``AnthropicBody``):
/// input = `uncached_input_tokens` + `cache_read_input_tokens` +
/// `cache_creation.ephemeral_5m_input_tokens`; cached = `cache_read_input_tokens`; cache
/// write = the 5-minute writes; 1-hour cache write = `cache_creation.ephemeral_1h_input_tokens`
/// (within the input too); output = `output_tokens`; the tier is `service_tier` (`standard`:
/// default). `model`, `api_key_id` and `workspace_id` (the project) are there when the query
/// grouped by them. A result with web searches (`server_tool_use.web_search_requests`, billed
/// per search) is refused: it has no price of ours.
enum AnthropicUsageReport {
    static func rows(ofBucket bucket: JSONObjectFields) -> [UsageRowResult] {
        let start: Timestamp
        let results: [JSONValue]
        do throws(BadUsageRow) {
            start = try bucket.rfc3339("starting_at", required: true)!
            results = try bucket.array("results") ?? []
        } catch { return [.bad(error)] }
        return results.enumerated().map { index, value in
            guard let result = JSONObjectFields(value, path: bucket.path + ".results[\(index)]", lineOffset: bucket.lineOffset, line: bucket.line) else {
                return .bad(bucket.problem("results", "result \(index) is \(value.kindDescription), not an object"))
            }
            do throws(BadUsageRow) { return .row(try row(result, start: start, bucket: bucket)) } catch { return .bad(error) }
        }
    }

    private static func row(_ result: JSONObjectFields, start: Timestamp, bucket: JSONObjectFields) throws(BadUsageRow) -> UsageRow {
        let cacheCreation = try result.object("cache_creation")
        try result.object("server_tool_use")?.refuseUnpriced("web_search_requests", "web searches, billed per search, which this format does not price")
        let uncached = try result.count("uncached_input_tokens") ?? 0
        let read = try result.count("cache_read_input_tokens") ?? 0
        let written = try cacheCreation?.count("ephemeral_5m_input_tokens") ?? 0
        let oneHour = try cacheCreation?.count("ephemeral_1h_input_tokens") ?? 0
        let names = UsageFieldNames([
            .time: bucket.fieldPath("starting_at"), .model: result.fieldPath("model"), .tier: result.fieldPath("service_tier"),
            .input: result.fieldPath("uncached_input_tokens"), .cached: result.fieldPath("cache_read_input_tokens"),
            .cacheWrite: result.fieldPath("cache_creation.ephemeral_5m_input_tokens"), .output: result.fieldPath("output_tokens"),
            .project: result.fieldPath("workspace_id"), .apiKey: result.fieldPath("api_key_id"),
            .cacheWrite1h: result.fieldPath("cache_creation.ephemeral_1h_input_tokens"),
        ])
        var row = UsageRow(
            line: result.line, timeNanoseconds: Int128(start.milliseconds) * ImportFields.nanosecondsPerMillisecond, model: try result.string("model"),
            tier: try result.tier("service_tier"), input: try result.sum(uncached, read, written, oneHour, at: "uncached_input_tokens"), cached: read,
            cacheWrite: written, output: try result.count("output_tokens") ?? 0, requests: 0, project: try result.string("workspace_id"),
            apiKey: try result.string("api_key_id"), fieldNames: names)
        row.breakdown.cacheWrite1hTokens = oneHour
        row.requests = row.isEmpty ? 0 : 1
        return row
    }
}
