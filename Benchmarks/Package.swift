// swift-tools-version: 6.2
import PackageDescription

// TokenLedger's speed and memory benchmarks, a package of their own so that a package depending
// on TokenLedger does not fetch package-benchmark. Run from this folder (see the README's Speed
// section): `swift package --allow-writing-to-package-directory benchmark --filter Pricing`.
let package = Package(
    name: "TokenLedgerBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Named, because a path's package is known by its folder's name (the clone's, a worktree's).
        .package(name: "TokenLedger", path: ".."),
        // package-benchmark, with its malloc interposer for memory metrics.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        .executableTarget(
            name: "TokenLedgerBenchmarks",
            dependencies: [
                .product(name: "TokenLedger", package: "TokenLedger"),
                .product(name: "TokenLedgerCore", package: "TokenLedger"),
                // The bundled Azure trace the import and simulation benchmarks repeat.
                .product(name: "TokenLedgerDemo", package: "TokenLedger"),
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "TokenLedgerBenchmarks",
            swiftSettings: [.treatAllWarnings(as: .error)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
