import ArgumentParser
import TokenLedger
import TokenLedgerCore

extension KeysCommand {
    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke an API key: from then on it authenticates nothing (its record stays).",
            discussion: "Revoking a revoked key changes nothing and says so (exit 0). Refused (exit 2, unknown_key) for an id no key has.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The key's id (key_…, as `keys list` shows it).") var id: String
        @Option(help: "When (ISO 8601, UTC; default now).", transform: Parse.time) var at: Timestamp?

        func run() throws {
            let revocation = try options.openBooks().revokeAPIKey(id: id, at: at ?? now())
            let key = revocation.key
            let title =
                revocation.alreadyRevoked
                ? "API key \(key.id) was already revoked at \(key.revokedAt?.iso8601 ?? ""): nothing written."
                : "Revoked API key \(key.id)."
            options.emit(
                Rendered(
                    json: .object(KeysCommand.fields(key) + [("already_revoked", .bool(revocation.alreadyRevoked))]),
                    table: title + "\n" + keyValueLines(KeysCommand.lines(key))))
        }
    }
}
