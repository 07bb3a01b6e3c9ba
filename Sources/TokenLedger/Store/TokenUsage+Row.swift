import GRDB
import TokenLedgerCore

extension TokenUsage {
    /// The `usage` columns of the counts billed apart (``TokenBreakdown/fieldNames``) as SQL, each
    /// with `prefix` (`u.`), for queries that list their columns.
    package static func breakdownColumnList(prefix: String = "") -> String { TokenBreakdown.fieldNames.map { prefix + $0 }.joined(separator: ", ") }

    /// The counts of a row with the `usage` table's column names, checked: nil when a row (of
    /// a damaged file) holds counts no provider could have reported.
    static func validated(row: Row) -> TokenUsage? {
        try? TokenUsage.validated(
            input: row["input_tokens"], cached: row["cached_tokens"], cacheWrite: row["cache_write_tokens"], output: row["output_tokens"],
            breakdown: TokenBreakdown(
                cacheWrite1h: row["cache_write_1h_tokens"], inputAudio: row["input_audio_tokens"], inputImage: row["input_image_tokens"],
                outputAudio: row["output_audio_tokens"], outputImage: row["output_image_tokens"]))
    }

    /// The counts of a row with the `usage` table's column names, which the table's checks keep valid.
    init(row: Row) {
        guard let usage = TokenUsage.validated(row: row) else { preconditionFailure("a usage row holds counts its table's checks refuse") }
        self = usage
    }
}
