import TokenLedgerCore

/// The rows of a `gemini-jsonl` file: one Gemini `generateContent` response per line
/// (`usageMetadata`, `modelVersion`, `responseId`).
///
/// `usageMetadata` maps to our classes so: `promptTokenCount` includes the cached
/// `cachedContentTokenCount`, and the prompt of a tool's results (`toolUsePromptTokenCount`) is
/// input too, so input = `promptTokenCount` + `toolUsePromptTokenCount`, cached =
/// `cachedContentTokenCount`; thinking is billed as output, so output = `candidatesTokenCount` +
/// `thoughtsTokenCount`. Of the per-modality details, audio input (`promptTokensDetails`'
/// `AUDIO` less `cacheTokensDetails`' `AUDIO`, whose cached part is billed with the cached
/// tokens) and audio and image output (`candidatesTokensDetails`' `AUDIO` and `IMAGE`) are
/// priced at their own rates; text, image and video input cost the input price, as Gemini bills
/// them. `totalTokenCount` is a sum and is not read. Counts Gemini leaves out are 0. The model is `modelVersion`, the request id
/// `responseId`. A response carries no time: each is charged at `--start`. Read complete
/// responses only: each chunk of `streamGenerateContent` repeats the usage so far, and a
/// stream's chunks would be charged once each.
enum GeminiBody: ResponseBodyReader {
    static var format: UsageImportFormat { .geminiJSONL }

    static let names = UsageFieldNames([
        .model: "modelVersion", .requestID: "responseId", .input: "usageMetadata.promptTokenCount",
        .cached: "usageMetadata.cachedContentTokenCount", .output: "usageMetadata.candidatesTokenCount",
        .inputAudio: "usageMetadata.promptTokensDetails", .outputAudio: "usageMetadata.candidatesTokensDetails",
        .outputImage: "usageMetadata.candidatesTokensDetails",
    ])

    static func row(_ object: JSONObjectFields, line: Int) throws(BadUsageRow) -> UsageRow {
        guard let usage = try object.object("usageMetadata") else { throw object.problem("usageMetadata", "missing: the response's usage") }
        try UnmappedTokens.check(
            usage,
            mapped: Set(
                ["promptTokenCount", "cachedContentTokenCount", "candidatesTokenCount", "thoughtsTokenCount", "toolUsePromptTokenCount", "totalTokenCount"]
                    .map(usage.fieldPath)))
        let promptAudio = try modalityCount(usage, "promptTokensDetails", "AUDIO")
        let cachedAudio = try modalityCount(usage, "cacheTokensDetails", "AUDIO")
        guard cachedAudio <= promptAudio else {
            throw usage.problem("cacheTokensDetails", "\(cachedAudio) cached audio tokens are more than the \(promptAudio) audio tokens of the prompt")
        }
        var row = UsageRow(
            line: line, timeNanoseconds: 0, model: try object.string("modelVersion"),
            input: try usage.sum(try usage.count("promptTokenCount") ?? 0, try usage.count("toolUsePromptTokenCount") ?? 0, at: "promptTokenCount"),
            cached: try usage.count("cachedContentTokenCount") ?? 0,
            output: try usage.sum(try usage.count("candidatesTokenCount") ?? 0, try usage.count("thoughtsTokenCount") ?? 0, at: "candidatesTokenCount"),
            requestID: try object.string("responseId"), fieldNames: names, hasTime: false)
        row.breakdown = TokenBreakdown(
            inputAudio: promptAudio - cachedAudio, outputAudio: try modalityCount(usage, "candidatesTokensDetails", "AUDIO"),
            outputImage: try modalityCount(usage, "candidatesTokensDetails", "IMAGE"))
        return row
    }

    /// The `tokenCount` of the entries of the list `key` (`[{"modality": "AUDIO", "tokenCount": 120}]`) for `modality`, added up.
    static func modalityCount(_ usage: JSONObjectFields, _ key: String, _ modality: String) throws(BadUsageRow) -> Int64 {
        var total: Int64 = 0
        for (index, value) in (try usage.array(key) ?? []).enumerated() {
            guard let entry = JSONObjectFields(value, path: usage.fieldPath("\(key)[\(index)]"), lineOffset: usage.lineOffset, line: usage.line) else {
                throw usage.problem(key, "entry \(index) is \(value.kindDescription), not an object")
            }
            guard try entry.string("modality") == modality else { continue }
            total = try usage.sum(total, try entry.count("tokenCount") ?? 0, at: key)
        }
        return total
    }
}
