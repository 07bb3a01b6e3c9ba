import Testing
import TokenLedger
import TokenLedgerCore
import TokenLedgerTestSupport

@testable import TokenLedgerPostgres

@Suite("Random operations keep the books")
struct InvariantTests {
    /// Two fixed seeds of 1,000 operations each: 2,000 operations in all. `verify()` runs after
    /// every step and its cost grows with the books, so two runs of 1,000 cost about half of one
    /// run of 2,000, and they run side by side.
    @Test("seeded random operations keep every invariant after every step", arguments: [0x7E57_1ED6_E500_0003 as UInt64, 0x0DDB_A11_C0FFEE])
    func randomOperations(seed: UInt64) async throws {
        // A long run that blocks: on a thread of its own (``onOwnThread(_:)``).
        try await onOwnThread {
            try withLedger { fixture in
                let run = RandomRun(ledger: fixture.ledger, raw: fixture.raw, seed: seed)
                try run.start()
                for step in 1...RandomRun.steps {
                    try run.step(step)
                }
                run.expectEverythingExercised()
            }
        }
    }

    /// The same run on the PostgreSQL store: every outcome, receipt and balance the model
    /// predicts, refusals and duplicates writing nothing (every row of every table compared),
    /// `verify` after every step.
    @Test("the same on PostgreSQL: seeded random operations keep every invariant after every step")
    func randomOperationsOnPostgres() async throws {
        try await onOwnThread {
            try withPostgresLedger { ledger, _ in
                try ledger.loadDefaultPrices()
                let run = RandomRun(ledger: ledger, raw: PostgresProbe(ledger: ledger), seed: 0x7E57_1ED6_E500_0003)
                try run.start()
                for step in 1...RandomRun.steps {
                    try run.step(step)
                }
                run.expectEverythingExercised()
            }
        }
    }
}

/// One seeded run of random operations against a real ledger file and the ``ExpectedBooks``.
///
/// Each step draws an operation (valid or not), predicts its outcome from the model, runs it,
/// and checks: the outcome is the predicted one; a refused or duplicate operation committed
/// nothing and left every table as it was; receipts carry the model's figures; `verify()` is
/// ok; every stored balance equals the model's and credited − charged − expired.
final class RandomRun {
    static let steps = 1_000

    let ledger: any LedgerBooks
    let raw: any BooksProbe
    var random: SplitMix64
    var books = ExpectedBooks()
    var now = utc(2025, 3, 20)
    var stepNumber = 0
    /// How often each operation ended each way (`charge:ok`, `purchase:below_minimum`, …).
    var tally: [String: Int] = [:]
    var creditIDs: [String] = []
    var chargeIDs: [String] = []
    var setPrices: [PriceEntry] = []
    /// Operations that had to write nothing so far.
    var unchangedOperations = 0
    /// How often such an operation is also checked against a full dump (a dump costs
    /// milliseconds that add up over a run; `data_version` and row counts are checked every time).
    static let fullDumpEvery = 10

    static let accountNames = (0..<8).map { "acct-\($0)" }
    static let chargedModels = Array(Set(DefaultPriceBook.entries.map(\.model))).sorted() + ["house-a", "house-b"]

    init(ledger: any LedgerBooks, raw: any BooksProbe, seed: UInt64) {
        self.ledger = ledger
        self.raw = raw
        random = SplitMix64(seed: seed)
    }

    func start() throws {
        for name in Self.accountNames.prefix(3) { try createAccount(name) }
        // house-b is priced only six years on: charges before then have no price at their time.
        let rates = [RateKey(.default): TokenRates(input: 1_234_567_891, output: 9_876_543_211)]
        try setPrice(PriceEntry(model: "house-b", effectiveFrom: now.addingYears(6), rates: rates))
    }

    // MARK: Drawing

    func percent(_ chance: Int) -> Bool { Int.random(in: 0..<100, using: &random) < chance }
    func number(_ range: ClosedRange<Int64>) -> Int64 { Int64.random(in: range, using: &random) }
    func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &random)] }

    /// An existing account most of the time, else one that does not exist.
    func drawAccount() -> String { percent(4) ? "ghost" : pick(books.accounts.keys.sorted()) }

    func step(_ number: Int) throws {
        stepNumber = number
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<14: try purchase(drawPurchase())
        case 14..<22: try grant(drawGrant())
        case 22..<52: try charge(drawCharge())
        case 52..<62: try correct()
        case 62..<73: try retry()
        case 73..<79: try retryCorrection()
        case 79..<91: try checkBalance(drawAccount())
        case 91..<94: try sweep()
        case 94..<97: try setPrice()
        default: try createAccount(pick(Self.accountNames))
        }
        try checkInvariants()
        advanceTime()
    }

    func advanceTime() {
        let minute: Int64 = 60_000, day: Int64 = 86_400_000
        let jump: Int64
        switch Int.random(in: 0..<1_000, using: &random) {
        case 0..<600: jump = number(0...60) * minute
        case 600..<900: jump = number(0...(3 * day))
        case 900..<995: jump = number(0...(20 * day))
        default: jump = number((370 * day)...(800 * day))  // past every purchase's expiry
        }
        now = Timestamp(milliseconds: now.milliseconds + jump)
    }

    // MARK: Running an operation

    /// Runs `body`, checks its outcome against `expected` (`ok` or a refusal code), and that it
    /// committed a change exactly when it should have (`data_version` of the raw connection).
    /// When it must write nothing, also that no table's row count moved, and every
    /// ``fullDumpEvery``th time that every row of every table is as it was.
    func execute<R>(_ operation: String, _ detail: @autoclosure () -> String, expected: String, unchanged: Bool, _ body: () throws -> R) throws -> R? {
        let version = try raw.changeMark()
        if unchanged { unchangedOperations += 1 }
        let before = unchanged && unchangedOperations % Self.fullDumpEvery == 0 ? try raw.dump() : nil
        let counts = unchanged ? try raw.rowCounts() : nil
        var result: R?
        let actual = outcome { result = try body() }
        try #require(actual == expected, "step \(stepNumber) at \(now): \(operation) \(detail()): expected \(expected), got \(actual)")
        let committed = try raw.changeMark() != version
        try #require(committed == !unchanged, "step \(stepNumber): \(operation) \(detail()) \(committed ? "committed a change" : "committed nothing")")
        if let counts { try #require(try raw.rowCounts() == counts, "step \(stepNumber): \(operation) \(detail()) changed the row counts") }
        if let before { try #require(try raw.dump() == before, "step \(stepNumber): \(operation) \(detail()) changed the database") }
        return result
    }

    func count(_ operation: String, _ expectation: Expectation<some Any>) {
        switch expectation {
        case .refused(let code): tally["\(operation):\(code)", default: 0] += 1
        case .duplicate: tally["\(operation):duplicate", default: 0] += 1
        case .accepted: tally["\(operation):ok", default: 0] += 1
        }
    }

    func code(_ expectation: Expectation<some Any>) -> String {
        if case .refused(let code) = expectation { return code }
        return "ok"
    }

    func isNoop(_ expectation: Expectation<some Any>) -> Bool {
        if case .accepted = expectation { return false }
        return true
    }

    /// After every step: the store's own proof, and the model's balances.
    func checkInvariants() throws {
        let report = try ledger.verify()
        try #require(report.ok, "step \(stepNumber) at \(now): verify found \(report.problems)")
        let stored = try ledger.accounts()
        try #require(Set(stored.map(\.name)) == Set(books.accounts.keys))
        for account in stored {
            let expected = try #require(books.accounts[account.name])
            try #require(
                account.balance.nanos == expected.balance,
                "step \(stepNumber): \(account.name) has \(account.balance), expected \(Money(nanos: expected.balance))")
            try #require(expected.balance == expected.talliedBalance, "step \(stepNumber): the model's lots disagree with its totals for \(account.name)")
        }
        try #require(try raw.integer("SELECT count(*) FROM lot WHERE remaining_nanos < 0 OR remaining_nanos > original_nanos") == 0)
    }

    /// At the end: the run went through every path it claims to test.
    func expectEverythingExercised() {
        let paths = [
            "purchase:ok", "purchase:duplicate", "purchase:amount_not_positive", "purchase:not_whole_cents", "purchase:below_minimum",
            "purchase:id_conflict", "purchase:unknown_account", "purchase:above_maximum",
            "grant:ok", "grant:duplicate", "grant:amount_not_positive", "grant:expiry_not_after_grant", "grant:id_conflict", "grant:unknown_account",
            "charge:ok", "charge:duplicate", "charge:invalid_usage", "charge:invalid_attribution", "charge:id_conflict", "charge:unknown_account",
            "charge:unknown_model", "charge:no_price_at_time", "charge:context_window_exceeded", "charge:no_price_for_tier",
            "charge:insufficient_balance", "charge:overdraft", "credit:repaid", "balance:ok", "balance:unknown_account", "expiry:written_off",
            "sweep:ok", "price:ok", "price:unchanged", "price:price_exists", "account:ok", "account:account_exists",
            "adjust:ok", "adjust:duplicate", "adjust:id_conflict", "adjust:insufficient_balance", "adjust:overdraft", "refund:ok",
            "refund:duplicate", "refund:refund_exceeds_remaining", "refund:unknown_purchase", "reverse:ok", "reverse:duplicate",
            "reverse:already_reversed", "reverse:unknown_charge", "reverse:returned", "reverse:new_lot", "reverse:repaid",
        ]
        for path in paths {
            #expect(tally[path, default: 0] > 0, "the run never exercised \(path)")
        }
    }
}
