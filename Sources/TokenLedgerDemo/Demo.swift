import TokenLedger
import TokenLedgerCore

/// The README's main job: a month of real LLM traffic through a ledger, end to end.
///
/// One real hour of requests (the bundled Azure conversation trace) is stretched over October
/// 2025 and billed to the account `acme` on the default price book: a $5 welcome grant that
/// expires on the 3rd, a $20 card top-up, usage that outruns it into overdraft, and a $25
/// top-up on 1 November that repays the overdraft first. Every id is fixed, so running it
/// again on the same file writes nothing.
public enum Demo {
    public static let account = "acme"
    /// Where the trace's first request falls.
    public static let start = Timestamp(year: 2025, month: 10, day: 1)
    /// One hour of trace becomes 31 days.
    public static let timeScale: Int64 = 31 * 24
    public static let welcomeGrant = Money(dollars: 5)
    public static let welcomeGrantExpiry = Timestamp(year: 2025, month: 10, day: 3)
    public static let firstTopUp = Money(dollars: 20)
    public static let secondTopUp = Money(dollars: 25)
    public static let secondTopUpAt = Timestamp(year: 2025, month: 11, day: 1)
    static let batchSize = 1_000

    /// A credit the demo recorded, for the story it prints.
    public struct Event: Sendable, Hashable {
        public var label: String
        public var receipt: CreditReceipt
    }

    /// What the demo did and found.
    public struct Summary: Sendable {
        public var requests: Int
        public var duplicates: Int
        public var events: [Event]
        public var usage: [UsageTotal]
        public var totalCost: Money
        public var overdraftBeforeRepayment: Money
        /// Credit written off because its lot expired (what was left of the welcome grant).
        public var expired: Money
        public var balance: BalanceReport
        /// One charge and the prices it was billed at, to show the arithmetic.
        public var example: ChargeReceipt
        public var exampleRates: ResolvedRates
        public var verify: VerifyReport
    }

    /// Which model, tier and project a trace request is billed as: long conversations go to
    /// gpt-4o, every tenth request to o4-mini (every third of those on flex), the rest to
    /// gpt-4o-mini.
    static func attribution(of request: AzureTraceRequest) -> (model: String, tier: ServiceTier, project: String) {
        if request.contextTokens > 2_000 { return ("gpt-4o", .default, "research-assistant") }
        if request.line % 10 == 0 { return ("o4-mini", request.line % 30 == 0 ? .flex : .default, "code-review") }
        return ("gpt-4o-mini", .default, "support-chat")
    }

    /// Runs the demo on `ledger` (an initialized ledger with the default prices), reporting
    /// progress as (requests done, requests in all).
    public static func run(on ledger: Ledger, progress: (Int, Int) -> Void = { _, _ in }) throws -> Summary {
        let trace = try AzureTrace.parse(AzureTrace.bundledConversationTrace, file: "AzureLLMInferenceTrace_conv.csv")
        let first = trace[0].time
        let requests = trace.map { row in
            let (model, tier, project) = attribution(of: row)
            return ChargeRequest(
                account: account, model: model, tier: tier, input: row.contextTokens, output: row.generatedTokens, project: project,
                user: "user-\(row.line % 97)", requestID: "azure-conv-\(row.line)",
                at: Timestamp(milliseconds: start.milliseconds + (row.time.milliseconds - first.milliseconds) * timeScale))
        }
        if try ledger.account(named: account) == nil {
            try ledger.createAccount(NewAccount(name: account, at: start))
        }
        var events: [Event] = []
        events.append(
            Event(
                label: "welcome credit",
                receipt: try ledger.grant(
                    GrantRequest(
                        account: account, amount: welcomeGrant, at: start, expiresAt: welcomeGrantExpiry, id: "demo-welcome-grant"))))
        events.append(
            Event(
                label: "card top-up",
                receipt: try ledger.purchase(
                    PurchaseRequest(
                        account: account, amount: firstTopUp, at: start, id: "demo-top-up-1"))))
        var receipts: [ChargeReceipt] = []
        receipts.reserveCapacity(requests.count)
        progress(0, requests.count)
        for batchStart in stride(from: 0, to: requests.count, by: batchSize) {
            let batch = Array(requests[batchStart..<min(batchStart + batchSize, requests.count)])
            receipts += try ledger.charge(all: batch)
            progress(receipts.count, requests.count)
        }
        let overdraft = -min(receipts.last!.balance, .zero)
        events.append(
            Event(
                label: "card top-up",
                receipt: try ledger.purchase(
                    PurchaseRequest(
                        account: account, amount: secondTopUp, at: secondTopUpAt, id: "demo-top-up-2"))))
        let expired = try ledger.journal(account: account, kinds: [.expiry]).reduce(Money.zero) { $0 - $1.amount }
        let usage = try ledger.usageTotals(account: account, from: start, to: start.startOfNextMonth)
        let example = receipts.first { $0.model == "gpt-4o" } ?? receipts[0]
        let entry = try ledger.prices(model: example.model, at: example.at)[0].entry
        return Summary(
            requests: receipts.count, duplicates: receipts.filter(\.duplicate).count, events: events, usage: usage,
            totalCost: usage.reduce(Money.zero) { $0 + $1.cost }, overdraftBeforeRepayment: overdraft, expired: expired,
            balance: try ledger.balance(of: account, at: secondTopUpAt), example: example,
            exampleRates: entry.resolvedRates(tier: example.tier, band: example.band)!, verify: try ledger.verify())
    }
}
