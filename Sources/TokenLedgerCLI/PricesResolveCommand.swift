import ArgumentParser
import TokenLedger
import TokenLedgerCore

extension PricesCommand {
    struct Resolve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Explain how a model name as sent resolves to a price entry, and its prices in force.",
            discussion: """
                Tries, in order: the exact name, a user alias (`models alias`), the name with a provider \
                prefix stripped, a Bedrock id's model, a dated snapshot's family; stops at the first step \
                that finds a priced model. Refused (exit 2) as unknown_model when no step finds one, and as \
                ambiguous_model when one step finds two.
                """)

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The model name as a request sends it (e.g. openai/gpt-4o-2024-08-06).") var name: String
        @Option(help: "The time whose prices to show (ISO 8601, UTC; default now).", transform: Parse.time) var at: Timestamp?

        func run() throws {
            let ledger = try options.openBooks()
            let explanation = try ledger.explainModelName(name)
            let found: ModelResolution
            switch explanation.outcome {
            case .success(let resolution): found = resolution
            case .failure(.unknown): throw ChargeRefusal.unknownModel(name)
            case .failure(.ambiguous(_, let candidates)): throw ChargeRefusal.ambiguousModel(name, candidates: candidates)
            }
            let prices = try ledger.prices(model: found.model, at: at ?? now())
            let steps = explanation.attempts.map { attempt in
                [attempt.step.rawValue, attempt.candidates.isEmpty ? "-" : attempt.candidates.joined(separator: ", "), attempt.priced.joined(separator: ", ")]
            }
            let table = Table(columns: ["step", "looked up", "priced"], rows: steps).rendered()
            let rendered = PricesCommand.render(prices)
            options.emit(
                Rendered(
                    json: .object([
                        ("name", .string(name)), ("model", .string(found.model)), ("step", .string(found.step.rawValue)),
                        (
                            "steps",
                            .array(
                                explanation.attempts.map {
                                    .object([
                                        ("step", .string($0.step.rawValue)), ("candidates", .array($0.candidates.map(JSON.string))),
                                        ("priced", .array($0.priced.map(JSON.string))),
                                    ])
                                })
                        ),
                        ("prices", .array(prices.map(PricesCommand.json))),
                    ]),
                    table: "\(name) resolves to \(found.model) (\(found.step.rawValue)).\n\n\(table)\n\n\(rendered.table)"))
        }
    }
}
