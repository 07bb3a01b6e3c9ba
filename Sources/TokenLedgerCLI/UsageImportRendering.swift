import ArgumentParser
import Foundation
import TokenLedger
import TokenLedgerCore

/// How `import usage` prints its summary.
enum UsageImportRendering {
    /// How many bad rows the table lists before saying how many more there are.
    static let tableListLimit = 20

    static func render(_ summary: UsageImportSummary) -> Rendered {
        let notListed = summary.skipped - summary.badRows.count
        let json = JSONDocument.usageImport(summary)
        var lines = ["Imported \(summary.file) (\(summary.format.rawValue)) into \(summary.account): \(plural(summary.rowsRead, "row")) read."]
        var pairs: [(String, String)] = [
            ("charged", "\(summary.charged.grouped) (\(plural(Int(summary.requests), "request")))"),
            ("duplicates", "\(summary.duplicates.grouped) (already recorded: nothing written)"),
        ]
        if summary.empty > 0 { pairs.append(("empty", "\(summary.empty.grouped) (no requests and no tokens: nothing to charge)")) }
        pairs.append(("skipped", plural(summary.skipped, "bad row")))
        if summary.overContextWindow > 0 {
            let lines = summary.overContextWindowLines.prefix(tableListLimit).map(String.init).joined(separator: ", ")
            let more = summary.overContextWindow > tableListLimit ? ", …" : ""
            pairs.append(
                (
                    "flagged",
                    "\(summary.overContextWindow.grouped) beyond the model's context window, recorded as they happened (over_context_window; "
                        + "line \(lines)\(more))"
                ))
        }
        pairs.append(("cost", summary.cost.displayString))
        pairs.append(("first", summary.firstAt?.iso8601 ?? "-"))
        pairs.append(("last", summary.lastAt?.iso8601 ?? "-"))
        pairs.append(("balance", summary.balance.displayString))
        lines.append(keyValueLines(pairs))
        if !summary.badRows.isEmpty {
            lines += ["", "Skipped rows:"]
            lines += summary.badRows.prefix(tableListLimit).map { "  \($0.description) [\($0.code)]" }
            let more = summary.skipped - min(summary.badRows.count, tableListLimit)
            if more > 0 {
                lines.append(
                    "  … \(more.grouped) more"
                        + (notListed > 0 ? " (--format json lists the first \(UsageImportSummary.badRowListLimit.grouped))" : " (--format json lists them all)")
                )
            }
        }
        let columns = [
            "file", "format", "account", "rows_read", "charged", "duplicates", "empty", "skipped", "over_context_window", "requests", "cost_usd", "first_at",
            "last_at", "balance_usd",
        ]
        let row = [
            summary.file, summary.format.rawValue, summary.account, String(summary.rowsRead), String(summary.charged), String(summary.duplicates),
            String(summary.empty), String(summary.skipped), String(summary.overContextWindow), String(summary.requests), summary.cost.decimalString,
            summary.firstAt?.iso8601 ?? "",
            summary.lastAt?.iso8601 ?? "", summary.balance.decimalString,
        ]
        return Rendered(json: json, table: lines.joined(separator: "\n"), csv: Table(columns: columns, rows: [row]))
    }
}
