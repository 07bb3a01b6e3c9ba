import TokenLedgerCore

extension LineItem {
    /// Reads a provider's cost line item: `"gpt-4o-2024-08-06, input"`, `"gpt-4o-mini, cached input"`,
    /// `"gpt-4.1, cache writes"`, `"priority | gpt-5, output, long context"`, `"batch | o3, output"`.
    ///
    /// The form is an optional `TIER | ` prefix, the model, the token class, then optional
    /// qualifiers (`long context`, or a tier name). Anything else (`"web search tool calls"`, a
    /// null line item, an unknown class or qualifier) is ``LineItem/other``: reconciliation lists
    /// it as such rather than guess.
    public init(parsing text: String?) {
        guard let text = text?.trimmingASCIIWhitespace(), !text.isEmpty else {
            self = .other
            return
        }
        var tier = ServiceTier.default
        var rest = Substring(text)
        if let bar = rest.firstIndex(of: "|") {
            let name = String(rest[..<bar]).trimmingASCIIWhitespace()
            guard !name.isEmpty, let prefix = ServiceTier(name: name) else {
                self = .other
                return
            }
            tier = prefix
            rest = rest[rest.index(after: bar)...]
        }
        let parts = rest.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingASCIIWhitespace() }
        guard parts.count >= 2, let model = parts.first, !model.isEmpty, !model.contains(" "),
            let tokenClass = LineItem.tokenClasses[parts[1].lowercased()]
        else {
            self = .other
            return
        }
        var band = PriceBand.standard
        for qualifier in parts.dropFirst(2).map({ $0.lowercased() }) {
            if qualifier == "long context" || qualifier == "long_context" {
                band = .longContext
            } else if let named = ServiceTier(name: qualifier), !qualifier.isEmpty {
                tier = named
            } else {
                self = .other
                return
            }
        }
        self = .tokens(model: model, tier: tier, band: band, tokenClass: tokenClass)
    }

    /// The names providers give token classes in line items.
    private static let tokenClasses: [String: TokenClass] = [
        "input": .input, "uncached input": .input, "input tokens": .input,
        "cached input": .cachedInput, "cached_input": .cachedInput, "cached input tokens": .cachedInput, "cache reads": .cachedInput,
        "cache read": .cachedInput,
        "cache writes": .cacheWrite, "cache write": .cacheWrite, "cache_write": .cacheWrite, "cache writes tokens": .cacheWrite,
        "output": .output, "output tokens": .output,
        "1h cache writes": .cacheWrite1h, "1h cache write": .cacheWrite1h, "cache_write_1h": .cacheWrite1h, "1-hour cache writes": .cacheWrite1h,
        "audio input": .inputAudio, "input audio": .inputAudio, "input_audio": .inputAudio, "audio input tokens": .inputAudio,
        "image input": .inputImage, "input image": .inputImage, "input_image": .inputImage, "image input tokens": .inputImage,
        "audio output": .outputAudio, "output audio": .outputAudio, "output_audio": .outputAudio, "audio output tokens": .outputAudio,
        "image output": .outputImage, "output image": .outputImage, "output_image": .outputImage, "image output tokens": .outputImage,
    ]
}
