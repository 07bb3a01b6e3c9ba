/// What an API key of the ledger service may do: `admin`, `gateway` or `reader`.
///
/// A gateway that bills requests needs a key that can charge but cannot hand out credit or
/// change prices; a dashboard needs one that can only read. ``Access/allows(_:_:)`` is the
/// table of what each role may do, the one place that says it.
public enum APIKeyRole: String, Sendable, Hashable, CaseIterable {
    /// Everything, the keys themselves included.
    case admin
    /// What a gateway in front of an LLM API needs: charge, reserve, settle, void, and read the
    /// balances, accounts and prices it decides with.
    case gateway
    /// Reads only: balances, accounts, prices, reports, statements, FOCUS exports,
    /// reconciliation, `verify` and the metrics.
    case reader

    /// The role named `name` (`admin`, `gateway`, `reader`), or nil.
    public init?(name: String) { self.init(rawValue: name) }
}
