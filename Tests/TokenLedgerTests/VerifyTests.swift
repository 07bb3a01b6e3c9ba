import Testing
import TokenLedger
import TokenLedgerCore

/// A change made behind the library's back, and a word its problem report must contain.
struct Tampering: Sendable, CustomTestStringConvertible {
    var what: String
    var sql: String
    var mentions: String
    var testDescription: String { what }
}

@Suite("verify")
struct VerifyTests {
    /// Books with a bit of everything: purchases, a grant, charges, an overdraft repaid, an expiry.
    static func populate(_ ledger: Ledger) throws {
        try addCentModel(ledger)
        try makeAccount(ledger, "acme", at: utc(2025, 5, 1), purchase: .usd(20))
        try makeAccount(ledger, "beta", at: utc(2025, 5, 1), purchase: .usd(5))
        _ = try ledger.grant(GrantRequest(account: "acme", amount: .usd(3), at: utc(2025, 5, 1), expiresAt: utc(2025, 6, 1)))
        _ = try ledger.charge(ChargeRequest(account: "acme", model: "o3", input: 5_000, cached: 1_000, output: 2_000, project: "web", at: utc(2025, 5, 2)))
        try chargeCents(ledger, "beta", 700, at: utc(2025, 5, 3))
        _ = try ledger.purchase(PurchaseRequest(account: "beta", amount: .usd(10), at: utc(2025, 5, 4)))
        _ = try ledger.balance(of: "acme", at: utc(2025, 7, 1))
    }

    @Test("a new ledger, and books kept by the library, verify")
    func clean() throws {
        try withLedger { fixture in
            let empty = try fixture.ledger.verify()
            #expect(empty.ok)
            #expect(empty.transfers == 0)
            #expect(empty.accounts == 0)
            try Self.populate(fixture.ledger)
            let report = try fixture.ledger.verify()
            #expect(report.ok, "\(report.problems)")
            #expect(report.problems.isEmpty)
            #expect(report.accounts == 2)
            #expect(report.usages == 2)
            // The journal: every transfer, and every usage that cost something.
            #expect(report.transfers == Int(try fixture.raw.int("SELECT (SELECT count(*) FROM transfer) + (SELECT count(*) FROM usage WHERE cost_nanos > 0)")))
            #expect(try fixture.raw.int("SELECT count(*) FROM transfer WHERE kind = 'expiry'") == 1)
        }
    }

    @Test("usage in December 9999, the last month a time may fall in, verifies (its month ends in year 10000)")
    func lastMonth() throws {
        try withLedger { fixture in
            try addCentModel(fixture.ledger)
            try makeAccount(fixture.ledger, "acme", at: utc(9999, 11, 1), purchase: .usd(20))
            _ = try fixture.ledger.setLimits(account: "acme", soft: .usd(1))
            try chargeCents(fixture.ledger, "acme", 150, at: utc(9999, 12, 1))
            try chargeCents(fixture.ledger, "acme", 50, at: Timestamp.latest)
            #expect(try fixture.raw.int("SELECT count(*) FROM spend_alert") == 1)
            let report = try fixture.ledger.verify()
            #expect(report.ok, "\(report.problems)")
            // The checks still see what they check: a month counter off by a nanodollar is found.
            try fixture.raw.execute("UPDATE account SET usage_month_nanos = usage_month_nanos + 1 WHERE name = 'acme'")
            #expect(try fixture.ledger.verify().problems.contains { $0.contains("latest month's usage") })
        }
    }

    static let tamperings: [Tampering] = [
        Tampering(what: "an account's stored balance", sql: "UPDATE account SET balance_nanos = balance_nanos + 1 WHERE name = 'acme'", mentions: "acme"),
        Tampering(
            what: "a system account's stored balance", sql: "UPDATE account SET balance_nanos = balance_nanos - 1 WHERE name = '@usage'", mentions: "@usage"),
        Tampering(
            what: "a lot's remaining credit", sql: "UPDATE lot SET remaining_nanos = remaining_nanos - 1 WHERE remaining_nanos > 0 AND account_id = 6",
            mentions: "lot"),
        Tampering(
            what: "a lot's original amount",
            sql: "UPDATE lot SET original_nanos = original_nanos + 1, remaining_nanos = remaining_nanos + 1 WHERE remaining_nanos > 0 AND account_id = 6",
            mentions: "lot"),
        Tampering(
            what: "an allocation",
            sql:
                "UPDATE allocation SET amount_nanos = amount_nanos + 1 WHERE (transfer_id, lot_id) = (SELECT transfer_id, lot_id FROM allocation ORDER BY transfer_id LIMIT 1)",
            mentions: "lot"),
        Tampering(
            what: "a usage's recorded cost, with its trigger dropped",
            sql: "DROP TRIGGER usage_is_append_only_update; UPDATE usage SET cost_nanos = cost_nanos + 1 WHERE model = 'o3'", mentions: "usage"),
        Tampering(
            what: "a price that billed history",
            sql:
                "UPDATE price_rate SET output_nanos_per_million = output_nanos_per_million + 1000000 WHERE price_entry_id = (SELECT price_entry_id FROM usage WHERE model = 'o3')",
            mentions: "usage"),
        Tampering(
            what: "a usage's token counts, with its trigger dropped",
            sql: "DROP TRIGGER usage_is_append_only_update; UPDATE usage SET output_tokens = output_tokens + 1 WHERE model = 'o3'", mentions: "usage"),
        Tampering(
            what: "a usage's lot, with its trigger dropped",
            sql: "DROP TRIGGER usage_is_append_only_update; UPDATE usage SET lot_nanos = lot_nanos - 1 WHERE lot_nanos > 1", mentions: "lot"),
        Tampering(
            what: "a usage removed, with its trigger dropped",
            sql: "DROP TRIGGER usage_is_append_only_delete; DELETE FROM usage WHERE model = 'o3'", mentions: "differs"),
        Tampering(
            what: "a transfer's amount, with its trigger dropped",
            sql: "DROP TRIGGER transfer_is_append_only_update; UPDATE transfer SET amount_nanos = amount_nanos + 1 WHERE kind = 'expiry'", mentions: "differs"),
        Tampering(
            what: "the daily rollup", sql: "UPDATE usage_daily SET cost_nanos = cost_nanos + 1 WHERE model = 'o3'", mentions: "usage_daily"),
        Tampering(
            what: "a day of usage missing from the rollup", sql: "DELETE FROM usage_daily WHERE model = 'o3'", mentions: "usage_daily"),
        Tampering(
            what: "a usage transfer added, with its trigger dropped",
            sql: """
                DROP TRIGGER transfer_is_not_usage;
                INSERT INTO transfer (kind, debit_account_id, credit_account_id, amount_nanos, occurred_at_ms, balance_after_nanos)
                VALUES ('usage', 3, 5, 1, 0, 0)
                """, mentions: "usage transfers"),
        Tampering(
            what: "a transfer removed, with its trigger dropped",
            sql: "DROP TRIGGER transfer_is_append_only_delete; PRAGMA foreign_keys = OFF; DELETE FROM transfer WHERE kind = 'expiry'", mentions: "differs"),
        Tampering(
            what: "spent credit restored to lots",
            sql: "UPDATE lot SET remaining_nanos = remaining_nanos + 1 WHERE account_id = 7 AND remaining_nanos < original_nanos", mentions: "beta"),
    ]

    @Test("verify reports tampering", arguments: tamperings)
    func tampered(_ tampering: Tampering) throws {
        try withLedger { fixture in
            try Self.populate(fixture.ledger)
            try #require(try fixture.ledger.verify().ok)
            let before = try fixture.raw.dump()
            try fixture.raw.queue.writeWithoutTransaction { db in try db.execute(sql: tampering.sql) }
            try #require(try fixture.raw.dump() != before, "the tampering changed nothing")
            let report = try fixture.ledger.verify()
            #expect(!report.ok)
            #expect(report.problems.contains { $0.contains(tampering.mentions) }, "\(report.problems)")
        }
    }
}
