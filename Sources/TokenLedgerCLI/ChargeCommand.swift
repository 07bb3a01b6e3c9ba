import ArgumentParser
import TokenLedger
import TokenLedgerCore

struct ChargeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "charge",
        abstract: "Record one request's usage, priced with the price in force at its time.",
        discussion: """
            Input tokens include cached and cache-write tokens; output tokens include reasoning tokens. \
            Grants are spent before purchases, the earliest-expiring lot first; usage beyond the balance \
            is recorded as overdraft (or refused with --enforce). The request id makes retries safe.
            """)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The account.") var account: String
    @Option(help: "The model, as named in the price book.") var model: String
    @Option(help: "Input tokens (including cached and cache-write tokens).") var input: Int64
    @Option(help: "Output tokens (including reasoning tokens).") var output: Int64
    @Option(help: "Input tokens read from the cache.") var cached: Int64 = 0
    @Option(help: "Input tokens written to the cache.") var cacheWrite: Int64 = 0
    @Option(help: "The service tier the provider used: default, flex, batch or priority.", transform: Parse.tier)
    var tier: ServiceTier = .default
    @Option(help: "The project to attribute the usage to.") var project: String?
    @Option(help: "The API key that made the request.") var apiKey: String?
    @Option(help: "The end user the request was made for.") var user: String?
    @Option(help: "The request id: the idempotency key (generated when omitted).") var id: String?
    @Option(help: "When the request happened (ISO 8601, UTC; default now).", transform: Parse.time) var at: Timestamp?
    @Flag(help: "Refuse the charge rather than go past the balance and overdraft allowance.") var enforce = false

    func run() throws {
        let ledger = try options.open()
        let receipt = try ledger.charge(ChargeRequest(
            account: account, model: model, tier: tier, input: input, cached: cached, cacheWrite: cacheWrite, output: output,
            project: project, apiKey: apiKey, user: user, requestID: id, at: at ?? now(), enforce: enforce))
        options.emit(Self.render(receipt))
    }

    static func render(_ receipt: ChargeReceipt) -> Rendered {
        let usage = receipt.usage
        var tokens = "\(usage.inputTokens.grouped) input"
        if usage.cachedTokens > 0 { tokens += " (\(usage.cachedTokens.grouped) cached)" }
        if usage.cacheWriteTokens > 0 { tokens += " (\(usage.cacheWriteTokens.grouped) cache write)" }
        tokens += ", \(usage.outputTokens.grouped) output"
        var lines: [(String, String)] = [
            ("id", receipt.id), ("model", "\(receipt.model) (\(receipt.tier.rawValue) tier)"), ("tokens", tokens),
            ("cost", receipt.cost.displayString), ("balance", receipt.balance.displayString),
            ("priced at", "entry effective from \(receipt.priceEffectiveFrom.iso8601)"),
        ]
        if receipt.overdraft.nanos > 0 { lines.append(("overdraft", "\(receipt.overdraft) of it beyond the credit; the next top-up repays it")) }
        if let recharge = receipt.recharge { lines.append(("recharge", RechargeRender.line(recharge))) }
        if !receipt.alerts.isEmpty { lines.append(("alerts", receipt.alerts.joined(separator: ", "))) }
        let title = receipt.duplicate
            ? "Already recorded (same request id and usage): nothing written."
            : "Charged \(receipt.account) \(receipt.cost) at \(receipt.at.iso8601)."
        return Rendered(
            json: .object([
                ("id", .string(receipt.id)), ("account", .string(receipt.account)), ("model", .string(receipt.model)),
                ("tier", .string(receipt.tier.rawValue)), ("input_tokens", .int(usage.inputTokens)), ("cached_tokens", .int(usage.cachedTokens)),
                ("cache_write_tokens", .int(usage.cacheWriteTokens)), ("output_tokens", .int(usage.outputTokens)),
                ("cost_usd", .money(receipt.cost)), ("balance_usd", .money(receipt.balance)), ("overdraft_usd", .money(receipt.overdraft)),
                ("at", .time(receipt.at)), ("price_effective_from", .time(receipt.priceEffectiveFrom)),
                ("recharge", receipt.recharge.map(RechargeRender.json) ?? .null), ("alerts", .array(receipt.alerts.map(JSON.string))),
                ("duplicate", .bool(receipt.duplicate)),
            ]),
            table: title + "\n" + keyValueLines(lines))
    }
}

struct BalanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "balance",
        abstract: "Show an account's balance and credit lots at a time.",
        discussion: "Lots that expired by --at are written off first (an expiry entry in the journal), so the balance is what can be spent then.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The account.") var account: String
    @Option(help: "The time (ISO 8601, UTC; default now).", transform: Parse.time) var at: Timestamp?

    func run() throws {
        let report = try options.open().balance(of: account, at: at ?? now())
        options.emit(Self.render(report))
    }

    static func render(_ report: BalanceReport) -> Rendered {
        let lots = Table(
            columns: ["kind", "remaining", "original", "created", "expires"],
            rows: report.lots.map {
                [$0.kind.rawValue, $0.remaining.displayString, $0.original.displayString, $0.createdAt.iso8601, $0.expiresAt.iso8601]
            }, rightAligned: [1, 2])
        var text = "Balance of \(report.account) at \(report.at.iso8601)\n" + keyValueLines([
            ("balance", report.balance.displayString + (report.balance.nanos < 0 ? " (overdraft owed)" : "")),
            ("available", report.available.displayString + (report.reserved.nanos > 0 ? " (\(report.reserved) held by open reservations)" : "")),
            ("month to date", report.monthToDate.displayString),
            ("usage tier", "\(report.tier.name) (monthly usage limit \(report.tier.monthlyUsageLimit))"),
            ("auto-recharge", report.recharge.map(\.description) ?? "off"),
        ] + report.limits.map { ("limits of \($0.scope)", LimitRender.describe($0.limits)) })
        for attempt in report.rechargeAttempts {
            text += "\nrecharge at \(attempt.at.iso8601): " + RechargeRender.line(attempt)
        }
        for alert in report.alerts {
            text += "\nalert at \(alert.at.iso8601): \(alert.code), month-to-date \(alert.monthToDate) reached \(alert.limit) (request \(alert.requestID))"
        }
        for expiry in report.expiredNow {
            text += "\nwritten off: \(expiry.amount) of an expired \(expiry.lotKind.rawValue) lot (expired \(expiry.expiredAt.iso8601))"
        }
        text += report.lots.isEmpty ? "\n\nNo credit lots with credit remaining." : "\n\nLots, in the order they are spent:\n" + lots.rendered()
        return Rendered(
            json: .object([
                ("account", .string(report.account)), ("at", .time(report.at)), ("balance_usd", .money(report.balance)),
                ("available_usd", .money(report.available)), ("overdraft_allowance_usd", .money(report.overdraftAllowance)),
                ("lots", .array(report.lots.map { lot in
                    .object([
                        ("kind", .string(lot.kind.rawValue)), ("remaining_usd", .money(lot.remaining)), ("original_usd", .money(lot.original)),
                        ("created_at", .time(lot.createdAt)), ("expires_at", .time(lot.expiresAt)),
                    ])
                })),
                ("tier", .string(report.tier.name)), ("monthly_usage_limit_usd", .money(report.tier.monthlyUsageLimit)),
                ("month_to_date_usd", .money(report.monthToDate)), ("reserved_usd", .money(report.reserved)),
                ("expired_now_usd", .money(report.expiredNow.reduce(Money.zero) { $0 + $1.amount })),
                ("auto_recharge", report.recharge.map(RechargeRender.json) ?? .null),
                ("recharges", .array(report.rechargeAttempts.map(RechargeRender.json))),
                ("limits", .array(report.limits.map(LimitRender.json))),
                ("alerts", .array(report.alerts.map(LimitRender.json))),
            ]),
            table: text,
            csv: Table(
                columns: ["account", "kind", "remaining_usd", "original_usd", "created_at", "expires_at"],
                rows: report.lots.map {
                    [report.account, $0.kind.rawValue, $0.remaining.decimalString, $0.original.decimalString, $0.createdAt.iso8601, $0.expiresAt.iso8601]
                }))
    }
}

struct ExpireCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expire",
        abstract: "Write off, for every account, the credit left in lots that expired by a time.",
        discussion: "Operations on an account do this for it as they go; run this to bring every account's books up to a date.")

    @OptionGroup var options: GlobalOptions
    @Option(help: "The time (ISO 8601, UTC; default now).", transform: Parse.time) var at: Timestamp?

    func run() throws {
        let records = try options.open().expireLots(at: at ?? now())
        let table = Table(
            columns: ["account", "lot", "written off", "expired"],
            rows: records.map { [$0.account, $0.lotKind.rawValue, $0.amount.displayString, $0.expiredAt.iso8601] }, rightAligned: [2])
        options.emit(Rendered(
            json: .object([
                ("expired", .array(records.map {
                    .object([("account", .string($0.account)), ("kind", .string($0.lotKind.rawValue)), ("amount_usd", .money($0.amount)),
                             ("expired_at", .time($0.expiredAt))])
                })),
                ("total_usd", .money(records.reduce(Money.zero) { $0 + $1.amount })),
            ]),
            table: records.isEmpty ? "Nothing to write off." : table.rendered(),
            csv: Table(columns: ["account", "kind", "amount_usd", "expired_at"],
                       rows: records.map { [$0.account, $0.lotKind.rawValue, $0.amount.decimalString, $0.expiredAt.iso8601] })))
    }
}

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Prove the books: balances re-folded from the journal, lots, overdraft, every cost repriced.",
        discussion: "Exit 0 when the books are balanced and consistent, 3 when a problem is found (each is listed).")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let report = try options.open().verify()
        var text = report.ok
            ? "OK: the books balance (\(plural(report.transfers, "transfer")), \(plural(report.accounts, "account")), \(plural(report.usages, "charge")) repriced exactly)."
            : "PROBLEMS FOUND (\(report.problems.count)):"
        for problem in report.problems { text += "\n- " + problem }
        options.emit(Rendered(
            json: .object([
                ("ok", .bool(report.ok)), ("transfers", .int(Int64(report.transfers))), ("accounts", .int(Int64(report.accounts))),
                ("charges", .int(Int64(report.usages))), ("problems", .array(report.problems.map(JSON.string))),
            ]),
            table: text))
        if !report.ok { throw Failure.ProblemsFound() }
    }
}
