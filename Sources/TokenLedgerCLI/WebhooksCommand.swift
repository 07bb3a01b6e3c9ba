import ArgumentParser
import TokenLedger
import TokenLedgerCore

/// `tokenledger webhooks`: the endpoints `tokenledger serve` posts events to.
struct WebhooksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks", abstract: "Add, list and remove the endpoints that `tokenledger serve` posts events to.",
        discussion: """
            Each event is posted as JSON with a TokenLedger-Signature header (t=<unix seconds>,v1=<hex HMAC-SHA256 of \
            "<t>.<body>" with the endpoint's secret>), retried with backoff, in order per account. The secret is kept in \
            the books to sign with (the ledger file, or the PostgreSQL database): guard them as you guard the secret.
            """,
        subcommands: [Add.self, List.self, Remove.self, Log.self])

    static func cells(_ endpoint: WebhookEndpoint) -> [String] {
        [
            endpoint.id, endpoint.url, endpoint.account ?? "", endpoint.kinds.map { $0.map(\.rawValue).joined(separator: ",") } ?? "",
            endpoint.createdAt.iso8601, endpoint.removedAt?.iso8601 ?? "",
        ]
    }

    static let columns = ["id", "url", "account", "events", "created", "removed"]

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an endpoint; print its secret (made when --secret is not given), this once.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The URL events are posted to (http:// or https://).") var url: String
        @Option(help: "The signing secret (16 to 256 characters; default: a new random one).") var secret: String?
        @Option(help: "Only this account's events (default: every account).") var account: String?
        @Option(help: "Only these kinds, comma-separated (default: every kind).") var events: String?
        @Option(help: "When it is added (ISO 8601, UTC; default now).", transform: Parse.time) var at: Timestamp?

        func run() throws {
            var kinds: Set<LedgerEventKind>?
            if let events {
                switch LedgerEventKind.parseList(events) {
                case .success(let parsed): kinds = parsed
                case .failure(let unknown): throw WebhookRefusal.invalidEventKind(unknown)
                }
            }
            let added = try options.openBooks().addWebhook(NewWebhook(url: url, secret: secret, account: account, kinds: kinds, at: at ?? now()))
            guard case .object(let fields) = added.endpoint.json else { preconditionFailure("an endpoint renders as an object") }
            options.emit(
                Rendered(
                    json: .object(fields + [("secret", .string(added.secret))]),
                    table: "Added webhook \(added.endpoint.id) → \(added.endpoint.url)\nsecret: \(added.secret)\n"
                        + "The secret is shown this once. Remove with `tokenledger webhooks remove \(added.endpoint.id)`."))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the endpoints, removed ones too, without their secrets.")

        @OptionGroup var options: GlobalOptions

        func run() throws {
            let endpoints = try options.openBooks().webhooks()
            options.emit(
                Rendered(
                    json: .object([("webhooks", .array(endpoints.map(\.json)))]),
                    table: endpoints.isEmpty
                        ? "No webhooks yet: add one with `tokenledger webhooks add URL`."
                        : Table(columns: WebhooksCommand.columns, rows: endpoints.map(WebhooksCommand.cells)).rendered(),
                    csv: Table(columns: WebhooksCommand.columns, rows: endpoints.map(WebhooksCommand.cells))))
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an endpoint: nothing more is posted to it.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The endpoint's id (wh_…).") var id: String
        @Option(help: "When it is removed (ISO 8601, UTC; default now).", transform: Parse.time) var at: Timestamp?

        func run() throws {
            let endpoint = try options.openBooks().removeWebhook(id: id, at: at ?? now())
            options.emit(Rendered(json: endpoint.json, table: "Removed webhook \(endpoint.id)."))
        }
    }

    struct Log: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The delivery log: every attempt to post an event, oldest first.")

        @OptionGroup var options: GlobalOptions
        @Option(help: "Only the attempts of this event.") var seq: Int64?

        func run() throws {
            let attempts = try options.openBooks().deliveryLog(seq: seq)
            let columns = ["at", "endpoint", "seq", "attempt", "status_code", "outcome", "error"]
            let cells: (DeliveryAttempt) -> [String] = {
                [$0.at.iso8601, $0.endpoint, String($0.seq), String($0.attempt), $0.statusCode.map(String.init) ?? "", $0.outcome.rawValue, $0.error ?? ""]
            }
            options.emit(
                Rendered(
                    json: .object([("attempts", .array(attempts.map(\.json)))]),
                    table: attempts.isEmpty ? "No delivery attempts yet." : Table(columns: columns, rows: attempts.map(cells)).rendered(),
                    csv: Table(columns: columns, rows: attempts.map(cells))))
        }
    }
}
