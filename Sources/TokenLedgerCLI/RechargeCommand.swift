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
    @Option(parsing: .unconditional, help: "Recharge when the balance falls below this (USD).") var threshold: Money?
    @Option(parsing: .unconditional, help: "The balance a recharge brings back (USD, within the account's maximum purchase).") var restoreTo: Money?
    @Option(parsing: .unconditional, help: "The most recharges may add in one calendar month (USD, whole cents).") var monthlyCap: Money?
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
        let ledger = try options.openBooks()
        let settings: AutoRechargeSettings
        if off {
            settings = try ledger.turnOffAutoRecharge(account: account)
        } else if let threshold, let restoreTo {
            settings = try ledger.setAutoRecharge(account: account, threshold: threshold, restoreTo: restoreTo, monthlyCap: monthlyCap, at: at ?? now())
        } else {
            settings = try ledger.autoRecharge(account: account)
        }
        let policy = settings.policy
        options.emit(
            Rendered(
                json: .object([
                    ("account", .string(settings.account)), ("on", .bool(policy != nil)),
                    ("threshold_usd", policy.map { .money($0.threshold) } ?? .null), ("restore_to_usd", policy.map { .money($0.restoreTo) } ?? .null),
                    ("monthly_cap_usd", policy?.monthlyCap.map(JSON.money) ?? .null),
                ]),
                table: "Auto-recharge of \(settings.account): " + (policy.map { "on, \($0)" } ?? "off") + "."))
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
