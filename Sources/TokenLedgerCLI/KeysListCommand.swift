import ArgumentParser
import TokenLedger
import TokenLedgerCore

extension KeysCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the API keys, revoked ones too, without their secrets.")

        @OptionGroup var options: GlobalOptions

        func run() throws {
            let keys = try options.openBooks().apiKeys()
            let cells: (APIKey) -> [String] = {
                [$0.id, $0.name ?? "", $0.role.rawValue, $0.account ?? "", $0.createdAt.iso8601, $0.revokedAt?.iso8601 ?? ""]
            }
            options.emit(
                Rendered(
                    json: .object([("keys", .array(keys.map { .object(KeysCommand.fields($0)) }))]),
                    table: keys.isEmpty
                        ? "No API keys yet: make one with `tokenledger keys create --role admin|gateway|reader`."
                        : Table(columns: ["id", "name", "role", "account", "created", "revoked"], rows: keys.map(cells)).rendered(),
                    csv: Table(columns: ["id", "name", "role", "account", "created_at", "revoked_at"], rows: keys.map(cells))))
        }
    }
}
