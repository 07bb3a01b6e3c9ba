import ArgumentParser
import Foundation
import TokenLedger
import TokenLedgerCore

/// `tokenledger import`: bring records from files into the ledger.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import records from files: provider usage and traces.",
        subcommands: [Usage.self])
}
