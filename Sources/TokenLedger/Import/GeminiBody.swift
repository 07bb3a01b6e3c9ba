/// The rows of a `gemini-jsonl` file: one Gemini `generateContent` response per line
/// (`usageMetadata`, `modelVersion`, `responseId`).
///
/// `usageMetadata` maps to our classes so: `promptTokenCount` includes the cached
/// `cachedContentTokenCount`, and the prompt of a tool's results (`toolUsePromptTokenCount`) is
/// input too, so input = `promptTokenCount` + `toolUsePromptTokenCount`, cached =
/// `cachedContentTokenCount`; thinking is billed as output, so output = `candidatesTokenCount` +
/// `thoughtsTokenCount`. `totalTokenCount` and the per-modality details are breakdowns and are
/// not read. Counts Gemini leaves out are 0. The model is `modelVersion`, the request id
/// `responseId`. A response carries no time: each is charged at `--start`. Read complete
/// responses only: each chunk of `streamGenerateContent` repeats the usage so far, and a
/// stream's chunks would be charged once each.
enum GeminiBody: ResponseBodyReader {
    static var format: UsageImportFormat { .geminiJSONL }

    static let names = UsageFieldNames([
        .model: "modelVersion", .requestID: "responseId", .input: "usageMetadata.promptTokenCount",
        .cached: "usageMetadata.cachedContentTokenCount", .output: "usageMetadata.candidatesTokenCount",
    ])

    static func row(_ object: JSONObjectFields, line: Int) throws(BadUsageRow) -> UsageRow {
        guard let usage = try object.object("usageMetadata") else { throw object.problem("usageMetadata", "missing: the response's usage") }
        try UnmappedTokens.check(
            usage,
            mapped: Set(
                ["promptTokenCount", "cachedContentTokenCount", "candidatesTokenCount", "thoughtsTokenCount", "toolUsePromptTokenCount", "totalTokenCount"]
                    .map(usage.fieldPath)))
        return UsageRow(
            line: line, timeNanoseconds: 0, model: try object.string("modelVersion"),
            input: try usage.sum(try usage.count("promptTokenCount") ?? 0, try usage.count("toolUsePromptTokenCount") ?? 0, at: "promptTokenCount"),
            cached: try usage.count("cachedContentTokenCount") ?? 0,
            output: try usage.sum(try usage.count("candidatesTokenCount") ?? 0, try usage.count("thoughtsTokenCount") ?? 0, at: "candidatesTokenCount"),
            requestID: try object.string("responseId"), fieldNames: names, hasTime: false)
    }
}
