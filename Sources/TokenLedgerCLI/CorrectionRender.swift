import ArgumentParser
import TokenLedger
import TokenLedgerCore

/// How a correction's receipt prints.
enum CorrectionRender {
    static func render(_ receipt: CorrectionReceipt) -> Rendered {
        var lines: [(String, String)] = [("id", receipt.id)]
        if let corrects = receipt.corrects { lines.append((receipt.kind == .refund ? "purchase" : "charge", corrects)) }
        lines.append(("amount", (receipt.amount.nanos > 0 ? "+" : "") + receipt.amount.displayString))
        if receipt.returned.nanos > 0 { lines.append(("returned to lots", receipt.returned.displayString)) }
        if receipt.repaid.nanos > 0 { lines.append(("repaid overdraft", receipt.repaid.displayString)) }
        if receipt.overdraft.nanos > 0 { lines.append(("into overdraft", receipt.overdraft.displayString)) }
        lines.append(("balance", receipt.balance.displayString))
        if let expires = receipt.lotExpiresAt { lines.append(("new lot expires", expires.iso8601)) }
        if let reason = receipt.reason { lines.append(("reason", reason)) }
        let what: String
        switch receipt.kind {
        case .adjust: what = receipt.amount.nanos > 0 ? "credit adjustment" : "debit adjustment"
        case .refund: what = "refund"
        case .reverse: what = "reversal"
        }
        let title =
            receipt.duplicate
            ? "Already recorded (same id and content): nothing written."
            : "Recorded \(what) of \(receipt.amount.nanos > 0 ? "+" : "")\(receipt.amount) for \(receipt.account) at \(receipt.at.iso8601)."
        return Rendered(
            json: .object([
                ("id", .string(receipt.id)), ("kind", .string(receipt.kind.rawValue)), ("account", .string(receipt.account)),
                ("amount_usd", .money(receipt.amount)), ("balance_usd", .money(receipt.balance)), ("reason", receipt.reason.map(JSON.string) ?? .null),
                ("corrects", receipt.corrects.map(JSON.string) ?? .null), ("returned_usd", .money(receipt.returned)),
                ("repaid_usd", .money(receipt.repaid)), ("overdraft_usd", .money(receipt.overdraft)),
                ("lot_expires_at", receipt.lotExpiresAt.map(JSON.time) ?? .null), ("at", .time(receipt.at)), ("duplicate", .bool(receipt.duplicate)),
            ]),
            table: title + "\n" + keyValueLines(lines.map { ($0.0, Table.visible($0.1)) }))
    }
}
