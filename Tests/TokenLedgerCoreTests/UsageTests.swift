import Testing
import TokenLedgerCore

private let maximum = TokenUsage.maximumTokens

@Suite("TokenUsage and ServiceTier")
struct UsageTests {
    @Test("Valid counts are kept as given; uncached input is input minus cached minus cache write")
    func validCounts() throws {
        let usage = try TokenUsage.validated(input: 1_000, cached: 300, cacheWrite: 200, output: 50)
        #expect(usage.inputTokens == 1_000)
        #expect(usage.cachedTokens == 300)
        #expect(usage.cacheWriteTokens == 200)
        #expect(usage.outputTokens == 50)
        #expect(usage.uncachedInputTokens == 500)
        #expect(try TokenUsage.validated(input: 7, output: 0).uncachedInputTokens == 7)
        #expect(try TokenUsage.validated(input: 10, cached: 6, cacheWrite: 4, output: 1).uncachedInputTokens == 0)
        #expect(try TokenUsage.validated(input: 0, output: 0) == TokenUsage(input: 0, output: 0))
    }

    @Test("The largest counts are accepted")
    func largestCounts() throws {
        let usage = try TokenUsage.validated(
            input: maximum, cached: maximum / 2, cacheWrite: maximum / 2, output: maximum)
        #expect(usage.uncachedInputTokens == 0)
        #expect(maximum == 100_000_000_000)
    }

    @Test(
        "Refusals, in check order: each field negative or too large, then cached plus cache write above input",
        arguments: [
            // (input, cached, cacheWrite, output) → field, reason
            (-1, 0, 0, 0, "input", "must not be negative (got -1)"),
            (10, -1, 0, 0, "cached", "must not be negative (got -1)"),
            (10, 0, -2, 0, "cache_write", "must not be negative (got -2)"),
            (10, 0, 0, -3, "output", "must not be negative (got -3)"),
            (maximum + 1, 0, 0, 0, "input", "100000000001 tokens is more than the 100000000000 a charge may carry"),
            (10, maximum + 1, 0, 0, "cached", "100000000001 tokens is more than the 100000000000 a charge may carry"),
            (10, 0, maximum + 1, 0, "cache_write", "100000000001 tokens is more than the 100000000000 a charge may carry"),
            (10, 0, 0, maximum + 1, "output", "100000000001 tokens is more than the 100000000000 a charge may carry"),
            (10, 6, 5, 0, "cached", "cached (6) plus cache write (5) tokens exceed the input tokens (10), which include them"),
            (10, 11, 0, 0, "cached", "cached (11) plus cache write (0) tokens exceed the input tokens (10), which include them"),
            (10, 0, 11, 0, "cached", "cached (0) plus cache write (11) tokens exceed the input tokens (10), which include them"),
            // Order: fields in turn (input, cached, cache write, output), each negative then too large,
            // and the sum check only after every field.
            (maximum + 1, -1, 0, 0, "input", "100000000001 tokens is more than the 100000000000 a charge may carry"),
            (-1, 5, 5, maximum + 1, "input", "must not be negative (got -1)"),
            (10, -1, maximum + 1, -1, "cached", "must not be negative (got -1)"),
            (10, 20, 0, -1, "output", "must not be negative (got -1)"),
            (0, 1, 0, maximum + 1, "output", "100000000001 tokens is more than the 100000000000 a charge may carry"),
        ] as [(Int64, Int64, Int64, Int64, String, String)])
    func refusals(input: Int64, cached: Int64, cacheWrite: Int64, output: Int64, field: String, reason: String) {
        let error = #expect(throws: InvalidUsage.self) {
            try TokenUsage.validated(input: input, cached: cached, cacheWrite: cacheWrite, output: output)
        }
        #expect(error?.field == field)
        #expect(error?.reason == reason)
    }

    @Test("A refusal reads as field: reason")
    func invalidUsageDescription() {
        let error = #expect(throws: InvalidUsage.self) { try TokenUsage.validated(input: -5, output: 0) }
        #expect(error?.description == "input: must not be negative (got -5)")
    }

    @Test(
        "Service tier names as providers and people write them",
        arguments: [
            ("default", ServiceTier.default), ("auto", .default), ("scale", .default), ("standard", .default),
            ("", .default), ("DEFAULT", .default), ("flex", .flex), ("Flex", .flex), ("batch", .batch),
            ("batches", .batch), ("priority", .priority), ("PRIORITY", .priority),
        ] as [(String, ServiceTier)])
    func serviceTierNames(name: String, tier: ServiceTier) {
        #expect(ServiceTier(name: name) == tier)
    }

    @Test("Unknown service tier names are refused", arguments: ["fast", "premium", " flex", "on_demand"])
    func unknownServiceTier(name: String) {
        #expect(ServiceTier(name: name) == nil)
    }

    @Test("Service tier raw values are the stable names")
    func serviceTierRawValues() {
        #expect(ServiceTier.allCases.map(\.rawValue) == ["default", "flex", "batch", "priority"])
        #expect(PriceBand.allCases.map(\.rawValue) == ["standard", "long_context"])
    }
}
