import Foundation
import TokenLedgerCore

extension ReportKey {
    /// The keys of a report's `--by` (CLI) or `by` (service): each text one key or several
    /// joined by commas (`model,project`), in the order given; none means `model`.
    /// Throws ``InputError`` naming `field` for an unknown key or one given twice.
    public static func keys(parsing texts: [String], field: String) throws(InputError) -> [ReportKey] {
        let names = texts.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }.map { $0.trimmingCharacters(in: .whitespaces) }
        var keys: [ReportKey] = []
        for name in names {
            guard let key = ReportKey(rawValue: name) else {
                throw InputError(field: field, reason: "'\(name)' is not a key (use model, project, api-key, user, provider or day)")
            }
            guard !keys.contains(key) else { throw InputError(field: field, reason: "'\(name)' is given twice") }
            keys.append(key)
        }
        return keys.isEmpty ? [.model] : keys
    }
}
