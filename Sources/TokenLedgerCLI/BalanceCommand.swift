import ArgumentParser
import TokenLedger
import TokenLedgerCore

struct BalanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "balance",
        abstract: "Show an account's balance and credit lots at a time.",
        discussion: "Lots that expired by --at are written off first (an expiry entry in the journal), so the balance is what can be spent then.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The account.") var account: String
    @Option(help: "The time (ISO 8601, UTC; default now).", transform: Parse.time) var at: Timestamp?

    func run() throws {
        let report = try options.openBooks().balance(of: account, at: at ?? now())
        options.emit(Self.render(report))
    }

    static func render(_ report: BalanceReport) -> Rendered {
        let lots = Table(
            columns: ["kind", "remaining", "original", "created", "expires"],
            rows: report.lots.map {
                [$0.kind.rawValue, $0.remaining.displayString, $0.original.displayString, $0.createdAt.iso8601, $0.expiresAt.iso8601]
            }, rightAligned: [1, 2])
        var text =
            "Balance of \(report.account) at \(report.at.iso8601)\n"
            + keyValueLines(
                [
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
                (
                    "lots",
                    .array(
                        report.lots.map { lot in
                            .object([
                                ("kind", .string(lot.kind.rawValue)), ("remaining_usd", .money(lot.remaining)), ("original_usd", .money(lot.original)),
                                ("created_at", .time(lot.createdAt)), ("expires_at", .time(lot.expiresAt)),
                            ])
                        })
                ),
                ("tier", .string(report.tier.name)), ("monthly_usage_limit_usd", .money(report.tier.monthlyUsageLimit)),
                ("month_to_date_usd", .money(report.monthToDate)), ("reserved_usd", .money(report.reserved)),
                ("expired_now_usd", .money(report.expiredNow.reduce(Money.zero) { $0 + $1.amount })),
                ("auto_recharge", report.recharge.map(RechargeRender.json) ?? .null),
                ("recharges", .array(report.rechargeAttempts.map(RechargeRender.json))),
                ("limits", .array(report.limits.map(LimitRender.json))),
                ("alerts", .array(report.alerts.map(LimitRender.json))),
            ]),
            table: text, csv: csv(report),
            markdown: Markdown.table(
                header: ["figure", "amount"],
                rows: zip(["balance", "available", "reserved", "month to date"], figures(report)).map { [$0, $1.1.displayString] }, rightAligned: [1])
                + "\n\n"
                + (report.lots.isEmpty ? "No credit lots with credit remaining." : lots.markdown()))
    }

    /// The figures every CSV row and the Markdown summary carry.
    static func figures(_ report: BalanceReport) -> [(String, Money)] {
        [
            ("balance_usd", report.balance), ("available_usd", report.available), ("reserved_usd", report.reserved),
            ("month_to_date_usd", report.monthToDate),
        ]
    }

    /// One row per lot (the lot's columns first, as before the figures were added), each with
    /// the account's figures after them; one row with empty lot columns when no lot holds credit,
    /// so that the balance is always there.
    static func csv(_ report: BalanceReport) -> Table {
        let figures = figures(report)
        let lotRows: [[String]] =
            report.lots.isEmpty
            ? [["", "", "", "", ""]]
            : report.lots.map { [$0.kind.rawValue, $0.remaining.decimalString, $0.original.decimalString, $0.createdAt.iso8601, $0.expiresAt.iso8601] }
        return Table(
            columns: ["account", "kind", "remaining_usd", "original_usd", "created_at", "expires_at", "at"] + figures.map(\.0),
            rows: lotRows.map { [report.account] + $0 + [report.at.iso8601] + figures.map(\.1.decimalString) })
    }
}
