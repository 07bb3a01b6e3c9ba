/// One step of the ledger's schema: its identifier (the file name without `.sql`) and its SQL.
public struct SchemaMigration: Sendable {
    public var identifier: String
    public var sql: String
}

/// The ledger's schema migrations, in order, embedded in the binary.
public enum SchemaMigrations {
    /// Every migration, oldest first. Append only.
    public static let all: [SchemaMigration] = [
        SchemaMigration(identifier: "v0001_initial", sql: String(decoding: PackageResources.v0001_initial_sql, as: UTF8.self)),
        SchemaMigration(identifier: "v0002_usage_entries", sql: String(decoding: PackageResources.v0002_usage_entries_sql, as: UTF8.self)),
        SchemaMigration(identifier: "v0003_controls", sql: String(decoding: PackageResources.v0003_controls_sql, as: UTF8.self)),
        SchemaMigration(identifier: "v0004_usage_tail", sql: String(decoding: PackageResources.v0004_usage_tail_sql, as: UTF8.self)),
        SchemaMigration(
            identifier: "v0005_reservation_close_id", sql: String(decoding: PackageResources.v0005_reservation_close_id_sql, as: UTF8.self)),
        SchemaMigration(identifier: "v0006_api_keys", sql: String(decoding: PackageResources.v0006_api_keys_sql, as: UTF8.self)),
        SchemaMigration(
            identifier: "v0007_usage_by_account_time", sql: String(decoding: PackageResources.v0007_usage_by_account_time_sql, as: UTF8.self)),
        SchemaMigration(identifier: "v0008_corrections", sql: String(decoding: PackageResources.v0008_corrections_sql, as: UTF8.self)),
        SchemaMigration(identifier: "v0009_events", sql: String(decoding: PackageResources.v0009_events_sql, as: UTF8.self)),
        SchemaMigration(identifier: "v0010_model_names", sql: String(decoding: PackageResources.v0010_model_names_sql, as: UTF8.self)),
        SchemaMigration(
            identifier: "v0011_catalog_sources", sql: String(decoding: PackageResources.v0011_catalog_sources_sql, as: UTF8.self)),
        SchemaMigration(identifier: "v0012_providers", sql: String(decoding: PackageResources.v0012_providers_sql, as: UTF8.self)),
        SchemaMigration(identifier: "v0013_token_classes", sql: String(decoding: PackageResources.v0013_token_classes_sql, as: UTF8.self)),
        SchemaMigration(identifier: "v0014_open_holds_index", sql: String(decoding: PackageResources.v0014_open_holds_index_sql, as: UTF8.self)),
        SchemaMigration(identifier: "v0015_account_balance", sql: String(decoding: PackageResources.v0015_account_balance_sql, as: UTF8.self)),
        SchemaMigration(
            identifier: "v0016_webhook_attempt_account", sql: String(decoding: PackageResources.v0016_webhook_attempt_account_sql, as: UTF8.self)),
    ]

    /// The PostgreSQL store's migrations (`postgres/`), oldest first: a series of its own, with
    /// the same tables, columns and constraints as SQLite's, keyed for many writers. Append only.
    public static let postgres: [SchemaMigration] = [
        SchemaMigration(identifier: "pg0001_initial", sql: String(decoding: PackageResources.pg0001_initial_sql, as: UTF8.self))
    ]

    /// The identifier of the newest schema this binary knows.
    public static var latest: String { all.last!.identifier }
}
