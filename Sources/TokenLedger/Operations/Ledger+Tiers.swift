import GRDB
import TokenLedgerCore

extension Ledger {
    /// The ledger's usage-tier table, lowest first (DOMAIN.md's table until changed).
    public func usageTiers() throws -> [UsageTier] {
        try read { db in try Ledger.usageTiers(db: db) }
    }

    /// Replaces the usage-tier table. Refuses ``UsageTierRefusal``: an invalid table
    /// (see ``UsageTier/tableProblem(_:)``), or one without a tier that a model needs.
    public func setUsageTiers(_ table: [UsageTier]) throws {
        if let refusal = UsageTier.tableProblem(table) { throw refusal }
        try write { db in
            let names = Set(table.map(\.name))
            for row in try db.rows("SELECT model, minimum_tier FROM model_requirement ORDER BY model") where !names.contains(row["minimum_tier"]) {
                throw UsageTierRefusal.requiredByModel(tier: row["minimum_tier"], model: row["model"])
            }
            try db.run("PRAGMA defer_foreign_keys = ON")
            try db.run("DELETE FROM usage_tier")
            for (rank, tier) in table.enumerated() {
                try db.run(
                    "INSERT INTO usage_tier (rank, name, minimum_paid_nanos, minimum_days, monthly_usage_limit_nanos) VALUES (?, ?, ?, ?, ?)",
                    [rank, tier.name, tier.minimumPaid.nanos, tier.minimumDaysSinceFirstPayment, tier.monthlyUsageLimit.nanos])
            }
        }
    }

    /// Makes `model` answer only accounts that reached `tier` (nil: any account). Reservations
    /// and enforced charges below it are refused as `tier_too_low`; plain charges (usage that
    /// happened) are recorded and flagged. Refuses ``UsageTierRefusal/unknownTier(_:)``.
    public func setMinimumTier(model: String, tier: String?) throws {
        try write { db in try Ledger.setMinimumTier(model: model, tier: tier, db: db) }
    }

    /// ``setMinimumTier(model:tier:)`` inside the store's transaction.
    package static func setMinimumTier(model: String, tier: String?, db: some BooksWriter) throws {
        guard let tier else { return try db.perform("DELETE FROM model_requirement WHERE model = ?", sqlValues(model)) }
        guard try db.first("SELECT 1 AS found FROM usage_tier WHERE name = ?", sqlValues(tier)) != nil else { throw UsageTierRefusal.unknownTier(tier) }
        try db.perform(
            """
            INSERT INTO model_requirement (model, minimum_tier) VALUES (?, ?)
            ON CONFLICT (model) DO UPDATE SET minimum_tier = excluded.minimum_tier
            """, sqlValues(model, tier))
    }

    /// Each model's minimum tier, by model.
    public func minimumTiers() throws -> [(model: String, tier: String)] {
        try read { db in try Ledger.minimumTiers(db: db) }
    }

    /// ``minimumTiers()`` over either store.
    package static func minimumTiers(db: some BooksReader) throws -> [(model: String, tier: String)] {
        try db.select("SELECT model, minimum_tier FROM model_requirement ORDER BY model").map { ($0["model"], $0["minimum_tier"]) }
    }

    package static func usageTiers(db: some BooksReader) throws -> [UsageTier] {
        let table = try db.select("SELECT * FROM usage_tier ORDER BY rank").map { row in
            UsageTier(
                name: row["name"], minimumPaid: Money(nanos: row["minimum_paid_nanos"]), minimumDaysSinceFirstPayment: row["minimum_days"],
                monthlyUsageLimit: Money(nanos: row["monthly_usage_limit_nanos"]))
        }
        return table.isEmpty ? UsageTier.defaultTable : table
    }
}
