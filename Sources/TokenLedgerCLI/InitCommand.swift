import ArgumentParser
import Foundation
import TokenLedger
import TokenLedgerCore
import TokenLedgerPostgres

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the ledger file (or upgrade it) and load the default price book.",
        discussion: "Safe to run again: an existing ledger keeps everything, and only missing default prices are added.")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        try options.useOutputFormat()
        if PostgresLocation.isURL(options.path) {
            // On PostgreSQL: the ledger's schema made (or brought up to date) in the database.
            let location = try PostgresLocation(url: options.path)
            let existed = try PostgresLedger.holdsLedger(url: options.path)
            let ledger = try PostgresLedger.open(url: options.path, create: true)
            defer { ledger.close() }
            let added = try ledger.loadDefaultPrices()
            return report(at: location.description, existed: existed, schema: try ledger.schemaVersion().last ?? "", added: added)
        }
        let existed = FileManager.default.fileExists(atPath: options.path)
        let ledger = try openLedger(at: options.path, create: true)
        let added = try ledger.loadDefaultPrices()
        report(at: options.path, existed: existed, schema: try ledger.schemaVersion().last ?? "", added: added)
    }

    private func report(at place: String, existed: Bool, schema: String, added: Int) {
        let verb = existed ? "Ledger ready" : "Created ledger"
        options.emit(
            Rendered(
                json: .object([
                    ("path", .string(place)), ("created", .bool(!existed)), ("schema", .string(schema)),
                    ("default_prices_added", .int(Int64(added))),
                ]),
                table: "\(verb) at \(place) (schema \(schema)); \(added) default price entries added."))
    }
}
