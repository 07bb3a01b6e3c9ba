import ArgumentParser
import TokenLedger
import TokenLedgerCore

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Prove the books: balances re-folded from the journal, lots, overdraft, every cost repriced.",
        discussion: "Exit 0 when the books are balanced and consistent, 3 when a problem is found (each is listed).")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let report = try options.openBooks().verify()
        var text =
            report.ok
            ? "OK: the books balance (\(plural(report.transfers, "transfer")), \(plural(report.accounts, "account")), \(plural(report.usages, "charge")) repriced exactly)."
            : "PROBLEMS FOUND (\(report.problems.count)):"
        for problem in report.problems { text += "\n- " + problem }
        options.emit(
            Rendered(
                json: .object([
                    ("ok", .bool(report.ok)), ("transfers", .int(Int64(report.transfers))), ("accounts", .int(Int64(report.accounts))),
                    ("charges", .int(Int64(report.usages))), ("problems", .array(report.problems.map(JSON.string))),
                ]),
                table: text))
        if !report.ok { throw Failure.ProblemsFound() }
    }
}
