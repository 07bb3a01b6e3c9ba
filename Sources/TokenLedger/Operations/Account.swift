import GRDB
import TokenLedgerCore

/// A customer account: who spends credit, with its limits and balance.
public struct Account: Sendable, Hashable {
    public var id: Int64
    public var name: String
    /// The largest single card payment (purchase or auto-recharge).
    public var maximumPurchase: Money
    /// How far below zero a `charge --enforce` may take the balance.
    public var overdraftAllowance: Money
    /// Credits minus debits: positive is credit left, negative is overdraft owed.
    public var balance: Money
    public var createdAt: Timestamp

    package init(id: Int64, name: String, maximumPurchase: Money, overdraftAllowance: Money, balance: Money, createdAt: Timestamp) {
        self.id = id
        self.name = name
        self.maximumPurchase = maximumPurchase
        self.overdraftAllowance = overdraftAllowance
        self.balance = balance
        self.createdAt = createdAt
    }

    package init(row: Row) {
        id = row["id"]
        name = row["name"]
        maximumPurchase = Money(nanos: row["max_purchase_nanos"])
        overdraftAllowance = Money(nanos: row["overdraft_allowance_nanos"])
        balance = Money(nanos: row["balance_nanos"])
        createdAt = Timestamp(milliseconds: row["created_at_ms"])
    }

    package static func find(named name: String, db: some BooksReader) throws -> Account? {
        try db.select("SELECT * FROM account WHERE name = ? AND kind = 'customer'", sqlValues(name)).first.map(Account.init)
    }

    /// The customer account `name`, its row locked until the transaction ends
    /// (``BooksWriter/lockingRows(_:)``): for an operation that decides by what the row holds.
    package static func locked(named name: String, db: some BooksWriter) throws -> Account? {
        try db.select(db.lockingRows("SELECT * FROM account WHERE name = ? AND kind = 'customer'"), sqlValues(name)).first.map(Account.init)
    }

    /// Inserts the customer account `request` asks for (checked by ``NewAccount/check()``);
    /// refused as ``AccountRefusal/accountExists(_:)`` when the name is taken, on either store
    /// (the name's uniqueness decides, so two writers creating it at once get one account).
    package static func insert(_ request: NewAccount, db: some BooksWriter) throws -> Account {
        let inserted = try db.select(
            """
            INSERT INTO account (name, kind, max_purchase_nanos, overdraft_allowance_nanos, created_at_ms) VALUES (?, 'customer', ?, ?, ?)
            ON CONFLICT (name) DO NOTHING RETURNING *
            """, sqlValues(request.name, request.maximumPurchase.nanos, request.overdraftAllowance.nanos, request.at.milliseconds))
        guard let row = inserted.first else { throw AccountRefusal.accountExists(request.name) }
        return Account(row: row)
    }

    static func find(id: Int64, db: Database) throws -> Account {
        Account(row: try db.row("SELECT * FROM account WHERE id = ?", [id])!)
    }
}

/// What `createAccount` needs.
public struct NewAccount: Sendable {
    public var name: String
    public var maximumPurchase: Money
    public var overdraftAllowance: Money
    public var at: Timestamp

    public init(name: String, maximumPurchase: Money = Credits.defaultMaximumPurchase, overdraftAllowance: Money = .zero, at: Timestamp) {
        self.name = name
        self.maximumPurchase = maximumPurchase
        self.overdraftAllowance = overdraftAllowance
        self.at = at
    }

    /// The checks of a new account that need no store: its name, maximum purchase and overdraft.
    package func check() throws {
        if let problem = AccountRefusal.nameProblem(name) { throw AccountRefusal.invalidName(problem) }
        guard maximumPurchase >= Credits.minimumPurchase, maximumPurchase <= Credits.ceiling, maximumPurchase.isWholeCents else {
            throw AccountRefusal.invalidMaximumPurchase(maximumPurchase)
        }
        guard overdraftAllowance >= .zero, overdraftAllowance <= Credits.ceiling else { throw AccountRefusal.invalidOverdraft(overdraftAllowance) }
    }
}

/// The ledger's own accounts, the other side of every customer transfer (created by the schema).
package enum SystemAccount: Int64 {
    case payments = 1
    case grants = 2
    case usage = 3
    case expired = 4
    case adjustments = 5
}

extension Ledger {
    /// Creates a customer account. Refuses (``AccountRefusal``) an invalid or taken name, a
    /// maximum purchase outside $5...$1,000,000 or not whole cents, a negative overdraft.
    @discardableResult
    public func createAccount(_ request: NewAccount) throws -> Account {
        try request.check()
        return try write { db in try Account.insert(request, db: db) }
    }

    /// Every customer account, by name.
    public func accounts() throws -> [Account] {
        try read { db in
            try db.rows("SELECT * FROM account WHERE kind = 'customer' ORDER BY name").map(Account.init)
        }
    }

    /// The customer account named `name`, or nil.
    public func account(named name: String) throws -> Account? {
        try read { db in try Account.find(named: name, db: db) }
    }
}
