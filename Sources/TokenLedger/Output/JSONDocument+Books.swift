import TokenLedgerCore

extension JSONDocument {
    /// A monthly report: its scope, month and keys, one object per row (the month, the keys'
    /// values, `null` for none, and the sums), the total and the total cost.
    public static func monthlyReport(_ report: MonthlyReport) -> JSONOutput {
        let month = JSONOutput.string(report.monthText)
        func sums(_ sums: UsageSums) -> [(String, JSONOutput)] {
            [("requests", .int(sums.requests))]
                + tokenFields(
                    input: sums.inputTokens, cached: sums.cachedTokens, cacheWrite: sums.cacheWriteTokens, output: sums.outputTokens,
                    breakdown: sums.breakdown) + [("cost_usd", .money(sums.cost))]
        }
        let rows = report.rows.map { row in
            JSONOutput.object([("month", month)] + zip(report.keys, row.values).map { ($0.fieldName, JSONOutput.optional($1)) } + sums(row.sums))
        }
        return .object([
            ("account", .optional(report.account)), ("month", month), ("by", .array(report.keys.map { .string($0.rawValue) })), ("rows", .array(rows)),
            ("total", .object(sums(report.total))), ("total_cost_usd", .money(report.total.cost)),
        ])
    }

    /// The summary figures of a statement, in the order it prints them, each with its JSON
    /// field: opening + purchases + grants + recharges + adjustments − usage − expired = closing.
    public static func statementFigures(_ statement: AccountStatement) -> [(field: String, amount: Money)] {
        [
            ("opening_usd", statement.opening), ("purchases_usd", statement.purchases), ("grants_usd", statement.grants),
            ("recharges_usd", statement.recharges), ("adjustments_usd", statement.adjustments), ("usage_usd", statement.usage),
            ("expired_usd", statement.expired), ("closing_usd", statement.closing),
        ]
    }

    /// An account's month: the figures, the entries with the balance after each, the lots at
    /// the month's end, failed recharges and alerts.
    public static func statement(_ statement: AccountStatement) -> JSONOutput {
        let entries = statement.entries.map { entry in
            JSONOutput.object([
                ("at", .time(entry.at)), ("kind", .string(entry.kind.rawValue)), ("id", .optional(entry.reference)), ("amount_usd", .money(entry.amount)),
                ("balance_after_usd", .money(entry.balanceAfter)),
            ])
        }
        let lots = statement.lots.map { lot in
            JSONOutput.object([
                ("kind", .string(lot.kind.rawValue)), ("original_usd", .money(lot.original)), ("remaining_usd", .money(lot.remaining)),
                ("created_at", .time(lot.createdAt)), ("expires_at", .time(lot.expiresAt)),
            ])
        }
        let failed = statement.failedRecharges.map { failed in
            JSONOutput.object([
                ("at", .time(failed.at)), ("amount_usd", .money(failed.amount)), ("failure", .string(failed.failure)),
                ("request_id", .string(failed.requestID)),
            ])
        }
        return .object(
            [("account", .string(statement.account)), ("month", .string(statement.monthText))]
                + statementFigures(statement).map { ($0.field, JSONOutput.money($0.amount)) }
                + [
                    ("entries", .array(entries)), ("lots", .array(lots)), ("failed_recharges", .array(failed)),
                    ("alerts", .array(statement.alerts.map(alert))),
                ])
    }

    /// A reconciliation of the provider's bill with the ledger (of `account`, or every account):
    /// one object per day or line item with its status and note, then the summary.
    public static func reconciliation(_ report: ReconciliationReport, account: String?) -> JSONOutput {
        let byLineItem = report.granularity == .lineItem
        let summary = report.summary
        let rows = report.rows.map { row in
            JSONOutput.object(
                [("date", .string(row.day.description))] + (byLineItem ? [("line_item", .string(row.item?.description ?? ""))] : []) + [
                    ("provider_usd", .money(row.provider)), ("ledger_usd", .money(row.ledger)), ("diff_usd", .money(row.difference)),
                    ("shifted_usd", .money(row.shifted)), ("unexplained_usd", .money(row.unexplained)), ("status", .string(row.status.rawValue)),
                    ("note", .string(row.note)), ("charges", .int(Int64(row.charges))), ("charges_command", .optional(row.chargesCommand(account: account))),
                ])
        }
        // Charges other than usage (a FOCUS file's taxes, credits…), only when the cost data has them.
        let separate = report.separate.map { charge in
            JSONOutput.object([
                ("date", .string(charge.day.description)), ("category", .string(charge.category)), ("provider", .optional(charge.provider)),
                ("description", .optional(charge.description)), ("amount_usd", .money(charge.amount)),
            ])
        }
        return .object(
            [
                ("account", .optional(account)), ("by", .string(report.granularity.rawValue)), ("tolerance_usd", .money(report.tolerance)),
                ("from", report.rows.first.map { .string($0.day.description) } ?? .null),
                ("to", report.rows.last.map { .string($0.day.description) } ?? .null),
                ("rows", .array(rows)), ("matched", .int(Int64(summary.matched))), ("mismatched", .int(Int64(summary.mismatched))),
                ("ok", .bool(summary.isReconciled)), ("provider_total_usd", .money(summary.providerTotal)),
                ("ledger_total_usd", .money(summary.ledgerTotal)), ("matched_usd", .money(summary.matchedAmount)),
                ("shifted_usd", .money(summary.shiftedAmount)), ("provider_over_usd", .money(summary.providerOver)),
                ("ledger_over_usd", .money(summary.ledgerOver)), ("unexplained_usd", .money(summary.providerOver - summary.ledgerOver)),
            ] + (separate.isEmpty ? [] : [("not_usage", .array(separate))])
                + (report.providers.map { [("providers", .array($0.sorted().map(JSONOutput.string)))] } ?? []))
    }

    /// A FOCUS export of `month` as JSON: the month (`YYYY-MM`), the columns, and each row as
    /// an object of its columns (`null` for an empty one).
    public static func focus(month: Timestamp, rows: [[String?]]) -> JSONOutput {
        let objects = rows.map { row in JSONOutput.object(zip(FocusReport.columns, row).map { ($0, JSONOutput.optional($1)) }) }
        return .object([
            ("month", .string(String(month.dateString.prefix(7)))), ("columns", .array(FocusReport.columns.map(JSONOutput.string))),
            ("rows", .array(objects)),
        ])
    }
}
