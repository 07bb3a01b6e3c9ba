import ArgumentParser
import TokenLedgerCore

/// The token counts billed apart from text input and output, as `charge` and `settle` take
/// them: each lies within `--input` or `--output`.
struct BreakdownOptions: ParsableArguments {
    @Option(name: .customLong("cache-write-1h"), parsing: .unconditional, help: "Input tokens written to Anthropic's 1-hour cache.")
    var cacheWrite1h: Int64 = 0
    @Option(parsing: .unconditional, help: "Audio input tokens (within --input), billed at the audio input rate.") var inputAudio: Int64 = 0
    @Option(parsing: .unconditional, help: "Image input tokens (within --input), billed at the image input rate.") var inputImage: Int64 = 0
    @Option(parsing: .unconditional, help: "Audio output tokens (within --output), billed at the audio output rate.") var outputAudio: Int64 = 0
    @Option(parsing: .unconditional, help: "Image output tokens (within --output), billed at the image output rate.") var outputImage: Int64 = 0

    var breakdown: TokenBreakdown {
        TokenBreakdown(cacheWrite1h: cacheWrite1h, inputAudio: inputAudio, inputImage: inputImage, outputAudio: outputAudio, outputImage: outputImage)
    }
}

/// The prices of the classes billed apart, as `prices set` takes them, USD per million tokens.
struct BreakdownPriceOptions: ParsableArguments {
    @Option(name: .customLong("cache-write-1h"), parsing: .unconditional, help: "1-hour cache write price (Anthropic), USD per million tokens.")
    var cacheWrite1h: Money?
    @Option(parsing: .unconditional, help: "Audio input price, USD per million tokens.") var inputAudio: Money?
    @Option(parsing: .unconditional, help: "Image input price, USD per million tokens.") var inputImage: Money?
    @Option(parsing: .unconditional, help: "Audio output price, USD per million tokens.") var outputAudio: Money?
    @Option(parsing: .unconditional, help: "Image output price, USD per million tokens.") var outputImage: Money?

    var rates: BreakdownRates {
        BreakdownRates(
            cacheWrite1h: cacheWrite1h?.nanos, inputAudio: inputAudio?.nanos, inputImage: inputImage?.nanos, outputAudio: outputAudio?.nanos,
            outputImage: outputImage?.nanos)
    }
}
