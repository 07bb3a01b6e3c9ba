import ArgumentParser
import TokenLedger
import TokenLedgerCore

struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models", abstract: "Model aliases: map names as sent (Azure deployments, gateway routes) to priced models.",
        discussion: """
            A charge's model name resolves to a price-book entry in this order: the exact name, a \
            user alias, the name with a provider prefix stripped, a Bedrock id's model, a dated \
            snapshot's family (see `tokenledger prices resolve NAME`).
            """,
        subcommands: [Alias.self, Aliases.self, Unalias.self])

    static func fields(_ alias: ModelAlias) -> [(String, JSON)] { [("name", .string(alias.name)), ("model", .string(alias.model))] }

    struct Alias: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Map NAME, as requests send it, to the priced MODEL (replacing its earlier model).",
            discussion: "Refused (exit 2, unknown_model) when MODEL has no prices; exit 1 (invalid_name) for an empty or over-long NAME.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The name as requests send it (e.g. an Azure deployment name).") var name: String
        @Argument(help: "The priced model it stands for (as `prices list` names it).") var model: String

        func run() throws {
            let added = try options.openBooks().setModelAlias(name, model: model)
            let alias = ModelAlias(name: name, model: model)
            options.emit(
                Rendered(
                    json: .object(ModelsCommand.fields(alias) + [("changed", .bool(added))]),
                    table: added ? "Alias \(name) → \(model)." : "Alias \(name) already stands for \(model): nothing written."))
        }
    }

    struct Aliases: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the model aliases.")

        @OptionGroup var options: GlobalOptions

        func run() throws {
            let aliases = try options.openBooks().modelAliases()
            let cells: (ModelAlias) -> [String] = { [$0.name, $0.model] }
            options.emit(
                Rendered(
                    json: .object([("aliases", .array(aliases.map { .object(ModelsCommand.fields($0)) }))]),
                    table: aliases.isEmpty
                        ? "No model aliases yet: add one with `tokenledger models alias NAME MODEL`."
                        : Table(columns: ["name", "model"], rows: aliases.map(cells)).rendered(),
                    csv: Table(columns: ["name", "model"], rows: aliases.map(cells))))
        }
    }

    struct Unalias: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove the model alias NAME.", discussion: "Refused (exit 2, unknown_alias) when there is no such alias.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The alias's name.") var name: String

        func run() throws {
            try options.openBooks().removeModelAlias(name)
            options.emit(Rendered(json: .object([("name", .string(name)), ("removed", .bool(true))]), table: "Removed the alias \(name)."))
        }
    }
}
