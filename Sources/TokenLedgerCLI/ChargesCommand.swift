import ArgumentParser
import TokenLedger
import TokenLedgerCore

/// `tokenledger charges`: find recorded charges and show one worked out.
struct ChargesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "charges", abstract: "Find recorded charges (list, search) and show one worked out.",
        subcommands: [List.self, Show.self])
}

extension ChargeSort: ExpressibleByArgument {}

extension ChargesCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the charges that match every filter given, sorted and a page at a time.",
            discussion: """
                --from is inclusive, --to exclusive. A page holds --limit charges (default 100, at most 10000); when more match, \
                the last line names the --after value of the next page (the request id of the page's last charge). \
                --provider matches the provider each charge recorded; charges recorded before providers were have none.
                """,
            aliases: ["search"])

        @OptionGroup var options: GlobalOptions
        @Option(help: "Only this account's charges.") var account: String?
        @Option(help: "From this time on (ISO 8601, UTC; inclusive).", transform: Parse.time) var from: Timestamp?
        @Option(help: "Before this time (ISO 8601, UTC; exclusive).", transform: Parse.time) var to: Timestamp?
        @Option(help: "Only this model.") var model: String?
        @Option(help: "Only this project.") var project: String?
        @Option(help: "Only this API key.") var apiKey: String?
        @Option(help: "Only this end user.") var user: String?
        @Option(help: "Only the charge with this request id.") var id: String?
        @Option(help: "Only this service tier: default, flex, batch or priority.", transform: Parse.tier) var tier: ServiceTier?
        @Option(help: "Only charges served by this provider (openai, anthropic, google, bedrock, azure, groq…).") var provider: String?
        @Option(help: "Sort by time or cost (then in the order recorded).") var sort: ChargeSort = .time
        @Flag(help: "Largest or latest first.") var desc = false
        @Option(help: "The most charges to list (1 to 10000).") var limit = 100
        @Option(help: ArgumentHelp("Start after the charge with this request id (the previous page's last).", valueName: "request-id"))
        var after: String?

        func validate() throws {
            guard (1...ChargeQuery.maximumLimit).contains(limit) else { throw ValidationError("--limit must be between 1 and \(ChargeQuery.maximumLimit)") }
            if let from, let to, to <= from { throw ValidationError("--to (\(to.iso8601)) must be after --from (\(from.iso8601))") }
        }

        func run() throws {
            var query = ChargeQuery(account: account, from: from, to: to, sort: sort, descending: desc, limit: limit, after: after)
            (query.model, query.project, query.apiKey, query.user, query.requestID, query.tier) = (model, project, apiKey, user, id, tier)
            query.provider = provider
            let page = try options.openBooks().charges(matching: query)
            options.emit(ChargesRendering.render(page, sort: sort, descending: desc))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one charge worked out: tokens × rates = cost, its price entry, the lots that paid it, the balance after.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The charge's request id.") var id: String

        func run() throws {
            options.emit(ChargesRendering.render(try options.openBooks().charge(id: id)))
        }
    }
}

/// How `charges list` and `charges show` print.
enum ChargesRendering {
    /// The CSV's columns: the JSON's fields, with `model_sent` always present (empty where the
    /// name as sent was the entry's model), so every row has every column; the counts billed
    /// apart (1-hour cache writes, audio, images) last, after the columns older files had.
    static let columns =
        [
            "id", "account", "at", "model", "model_sent", "tier", "band", "requests", "input_tokens", "cached_tokens", "cache_write_tokens", "output_tokens",
            "cost_usd", "balance_after_usd", "project", "api_key", "user", "price_effective_from", "provider",
        ] + TokenBreakdown.fieldNames

    static func render(_ page: ChargePage, sort: ChargeSort, descending: Bool) -> Rendered {
        let table = Table(
            columns: ["time", "id", "account", "model", "tier", "input", "cached", "cache write", "output", "cost", "project", "user"],
            rows: page.charges.map { charge in
                [
                    charge.at.iso8601, charge.id, charge.account, charge.model, charge.tier.rawValue, charge.usage.inputTokens.grouped,
                    charge.usage.cachedTokens.grouped, charge.usage.cacheWriteTokens.grouped, charge.usage.outputTokens.grouped,
                    charge.cost.displayString, charge.project ?? "", charge.user ?? "",
                ]
            }, rightAligned: [5, 6, 7, 8, 9])
        let order = "by \(sort.rawValue)" + (descending ? ", \(sort == .time ? "latest" : "largest") first" : "")
        var text = "\(plural(page.charges.count, "charge")), \(order)"
        if !page.charges.isEmpty { text += "\n" + table.rendered() }
        if let next = page.next { text += "\nmore: the next page starts after \(next) (--after \(next))" }
        let csv = Table(
            columns: columns,
            rows: page.charges.map { charge in
                let fields = Dictionary(JSONDocument.chargeEntry(charge).fields.map { ($0.0, $0.1.cell) }, uniquingKeysWith: { first, _ in first })
                return columns.map { fields[$0] ?? "" }
            })
        return Rendered(json: JSONDocument.chargePage(page), table: text, csv: csv, markdown: table.markdown())
    }

    static func render(_ detail: ChargeDetail) -> Rendered {
        let charge = detail.charge
        var facts: [(String, String)] = [
            ("account", charge.account),
            ("model", "\(charge.model) (\(charge.tier.rawValue) tier, \(charge.band.rawValue.replacingOccurrences(of: "_", with: "-")) band)"),
        ]
        if let sent = charge.modelSent { facts.append(("sent as", sent)) }
        if let provider = charge.provider { facts.append(("provider", provider)) }
        facts.append(("priced by", "the \(detail.price.model) entry effective from \(detail.price.effectiveFrom.iso8601) (\(detail.priceSource))"))
        if charge.requests > 1 { facts.append(("requests", charge.requests.grouped)) }
        for (label, value) in [("project", charge.project), ("api key", charge.apiKey), ("user", charge.user)] {
            if let value { facts.append((label, value)) }
        }
        let lines = Table(
            columns: ["class", "tokens", "rate/M", "tokens × rate", "charged"],
            rows: detail.lines.map { line in
                [
                    line.tokenClass.lineItemName, line.tokens.grouped, Money.perMillion(line.rateNanosPerMillion), "$" + line.exactDollars,
                    line.share.displayString,
                ]
            } + [["total", "", "", "$" + CostLine.dollars(femtos: detail.exactFemtos), charge.cost.displayString]],
            rightAligned: [1, 2, 3, 4])
        var text = "Charge \(charge.id) at \(charge.at.iso8601)\n" + keyValueLines(facts) + "\n\n" + lines.rendered()
        text += "\nrounded once, half to even, to the nanodollar: \(detail.repriced)"
        if detail.repriced != charge.cost { text += " (recorded \(charge.cost): the books disagree with the price; run verify)" }
        text += "\n\nPaid by\n"
        if detail.draws.isEmpty {
            text += "no lot"
        } else {
            text += Table(
                columns: ["lot", "created", "expires", "amount"],
                rows: detail.draws.map { draw in
                    [
                        [draw.lotKind.rawValue, draw.lotReference].compactMap { $0 }.joined(separator: " "), draw.lotCreatedAt.iso8601,
                        draw.lotExpiresAt.iso8601,
                        draw.amount.displayString,
                    ]
                }, rightAligned: [3]
            ).rendered()
        }
        var after: [(String, String)] = [("overdraft", detail.overdraft.displayString + (detail.overdraft.nanos > 0 ? " (beyond the credit)" : ""))]
        after.append(("balance after", charge.balanceAfter.displayString))
        if let recharge = detail.recharge { after.append(("recharge", RechargeRender.line(recharge))) }
        text += "\n" + keyValueLines(after)
        return Rendered(json: JSONDocument.chargeDetail(detail), table: text, csv: nil)
    }
}

extension JSONOutput {
    /// An object's fields; none for any other value.
    var fields: [(String, JSONOutput)] {
        if case .object(let fields) = self { return fields }
        return []
    }
}
