/// One thing the ledger service does for a request, as far as permissions go.
///
/// The server names the operation of every route (a batch of charges is `charge`, a usage
/// upload `importUsage`) and asks ``Access/decide(_:_:account:)`` before running it.
public enum ServiceOperation: String, Sendable, Hashable, CaseIterable {
    case createAccount
    case listAccounts
    case readAccount
    case purchase
    case grant
    case charge
    case reserve
    case settle
    case void
    case readBalance
    case listPrices
    case setPrices
    case importPrices
    case importUsage
    case report
    case statement
    case reconcile
    case exportFocus
    /// Charges listed or one worked out (`tokenledger charges`).
    case listCharges
    /// An account's journal (`tokenledger journal`).
    case readJournal
    case verify
    case readMetrics
    case manageKeys
    case listEvents

    /// How the operation relates to accounts, which decides what a key limited to one
    /// account may do with it.
    public enum AccountScope: Sendable, Hashable {
        /// About exactly one account, which the request names (settle and void: the account
        /// of the reservation).
        case oneAccount
        /// Over all accounts, or one when the request names it: a limited key gets its own only.
        case accounts
        /// About no account and revealing none: the price catalog.
        case shared
        /// About the whole ledger (new accounts, prices, reconciliation, `verify`, metrics,
        /// keys): never for a limited key.
        case wholeLedger
    }

    /// How the operation relates to accounts.
    public var accountScope: AccountScope {
        switch self {
        case .readAccount, .purchase, .grant, .charge, .reserve, .settle, .void, .readBalance, .statement, .importUsage, .readJournal: .oneAccount
        case .listAccounts, .report, .exportFocus, .listCharges, .listEvents: .accounts
        case .listPrices: .shared
        case .createAccount, .setPrices, .importPrices, .reconcile, .verify, .readMetrics, .manageKeys: .wholeLedger
        }
    }
}
