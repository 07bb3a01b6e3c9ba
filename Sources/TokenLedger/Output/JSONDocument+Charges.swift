import TokenLedgerCore

extension JSONDocument {
    /// One recorded charge: its request id, account, model, tier, band, tokens, cost, time,
    /// the balance after it as recorded, its attribution and its price entry's time.
    public static func chargeEntry(_ charge: ChargeEntry) -> JSONOutput {
        .object(chargeEntryFields(charge))
    }

    /// The fields of ``chargeEntry(_:)``, for documents that add their own. A charge whose name
    /// as sent was not its entry's model has `model_sent` after `model`; `provider` is null for
    /// a charge recorded before providers were.
    static func chargeEntryFields(_ charge: ChargeEntry) -> [(String, JSONOutput)] {
        var fields: [(String, JSONOutput)] = [
            ("id", .string(charge.id)), ("account", .string(charge.account)), ("at", .time(charge.at)), ("model", .string(charge.model)),
        ]
        if let sent = charge.modelSent { fields.append(("model_sent", .string(sent))) }
        return fields + [
            ("tier", .string(charge.tier.rawValue)), ("band", .string(charge.band.rawValue)), ("requests", .int(charge.requests)),
        ] + tokenFields(charge.usage) + [
            ("cost_usd", .money(charge.cost)), ("balance_after_usd", .money(charge.balanceAfter)), ("project", .optional(charge.project)),
            ("api_key", .optional(charge.apiKey)), ("user", .optional(charge.user)), ("price_effective_from", .time(charge.priceEffectiveFrom)),
            ("provider", .optional(charge.provider)),
        ]
    }

    /// A page of charges and the cursor of the next (`next_after`, null on the last page).
    public static func chargePage(_ page: ChargePage) -> JSONOutput {
        .object([("charges", .array(page.charges.map(chargeEntry))), ("next_after", .optional(page.next))])
    }

    /// A charge worked out: the charge, the price entry that priced it, one line per token class
    /// (tokens, rate, exact cost with fifteen decimals, the class's share of the charge), the
    /// exact sum and its rounding, the lots that paid it, the overdraft and the recharge.
    public static func chargeDetail(_ detail: ChargeDetail) -> JSONOutput {
        let lines = detail.lines.map { line in
            JSONOutput.object([
                ("class", .string(line.tokenClass.rawValue)), ("tokens", .int(line.tokens)),
                ("rate_usd_per_million", .money(Money(nanos: line.rateNanosPerMillion))),
                ("exact_dollars", .string(CostLine.dollars(femtos: line.exactFemtos, trimmed: false))), ("share_usd", .money(line.share)),
            ])
        }
        let draws = detail.draws.map { draw in
            JSONOutput.object([
                ("lot_kind", .string(draw.lotKind.rawValue)), ("lot_id", .optional(draw.lotReference)), ("lot_created_at", .time(draw.lotCreatedAt)),
                ("lot_expires_at", .time(draw.lotExpiresAt)), ("amount_usd", .money(draw.amount)),
            ])
        }
        let recharge: JSONOutput =
            detail.recharge.map { attempt in
                .object([
                    ("amount_usd", .money(attempt.amount)), ("status", .string(attempt.status.rawValue)), ("failure", .optional(attempt.failure)),
                    ("balance_usd", .money(attempt.balance)),
                ])
            } ?? .null
        return .object(
            chargeEntryFields(detail.charge) + [
                (
                    "price",
                    .object([
                        ("model", .string(detail.price.model)), ("effective_from", .time(detail.price.effectiveFrom)),
                        ("source", .string(detail.priceSource)),
                    ])
                ),
                ("lines", .array(lines)), ("exact_dollars", .string(CostLine.dollars(femtos: detail.exactFemtos, trimmed: false))),
                ("repriced_usd", .money(detail.repriced)), ("draws", .array(draws)), ("overdraft_usd", .money(detail.overdraft)),
                ("recharge", recharge),
            ])
    }

    /// An account's journal: the range, the opening balance, every entry with the running
    /// balance after it, and the closing balance.
    public static func journal(_ journal: AccountJournal) -> JSONOutput {
        let entries = journal.lines.map { line in
            JSONOutput.object([
                ("at", .time(line.at)), ("kind", .string(line.kind.rawValue)), ("id", .optional(line.reference)), ("model", .optional(line.model)),
                ("amount_usd", .money(line.amount)), ("balance_usd", .money(line.runningBalance)),
            ])
        }
        return .object([
            ("account", .string(journal.account)), ("from", .time(journal.from)), ("to", .time(journal.to)), ("opening_usd", .money(journal.opening)),
            ("entries", .array(entries)), ("closing_usd", .money(journal.closing)),
        ])
    }
}
