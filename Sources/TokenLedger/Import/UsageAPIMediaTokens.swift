import TokenLedgerCore

/// The audio and image counts of OpenAI's Usage API results and of the dashboard's usage export
/// (the same names): `input_audio_tokens` and `input_image_tokens` (each including its cached
/// part, `input_cached_audio_tokens`, `input_cached_image_tokens`, which are billed with the
/// cached tokens), `output_audio_tokens` and `output_image_tokens`. As the API documents them,
/// all lie within `input_tokens` and `output_tokens`.
enum UsageAPIMediaTokens {
    /// Every column or key read, for the readers' lists of mapped token counts.
    static let names: Set<String> = [
        "input_audio_tokens", "input_cached_audio_tokens", "input_image_tokens", "input_cached_image_tokens", "output_audio_tokens",
        "output_image_tokens",
    ]

    /// The breakdown from the counts `count` reads by name (nil or 0 where absent); refuses a
    /// cached part larger than its whole, naming it with `problem`.
    static func breakdown(
        count: (String) throws(BadUsageRow) -> Int64?, problem: (String, String) -> BadUsageRow
    ) throws(BadUsageRow) -> TokenBreakdown {
        var breakdown = TokenBreakdown()
        for (whole, cachedName, part) in [
            ("input_audio_tokens", "input_cached_audio_tokens", \TokenBreakdown.inputAudioTokens),
            ("input_image_tokens", "input_cached_image_tokens", \TokenBreakdown.inputImageTokens),
        ] {
            let all = try count(whole) ?? 0
            let cached = try count(cachedName) ?? 0
            guard cached <= all else { throw problem(cachedName, "\(cached) cached tokens are more than the \(all) \(whole) they are part of") }
            breakdown[keyPath: part] = all - cached
        }
        breakdown.outputAudioTokens = try count("output_audio_tokens") ?? 0
        breakdown.outputImageTokens = try count("output_image_tokens") ?? 0
        return breakdown
    }
}
