import TokenLedgerCore

extension Timestamp {
    /// The calendar month `text` names (`2026-01`), as 00:00 UTC on its first day: what
    /// `report monthly`, `statement` and `export focus` take as their month.
    /// Throws ``InputError`` naming `field` when `text` is not `YYYY-MM`.
    public init(parsingMonth text: String, field: String) throws(InputError) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let start = try? Timestamp(parsing: text + "-01") else {
            throw InputError(field: field, reason: "'\(text)' is not a month: use YYYY-MM, such as 2026-01")
        }
        self = start
    }
}
