import Testing
import TokenLedgerCore

@Suite("Class apportionment")
struct ClassApportionmentTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var why: String
        var femtos: [Int128]
        var total: Int64
        var expected: [Int64]
        var testDescription: String { why }
    }

    static let cases: [Case] = [
        Case(why: "whole nanodollars stay as they are", femtos: [2_000_000, 1_000_000, 0, 5_000_000], total: 8, expected: [2, 1, 0, 5]),
        Case(why: "a half goes to the first of equal remainders", femtos: [1_500_000, 2_500_000, 0, 1_000_000], total: 5, expected: [2, 2, 0, 1]),
        Case(why: "the largest remainder gets the nanodollar", femtos: [1_200_000, 1_700_000, 0, 0], total: 3, expected: [1, 2, 0, 0]),
        Case(why: "rounded down overall: nothing to add", femtos: [1_200_000, 1_200_000, 0, 0], total: 2, expected: [1, 1, 0, 0]),
        Case(why: "four remainders, four nanodollars", femtos: [900_000, 900_000, 900_000, 900_000], total: 4, expected: [1, 1, 1, 1]),
        Case(why: "a class without tokens never gets one", femtos: [0, 0, 0, 600_000], total: 1, expected: [0, 0, 0, 1]),
        Case(why: "sub-nanodollar charge rounded to zero", femtos: [300_000, 0, 0, 100_000], total: 0, expected: [0, 0, 0, 0]),
        Case(
            why: "a recorded cost above its prices: the excess on the largest class", femtos: [1_000_000, 0, 0, 3_000_000], total: 10, expected: [1, 0, 0, 9]),
        Case(why: "a recorded cost below its prices: taken from the largest class", femtos: [1_000_000, 0, 0, 3_000_000], total: 2, expected: [1, 0, 0, 1]),
        Case(why: "no prices at all: everything on input", femtos: [0, 0, 0, 0], total: 7, expected: [7, 0, 0, 0]),
    ]

    @Test(arguments: cases)
    func split(_ example: Case) {
        let parts = ClassApportionment.split(example.femtos, total: example.total)
        #expect(parts == example.expected)
        #expect(parts.reduce(0, +) == example.total)
    }

    @Test("a charge's class shares add up to it exactly, on random usage and prices")
    func randomCharges() {
        var random = SplitMix64(seed: 7)
        for _ in 0..<2_000 {
            let input = Int64.random(in: 0...2_000_000, using: &random)
            let cached = Int64.random(in: 0...input, using: &random)
            let cacheWrite = Int64.random(in: 0...(input - cached), using: &random)
            let usage = TokenUsage(input: input, cached: cached, cacheWrite: cacheWrite, output: Int64.random(in: 0...100_000, using: &random))
            let rates = resolved(
                input: Int64.random(in: 0...20 * dollar, using: &random), cachedInput: Int64.random(in: 0...5 * dollar, using: &random),
                cacheWrite: Int64.random(in: 0...25 * dollar, using: &random), output: Int64.random(in: 0...80 * dollar, using: &random))
            let cost = Cost.of(usage, at: rates)
            let parts = cost.split(recorded: cost.total)
            #expect(parts.values.reduce(.zero, +) == cost.total)
            for tokenClass in TokenClass.allCases {
                let exact = cost.femtos(of: tokenClass)
                let share = Int128(parts[tokenClass]!.nanos) * PriceEntry.femtosPerNano
                // Each share is its exact cost rounded down or up, never further.
                #expect(share > exact - PriceEntry.femtosPerNano && share < exact + PriceEntry.femtosPerNano)
            }
        }
    }
}

/// `time` moved by `milliseconds`.
func moved(_ time: Timestamp, _ milliseconds: Int64) -> Timestamp { Timestamp(milliseconds: time.milliseconds + milliseconds) }

@Suite("Reconciliation")
struct ReconciliationTests {
    static let day1 = CalendarDay(utc(2026, 1, 5))
    static let day2 = day1.next
    static let day3 = day2.next

    static func item(_ model: String = "gpt-4o", _ tokenClass: TokenClass = .input, tier: ServiceTier = .default) -> LineItem {
        .tokens(model: model, tier: tier, band: .standard, tokenClass: tokenClass)
    }

    /// A provider amount in nanodollars.
    static func billed(_ day: CalendarDay, _ nanos: Int64, _ item: LineItem = item()) -> ProviderCost {
        ProviderCost(day: day, item: item, text: item.description, amountPicos: Int128(nanos) * 1_000)
    }

    /// A whole day's amount from a cost export without line items.
    static func dayTotal(_ day: CalendarDay, _ nanos: Int64) -> ProviderCost {
        ProviderCost(day: day, item: .other, text: nil, amountPicos: Int128(nanos) * 1_000)
    }

    static func recorded(_ day: CalendarDay, _ nanos: Int64, _ item: LineItem = item()) -> LedgerCost {
        LedgerCost(day: day, item: item, amount: Money(nanos: nanos))
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var why: String
        var input: ReconciliationInput
        var by: ReconciliationGranularity = .day
        /// Each row as `date status diff`.
        var expected: [String]
        var testDescription: String { why }
    }

    static let days: Set<CalendarDay> = [day1, day2, day3]

    static let cases: [Case] = [
        Case(
            why: "exact days, and an empty day listed as a match",
            input: ReconciliationInput(provider: [billed(day1, 5_000), billed(day2, 7)], days: days, ledger: [recorded(day1, 5_000), recorded(day2, 7)]),
            expected: ["2026-01-05 match 0.000000000", "2026-01-06 match 0.000000000", "2026-01-07 match 0.000000000"]),
        Case(
            why: "within the tolerance, beyond it",
            input: ReconciliationInput(
                provider: [billed(day1, 5_900), billed(day2, 9_000)], days: [day1, day2], ledger: [recorded(day1, 5_000), recorded(day2, 7_000)]),
            expected: ["2026-01-05 match 0.000000900", "2026-01-06 mismatch 0.000002000"]),
        Case(
            why: "a day billed with no usage, usage never billed",
            input: ReconciliationInput(provider: [billed(day1, 60_000_000)], days: [day1, day2], ledger: [recorded(day2, 40_000)]),
            expected: ["2026-01-05 missing_in_ledger 0.060000000", "2026-01-06 missing_at_provider -0.000040000"]),
        Case(
            why: "a request before midnight billed the next day",
            input: ReconciliationInput(
                provider: [billed(day1, 1_000_000), billed(day2, 2_500_000)], days: days,
                ledger: [recorded(day1, 1_500_000), recorded(day2, 2_000_000)],
                boundaryUsages: [
                    BoundaryUsage(requestID: "late", at: moved(day2.start, -2_000), amounts: [item(): Money(nanos: 500_000)]),
                    BoundaryUsage(requestID: "early", at: moved(day1.start, 60_000), amounts: [item(): Money(nanos: 500_000)]),
                ]),
            expected: ["2026-01-05 shifted -0.000500000", "2026-01-06 shifted 0.000500000", "2026-01-07 match 0.000000000"]),
        Case(
            why: "a request after midnight billed the day before",
            input: ReconciliationInput(
                provider: [billed(day1, 1_300_000), billed(day2, 2_000_000)], days: [day1, day2],
                ledger: [recorded(day1, 1_000_000), recorded(day2, 2_300_000)],
                boundaryUsages: [BoundaryUsage(requestID: "early", at: moved(day2.start, 1_000), amounts: [item(): Money(nanos: 300_000)])]),
            expected: ["2026-01-05 shifted 0.000300000", "2026-01-06 shifted -0.000300000"]),
        Case(
            why: "a shift explains part of the neighbour's difference; the rest is a mismatch",
            input: ReconciliationInput(
                provider: [billed(day1, 1_000_000), billed(day2, 2_900_000)], days: [day1, day2],
                ledger: [recorded(day1, 1_500_000), recorded(day2, 2_000_000)],
                boundaryUsages: [BoundaryUsage(requestID: "late", at: moved(day2.start, -1), amounts: [item(): Money(nanos: 500_000)])]),
            expected: ["2026-01-05 shifted -0.000500000", "2026-01-06 mismatch 0.000900000"]),
        Case(
            why: "day totals without line items: a shift is found from the totals",
            input: ReconciliationInput(
                provider: [dayTotal(day1, 1_000_000), dayTotal(day2, 2_500_000)], days: [day1, day2],
                ledger: [recorded(day1, 1_500_000), recorded(day2, 2_000_000)],
                boundaryUsages: [BoundaryUsage(requestID: "late", at: moved(day2.start, -30_000), amounts: [item(): Money(nanos: 500_000)])]),
            expected: ["2026-01-05 shifted -0.000500000", "2026-01-06 shifted 0.000500000"]),
        Case(
            why: "a shift, and the receiving day billed less than the ledger has beyond it: both shown",
            input: ReconciliationInput(
                provider: [billed(day1, 1_000_000), billed(day2, 2_300_000)], days: [day1, day2],
                ledger: [recorded(day1, 1_500_000), recorded(day2, 2_000_000)],
                boundaryUsages: [BoundaryUsage(requestID: "late", at: moved(day2.start, -1), amounts: [item(): Money(nanos: 500_000)])]),
            expected: ["2026-01-05 shifted -0.000500000", "2026-01-06 mismatch 0.000300000"]),
        Case(
            why: "a shift, and a real difference on the day it left: both shown",
            input: ReconciliationInput(
                provider: [dayTotal(day1, 1_100_000), dayTotal(day2, 2_500_000)], days: [day1, day2],
                ledger: [recorded(day1, 1_500_000), recorded(day2, 2_000_000)],
                boundaryUsages: [BoundaryUsage(requestID: "late", at: moved(day2.start, -1), amounts: [item(): Money(nanos: 500_000)])]),
            expected: ["2026-01-05 mismatch -0.000400000", "2026-01-06 shifted 0.000500000"]),
        Case(
            why: "no shift that would leave the two days no closer",
            input: ReconciliationInput(
                provider: [dayTotal(day1, 31_000_000), dayTotal(day2, 2_600_000)], days: [day1, day2],
                ledger: [recorded(day1, 1_500_000), recorded(day2, 2_000_000)],
                boundaryUsages: [BoundaryUsage(requestID: "late", at: moved(day2.start, -1), amounts: [item(): Money(nanos: 500_000)])]),
            expected: ["2026-01-05 mismatch 0.029500000", "2026-01-06 mismatch 0.000600000"]),
        Case(
            why: "no shift when the requests near midnight do not add up to the difference",
            input: ReconciliationInput(
                provider: [billed(day1, 1_000_000), billed(day2, 2_500_000)], days: [day1, day2],
                ledger: [recorded(day1, 1_500_000), recorded(day2, 2_000_000)],
                boundaryUsages: [BoundaryUsage(requestID: "late", at: moved(day2.start, -1), amounts: [item(): Money(nanos: 200_000)])]),
            expected: ["2026-01-05 mismatch -0.000500000", "2026-01-06 mismatch 0.000500000"]),
        Case(
            why: "no shift for a request far from midnight",
            input: ReconciliationInput(
                provider: [billed(day1, 1_000_000), billed(day2, 2_500_000)], days: [day1, day2],
                ledger: [recorded(day1, 1_500_000), recorded(day2, 2_000_000)],
                boundaryUsages: [BoundaryUsage(requestID: "noon", at: moved(day1.start, 43_200_000), amounts: [item(): Money(nanos: 500_000)])]),
            expected: ["2026-01-05 mismatch -0.000500000", "2026-01-06 mismatch 0.000500000"]),
        Case(
            why: "by line item: a price difference on one class, an unparsed item as other",
            input: ReconciliationInput(
                provider: [
                    billed(day1, 2_500, item("gpt-4o", .input)), billed(day1, 1_300, item("gpt-4o", .output)),
                    ProviderCost(day: day1, item: .other, text: "web search tool calls", amountPicos: 10_000_000_000),
                ],
                days: [day1], ledger: [recorded(day1, 2_500, item("gpt-4o", .input)), recorded(day1, 1_000, item("gpt-4o", .output))]),
            by: .lineItem,
            expected: ["2026-01-05 match 0.000000000", "2026-01-05 match 0.000000300", "2026-01-05 missing_in_ledger 0.010000000"]),
    ]

    @Test(arguments: cases)
    func statuses(_ example: Case) {
        let report = Reconciliation.reconcile(example.input, by: example.by, tolerance: Reconciliation.defaultTolerance)
        #expect(report.rows.map { "\($0.day) \($0.status.rawValue) \($0.difference.decimalString)" } == example.expected)
        #expect(report.summary.matched + report.summary.mismatched == report.rows.count)
        #expect(report.summary.isReconciled == report.rows.allSatisfy(\.status.isReconciled))
    }

    @Test("a shift's notes name the request and the days")
    func shiftNotes() {
        let input = Self.cases[3].input
        let report = Reconciliation.reconcile(input, by: .day, tolerance: Reconciliation.defaultTolerance)
        #expect(report.rows[0].note == "late ($0.0005 at 2026-01-05T23:59:58Z) recorded on 2026-01-05, billed by the provider on 2026-01-06")
        #expect(report.rows[1].note == "includes late ($0.0005 at 2026-01-05T23:59:58Z) recorded by the ledger on 2026-01-05")
        #expect(report.rows[0].shifted == Money(nanos: -500_000) && report.rows[1].shifted == Money(nanos: 500_000))
        #expect(report.rows.allSatisfy { $0.unexplained == .zero })
        #expect(report.summary.shiftedAmount == Money(nanos: 500_000))
        #expect(report.summary.isReconciled)
    }

    @Test("the summary says how much is unexplained, in which direction")
    func summary() {
        let report = Reconciliation.reconcile(Self.cases[2].input, by: .day, tolerance: Reconciliation.defaultTolerance)
        #expect(report.summary.providerOver == Money(nanos: 60_000_000))
        #expect(report.summary.ledgerOver == Money(nanos: 40_000))
        #expect(report.summary.mismatched == 2)
        #expect(report.rows[1].note == "the provider billed nothing for it")
    }

    @Test("provider amounts are summed exactly and rounded once per row, half to even")
    func roundingOnce() {
        // Three amounts of 0.4 nanodollars: 1.2 nanodollars, rounded once to 1 (not 0 + 0 + 0).
        let provider = (0..<3).map { _ in ProviderCost(day: Self.day1, item: Self.item(), text: nil, amountPicos: 400) }
        let report = Reconciliation.reconcile(
            ReconciliationInput(provider: provider, days: [Self.day1], ledger: [Self.recorded(Self.day1, 1)]), by: .day, tolerance: .zero)
        #expect(report.rows.map(\.provider) == [Money(nanos: 1)])
        #expect(report.rows.map(\.status) == [.match])
    }

    @Test("token counts tell a price difference from missing usage")
    func tokenNotes() {
        let key = { (tokenClass: TokenClass) in TokenCountKey(day: Self.day1, model: "gpt-4o", tier: .default, tokenClass: tokenClass) }
        var input = ReconciliationInput(
            provider: [Self.billed(Self.day1, 3_000_000)], days: [Self.day1], ledger: [Self.recorded(Self.day1, 2_500_000)],
            providerTokens: [key(.input): 1_000], ledgerTokens: [key(.input): 1_000])
        var report = Reconciliation.reconcile(input, by: .day, tolerance: Reconciliation.defaultTolerance)
        #expect(report.rows[0].note == "the provider billed $0.0005 more; tokens agree with the provider's usage report (input 1000): the prices differ")
        input.providerTokens = [key(.input): 1_200]
        report = Reconciliation.reconcile(input, by: .lineItem, tolerance: Reconciliation.defaultTolerance)
        #expect(
            report.rows[0].note == "the provider billed $0.0005 more; tokens differ from the provider's usage report: input 1000 in the ledger, 1200 reported")
    }

    static func tokens(_ day: CalendarDay, _ count: Int64, _ tokenClass: TokenClass = .input) -> [TokenCountKey: Int64] {
        [TokenCountKey(day: day, model: "gpt-4o", tier: .default, tokenClass: tokenClass): count]
    }

    @Test("the usage report finds a shift the amounts cannot: day totals that also hold a tool call")
    func shiftFoundByTokens() {
        // The 5th's total holds $0.03 of tool calls, so no move of the late request explains it by amounts;
        // the provider's usage report counts the late request's 100 tokens on the 6th.
        let late = BoundaryUsage(
            requestID: "late", at: moved(Self.day2.start, -1), amounts: [Self.item(): Money(nanos: 500_000)], tokens: Self.tokens(Self.day1, 100))
        var input = ReconciliationInput(
            provider: [Self.dayTotal(Self.day1, 31_000_000), Self.dayTotal(Self.day2, 2_500_000)], days: [Self.day1, Self.day2],
            ledger: [Self.recorded(Self.day1, 1_500_000), Self.recorded(Self.day2, 2_000_000)], boundaryUsages: [late],
            ledgerTokens: Self.tokens(Self.day1, 1_100).merging(Self.tokens(Self.day2, 2_000)) { $0 + $1 })
        var report = Reconciliation.reconcile(input, by: .day, tolerance: Reconciliation.defaultTolerance)
        #expect(report.rows.map(\.status) == [.mismatch, .mismatch])
        #expect(report.summary.shiftedAmount == .zero)
        input.providerTokens = Self.tokens(Self.day1, 1_000).merging(Self.tokens(Self.day2, 2_100)) { $0 + $1 }
        report = Reconciliation.reconcile(input, by: .day, tolerance: Reconciliation.defaultTolerance)
        #expect(report.rows.map(\.status) == [.mismatch, .shifted])
        #expect(report.rows.map(\.shifted) == [Money(nanos: -500_000), Money(nanos: 500_000)])
        #expect(
            report.rows[0].note
                == "late ($0.0005 at 2026-01-05T23:59:59.999Z) recorded on 2026-01-05, billed by the provider on 2026-01-06; "
                + "the provider billed $0.03 more beyond that (unexplained); tokens agree with the provider's usage report (input 1000): "
                + "the prices differ, or the provider billed for something other than tokens (the file has no line items)")
    }

    @Test("tokens agree but the amounts do not: requests near midnight that add up to it were billed on another day")
    func billedOnAnotherDay() {
        // The cost data covers only the 5th; the usage report counts the late request where the ledger does.
        let late = BoundaryUsage(
            requestID: "late", at: moved(Self.day2.start, -1), amounts: [Self.item(): Money(nanos: 500_000)], tokens: Self.tokens(Self.day1, 100))
        let input = ReconciliationInput(
            provider: [Self.billed(Self.day1, 1_000_000)], days: [Self.day1], ledger: [Self.recorded(Self.day1, 1_500_000)], boundaryUsages: [late],
            providerTokens: Self.tokens(Self.day1, 1_100), ledgerTokens: Self.tokens(Self.day1, 1_100))
        let report = Reconciliation.reconcile(input, by: .day, tolerance: Reconciliation.defaultTolerance)
        #expect(
            report.rows[0].note
                == "the ledger recorded $0.0005 more; tokens agree with the provider's usage report (input 1100): "
                + "late ($0.0005) recorded on 2026-01-05 near midnight: billed on another day (2026-01-06)")
    }

    @Test("a day's bill with items that are not tokens: named, and the difference they explain said so")
    func notTokens() {
        let input = ReconciliationInput(
            provider: [
                Self.billed(Self.day1, 1_000_000), ProviderCost(day: Self.day1, item: .other, text: "web search tool calls", amountPicos: 30_000_000_000),
            ],
            days: [Self.day1], ledger: [Self.recorded(Self.day1, 1_000_000)], providerTokens: Self.tokens(Self.day1, 1_000),
            ledgerTokens: Self.tokens(Self.day1, 1_000))
        let report = Reconciliation.reconcile(input, by: .day, tolerance: Reconciliation.defaultTolerance)
        #expect(
            report.rows[0].note
                == "the provider billed $0.03 more; the provider's amount includes $0.03 not for tokens ('web search tool calls'); "
                + "tokens agree with the provider's usage report (input 1000): the difference is what was billed for other than tokens")
    }

    @Test("each row counts the ledger's charges behind it: by day, and by line item")
    func chargeCounts() {
        var input = Self.cases[1].input
        input.ledger = [
            LedgerCost(day: Self.day1, item: Self.item(), amount: Money(nanos: 5_000), charges: 3),
            LedgerCost(day: Self.day2, item: Self.item(), amount: Money(nanos: 4_000), charges: 2),
            LedgerCost(day: Self.day2, item: Self.item("gpt-4o", .output), amount: Money(nanos: 3_000), charges: 1),
        ]
        input.ledgerCharges = [Self.day1: 3, Self.day2: 2]
        #expect(Reconciliation.reconcile(input, by: .day, tolerance: .zero).rows.map(\.charges) == [3, 2])
        #expect(Reconciliation.reconcile(input, by: .lineItem, tolerance: .zero).rows.map(\.charges) == [3, 2, 1])
    }

    @Test("line items are labelled as providers write them")
    func labels() {
        #expect(Self.item("gpt-4o-2024-08-06", .cachedInput).description == "gpt-4o-2024-08-06, cached input")
        #expect(
            LineItem.tokens(model: "gpt-5", tier: .priority, band: .longContext, tokenClass: .output).description == "priority | gpt-5, output, long context")
        #expect(Self.item("gpt-4.1", .cacheWrite, tier: .batch).description == "batch | gpt-4.1, cache writes")
        #expect(LineItem.other.description == "other")
        #expect(Self.item("a", .output) < Self.item("b", .input) && Self.item("a", .input) < .other)
    }

    @Test("days are UTC calendar days")
    func days() {
        #expect(CalendarDay(utc(2026, 1, 5, 23, 59, 59)) == Self.day1)
        #expect(CalendarDay(utc(2026, 1, 6)) == Self.day2)
        #expect(Self.day1.description == "2026-01-05" && Self.day1.end == utc(2026, 1, 6))
        #expect(CalendarDay(Timestamp(milliseconds: -1)).description == "1969-12-31")
    }
}

@Suite("FOCUS report")
struct FocusReportTests {
    @Test(
        "exact decimals",
        arguments: [
            (Int128(1_200), 6, "0.001200"), (Int128(0), 6, "0.000000"), (Int128(60_000_000_000_000), 15, "0.060000000000000"),
            (Int128(-5), 2, "-0.05"), (Int128(123_456), 3, "123.456"), (Int128(42), 0, "42"),
        ])
    func exactDecimal(_ value: Int128, _ scale: Int, _ expected: String) {
        #expect(FocusReport.exactDecimal(value, scale: scale) == expected)
    }

    @Test("a row: list cost is pricing quantity times list unit price, billed cost the recorded share")
    func row() throws {
        let group = FocusUsageGroup(
            day: CalendarDay(utc(2026, 1, 5)), account: "acme", project: "search", model: "gpt-4o", tier: .default, band: .standard,
            tokenClass: .cachedInput, priceEffectiveFrom: utc(2024, 10, 2), rateNanosPerMillion: 1_250_000_000, tokens: 333, billed: Money(nanos: 416_250))
        let rows = FocusReport.rows([group], periodStart: utc(2026, 1, 1), periodEnd: utc(2026, 2, 1), provider: "OpenAI")
        let row = Dictionary(uniqueKeysWithValues: zip(FocusReport.columns, rows[0]))
        #expect(row["BilledCost"] == "0.000416250" && row["EffectiveCost"] == "0.000416250")
        #expect(row["PricingQuantity"] == "0.000333" && row["ListUnitPrice"] == "1.250000000" && row["PricingUnit"] == "1000000 Tokens")
        #expect(row["ListCost"] == "0.000416250000000" && row["ContractedCost"] == "0.000416250000000")
        #expect(row["ChargePeriodStart"] == "2026-01-05T00:00:00Z" && row["ChargePeriodEnd"] == "2026-01-06T00:00:00Z")
        #expect(row["BillingPeriodStart"] == "2026-01-01T00:00:00Z" && row["BillingPeriodEnd"] == "2026-02-01T00:00:00Z")
        #expect(row["ChargeClass"]! == nil && row["ChargeCategory"] == "Usage" && row["SubAccountId"] == "search")
        #expect(row["ChargeDescription"] == "gpt-4o cached input tokens, default tier, at $1.25 per 1M tokens")
        #expect(row["SkuPriceId"] == "gpt-4o:default:standard:cached_input@2024-10-02T00:00:00Z")
        for mandatory in [
            "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory",
            "ChargeClass", "ChargeDescription", "ChargePeriodEnd", "ChargePeriodStart", "ContractedCost", "EffectiveCost", "InvoiceIssuerName",
            "ListCost", "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "ServiceCategory", "ServiceName",
        ] {
            #expect(FocusReport.columns.contains(mandatory), "\(mandatory)")
        }
    }
}
