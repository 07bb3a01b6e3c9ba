import GRDB

extension Ledger {
    /// Claims the ledger for `maker` (`demo`): true when the ledger is `maker`'s own, because it
    /// says so (`setting.made_by`) or because it holds no account yet (it is then marked so, in
    /// the same transaction); false for a ledger with accounts that `maker` did not make.
    ///
    /// `tokenledger demo` posts a month of charges into the account `acme`: on a real ledger it
    /// would post them into a real account, so it claims the ledger first.
    public func claim(for maker: String) throws -> Bool {
        try write { db in
            if let madeBy = try String.fetchOne(db, sql: "SELECT value FROM setting WHERE name = 'made_by'") { return madeBy == maker }
            guard try Int.fetchOne(db, sql: "SELECT count(*) FROM account WHERE kind = 'customer'") == 0 else { return false }
            try db.execute(sql: "INSERT INTO setting (name, value) VALUES ('made_by', ?)", arguments: [maker])
            return true
        }
    }
}
