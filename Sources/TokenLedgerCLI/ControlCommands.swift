import ArgumentParser
import TokenLedger
import TokenLedgerCore

struct RechargeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recharge",
        abstract: "Set an account's auto-recharge: below --threshold, recharge back to --restore-to; or --off.",
        discussion: """
            After each charge that leaves the balance below the threshold, one recharge of restore-to minus the balance, \
            rounded up to a cent, at least $5.00, at most the account's maximum purchase and what --monthly-cap leaves this \
            calendar month (none when that is below $5.00). A recharge is a purchase: it expires a year later and counts \
            towards the usage tier. Without options, shows the settings.
            """)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The account.") var account: String
    @Option(help: "Recharge when the balance falls below this (USD).", transform: Parse.money) var threshold: Money?
    @Option(help: "The balance a recharge brings back (USD, within the account's maximum purchase).", transform: Parse.money) var restoreTo: Money?
    @Option(help: "The most recharges may add in one calendar month (USD, whole cents).", transform: Parse.money) var monthlyCap: Money?
    @Flag(help: "Turn auto-recharge off.") var off = false
    @Option(help: "When the settings change (ISO 8601, UTC; default now).", transform: Parse.time) var at: Timestamp?

    func validate() throws {
        if off, threshold != nil || restoreTo != nil || monthlyCap != nil {
            throw ValidationError("--off takes no --threshold, --restore-to or --monthly-cap")
        }
        if (threshold == nil) != (restoreTo == nil) { throw ValidationError("give both --threshold and --restore-to") }
        if monthlyCap != nil, threshold == nil { throw ValidationError("--monthly-cap needs --threshold and --restore-to") }
    }

    func run() throws {
        let ledger = try options.open()
        let settings: AutoRechargeSettings
        if off {
            settings = try ledger.turnOffAutoRecharge(account: account)
        } else if let threshold, let restoreTo {
            settings = try ledger.setAutoRecharge(account: account, threshold: threshold, restoreTo: restoreTo, monthlyCap: monthlyCap, at: at ?? now())
        } else {
            settings = try ledger.autoRecharge(account: account)
        }
        let policy = settings.policy
        options.emit(Rendered(
            json: .object([
                ("account", .string(settings.account)), ("on", .bool(policy != nil)),
                ("threshold_usd", policy.map { .money($0.threshold) } ?? .null), ("restore_to_usd", policy.map { .money($0.restoreTo) } ?? .null),
                ("monthly_cap_usd", policy?.monthlyCap.map(JSON.money) ?? .null),
            ]),
            table: "Auto-recharge of \(settings.account): " + (policy.map { "on, \($0)" } ?? "off") + "."))
    }
}

struct LimitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "limit",
        abstract: "Set monthly spend limits of an account or one of its projects (calendar months, UTC).",
        discussion: """
            --soft: the first charge that brings month-to-date spend to it records an alert (once a month). \
            --hard: reservations and `charge --enforce` are refused (exit 2, hard_limit) once month-to-date spend \
            has reached it; a plain charge still records the usage and flags it. The usage tier's monthly limit is \
            a hard limit too. Limits not given stay as they were; --clear removes both first. Without options, lists the limits.
            """)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The account.") var account: String
    @Option(help: "Limit one project rather than the whole account.") var project: String?
    @Option(help: "The soft limit (USD a month).", transform: Parse.money) var soft: Money?
    @Option(help: "The hard limit (USD a month).", transform: Parse.money) var hard: Money?
    @Flag(help: "Remove the limits of the account (or --project) before setting the ones given.") var clear = false

    func run() throws {
        let ledger = try options.open()
        let settings: [LimitSetting]
        if soft == nil && hard == nil && !clear {
            settings = try ledger.limits(account: account)
        } else {
            settings = [try ledger.setLimits(account: account, scope: project.map(LimitScope.project) ?? .account, soft: soft, hard: hard, clear: clear)]
        }
        let lines = settings.map { "\($0.scope): \(LimitRender.describe($0.limits))" }
        options.emit(Rendered(
            json: .object([("account", .string(account)), ("limits", .array(settings.map(LimitRender.json)))]),
            table: "Monthly limits of \(account):" + (lines.isEmpty ? " none (the usage tier's limit applies)." : "\n" + lines.joined(separator: "\n"))))
    }
}

struct ReserveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reserve",
        abstract: "Hold the most a request can cost before serving it; prints the reservation id.",
        discussion: """
            The hold is the cost of --input tokens and --max-output tokens at the price in force. Refused (exit 2) when the \
            available balance (balance - open holds + overdraft allowance) cannot cover it, a hard limit would be passed, \
            or the model needs a higher usage tier; exit 1 when the tokens exceed the model's context window. \
            Then `settle ID` with the actual usage, or `void ID`; an unsettled hold expires after --expires-in seconds.
            """)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The account.") var account: String
    @Option(help: "The model.") var model: String
    @Option(help: "Input tokens of the request.") var input: Int64
    @Option(help: "The most output tokens the request may produce.") var maxOutput: Int64
    @Option(help: "The service tier: default, flex, batch or priority.", transform: Parse.tier) var tier: ServiceTier = .default
    @Option(help: "The project to attribute the usage to.") var project: String?
    @Option(help: "The API key that makes the request.") var apiKey: String?
    @Option(help: "The end user the request is made for.") var user: String?
    @Option(help: "The reservation id (generated when omitted); the settled charge's request id.") var id: String?
    @Option(help: "Seconds until an unsettled hold is released (1 to 86400).") var expiresIn: Int64 = ReservationRequest.defaultExpirySeconds
    @Option(help: "When (ISO 8601, UTC; default now).", transform: Parse.time) var at: Timestamp?

    func run() throws {
        let reservation = try options.open().reserve(ReservationRequest(
            account: account, model: model, tier: tier, input: input, maxOutput: maxOutput, project: project, apiKey: apiKey, user: user, id: id,
            at: at ?? now(), expiresInSeconds: expiresIn))
        options.emit(ReservationRender.render(reservation, title: reservation.duplicate
            ? "Already reserved (same id and request): nothing written."
            : "Reserved \(reservation.hold) of \(reservation.account) until \(reservation.expiresAt.iso8601)."))
    }
}

struct SettleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settle",
        abstract: "Charge a reserved request's actual usage and release the rest of its hold.",
        discussion: "Usage beyond the hold is recorded all the same. Settling twice, or a voided or expired reservation, is refused (exit 2).")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The reservation id.") var id: String
    @Option(help: "Input tokens (including cached and cache-write tokens).") var input: Int64
    @Option(help: "Output tokens (including reasoning tokens).") var output: Int64
    @Option(help: "Input tokens read from the cache.") var cached: Int64 = 0
    @Option(help: "Input tokens written to the cache.") var cacheWrite: Int64 = 0
    @Option(help: "When (ISO 8601, UTC; default now).", transform: Parse.time) var at: Timestamp?

    func run() throws {
        let receipt = try options.open().settle(SettleRequest(id: id, input: input, cached: cached, cacheWrite: cacheWrite, output: output, at: at ?? now()))
        let charge = ChargeCommand.render(receipt.charge)
        guard case .object(let fields) = charge.json else { preconditionFailure("a charge renders as an object") }
        var table = "Settled \(id): charged \(receipt.charge.cost) of a \(receipt.reservation.hold) hold, released \(receipt.released)."
        if receipt.beyondHold.nanos > 0 { table += "\nThe usage cost \(receipt.beyondHold) more than the hold; recorded all the same." }
        options.emit(Rendered(
            json: .object(
                [("reservation", .string(id)), ("hold_usd", .money(receipt.reservation.hold)), ("released_usd", .money(receipt.released)),
                 ("beyond_hold_usd", .money(receipt.beyondHold)), ("charge", .object(fields))]),
            table: table + "\n" + charge.table))
    }
}

struct VoidCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "void",
        abstract: "Release a reservation's whole hold without charging (the request was not served).")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The reservation id.") var id: String
    @Option(help: "When (ISO 8601, UTC; default now).", transform: Parse.time) var at: Timestamp?

    func run() throws {
        let reservation = try options.open().void(reservation: id, at: at ?? now())
        options.emit(ReservationRender.render(reservation, title: "Voided \(id): released \(reservation.hold)."))
    }
}

struct TiersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tiers",
        abstract: "Show the usage tiers, or set a model's minimum tier.",
        discussion: """
            Tiers follow the amount paid (purchases and recharges, not grants) and the days since the first payment; each sets a \
            monthly usage limit, a hard limit. --require MODEL --tier T makes reservations and enforced charges of MODEL need tier T \
            (refused: tier_too_low); --require MODEL --tier none lifts it.
            """)

    @OptionGroup var options: GlobalOptions
    @Option(help: "A model whose minimum tier to set.") var require: String?
    @Option(help: "The minimum tier for --require ('none' to lift it).") var tier: String?

    func validate() throws {
        if (require == nil) != (tier == nil) { throw ValidationError("give --require MODEL and --tier TIER together") }
    }

    func run() throws {
        let ledger = try options.open()
        if let require, let tier { try ledger.setMinimumTier(model: require, tier: tier == "none" ? nil : tier) }
        let tiers = try ledger.usageTiers()
        let requirements = try ledger.minimumTiers()
        var text = Table(
            columns: ["tier", "paid at least", "days since first payment", "monthly usage limit"],
            rows: tiers.map { [$0.name, $0.minimumPaid.displayString, String($0.minimumDaysSinceFirstPayment), $0.monthlyUsageLimit.displayString] },
            rightAligned: [1, 2, 3]
        ).rendered()
        for requirement in requirements { text += "\n\(requirement.model) needs tier \(requirement.tier)" }
        options.emit(Rendered(
            json: .object([
                ("tiers", .array(tiers.map { tier in
                    .object([
                        ("name", .string(tier.name)), ("minimum_paid_usd", .money(tier.minimumPaid)),
                        ("minimum_days", .int(Int64(tier.minimumDaysSinceFirstPayment))), ("monthly_usage_limit_usd", .money(tier.monthlyUsageLimit)),
                    ])
                })),
                ("minimum_tiers", .array(requirements.map { .object([("model", .string($0.model)), ("tier", .string($0.tier))]) })),
            ]),
            table: text))
    }
}

enum RechargeRender {
    static func line(_ attempt: RechargeAttempt) -> String {
        switch attempt.status {
        case .succeeded: "\(attempt.amount) succeeded, balance \(attempt.balance)"
        case .failed: "\(attempt.amount) FAILED (\(attempt.failure ?? "payment failed")), nothing added"
        }
    }

    static func json(_ attempt: RechargeAttempt) -> JSON {
        .object([
            ("amount_usd", .money(attempt.amount)), ("status", .string(attempt.status.rawValue)), ("failure", .optional(attempt.failure)),
            ("balance_usd", .money(attempt.balance)), ("at", .time(attempt.at)), ("request_id", .string(attempt.requestID)),
        ])
    }

    static func json(_ policy: AutoRechargePolicy) -> JSON {
        .object([
            ("threshold_usd", .money(policy.threshold)), ("restore_to_usd", .money(policy.restoreTo)),
            ("monthly_cap_usd", policy.monthlyCap.map(JSON.money) ?? .null),
        ])
    }
}

enum LimitRender {
    static func describe(_ limits: SpendLimits) -> String {
        "soft \(limits.soft?.displayString ?? "none"), hard \(limits.hard?.displayString ?? "none")"
    }

    static func json(_ setting: LimitSetting) -> JSON {
        .object([
            ("project", .optional(setting.scope.project)), ("soft_usd", setting.limits.soft.map(JSON.money) ?? .null),
            ("hard_usd", setting.limits.hard.map(JSON.money) ?? .null),
        ])
    }

    static func json(_ alert: LimitAlert) -> JSON {
        .object([
            ("alert", .string(alert.code)), ("limit_usd", .money(alert.limit)), ("month_to_date_usd", .money(alert.monthToDate)),
            ("at", .time(alert.at)), ("request_id", .string(alert.requestID)),
        ])
    }
}

enum ReservationRender {
    static func render(_ reservation: Reservation, title: String) -> Rendered {
        Rendered(
            json: .object([
                ("id", .string(reservation.id)), ("account", .string(reservation.account)), ("model", .string(reservation.model)),
                ("tier", .string(reservation.tier.rawValue)), ("input_tokens", .int(reservation.inputTokens)),
                ("max_output_tokens", .int(reservation.maxOutputTokens)), ("hold_usd", .money(reservation.hold)),
                ("status", .string(reservation.status.rawValue)), ("created_at", .time(reservation.createdAt)),
                ("expires_at", .time(reservation.expiresAt)), ("available_usd", .money(reservation.available)),
                ("duplicate", .bool(reservation.duplicate)),
            ]),
            table: title + "\n" + keyValueLines([
                ("id", reservation.id), ("hold", reservation.hold.displayString), ("status", reservation.status.rawValue),
                ("expires", reservation.expiresAt.iso8601), ("available", reservation.available.displayString),
            ]))
    }
}
