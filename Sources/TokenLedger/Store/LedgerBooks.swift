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
    func monthlyReport(account: String?, month: Timestamp, by keys: [ReportKey]) throws -> MonthlyReport
    func verify() throws -> VerifyReport
}

extension Ledger: LedgerBooks {
    public var place: String { path }
}
