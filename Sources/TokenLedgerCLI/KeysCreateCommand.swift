import ArgumentParser
import TokenLedger
import TokenLedgerCore

extension KeysCommand {
    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make an API key and print its secret, this once.",
            discussion: """
                The secret (tlk_…) is printed once, with --format json too, and never again: the ledger keeps only its SHA-256. \
                Refused (exit 2) when --account names no account.
                """)

        @OptionGroup var options: GlobalOptions
        @Option(help: "What the key may do: admin, gateway or reader.") var role: APIKeyRole
        @Option(help: "The one account the key may touch (default: every account).") var account: String?
        @Option(help: "A label for people (1 to 256 characters).") var name: String?
        @Option(help: "When the key is made (ISO 8601, UTC; default now).", transform: Parse.time) var at: Timestamp?

        func run() throws {
            let (key, secret) = try options.openBooks().createAPIKey(NewAPIKey(role: role, account: account, name: name, at: at ?? now()))
            options.emit(
                Rendered(
                    json: .object(KeysCommand.fields(key) + [("secret", .string(secret))]),
                    table: "Created API key \(key.id)\n" + keyValueLines(KeysCommand.lines(key).dropLast() + [("secret", secret)])
                        + "\nThe secret is shown this once: the ledger keeps only its SHA-256. Revoke with `tokenledger keys revoke \(key.id)`."))
        }
    }
}
