import ArgumentParser
import TokenLedger
import TokenLedgerCore

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
        let ledger = try options.openBooks()
        if let require, let tier { try ledger.setMinimumTier(model: require, tier: tier == "none" ? nil : tier) }
        let tiers = try ledger.usageTiers()
        let requirements = try ledger.minimumTiers()
        var text = Table(
            columns: ["tier", "paid at least", "days since first payment", "monthly usage limit"],
            rows: tiers.map { [$0.name, $0.minimumPaid.displayString, String($0.minimumDaysSinceFirstPayment), $0.monthlyUsageLimit.displayString] },
            rightAligned: [1, 2, 3]
        ).rendered()
        for requirement in requirements { text += "\n\(requirement.model) needs tier \(requirement.tier)" }
        options.emit(
            Rendered(
                json: .object([
                    (
                        "tiers",
                        .array(
                            tiers.map { tier in
                                .object([
                                    ("name", .string(tier.name)), ("minimum_paid_usd", .money(tier.minimumPaid)),
                                    ("minimum_days", .int(Int64(tier.minimumDaysSinceFirstPayment))),
                                    ("monthly_usage_limit_usd", .money(tier.monthlyUsageLimit)),
                                ])
                            })
                    ),
                    ("minimum_tiers", .array(requirements.map { .object([("model", .string($0.model)), ("tier", .string($0.tier))]) })),
                ]),
                table: text))
    }
}
