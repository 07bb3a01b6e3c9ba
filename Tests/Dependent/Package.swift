// swift-tools-version: 6.2
import PackageDescription

// A package that depends on TokenLedger as its users do: by URL and a version range, so SwiftPM
// applies the rules of a remote dependency (its warning settings are dropped, for one).
// `scripts/check-dependent` (run by .ci/run) tags a copy of the repository 99.0.0 and points
// TOKENLEDGER_PACKAGE_URL at it; without it, the repository two folders up, by path (named, as a
// path's package is otherwise known by its folder's name).
let tokenLedger: Package.Dependency =
    if let url = Context.environment["TOKENLEDGER_PACKAGE_URL"] {
        .package(url: url, from: "99.0.0")
    } else {
        .package(name: "TokenLedger", path: "../..")
    }

let package = Package(
    name: "Dependent",
    platforms: [.macOS(.v15)],
    dependencies: [tokenLedger],
    targets: [
        .executableTarget(
            name: "Dependent",
            dependencies: [
                .product(name: "TokenLedger", package: "TokenLedger"),
                .product(name: "TokenLedgerCore", package: "TokenLedger"),
                .product(name: "TokenLedgerDemo", package: "TokenLedger"),
            ]
        )
    ]
)
