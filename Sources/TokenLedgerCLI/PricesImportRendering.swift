import ArgumentParser
import TokenLedger
import TokenLedgerCore

/// How `prices import` and `prices diff` print their results.
enum PricesImportRendering {
    /// How many names or reasons the table lists before saying how many more there are.
    static let tableListLimit = 10

    static func render(_ summary: PriceImportSummary, file: String) -> Rendered {
        let added = summary.added
        let newCount = added.filter { $0.kind == .new }.count
        let json = JSONDocument.priceImport(summary, file: file)
        var lines = ["Imported \(file) (\(summary.format.rawValue)), effective from \(summary.effectiveFrom.iso8601)."]
        lines.append(
            keyValueLines([
                ("added", "\(added.count.grouped) (\(plural(newCount, "new model")), \((added.count - newCount).grouped) changed)"),
                ("unchanged", summary.unchanged.count.grouped), ("skipped", summary.skipped.count.grouped),
            ]))
        lines += listed(
            "Added",
            added.map { change in
                let dated = change.proposed.effectiveFrom == summary.effectiveFrom ? "" : " from \(change.proposed.effectiveFrom.iso8601)"
                return (change.model, change.kind.rawValue + dated)
            })
        lines += listed("Skipped", summary.skipped.map { ($0.model, $0.reason) })
        var rows = summary.changes.map { [$0.model, $0.kind.rawValue, ""] }
        rows += summary.skipped.map { [$0.model, "skipped", $0.reason] }
        return Rendered(json: json, table: lines.joined(separator: "\n"), csv: Table(columns: ["model", "result", "reason"], rows: rows))
    }

    static func render(
        _ changes: [PriceChange], skipped: [(model: String, reason: String)], file: String, format: PriceCatalogFormat, at time: Timestamp
    ) -> Rendered {
        let shown = changes.filter { $0.kind != .unchanged }
        let counts = PriceChange.Kind.allCases.map { kind in changes.filter { $0.kind == kind }.count }
        let json = JSON.object([
            ("file", .string(file)), ("format", .string(format.rawValue)), ("at", .time(time)),
            ("new_count", .int(Int64(counts[0]))), ("changed_count", .int(Int64(counts[1]))),
            ("unchanged_count", .int(Int64(counts[2]))), ("skipped_count", .int(Int64(skipped.count))),
            ("changes", .array(shown.map(changeJSON))),
            ("unchanged", .array(changes.filter { $0.kind == .unchanged }.map { .string($0.model) })),
            ("skipped", JSONDocument.skipped(skipped)),
        ])
        let summary =
            "Against the prices in force at \(time.iso8601): \(plural(counts[0], "new model")), \(counts[1].grouped) changed, "
            + "\(counts[2].grouped) unchanged, \(skipped.count.grouped) skipped."
        var rows: [[String]] = []
        for change in shown {
            if change.kind == .new {
                let rates = change.proposed.rates[RateKey(.default)]
                let prices = "\(Money.perMillion(rates?.input)) / \(Money.perMillion(rates?.output))"
                rows.append([change.model, "new", "default input/M / output/M", "-", prices])
            } else {
                rows += change.fields.map { [change.model, "changed", label($0), display($0.old, $0), display($0.new, $0)] }
            }
        }
        let table = Table(columns: ["model", "change", "price", "old", "new"], rows: rows, rightAligned: [3, 4])
        var csvRows: [[String]] = []
        for change in shown {
            csvRows += change.fields.map { field in
                [
                    change.model, change.kind.rawValue, field.key?.tier.rawValue ?? "", field.key?.band.rawValue ?? "", field.field,
                    machine(field.old, field), machine(field.new, field), field.isRate ? "usd_per_million" : "tokens",
                ]
            }
        }
        return Rendered(
            json: json, table: rows.isEmpty ? summary : summary + "\n" + table.rendered(),
            csv: Table(columns: ["model", "change", "tier", "band", "field", "old", "new", "unit"], rows: csvRows))
    }

    private static func changeJSON(_ change: PriceChange) -> JSON {
        let fields = change.fields.map { field -> JSON in
            var members: [(String, JSON)] = [
                ("tier", .optional(field.key?.tier.rawValue)), ("band", .optional(field.key?.band.rawValue)), ("field", .string(field.field)),
            ]
            if field.isRate {
                members.append(("old_usd_per_million", field.old.map { .money(Money(nanos: $0)) } ?? .null))
                members.append(("new_usd_per_million", field.new.map { .money(Money(nanos: $0)) } ?? .null))
            } else {
                members.append(("old_tokens", field.old.map(JSON.int) ?? .null))
                members.append(("new_tokens", field.new.map(JSON.int) ?? .null))
            }
            return .object(members)
        }
        return .object([
            ("model", .string(change.model)), ("change", .string(change.kind.rawValue)), ("effective_from", .time(change.proposed.effectiveFrom)),
            ("fields", .array(fields)),
        ])
    }

    /// A heading and its first items, `  model  detail`, then how many more there are.
    private static func listed(_ heading: String, _ items: [(String, String)]) -> [String] {
        guard !items.isEmpty else { return [] }
        let shown = items.prefix(tableListLimit)
        let width = shown.map(\.0.count).max() ?? 0
        var lines = ["", "\(heading):"]
        lines += shown.map { "  " + $0.0 + String(repeating: " ", count: width - $0.0.count) + "  " + $0.1 }
        if items.count > shown.count { lines.append("  … \((items.count - shown.count).grouped) more (--format json lists them all)") }
        return lines
    }

    /// `default input/M`, `priority output/M above 272k`, `max input tokens`.
    private static func label(_ field: PriceFieldChange) -> String {
        guard let key = field.key else { return field.field.replacingOccurrences(of: "_", with: " ") }
        let name =
            ["input": "input", "cached_input": "cached", "cache_write": "cache write"][field.field]
            ?? TokenClass(rawValue: field.field)?.lineItemName ?? field.field
        return "\(key.tier.rawValue) \(name)/M" + (key.band == .longContext ? " (long context)" : "")
    }

    private static func display(_ value: Int64?, _ field: PriceFieldChange) -> String {
        guard let value else { return "-" }
        return field.isRate ? Money.perMillion(value) : value.grouped
    }

    private static func machine(_ value: Int64?, _ field: PriceFieldChange) -> String {
        guard let value else { return "" }
        return field.isRate ? Money(nanos: value).decimalString : String(value)
    }
}
