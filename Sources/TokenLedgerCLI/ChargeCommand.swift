import ArgumentParser
import TokenLedger
import TokenLedgerCore

struct ChargeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "charge",
        abstract: "Record one request's usage, priced with the price in force at its time.",
        discussion: """
            Input tokens include cached, cache-write, audio and image tokens; output tokens include reasoning, \
            audio and image tokens. Audio, image and 1-hour cache-write tokens are billed at their own rates \
            where the price book has them, and refused (no_price_for_class) where it has not. \
            Grants are spent before purchases, the earliest-expiring lot first; usage beyond the balance \
            is recorded as overdraft (or refused with --enforce). The request id makes retries safe.
            """)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The account.") var account: String
    @Option(help: "The model, as named in the price book.") var model: String
    @Option(parsing: .unconditional, help: "Input tokens (including cached and cache-write tokens).") var input: Int64
    @Option(parsing: .unconditional, help: "Output tokens (including reasoning tokens).") var output: Int64
    @Option(parsing: .unconditional, help: "Input tokens read from the cache.") var cached: Int64 = 0
    @Option(parsing: .unconditional, help: "Input tokens written to the cache (Anthropic: the 5-minute cache).") var cacheWrite: Int64 = 0
    @OptionGroup var breakdown: BreakdownOptions
    @Option(help: "The service tier the provider used: default, flex, batch or priority.", transform: Parse.tier)
    var tier: ServiceTier = .default
    @Option(help: "The project to attribute the usage to.") var project: String?
    @Option(help: "The API key that made the request.") var apiKey: String?
    @Option(help: "The end user the request was made for.") var user: String?
    @Option(help: "The request id: the idempotency key (generated when omitted).") var id: String?
    @Option(help: "Who served and billed the request (openai, anthropic, google, bedrock, azure, groq…; default: from the model name or its price entry).")
    var provider: String?
    @Option(help: "When the request happened (ISO 8601, UTC; default now).", transform: Parse.time) var at: Timestamp?
    @Flag(help: "Refuse the charge rather than go past the balance and overdraft allowance.") var enforce = false

    func run() throws {
        let ledger = try options.openBooks()
        var request = ChargeRequest(
            account: account, model: model, tier: tier, input: input, cached: cached, cacheWrite: cacheWrite, output: output,
            project: project, apiKey: apiKey, user: user, requestID: id, at: at ?? now(), enforce: enforce,
            provider: provider.map(Providers.Claim.named))
        request.breakdown = breakdown.breakdown
        let receipt = try ledger.charge(request)
        options.emit(Self.render(receipt))
    }

    static func render(_ receipt: ChargeReceipt) -> Rendered {
        let usage = receipt.usage
        // `1,200 input (200 cached, 1,000 audio), 300 output (250 audio)`: the parts within each total that are not 0.
        func parts(_ counts: [(Int64, String)]) -> String {
            let named = counts.filter { $0.0 > 0 }.map { "\($0.0.grouped) \($0.1)" }
            return named.isEmpty ? "" : " (" + named.joined(separator: ", ") + ")"
        }
        let apart = usage.breakdown
        let tokens =
            "\(usage.inputTokens.grouped) input"
            + parts([
                (usage.cachedTokens, "cached"), (usage.cacheWriteTokens, "cache write"), (apart.cacheWrite1hTokens, "1h cache write"),
                (apart.inputAudioTokens, "audio"), (apart.inputImageTokens, "image"),
            ]) + ", \(usage.outputTokens.grouped) output" + parts([(apart.outputAudioTokens, "audio"), (apart.outputImageTokens, "image")])
        var lines: [(String, String)] = [
            ("id", receipt.id), ("model", "\(receipt.model) (\(receipt.tier.rawValue) tier)"),
        ]
        if let sent = receipt.modelSent { lines.append(("sent as", sent)) }
        lines += [
            ("tokens", tokens),
            ("cost", receipt.cost.displayString), ("balance", receipt.balance.displayString),
            ("priced at", "entry effective from \(receipt.priceEffectiveFrom.iso8601)"),
        ]
        if receipt.overdraft.nanos > 0 { lines.append(("overdraft", "\(receipt.overdraft) of it beyond the credit; the next top-up repays it")) }
        if let recharge = receipt.recharge { lines.append(("recharge", RechargeRender.line(recharge))) }
        if !receipt.alerts.isEmpty { lines.append(("alerts", receipt.alerts.map(\.code).joined(separator: ", "))) }
        let title =
            receipt.duplicate
            ? "Already recorded (same request id and usage): nothing written."
            : "Charged \(receipt.account) \(receipt.cost) at \(receipt.at.iso8601)."
        var fields: [(String, JSON)] = [("id", .string(receipt.id)), ("account", .string(receipt.account)), ("model", .string(receipt.model))]
        if let sent = receipt.modelSent { fields.append(("model_sent", .string(sent))) }
        return Rendered(
            json: .object(
                fields + [
                    ("tier", .string(receipt.tier.rawValue))
                ] + JSONDocument.tokenFields(usage) + [
                    ("cost_usd", .money(receipt.cost)), ("balance_usd", .money(receipt.balance)), ("overdraft_usd", .money(receipt.overdraft)),
                    ("at", .time(receipt.at)), ("price_effective_from", .time(receipt.priceEffectiveFrom)),
                    ("recharge", receipt.recharge.map(RechargeRender.json) ?? .null), ("alerts", .array(receipt.alerts.map { JSON.string($0.code) })),
                    ("duplicate", .bool(receipt.duplicate)), ("provider", receipt.provider.map(JSON.string) ?? .null),
                ]),
            table: title + "\n" + keyValueLines(lines))
    }
}
