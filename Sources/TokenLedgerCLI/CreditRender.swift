import ArgumentParser
import TokenLedger
import TokenLedgerCore

enum CreditRender {
    static func render(_ receipt: CreditReceipt) -> Rendered {
        var lines: [(String, String)] = [
            ("id", receipt.id), ("amount", receipt.amount.displayString), ("balance", receipt.balance.displayString),
            ("expires", receipt.expiresAt.iso8601),
        ]
        if receipt.repaid.nanos > 0 { lines.insert(("repaid overdraft", receipt.repaid.displayString), at: 2) }
        let title =
            receipt.duplicate
            ? "Already recorded (same id and content): nothing written."
            : "Recorded \(receipt.kind == .purchase ? "purchase" : "grant") of \(receipt.amount) for \(receipt.account) at \(receipt.at.iso8601)."
        return Rendered(
            json: .object([
                ("id", .string(receipt.id)), ("kind", .string(receipt.kind.rawValue)), ("account", .string(receipt.account)),
                ("amount_usd", .money(receipt.amount)), ("balance_usd", .money(receipt.balance)), ("repaid_usd", .money(receipt.repaid)),
                ("at", .time(receipt.at)), ("expires_at", .time(receipt.expiresAt)), ("duplicate", .bool(receipt.duplicate)),
            ]),
            table: title + "\n" + keyValueLines(lines))
    }
}
