/// The rules of corrections: the books are corrected by new entries, never by editing old ones.
/// Pure functions over values (``AccountFigures``, the lots, the ledger's totals), like
/// ``Credits``; the store loads what they need and records the ``CorrectionEffects`` they return.
///
/// - An adjustment credits (a new grant lot, expiring one year later) or debits (drawing lots in
///   spending order, into overdraft only within the allowance) an account.
/// - A refund takes back unspent credit from one purchase's lot, never more than it holds.
/// - A reversal gives a charge's cost back: to the lots that paid it while they have not expired,
///   else to the account's oldest unexpired lots with room, else to a new lot; its usage row
///   stays, so reports still count the usage (the provider billed it).
///
/// Every one is refused (``CorrectionRefusal``) before anything is written.
public enum Corrections {
    /// When the lot a credit correction makes expires: one year after the correction, as a
    /// grant's lot does by default.
    public static func correctionLotExpiry(from time: Timestamp) -> Timestamp { time.addingYears(1) }

    /// An adjustment of an account as it is, with `holds` of open reservations and the ledger's
    /// `totals`. Refuses `unknown_account`, then for a debit `insufficient_balance`, for a credit
    /// `balance_overflow` and `ledger_total_limit`.
    public static func decideAdjustment(
        _ request: AdjustmentRequest, account: AccountFigures?, holds: Money, totals: LedgerTotals
    ) throws(CorrectionRefusal) -> CorrectionEffects {
        guard let account else { throw .unknownAccount(request.account) }
        let writeOffs = Credits.writeOffs(of: account.lots, balance: account.balance, at: request.at)
        let balance = writeOffs.last?.balanceAfter ?? account.balance
        let lots = spendable(account.lots, after: writeOffs)
        if request.amount.nanos < 0 {
            let amount = -request.amount
            let available = Credits.available(balance: balance, holds: holds, overdraftAllowance: account.overdraftAllowance)
            guard amount <= available else { throw .insufficientBalance(amount: amount, available: available) }
            let (draws, uncovered) = Credits.allocate(amount, from: lots, at: request.at)
            return CorrectionEffects(
                kind: .adjust, accountID: account.id, amount: amount, credits: false, at: request.at, writeOffs: writeOffs, draws: draws,
                uncovered: uncovered, repaid: .zero, returns: [], newLot: nil, balanceAfter: balance - amount)
        }
        return try credit(
            request.amount, kind: .adjust, accountID: account.id, balance: balance, returns: [], writeOffs: writeOffs, at: request.at, totals: totals)
    }

    /// A refund of `purchase`'s lot on its account as it is. Refuses `before_original`, then
    /// `refund_exceeds_remaining` (past what the lot holds once lots expired by then are written off).
    public static func decideRefund(_ request: RefundRequest, purchase: RefundedPurchase, account: AccountFigures) throws(CorrectionRefusal)
        -> CorrectionEffects
    {
        guard request.at >= purchase.paidAt else { throw .beforeOriginal(at: request.at, original: purchase.paidAt) }
        let writeOffs = Credits.writeOffs(of: account.lots, balance: account.balance, at: request.at)
        let balance = writeOffs.last?.balanceAfter ?? account.balance
        let remaining = spendable(account.lots, after: writeOffs).first { $0.id == purchase.lotID }?.remaining ?? .zero
        let amount = request.amount ?? remaining
        guard remaining.nanos > 0, amount <= remaining else { throw .refundExceedsRemaining(requested: amount, remaining: remaining) }
        return CorrectionEffects(
            kind: .refund, accountID: account.id, amount: amount, credits: false, at: request.at, writeOffs: writeOffs,
            draws: [Allocation(lotID: purchase.lotID, amount: amount)], uncovered: .zero, repaid: .zero, returns: [], newLot: nil,
            balanceAfter: balance - amount)
    }

    /// A reversal of `charge` on its account as it is; `lots` are all the account's lots, spent
    /// or not. Refuses `already_reversed`, `nothing_to_reverse`, `before_original`,
    /// `balance_overflow` and `ledger_total_limit`.
    public static func decideReversal(
        _ request: ReversalRequest, charge: ReversedCharge, account: AccountFigures, lots: [Lot], totals: LedgerTotals
    ) throws(CorrectionRefusal) -> CorrectionEffects {
        if let by = charge.reversedBy { throw .alreadyReversed(charge: charge.requestID, by: by) }
        guard charge.cost.nanos > 0 else { throw .nothingToReverse(charge.requestID) }
        guard request.at >= charge.at else { throw .beforeOriginal(at: request.at, original: charge.at) }
        let writeOffs = Credits.writeOffs(of: account.lots, balance: account.balance, at: request.at)
        let balance = writeOffs.last?.balanceAfter ?? account.balance
        let repaid = Credits.repayment(of: charge.cost, balance: balance)
        let returns = returnsOfReversal(charge.cost - repaid, draws: charge.draws, lots: lots, at: request.at)
        return try credit(
            charge.cost, kind: .reverse, accountID: account.id, balance: balance, returns: returns, writeOffs: writeOffs, at: request.at, totals: totals)
    }

    /// Where a reversal's `amount` (what is left once overdraft is repaid) goes back: to the lots
    /// that paid the charge, each up to what it paid, while they have not expired (in spending
    /// order, ``Credits/spentBefore(_:_:)``); then to the
    /// account's other unexpired lots created by then, oldest first, each up to what was spent
    /// of it. What fits nowhere goes to a new lot (not listed here).
    public static func returnsOfReversal(_ amount: Money, draws: [Allocation], lots: [Lot], at time: Timestamp) -> [Allocation] {
        // Lots expired by `time` take nothing back (their write-offs leave them empty).
        let open = lots.filter { $0.expiresAt > time && $0.createdAt <= time }
        var room = Dictionary(open.map { ($0.id, $0.original - $0.remaining) }, uniquingKeysWith: { first, _ in first })
        var left = amount
        var returned: [Int64: Money] = [:]
        var order: [Int64] = []
        func give(_ lotID: Int64, upTo limit: Money) {
            let given = min(left, limit, room[lotID] ?? .zero)
            guard given.nanos > 0 else { return }
            if returned[lotID] == nil { order.append(lotID) }
            returned[lotID, default: .zero] += given
            room[lotID, default: .zero] -= given
            left -= given
        }
        // The paying lots in the order they are spent, so the outcome does not depend on how a
        // store lists a charge's draws.
        let byID = Dictionary(open.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let paying = draws.compactMap { draw in byID[draw.lotID].map { (lot: $0, amount: draw.amount) } }.sorted { Credits.spentBefore($0.lot, $1.lot) }
        for draw in paying { give(draw.lot.id, upTo: draw.amount) }
        for lot in open.sorted(by: { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }) { give(lot.id, upTo: left) }
        return order.map { Allocation(lotID: $0, amount: returned[$0]!) }
    }

    /// A credit of `amount` to an account at `balance`: overdraft repaid first, then `returns`
    /// into existing lots, the rest (with the repayment) in a new lot.
    private static func credit(
        _ amount: Money, kind: CorrectionKind, accountID: Int64, balance: Money, returns: [Allocation], writeOffs: [WriteOff], at time: Timestamp,
        totals: LedgerTotals
    ) throws(CorrectionRefusal) -> CorrectionEffects {
        guard let balanceAfter = balance.adding(amount) else { throw .balanceOverflow }
        guard totals.admits(amount, to: .adjustments) else { throw .ledgerTotalLimit }
        let repaid = Credits.repayment(of: amount, balance: balance)
        let rest = amount - repaid - returns.reduce(.zero) { $0 + $1.amount }
        precondition(rest.nanos >= 0, "returns beyond the credit")
        let newLot =
            rest.nanos > 0 || repaid.nanos > 0
            ? CorrectionLot(original: rest + repaid, remaining: rest, expiresAt: correctionLotExpiry(from: time)) : nil
        return CorrectionEffects(
            kind: kind, accountID: accountID, amount: amount, credits: true, at: time, writeOffs: writeOffs, draws: [], uncovered: .zero, repaid: repaid,
            returns: returns, newLot: newLot, balanceAfter: balanceAfter)
    }

    /// `lots` once `writeOffs` have taken what remained of the expired ones.
    private static func spendable(_ lots: [Lot], after writeOffs: [WriteOff]) -> [Lot] {
        let expired = Set(writeOffs.map(\.lotID))
        return lots.filter { !expired.contains($0.id) }
    }
}
