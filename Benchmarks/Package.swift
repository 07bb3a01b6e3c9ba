// swift-tools-version: 6.2
import PackageDescription

// TokenLedger's speed and memory benchmarks, a package of their own so that a package depending
// on TokenLedger does not fetch package-benchmark. Run from this folder (see the README's Speed
// section): `swift package --allow-writing-to-package-directory benchmark --filter Pricing`.
//
// It is also the package that depends on TokenLedger as its users do: `scripts/check-dependent`
// (run by .ci/run) tags a copy of the repository 99.0.0 and points TOKENLEDGER_PACKAGE_URL at
// it, so SwiftPM resolves TokenLedger by URL and a version range and applies the rules of a
// remote dependency (its warning settings are dropped, for one), then runs `Dependent`, the
// README's library example. Without the variable, the repository one folder up, by path (named,
// because a path's package is known by its folder's name: the clone's, a worktree's).
let tokenLedger: Package.Dependency =
    if let url = Context.environment["TOKENLEDGER_PACKAGE_URL"] {
        .package(url: url, from: "99.0.0")
    } else {
        .package(name: "TokenLedger", path: "..")
    }

// The libraries both targets use, as a user's package names them. TokenLedgerDemo carries the
// bundled Azure trace that the import and simulation benchmarks repeat.
let tokenLedgerLibraries: [Target.Dependency] = [
    .product(name: "TokenLedger", package: "TokenLedger"),
    .product(name: "TokenLedgerCore", package: "TokenLedger"),
    .product(name: "TokenLedgerDemo", package: "TokenLedger"),
]

let package = Package(
    name: "TokenLedgerBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        tokenLedger,
        // package-benchmark, with its malloc interposer for memory metrics.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        .executableTarget(
            name: "TokenLedgerBenchmarks",
            dependencies: tokenLedgerLibraries + [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "TokenLedgerBenchmarks",
            swiftSettings: [.treatAllWarnings(as: .error)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The README's library example, built and run by `scripts/check-dependent`. Its folder is
        // not directly under Benchmarks/, so package-benchmark does not take it for a benchmark.
        .executableTarget(
            name: "Dependent",
            dependencies: tokenLedgerLibraries,
            path: "Dependent/Sources",
            swiftSettings: [.treatAllWarnings(as: .error)]
        ),
    ]
)
