import TokenLedger
import TokenLedgerCore

/// The books as the random-operations test expects them, kept in plain integers apart from the
/// store: each account's lots (spent grants first, then the lot expiring first), its overdraft
/// debt, and running totals of what was credited, charged and written off. Prices come from the
/// effective-dated book the test keeps; costs from the core's pricing of the entry in force.
struct ExpectedBooks {
    struct LotState: Equatable {
        /// Creation order, which is the order of the store's lot ids.
        var order: Int
        var kind: LotKind
        var original: Int64
        var remaining: Int64
        var expiresAt: Timestamp
    }

    struct AccountState {
        var maximumPurchase: Int64
        var overdraftAllowance: Int64
        var lots: [LotState] = []
        var debt: Int64 = 0
        var credited: Int64 = 0
        var charged: Int64 = 0
        var expired: Int64 = 0
        /// Corrections, net: credit adjustments and reversals minus debit adjustments and refunds.
        var adjusted: Int64 = 0

        /// Lots minus debt, which must equal credited − charged − expired + adjusted.
        var balance: Int64 { lots.reduce(0) { $0 + $1.remaining } - debt }
        var talliedBalance: Int64 { credited - charged - expired + adjusted }

        /// Lots with credit left, in the order they are spent.
        var liveLots: [LotState] {
            lots.filter { $0.remaining > 0 }.sorted {
                if $0.kind != $1.kind { return $0.kind == .grant }
                if $0.expiresAt != $1.expiresAt { return $0.expiresAt < $1.expiresAt }
                return $0.order < $1.order
            }
        }

        /// Writes off what remains of the lots expired by `time`.
        mutating func expire(at time: Timestamp, account: String) -> [ExpiryFields] {
            var records: [ExpiryFields] = []
            for index in lots.indices where lots[index].remaining > 0 && lots[index].expiresAt <= time {
                records.append(
                    ExpiryFields(account: account, lotKind: lots[index].kind, amount: Money(nanos: lots[index].remaining), expiredAt: lots[index].expiresAt))
                expired += lots[index].remaining
                lots[index].remaining = 0
            }
            return records
        }

        /// Adds a lot; what the account owes is repaid from it first. Returns the repayment.
        mutating func credit(_ amount: Int64, kind: LotKind, expiresAt: Timestamp, order: Int) -> Int64 {
            let repaid = min(amount, debt)
            debt -= repaid
            credited += amount
            lots.append(LotState(order: order, kind: kind, original: amount, remaining: amount - repaid, expiresAt: expiresAt))
            return repaid
        }

        /// Spends `cost` from the live lots in order; what they cannot cover becomes debt. Returns
        /// that, and the lots drawn (by creation order).
        @discardableResult
        mutating func spend(_ cost: Int64, charged isCharge: Bool = true) -> (uncovered: Int64, draws: [(order: Int, amount: Int64)]) {
            var left = cost
            var draws: [(order: Int, amount: Int64)] = []
            for live in liveLots where left > 0 {
                let index = lots.firstIndex { $0.order == live.order }!
                let taken = min(lots[index].remaining, left)
                lots[index].remaining -= taken
                left -= taken
                draws.append((live.order, taken))
            }
            debt += left
            if isCharge { charged += cost } else { adjusted -= cost }
            return (left, draws)
        }
    }

    /// What a purchase or grant recorded, to tell a retry from a conflict.
    struct RecordedCredit {
        var kind: LotKind
        var account: String
        var amount: Money
        var expiresAt: Timestamp
        var receipt: CreditFields
    }

    /// What a charge recorded.
    struct RecordedCharge {
        var request: ChargeRequest
        var receipt: ChargeFields
        /// The lots that paid it, by creation order, and the correction that reversed it.
        var draws: [(order: Int, amount: Int64)] = []
        var reversedBy: String?

        func matches(_ other: ChargeRequest) -> Bool {
            request.account == other.account && request.model == other.model && request.tier == other.tier
                && request.inputTokens == other.inputTokens && request.cachedTokens == other.cachedTokens
                && request.cacheWriteTokens == other.cacheWriteTokens && request.outputTokens == other.outputTokens
                && request.project == other.project && request.apiKey == other.apiKey && request.user == other.user
        }
    }

    var accounts: [String: AccountState] = [:]
    var lotsCreated = 0
    var credits: [String: RecordedCredit] = [:]
    var charges: [String: RecordedCharge] = [:]
    /// Each purchase's account and lot (by creation order), by its id.
    var purchaseLots: [String: (account: String, order: Int)] = [:]
    /// What each correction recorded, by its id, with the content a retry is compared on.
    var corrections: [String: RecordedCorrection] = [:]
    var priceBook: [PriceEntry] = DefaultPriceBook.entries

    /// The entry pricing `model` at `time`, or the refusal when there is none.
    func entry(model: String, at time: Timestamp) -> Result<PriceEntry, ExpectedRefusal> {
        let entries = priceBook.filter { $0.model == model }
        guard !entries.isEmpty else { return .failure(ExpectedRefusal("unknown_model")) }
        guard let entry = entries.filter({ $0.effectiveFrom <= time }).max(by: { $0.effectiveFrom < $1.effectiveFrom }) else {
            return .failure(ExpectedRefusal("no_price_at_time"))
        }
        return .success(entry)
    }
}

/// A correction the model recorded: its receipt as the store must give it back.
struct RecordedCorrection {
    var receipt: CorrectionReceipt
}

/// A refusal code the model expects.
struct ExpectedRefusal: Error, Equatable {
    var code: String
    init(_ code: String) { self.code = code }
}

/// What the model expects an operation to do.
enum Expectation<Receipt> {
    case refused(String)
    case duplicate(Receipt)
    case accepted
}
