/// The rule every usage reader follows for a count of tokens it does not price: the row is
/// refused, naming the field, never charged without those tokens.
///
/// A provider's usage can carry token classes a format's reader does not map to a price:
/// Anthropic's `cache_read_input_tokens` and `cache_creation_input_tokens` (which its
/// `input_tokens` excludes), OpenAI's audio and image tokens (billed at their own rates). Charging
/// such a row would bill a fraction of its cost. A count of zero is accepted (nothing is left
/// out), and so are the breakdowns of text tokens that lie within a total the reader maps and
/// that are billed at that total's rate (`reasoning_tokens` within the output, the text and
/// uncached parts of the input).
enum UnmappedTokens {
    /// Counts within a mapped total, billed at its rate: never refused.
    static let withinMappedTotals: Set<String> = [
        "total_tokens", "reasoning_tokens", "accepted_prediction_tokens", "rejected_prediction_tokens", "input_uncached_tokens", "input_text_tokens",
        "output_text_tokens", "input_cached_text_tokens",
    ]

    /// Whether `key` names a count of tokens (`cache_read_input_tokens`, `thoughtsTokenCount`,
    /// `inputTokens`).
    static func isTokenCount(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return lowered.hasSuffix("tokens") || lowered.hasSuffix("tokencount") || lowered.hasSuffix("token_count")
    }

    /// Why a row with `text` under the field `key` (which the reader does not map) is refused, or
    /// nil when it is not: not a token count, a known breakdown, empty or zero.
    static func refusal(key: String, text: String) -> String? {
        guard isTokenCount(key), !withinMappedTotals.contains(key) else { return nil }
        let count: Int64
        do { count = try ImportFields.count(text) } catch { return error.reason }
        guard count != 0 else { return nil }
        let lowered = key.lowercased()
        let why =
            lowered.contains("audio") || lowered.contains("image")
            ? "audio and image tokens are billed at their own rates, which this format does not price"
            : "this format does not price these tokens (Anthropic's input_tokens, for one, excludes its cache reads and writes)"
        return "\(count) tokens that this format does not map: \(why); the row is refused rather than charged without them"
    }

    /// The first unmapped token count in a JSON object and the objects inside it, as a bad row;
    /// `mapped` holds the keys the reader reads at each path (`usage.input_tokens`).
    static func check(_ object: JSONObjectFields, mapped: Set<String>) throws(BadUsageRow) {
        for member in object.members {
            let path = object.fieldPath(member.key)
            switch member.value {
            case .number(let text):
                guard !mapped.contains(path), let reason = refusal(key: member.key, text: text) else { continue }
                throw object.problem(member.key, reason)
            case .string(let text) where isTokenCount(member.key) && !mapped.contains(path):
                if let reason = refusal(key: member.key, text: text) { throw object.problem(member.key, reason) }
            case .object:
                if let inner = try object.object(member.key) { try check(inner, mapped: mapped) }
            default: continue
            }
        }
    }
}
