import ArgumentParser
import Foundation
import TokenLedger
import TokenLedgerCore

/// `tokenledger report`: usage reports.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Usage reports.",
        subcommands: [Monthly.self])
}
