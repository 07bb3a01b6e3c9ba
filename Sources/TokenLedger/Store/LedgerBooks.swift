import TokenLedgerCore

/// The operations a ledger offers on either store: a ledger file (``Ledger``) or a PostgreSQL
/// database (`PostgresLedger`, in TokenLedgerPostgres). A front that takes `any LedgerBooks` runs on both; the
/// PostgreSQL store gains the rest of ``Ledger``'s operations step by step.
public protocol LedgerBooks: AnyObject, Sendable {
    /// Where the books are: the file's path, or the database's URL without its password.
    var place: String { get }
    /// The migrations applied, oldest first (what a health check reads).
    func schemaVersion() throws -> [String]
    func createAccount(_ request: NewAccount) throws -> Account
    func account(named name: String) throws -> Account?
    func accounts() throws -> [Account]
    func balance(of account: String, at time: Timestamp) throws -> BalanceReport
    /// The live API key whose secret this is, or nil (unknown, malformed, revoked).
    func authenticate(secret: String) throws -> APIKey?
    func createAPIKey(_ request: NewAPIKey) throws -> (key: APIKey, secret: String)
    func apiKeys() throws -> [APIKey]
    func revokeAPIKey(id: String, at time: Timestamp) throws -> APIKeyRevocation
    func purchase(_ request: PurchaseRequest) throws -> CreditReceipt
    func grant(_ request: GrantRequest) throws -> CreditReceipt
    func charge(_ request: ChargeRequest) throws -> ChargeReceipt
    func charge(all requests: [ChargeRequest]) throws -> [ChargeReceipt]
    func reserve(_ request: ReservationRequest) throws -> Reservation
    func settle(_ request: SettleRequest) throws -> SettleReceipt
    func void(_ request: VoidRequest) throws -> Reservation
    func reservation(id: String) throws -> Reservation?
    func adjust(_ request: AdjustmentRequest) throws -> CorrectionReceipt
    func refund(_ request: RefundRequest) throws -> CorrectionReceipt
    func reverse(_ request: ReversalRequest) throws -> CorrectionReceipt
    func monthlyReport(account: String?, month: Timestamp, by keys: [ReportKey]) throws -> MonthlyReport
    func statement(of account: String, month: Timestamp, now: Timestamp) throws -> AccountStatement
    func accountJournal(account: String, from: Timestamp, to: Timestamp, kinds: Set<TransferKind>?) throws -> AccountJournal
    func charges(matching query: ChargeQuery) throws -> ChargePage
    func charge(id requestID: String) throws -> ChargeDetail
    func events(after: Int64, account: String?, limit: Int) throws -> EventPage
    func verify() throws -> VerifyReport
    /// What `GET /metrics` shows of the books, with the `top` accounts by balance.
    func financeFigures(top: Int) throws -> FinanceFigures
    func reconcile(_ request: ReconcileRequest) throws -> ReconciliationReport
    func importUsage(
        file path: String, format: UsageImportFormat, columnMap: [String: String], options: UsageImportOptions,
        progress: (UsageImportProgress) -> Void
    ) throws -> UsageImportSummary
    func focusRows(account: String?, month: Timestamp, provider: String) throws -> [[String?]]

    // Controls: limits, auto-recharge, low balance, usage tiers, expiry.
    func limits(account: String) throws -> [LimitSetting]
    @discardableResult
    func setLimits(account: String, scope: LimitScope, soft: Money?, hard: Money?, clear: Bool) throws -> LimitSetting
    func autoRecharge(account: String) throws -> AutoRechargeSettings
    @discardableResult
    func setAutoRecharge(account: String, threshold: Money, restoreTo: Money, monthlyCap: Money?, at time: Timestamp) throws -> AutoRechargeSettings
    @discardableResult
    func turnOffAutoRecharge(account: String) throws -> AutoRechargeSettings
    /// The limit alerts of `account` in the month that contains `month`, in the order recorded.
    func alerts(account: String, month: Timestamp) throws -> [LimitAlert]
    /// The recharges attempted for `account` (succeeded and failed) with times in `[from, to)`.
    func rechargeAttempts(account: String, from: Timestamp, to: Timestamp) throws -> [RechargeAttempt]
    func lowBalanceWatch(account: String) throws -> LowBalanceWatch?
    @discardableResult
    func setLowBalanceThreshold(account: String, threshold: Money?) throws -> LowBalanceWatch?
    func usageTiers() throws -> [UsageTier]
    func minimumTiers() throws -> [(model: String, tier: String)]
    func setMinimumTier(model: String, tier: String?) throws
    @discardableResult
    func expireLots(at time: Timestamp) throws -> [ExpiryRecord]

    // Prices and model names.
    func prices(model: String?, at time: Timestamp?) throws -> [ListedPrice]
    @discardableResult
    func setPrice(_ entry: PriceEntry) throws -> Bool
    @discardableResult
    func importPrices(_ catalog: PriceCatalog, effectiveFrom: Timestamp) throws -> PriceImportSummary
    func diffPrices(_ catalog: PriceCatalog, at time: Timestamp) throws -> [PriceChange]
    func modelAliases() throws -> [ModelAlias]
    @discardableResult
    func setModelAlias(_ name: String, model: String) throws -> Bool
    func removeModelAlias(_ name: String) throws
    func explainModelName(_ name: String) throws -> ModelNameExplanation

    // Webhooks: the endpoints, the queue `serve` posts from, the log of attempts.
    func addWebhook(_ request: NewWebhook) throws -> AddedWebhook
    func webhooks() throws -> [WebhookEndpoint]
    @discardableResult
    func removeWebhook(id: String, at time: Timestamp) throws -> WebhookEndpoint
    func deliveryLog(seq: Int64?) throws -> [DeliveryAttempt]
    /// The deliveries due at `time` (at most `limit`), claimed until `until`: until then no
    /// other `serve` instance posts them (``Ledger/claimDeliveries(at:limit:until:db:)``).
    func claimDeliveries(at time: Timestamp, limit: Int, until: Timestamp) throws -> [PendingDelivery]
    @discardableResult
    func recordDeliveryAttempt(
        _ delivery: PendingDelivery, outcome: DeliveryOutcome, statusCode: Int?, error: String?, at time: Timestamp, retryAt: Timestamp?
    ) throws -> Bool

    /// Runs `operations` (each an operation of these books) in one transaction, as
    /// ``Ledger/group(_:)`` does: a refused operation answers its refusal alone; an error of the
    /// store fails them all, and nothing is written. `locking` names what they write, so that a
    /// store with many writers locks it first, in one order (a hint: an operation locks what it
    /// writes anyway).
    func commit<T>(group operations: [(any LedgerBooks) throws -> T], locking: GroupLocks) throws -> [Result<T, any Error>]
}

/// What a group of operations writes: the accounts they name, and the reservations they close
/// (whose accounts the store looks up).
public struct GroupLocks: Sendable, Hashable {
    public var accounts: Set<String> = []
    public var reservations: Set<String> = []

    public init(accounts: Set<String> = [], reservations: Set<String> = []) {
        self.accounts = accounts
        self.reservations = reservations
    }

    /// Both sets together.
    public mutating func formUnion(_ other: GroupLocks) {
        accounts.formUnion(other.accounts)
        reservations.formUnion(other.reservations)
    }
}

extension Ledger: LedgerBooks {
    public var place: String { path }

    /// ``group(_:)``: one writer holds the file, so there is nothing to lock first.
    public func commit<T>(group operations: [(any LedgerBooks) throws -> T], locking: GroupLocks) throws -> [Result<T, any Error>] {
        try group(operations.map { operation in { ledger in try operation(ledger) } })
    }
}
