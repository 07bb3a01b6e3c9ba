/// The rows of a `bedrock-jsonl` file: one Bedrock Converse response per line (`output`,
/// `stopReason`, `usage`, `metrics.latencyMs`).
///
/// `usage` maps to our classes so: Bedrock's `inputTokens` exclude the cache reads and writes
/// (reported beside them, as Anthropic's are), and our input includes them, so input =
/// `inputTokens` + `cacheReadInputTokens` + `cacheWriteInputTokens`; cached =
/// `cacheReadInputTokens`; cache write = `cacheWriteInputTokens`; output = `outputTokens`
/// (`totalTokens` is their sum and is not read). Writes to the 1-hour cache (the `inputTokens` of
/// the `cacheDetails` entries with `ttl: "1h"`, within `cacheWriteInputTokens`) are the 1-hour
/// cache write class, the rest of the writes the cache write class. A Converse response names no model, carries no id and no time:
/// the import needs `--model`, each row is charged at `--start`, and gets a generated id.
/// InvokeModel bodies of Anthropic models have Anthropic's shape: read them as `anthropic-jsonl`.
enum BedrockConverseBody: ResponseBodyReader {
    static var format: UsageImportFormat { .bedrockJSONL }
    static var namesModels: Bool { false }

    static let names = UsageFieldNames([
        .input: "usage.inputTokens", .cached: "usage.cacheReadInputTokens", .cacheWrite: "usage.cacheWriteInputTokens", .output: "usage.outputTokens",
        .cacheWrite1h: "usage.cacheDetails",
    ])

    static func row(_ object: JSONObjectFields, line: Int) throws(BadUsageRow) -> UsageRow {
        guard let usage = try object.object("usage") else { throw object.problem("usage", "missing: the response's usage") }
        try UnmappedTokens.check(
            usage, mapped: Set(["inputTokens", "outputTokens", "totalTokens", "cacheReadInputTokens", "cacheWriteInputTokens"].map(usage.fieldPath)))
        var oneHour: Int64 = 0
        for (index, value) in (try usage.array("cacheDetails") ?? []).enumerated() {
            guard let detail = JSONObjectFields(value, path: usage.fieldPath("cacheDetails[\(index)]"), lineOffset: usage.lineOffset, line: usage.line),
                try detail.string("ttl") == "1h"
            else { continue }
            oneHour = try usage.sum(oneHour, try detail.count("inputTokens") ?? 0, at: "cacheDetails")
        }
        let read = try usage.count("cacheReadInputTokens") ?? 0
        let written = try usage.count("cacheWriteInputTokens") ?? 0
        guard oneHour <= written else {
            throw usage.problem("cacheDetails", "\(oneHour) 1-hour cache writes are more than cacheWriteInputTokens (\(written)), which include them")
        }
        var row = UsageRow(
            line: line, timeNanoseconds: 0, model: nil, input: try usage.sum(try usage.requiredCount("inputTokens"), read, written, at: "inputTokens"),
            cached: read, cacheWrite: written - oneHour, output: try usage.requiredCount("outputTokens"), fieldNames: names, hasTime: false)
        row.breakdown.cacheWrite1hTokens = oneHour
        return row
    }
}
