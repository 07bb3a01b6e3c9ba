import ArgumentParser
import TokenLedger
import TokenLedgerCore

/// `tokenledger reverse`: a charge's cost given back by a reversing entry.
struct ReverseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reverse",
        abstract: "Reverse a charge: give its cost back to the lots that paid it, by a new entry.",
        discussion: """
            If those lots have expired, the account's oldest unexpired lots with room take it back, else a new grant lot \
            (expiring one year after --at). Overdraft is repaid first. The usage stays in reports and reconciliation (the \
            provider billed it); the statement shows the reversal under adjustments. Retrying with the same --id writes nothing.
            """)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The request id the charge was recorded under.") var chargeID: String
    @Option(help: "Why it is reversed.") var reason: String?
    @Option(help: "When (ISO 8601, UTC; default now).", transform: Parse.time) var at: Timestamp?
    @Option(help: "An idempotency key (generated when omitted).") var id: String?

    func run() throws {
        let ledger = try options.openBooks()
        options.emit(CorrectionRender.render(try ledger.reverse(ReversalRequest(chargeID: chargeID, reason: reason, at: at ?? now(), id: id))))
    }
}
