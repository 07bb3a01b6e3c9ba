import GRDB
import TokenLedgerCore

/// A user's model alias: a name as sent (an Azure deployment, a gateway's route) and the priced
/// model it stands for. ``ModelResolver`` consults aliases after the exact price-book key.
public struct ModelAlias: Sendable, Hashable, Codable {
    public var name: String
    public var model: String

    public init(name: String, model: String) {
        self.name = name
        self.model = model
    }
}

extension Ledger {
    /// Maps the name as sent `name` to the priced `model`, replacing the alias's earlier model.
    /// Returns false when the alias already stood for `model` (nothing written).
    ///
    /// Throws ``ModelAliasRefusal/invalidName(_:)`` for an empty or over-long name and
    /// ``ModelAliasRefusal/unknownModel(_:)`` for a model without prices.
    @discardableResult
    public func setModelAlias(_ name: String, model: String) throws -> Bool {
        try Ledger.checkAliasName(name)
        return try write { db in try Ledger.setModelAlias(name, model: model, db: db) }
    }

    /// Refuses an empty or over-long alias name (``ModelAliasRefusal/invalidName(_:)``).
    package static func checkAliasName(_ name: String) throws {
        if let problem = Names.problem(name, maximumLength: PriceEntry.maximumModelNameLength) { throw ModelAliasRefusal.invalidName("the name " + problem) }
    }

    /// ``setModelAlias(_:model:)`` inside the store's transaction (the name checked).
    package static func setModelAlias(_ name: String, model: String, db: some BooksWriter) throws -> Bool {
        guard try db.count("SELECT count(*) FROM price_entry WHERE model = ?", sqlValues(model)) > 0 else { throw ModelAliasRefusal.unknownModel(model) }
        if try db.first("SELECT model FROM model_alias WHERE name = ?", sqlValues(name)).map({ $0["model"] as String }) == model { return false }
        try db.perform("INSERT INTO model_alias (name, model) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET model = excluded.model", sqlValues(name, model))
        return true
    }

    /// Removes the alias `name`; throws ``ModelAliasRefusal/unknownAlias(_:)`` when there is none.
    public func removeModelAlias(_ name: String) throws {
        try write { db in try Ledger.removeModelAlias(name, db: db) }
    }

    /// ``removeModelAlias(_:)`` inside the store's transaction.
    package static func removeModelAlias(_ name: String, db: some BooksWriter) throws {
        guard try !db.select("DELETE FROM model_alias WHERE name = ? RETURNING name", sqlValues(name)).isEmpty else {
            throw ModelAliasRefusal.unknownAlias(name)
        }
    }

    /// Every alias, by name.
    public func modelAliases() throws -> [ModelAlias] {
        try read { db in try Ledger.modelAliases(db: db) }
    }

    /// ``modelAliases()`` over either store.
    package static func modelAliases(db: some BooksReader) throws -> [ModelAlias] {
        try db.select("SELECT name, model FROM model_alias ORDER BY name").map { ModelAlias(name: $0["name"], model: $0["model"]) }
    }
}

/// How a model name as sent resolves: each step tried (``ModelResolver/attempts(_:isPriced:alias:)``)
/// and the entry found, or why none.
public struct ModelNameExplanation: Sendable {
    public var attempts: [ModelResolutionAttempt]
    public var outcome: Result<ModelResolution, ModelResolutionFailure>
}

extension Ledger {
    /// Explains how `name` resolves over the ledger's priced models and aliases, as a charge
    /// resolves it (`tokenledger prices resolve`).
    public func explainModelName(_ name: String) throws -> ModelNameExplanation {
        try read { db in try Ledger.explainModelName(name, db: db) }
    }

    /// ``explainModelName(_:)`` over either store.
    package static func explainModelName(_ name: String, db: some BooksReader) throws -> ModelNameExplanation {
        let names = try ModelNames.read(db: db)
        return ModelNameExplanation(
            attempts: ModelResolver.attempts(name, isPriced: { names.priced.contains($0) }, alias: { names.aliases[$0] }), outcome: names.resolve(name))
    }
}
