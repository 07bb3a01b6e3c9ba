// swift-tools-version: 6.2
import PackageDescription

/// The schema files, each embedded in the binary, oldest first. Listed here rather than read
/// from the folder so that adding one changes the manifest and SwiftPM re-plans the build
/// (a folder listing is cached with the manifest). `SchemaTests` checks the list is complete.
let migrationFiles = [
    "v0001_initial.sql",
    "v0002_usage_entries.sql",
    "v0003_controls.sql",
    "v0004_usage_tail.sql",
    "v0005_reservation_close_id.sql",
    "v0006_api_keys.sql",
    "v0007_usage_by_account_time.sql",
    "v0008_corrections.sql",
    "v0009_events.sql",
    "v0010_model_names.sql",
    "v0011_catalog_sources.sql",
    "v0012_providers.sql",
    "v0013_token_classes.sql",
    "v0014_open_holds_index.sql",
    "v0015_account_balance.sql",
    "v0016_webhook_attempt_account.sql",
]

/// The PostgreSQL store's schema files (`migrations/postgres/`), a series of its own, oldest first.
let postgresMigrationFiles = [
    "pg0001_initial.sql"
]

/// Our own targets build with every warning treated as an error (SE-0480: a safe setting, which
/// SwiftPM drops when the package is a remote dependency, where it builds with warnings off).
let strict: [SwiftSetting] = [.treatAllWarnings(as: .error)]

let package = Package(
    name: "TokenLedger",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TokenLedger", targets: ["TokenLedger"]),
        .library(name: "TokenLedgerPostgres", targets: ["TokenLedgerPostgres"]),
        .library(name: "TokenLedgerCore", targets: ["TokenLedgerCore"]),
        .library(name: "TokenLedgerCharts", targets: ["TokenLedgerCharts"]),
        .library(name: "TokenLedgerDemo", targets: ["TokenLedgerDemo"]),
        .library(name: "TokenLedgerService", targets: ["TokenLedgerService"]),
        .executable(name: "tokenledger", targets: ["TokenLedgerCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // The HTTP service (`tokenledger serve`): the server generated from openapi.yaml.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-openapi-generator", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // Hummingbird's own event loops, named to run Swift Concurrency's tasks on them in `serve`.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // The client that posts webhooks, and the service's tests' client.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // The PostgreSQL store (`--db postgres://…`): the client, and TLS when the URL asks for it.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // Pure domain: money, prices, usage, lots and the rules. No I/O, no clock, no SQLite.
        .target(name: "TokenLedgerCore", swiftSettings: strict),
        // The schema: migrations/vNNNN_*.sql, embedded in the binary so it runs from anywhere.
        .target(
            name: "TokenLedgerMigrations",
            path: "migrations",
            exclude: ["README.md", "postgres/citus.sql"],
            sources: ["Migrations.swift"],
            resources: migrationFiles.map { .embedInCode($0) } + postgresMigrationFiles.map { .embedInCode("postgres/" + $0) },
            swiftSettings: strict
        ),
        // The library front: the store over GRDB and the system SQLite.
        .target(
            name: "TokenLedger",
            dependencies: [
                "TokenLedgerCore",
                "TokenLedgerMigrations",
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API, to bind parameters on the import path without boxing them.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                // SHA-256, for the ids of imported rows that have none.
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // The PostgreSQL store (`--db postgres://…`): the same books and rules as ``TokenLedger``'s
        // file, in a database many processes share. A target of its own, so that a package using
        // only the file (and the fuzz targets) does not build postgres-nio and TLS.
        .target(
            name: "TokenLedgerPostgres",
            dependencies: [
                "TokenLedger",
                "TokenLedgerCore",
                "TokenLedgerMigrations",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Charts: SVG and a self-contained HTML page from the core's reports and simulations.
        .target(name: "TokenLedgerCharts", dependencies: ["TokenLedgerCore"], swiftSettings: strict),
        // The README's main job (`tokenledger demo`), with the Azure trace it bills embedded in
        // the binary by the EmbedText plugin (see there why not `.embedInCode`).
        .target(
            name: "TokenLedgerDemo",
            dependencies: ["TokenLedger", "TokenLedgerCore"],
            exclude: ["AzureLLMInferenceTrace_conv.csv"],
            swiftSettings: strict,
            plugins: ["EmbedText"]
        ),
        // Embeds a target's CSV files as string constants, at build time.
        .plugin(name: "EmbedText", capability: .buildTool(), dependencies: ["EmbedTextTool"]),
        .executableTarget(name: "EmbedTextTool", path: "Plugins/EmbedTextTool", swiftSettings: strict),
        // The HTTP service: routes generated from openapi.yaml (the single source of truth, also
        // served at GET /openapi.yaml), group commit, API keys, problem+json errors, metrics.
        .target(
            name: "TokenLedgerService",
            dependencies: [
                "TokenLedger",
                "TokenLedgerCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // Webhooks: the client that posts events, and their HMAC-SHA256 signatures.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.embedInCode("openapi.yaml")],
            swiftSettings: strict,
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        // The command line (the `tokenledger` executable): parse, call the library, render.
        .executableTarget(
            name: "TokenLedgerCLI",
            dependencies: [
                "TokenLedger",
                "TokenLedgerPostgres",
                "TokenLedgerService",
                "TokenLedgerCharts",
                "TokenLedgerDemo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "TokenLedgerCoreTests", dependencies: ["TokenLedgerCore"]),
        // What the test targets share: the PostgreSQL server their tests run against
        // (`$TOKENLEDGER_TEST_POSTGRES`, or one started by scripts/postgres-server).
        .target(name: "TokenLedgerTestSupport", path: "Tests/TokenLedgerTestSupport"),
        // Crypto to recompute the SHA-256 of an API key's secret and find it in the file.
        .testTarget(
            name: "TokenLedgerTests",
            dependencies: [
                "TokenLedger", "TokenLedgerPostgres", "TokenLedgerCharts", .product(name: "Crypto", package: "swift-crypto"),
                // PostgreSQL's binary numbers, for the PostgreSQL store's reader.
                .product(name: "NIOCore", package: "swift-nio"),
                "TokenLedgerTestSupport",
            ],
            exclude: ["schema.golden.sql"]),
        // The service on a real loopback port, driven by a real HTTP client.
        .testTarget(
            name: "TokenLedgerServiceTests",
            dependencies: [
                "TokenLedgerService", "TokenLedger", "TokenLedgerCore", "TokenLedgerCLI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // The fuzz targets (Fuzz/README.md): libFuzzer's entry point when `scripts/fuzz` builds it
        // with `-sanitize=fuzzer -D FUZZING`, else a replayer of saved inputs for the tests.
        // An executable of its own because libFuzzer brings its own `main`.
        .executableTarget(name: "TokenLedgerFuzz", dependencies: ["TokenLedger"], path: "Fuzz/TokenLedgerFuzz", swiftSettings: strict),
        // Runs the built `tokenledger` (and `TokenLedgerFuzz`) on temporary ledgers; compares
        // with Expected/*.txt; runs `tokenledger serve` as a process and calls it over loopback.
        // GRDB to hold a lock and read files as another process would.
        .testTarget(
            name: "TokenLedgerCLITests",
            dependencies: [
                "TokenLedgerCLI", "TokenLedgerFuzz", "TokenLedgerCore", "TokenLedgerTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            // ServiceClients: the Python client processes that ServeLoadTests runs against `serve`.
            exclude: ["Expected", "ServiceClients"]
        ),
    ]
)
