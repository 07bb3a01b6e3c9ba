import ArgumentParser
import TokenLedger
import TokenLedgerCore

struct ReserveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reserve",
        abstract: "Hold the most a request can cost before serving it; prints the reservation id.",
        discussion: """
            The hold is the cost of --input tokens and --max-output tokens at the price in force. Refused (exit 2) when the \
            available balance (balance - open holds + overdraft allowance) cannot cover it, a hard limit would be passed, \
            or the model needs a higher usage tier; exit 1 when the tokens exceed the model's context window. \
            Then `settle ID` with the actual usage, or `void ID`; an unsettled hold expires after --expires-in seconds.
            """)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The account.") var account: String
    @Option(help: "The model.") var model: String
    @Option(parsing: .unconditional, help: "Input tokens of the request.") var input: Int64
    @Option(parsing: .unconditional, help: "The most output tokens the request may produce.") var maxOutput: Int64
    @Option(help: "The service tier: default, flex, batch or priority.", transform: Parse.tier) var tier: ServiceTier = .default
    @Option(help: "The project to attribute the usage to.") var project: String?
    @Option(help: "The API key that makes the request.") var apiKey: String?
    @Option(help: "The end user the request is made for.") var user: String?
    @Option(help: "The reservation id (generated when omitted); the settled charge's request id.") var id: String?
    @Option(parsing: .unconditional, help: "Seconds until an unsettled hold is released (1 to 86400).") var expiresIn: Int64 = ReservationRequest
        .defaultExpirySeconds
    @Option(help: "When (ISO 8601, UTC; default now).", transform: Parse.time) var at: Timestamp?

    func run() throws {
        let reservation = try options.openBooks().reserve(
            ReservationRequest(
                account: account, model: model, tier: tier, input: input, maxOutput: maxOutput, project: project, apiKey: apiKey, user: user, id: id,
                at: at ?? now(), expiresInSeconds: expiresIn))
        options.emit(
            ReservationRender.render(
                reservation,
                title: reservation.duplicate
                    ? "Already reserved (same id and request): nothing written."
                    : "Reserved \(reservation.hold) of \(reservation.account) until \(reservation.expiresAt.iso8601)."))
    }
}

enum ReservationRender {
    static func render(_ reservation: Reservation, title: String) -> Rendered {
        Rendered(
            json: .object([
                ("id", .string(reservation.id)), ("account", .string(reservation.account)), ("model", .string(reservation.model)),
                ("tier", .string(reservation.tier.rawValue)), ("input_tokens", .int(reservation.inputTokens)),
                ("max_output_tokens", .int(reservation.maxOutputTokens)), ("hold_usd", .money(reservation.hold)),
                ("status", .string(reservation.status.rawValue)), ("created_at", .time(reservation.createdAt)),
                ("expires_at", .time(reservation.expiresAt)), ("available_usd", .money(reservation.available)),
                ("duplicate", .bool(reservation.duplicate)), ("close_id", .optional(reservation.closeID)),
            ]),
            table: title + "\n"
                + keyValueLines([
                    ("id", reservation.id), ("hold", reservation.hold.displayString), ("status", reservation.status.rawValue),
                    ("expires", reservation.expiresAt.iso8601), ("available", reservation.available.displayString),
                ]))
    }
}
