import ArgumentParser
import Foundation
import TokenLedger
import TokenLedgerCore

/// `tokenledger export`: the books in formats other tools read.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the books in formats other tools read.",
        subcommands: [Focus.self])
}
