import ArgumentParser
import Foundation
import TokenLedger
import TokenLedgerCore

/// `tokenledger`: prepaid-credit and usage-billing books for LLM APIs.
@main
struct TokenLedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenledger",
        abstract: "Prepaid-credit and usage-billing books for LLM APIs, in one SQLite file.",
        discussion: """
            Exit codes: 0 done; 1 bad usage or input; 2 refused by a rule (nothing written); \
            3 verify found problems or reconcile found mismatches; 4 the database is missing, locked, or not a TokenLedger file.
            """,
        version: "0.1.0",
        subcommands: [
            InitCommand.self, DemoCommand.self, AccountCommand.self, PurchaseCommand.self, GrantCommand.self, ChargeCommand.self,
            BalanceCommand.self, ChargesCommand.self, JournalCommand.self, PricesCommand.self, ExpireCommand.self, VerifyCommand.self, ImportCommand.self,
            SimulateCommand.self,
            ReconcileCommand.self, ExportCommand.self, ReportCommand.self, StatementCommand.self, RechargeCommand.self, LimitCommand.self,
            ReserveCommand.self, SettleCommand.self, VoidCommand.self, AdjustCommand.self, RefundCommand.self, ReverseCommand.self, TiersCommand.self,
            ModelsCommand.self, ServeCommand.self, KeysCommand.self, MigrateCommand.self, WebhooksCommand.self, EventsCommand.self, LowBalanceCommand.self,
            StressReserveCommand.self, StressChargeCommand.self,
        ])

    /// The global options, read here so that they may come before the subcommand's name
    /// (`tokenledger --db books.sqlite balance acme`); each subcommand's group of the same type
    /// receives them.
    @OptionGroup var options: GlobalOptions

    static func main() {
        do {
            if let invalid = RawArguments.invalidUTF8() { throw invalid }
            let arguments = Array(CommandLine.arguments.dropFirst())
            try checkCommandNames(arguments)
            var command = try parseAsRoot(Self.negativeAmountsLast(arguments))
            try command.run()
        } catch {
            Foundation.exit(Failure.report(error))
        }
    }
}

extension TokenLedgerCommand {
    /// Refuses an unknown command or subcommand named at the start of `arguments` (`tokenledger
    /// nonsense`, `tokenledger export journal`) before the parser sees it: the parser would take
    /// `export journal --help` for `export --help` and print the help of `export`.
    static func checkCommandNames(_ arguments: [String]) throws {
        var command: any ParsableCommand.Type = TokenLedgerCommand.self
        var path = "tokenledger"
        for argument in arguments {
            let subcommands = command.configuration.subcommands
            guard !subcommands.isEmpty, !argument.hasPrefix("-"), argument != "help" else { return }
            guard let next = subcommands.first(where: { $0._commandName == argument || $0.configuration.aliases.contains(argument) }) else {
                let named = path == "tokenledger" ? argument : path.dropFirst("tokenledger ".count) + " " + argument
                throw ValidationError("unknown command '\(named)'; see `\(path) --help` for the commands")
            }
            command = next
            path += " " + next._commandName
        }
    }

    /// The commands whose last positional argument is an amount (`purchase ACCOUNT USD`).
    static let amountCommands: Set<String> = [PurchaseCommand._commandName, GrantCommand._commandName, AdjustCommand._commandName]

    /// `arguments` with a negative amount given to `purchase`, `grant` or `adjust` (`adjust acme -5`)
    /// moved after `--`, where the parser reads it as the amount instead of an unknown flag
    /// (it said "Missing expected argument"); the rule then refuses it, naming the amount
    /// (`amount_not_positive`). A `-5` that follows an option is that option's value, and
    /// arguments that already hold `--` are left alone.
    static func negativeAmountsLast(_ arguments: [String]) -> [String] {
        guard arguments.contains(where: amountCommands.contains), !arguments.contains("--") else {
            return arguments
        }
        let negative = arguments.indices.filter { index in
            let argument = arguments[index]
            guard argument.count > 1, argument.hasPrefix("-"), index > 0, !arguments[index - 1].hasPrefix("-") else { return false }
            return argument.dropFirst().first.map { $0.isNumber || $0 == "$" || $0 == "." } ?? false
        }
        guard negative.count == 1, let index = negative.first else { return arguments }
        var moved = arguments
        let amount = moved.remove(at: index)
        return moved + ["--", amount]
    }
}

/// Turns any error into its message and exit code (CLI.md): 1 bad input, 2 refused by a rule,
/// 3 problems found, 4 the database cannot be used.
enum Failure {
    /// `verify` found problems (exit 3).
    struct ProblemsFound: Error {}

    static func report(_ error: Error) -> Int32 {
        let code: Int32
        let name: String
        let message: String
        switch error {
        case is ProblemsFound:
            return 3
        case let refusal as any Refusal:
            code = refusal.isBadInput ? 1 : 2
            name = refusal.code
            message = refusal.message
        case let input as InputError:
            (code, name, message) = (1, "bad_input", input.description)
        case let ledger as LedgerError:
            (code, name, message) = (4, ledger.kind.rawValue, ledger.description)
        case let serve as ServeFailure:
            (code, name, message) = (4, "serve_failed", serve.description)
        default:
            let exit = TokenLedgerCommand.exitCode(for: error)
            if exit == .success {
                TokenLedgerCommand.exit(withError: error)
            }
            (code, name, message) = (1, "bad_usage", TokenLedgerCommand.fullMessage(for: error))
        }
        if CommandState.format == .json {
            print(JSON.object([("error", .object([("code", .string(name)), ("message", .string(message))]))]).rendered())
        }
        var text = message.hasPrefix("Error:") || name == "bad_usage" ? message : "error: \(name): \(message)"
        if name == "bad_usage", !text.lowercased().hasPrefix("error") { text = "error: " + text }
        FileHandle.standardError.write(Data((text + "\n").utf8))
        return code
    }
}
