import ArgumentParser
import Foundation
import TokenLedger
import TokenLedgerCore
import TokenLedgerDemo

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Bill a month of real LLM traffic (bundled Azure trace) on the default price book, and show the books.",
        discussion: """
            Writes ./tokenledger-demo.sqlite (or --db): an account with a welcome grant and card top-ups, 19,366 real \
            requests stretched over October 2025, overdraft and its repayment, then verifies the books. Every id is \
            fixed, so running it again writes nothing. It refuses a ledger that it did not make (not_a_demo_ledger, exit 4).
            """)

    @OptionGroup var options: GlobalOptions

    func run() throws {
        try options.useOutputFormat()
        let path = options.db ?? "tokenledger-demo.sqlite"
        let ledger = try openLedger(at: path, create: true)
        guard try ledger.claim(for: "demo") else {
            throw LedgerError(.notADemoLedger, path: path, detail: "it holds accounts of its own, which the demo's charges would be posted into")
        }
        try ledger.loadDefaultPrices()
        let progress = Progress(label: "charging requests")
        let summary = try Demo.run(on: ledger) { done, total in progress.update(done, total) }
        options.emit(Self.render(summary, path: path))
    }

    static func render(_ summary: Demo.Summary, path: String) -> Rendered {
        var text = """
            TokenLedger demo: one real hour of LLM traffic (Azure LLM inference trace, \(summary.requests.grouped) requests),
            replayed as October 2025 for the account '\(Demo.account)' on the bundled price book.

            """
        text +=
            summary.duplicates == summary.requests
            ? "This ledger already had the demo: all \(summary.requests.grouped) requests were duplicates and nothing was charged twice.\n\n"
            : "\n"
        let usage = Table(
            columns: ["model", "tier", "requests", "input tokens", "output tokens", "cost"],
            rows: summary.usage.map {
                [$0.model, $0.tier.rawValue, $0.requests.grouped, $0.inputTokens.grouped, $0.outputTokens.grouped, $0.cost.displayString]
            } + [
                [
                    "total", "", summary.usage.reduce(0) { $0 + $1.requests }.grouped, summary.usage.reduce(0) { $0 + $1.inputTokens }.grouped,
                    summary.usage.reduce(0) { $0 + $1.outputTokens }.grouped, summary.totalCost.displayString,
                ]
            ],
            rightAligned: [2, 3, 4, 5])
        text += "Usage in October 2025, by model:\n" + usage.rendered() + "\n\n"
        var credits = Table(columns: ["date", "credit", "amount", "expires", "note"], rows: [], rightAligned: [2])
        for event in summary.events {
            let receipt = event.receipt
            let note = receipt.repaid.nanos > 0 ? "repaid \(receipt.repaid) of overdraft first" : ""
            credits.rows.append([receipt.at.dateString, event.label, "+" + receipt.amount.displayString, receipt.expiresAt.dateString, note])
        }
        text += "Credit:\n" + credits.rendered() + "\n"
        text += "Written off at expiry: \(summary.expired) (what was left of the welcome credit on \(Demo.welcomeGrantExpiry.dateString)).\n"
        text += "Overdraft at the end of October: \(summary.overdraftBeforeRepayment) (usage that happened is never dropped).\n\n"
        let example = summary.example
        let rates = summary.exampleRates
        text += """
            One charge, to the nanodollar: request \(example.id) on \(example.model)
              \(example.usage.inputTokens.grouped) input × \(Money.perMillion(rates.input))/M + \(example.usage.outputTokens.grouped) output × \(Money.perMillion(rates.output))/M = \(example.cost)

            """
        text += "\n" + BalanceCommand.render(summary.balance).table + "\n\n"
        text +=
            summary.verify.ok
            ? "verify: OK, the books balance (\(summary.verify.transfers.grouped) transfers, \(summary.verify.usages.grouped) charges repriced exactly).\n"
            : "verify: PROBLEMS: \(summary.verify.problems.joined(separator: "; "))\n"
        text += "\nThe ledger is in \(path). Look around (from a checkout, `swift run tokenledger` stands for `tokenledger`):\n"
        text += "  tokenledger --db \(path) balance \(Demo.account) --at 2025-11-01\n"
        text += "  tokenledger --db \(path) prices list --at 2025-10-01\n"
        text += "  tokenledger --db \(path) report monthly --month 2025-10 --by model --html october.html\n"
        text += "  tokenledger --db \(path) statement \(Demo.account) --month 2025-10 --chart october-balance.svg\n"
        text += "  tokenledger --db \(path) verify"
        return Rendered(
            json: .object([
                ("path", .string(path)), ("account", .string(Demo.account)), ("requests", .int(Int64(summary.requests))),
                ("duplicates", .int(Int64(summary.duplicates))), ("cost_usd", .money(summary.totalCost)),
                ("expired_usd", .money(summary.expired)), ("overdraft_usd", .money(summary.overdraftBeforeRepayment)),
                ("balance_usd", .money(summary.balance.balance)), ("verify_ok", .bool(summary.verify.ok)),
                (
                    "by_model",
                    .array(
                        summary.usage.map {
                            .object([
                                ("model", .string($0.model)), ("tier", .string($0.tier.rawValue)), ("requests", .int($0.requests)),
                                ("input_tokens", .int($0.inputTokens)), ("output_tokens", .int($0.outputTokens)), ("cost_usd", .money($0.cost)),
                            ])
                        })
                ),
            ]),
            table: text)
    }
}
