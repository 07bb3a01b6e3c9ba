import ArgumentParser
import Foundation
import TokenLedger
import TokenLedgerCore
import TokenLedgerPostgres

struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy the books between a SQLite file and PostgreSQL, and prove the copy equal.",
        discussion: """
            Copies every entry of --from into --to, one of them a ledger file and the other a postgres:// URL, in one \
            transaction of the target, then proves the two equal before it commits: verify on both sides, and every balance, \
            lot, transfer, charge total, daily rollup row, reservation, limit, alert, recharge, correction, event, price and key \
            compared. The target must hold no books yet: a new file (created here) or a database with no ledger or a new one \
            (its schema is made here). A copy that fails or differs leaves the target as it was (exit 4, saying where). \
            Exit 3 when verify finds a problem in the source, which is then not copied.
            """)

    @Option(name: .long, help: ArgumentHelp("The ledger to copy: a file, or a postgres:// URL.", valueName: "path-or-url"))
    var from: String

    @Option(name: .long, help: ArgumentHelp("Where to copy it: a new file, or a postgres:// URL.", valueName: "path-or-url"))
    var to: String

    @OptionGroup var options: GlobalOptions

    func validate() throws {
        guard PostgresLocation.isURL(from) != PostgresLocation.isURL(to) else {
            throw ValidationError("--from and --to: one must be a ledger file and the other a postgres:// URL")
        }
    }

    func run() throws {
        try options.useOutputFormat()
        let progress = Progress(label: "copying (rows)")
        let report: LedgerCopyReport
        if PostgresLocation.isURL(to) {
            let source = try openLedger(at: from)
            try refuseProblems(try source.verify(), in: from)
            let target = try PostgresLedger.open(url: to, create: true)
            defer { target.close() }
            report = try target.copy(from: source) { progress.update($0.copied, $0.total) }
        } else {
            let source = try PostgresLedger.open(url: from)
            defer { source.close() }
            try refuseProblems(try source.verify(), in: String(describing: source.location))
            if FileManager.default.fileExists(atPath: to) {
                throw InputError(field: "--to", reason: "\(to) exists: migrate copies into a new file only")
            }
            report = try source.copy(intoNewFile: to) { progress.update($0.copied, $0.total) }
        }
        let shownFrom = PostgresLocation.isURL(from) ? PostgresLocation.redacted(from) : from
        let shownTo = PostgresLocation.isURL(to) ? PostgresLocation.redacted(to) : to
        var text = "Copied \(plural(report.total, "row")):\n"
        let width = report.rows.map(\.table.count).max() ?? 0
        for row in report.rows where row.count > 0 {
            text += "  " + row.table.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + row.count.grouped + "\n"
        }
        text += "Verified: both sides balance (\(plural(report.copyVerify.transfers, "transfer")), "
        text += "\(plural(report.copyVerify.accounts, "account")), \(plural(report.copyVerify.usages, "charge")) repriced exactly), "
        text += "and \(plural(report.comparedFigures, "figure")) of the books are equal."
        options.emit(
            Rendered(
                json: .object([
                    ("from", .string(shownFrom)), ("to", .string(shownTo)), ("rows", .int(Int64(report.total))),
                    ("tables", .object(report.rows.map { ($0.table, JSON.int(Int64($0.count))) })),
                    ("transfers", .int(Int64(report.copyVerify.transfers))), ("accounts", .int(Int64(report.copyVerify.accounts))),
                    ("charges", .int(Int64(report.copyVerify.usages))), ("figures_compared", .int(Int64(report.comparedFigures))),
                    ("equal", .bool(true)),
                ]),
                table: text))
    }

    /// Books that do not verify are not copied: the problems are listed, exit 3.
    private func refuseProblems(_ report: VerifyReport, in place: String) throws {
        guard !report.ok else { return }
        var text = "\(place) does not verify, so it is not copied; PROBLEMS FOUND (\(report.problems.count)):"
        for problem in report.problems { text += "\n- " + problem }
        options.emit(Rendered(json: .object([("ok", .bool(false)), ("problems", .array(report.problems.map(JSON.string)))]), table: text))
        throw Failure.ProblemsFound()
    }
}
