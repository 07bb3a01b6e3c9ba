/// The rows of a `cohere-jsonl` file: one Cohere v2 chat response per line (`id`,
/// `finish_reason`, `message`, `usage`).
///
/// What Cohere bills is `usage.billed_units`: input = `billed_units.input_tokens`, output =
/// `billed_units.output_tokens` (0 when left out, as an embed response does). `usage.tokens`
/// counts the tokens the model saw, template included, and is not billed: it is not read. Any
/// other billed unit that is not 0 (`search_units`, `classifications`, `images`) has a rate of
/// its own: the row is refused. The request id is `id`; the model is `model` when a body has it
/// (a chat response does not: pass `--model`). A response carries no time: each is charged at
/// `--start`.
enum CohereBody: ResponseBodyReader {
    static var format: UsageImportFormat { .cohereJSONL }

    static let names = UsageFieldNames([
        .model: "model", .requestID: "id", .input: "usage.billed_units.input_tokens", .output: "usage.billed_units.output_tokens",
    ])

    static func row(_ object: JSONObjectFields, line: Int) throws(BadUsageRow) -> UsageRow {
        guard let usage = try object.object("usage"), let billed = try usage.object("billed_units") else {
            throw BadUsageRow(line: line, field: "usage.billed_units", reason: "missing: the response's billed units")
        }
        for member in billed.members where member.key != "input_tokens" && member.key != "output_tokens" {
            if case .number = member.value { try billed.refuseUnpriced(member.key, "units billed at a rate of their own, which this format does not price") }
        }
        return UsageRow(
            line: line, timeNanoseconds: 0, model: try object.string("model"), input: try billed.requiredCount("input_tokens"),
            output: try billed.count("output_tokens") ?? 0, requestID: try object.string("id"), fieldNames: names, hasTime: false)
    }
}
