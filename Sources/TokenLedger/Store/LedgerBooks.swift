import TokenLedgerCore

/// The operations a ledger offers on either store: a ledger file (``Ledger``) or a PostgreSQL
/// database (`PostgresLedger`, in TokenLedgerPostgres). A front that takes `any LedgerBooks` runs on both; the
/// PostgreSQL store gains the rest of ``Ledger``'s operations step by step.
public protocol LedgerBooks: AnyObject, Sendable {
    /// Where the books are: the file's path, or the database's URL without its password.
    var place: String { get }
    func createAccount(_ request: NewAccount) throws -> Account
    func accounts() throws -> [Account]
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
    func verify() throws -> VerifyReport
}

extension Ledger: LedgerBooks {
    public var place: String { path }
}
