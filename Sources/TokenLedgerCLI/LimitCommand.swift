import ArgumentParser
import TokenLedger
import TokenLedgerCore

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
    @Option(parsing: .unconditional, help: "The soft limit (USD a month).") var soft: Money?
    @Option(parsing: .unconditional, help: "The hard limit (USD a month).") var hard: Money?
    @Flag(help: "Remove the limits of the account (or --project) before setting the ones given.") var clear = false

    func run() throws {
        let ledger = try options.openBooks()
        let settings: [LimitSetting]
        if soft == nil && hard == nil && !clear {
            settings = try ledger.limits(account: account)
        } else {
            settings = [try ledger.setLimits(account: account, scope: project.map(LimitScope.project) ?? .account, soft: soft, hard: hard, clear: clear)]
        }
        let lines = settings.map { "\($0.scope): \(LimitRender.describe($0.limits))" }
        options.emit(
            Rendered(
                json: .object([("account", .string(account)), ("limits", .array(settings.map(LimitRender.json)))]),
                table: "Monthly limits of \(account):" + (lines.isEmpty ? " none (the usage tier's limit applies)." : "\n" + lines.joined(separator: "\n"))))
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

    static func json(_ alert: LimitAlert) -> JSON { JSONDocument.alert(alert) }
}
