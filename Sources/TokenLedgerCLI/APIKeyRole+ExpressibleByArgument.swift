import ArgumentParser
import TokenLedgerCore

/// Roles typed as arguments: `admin`, `gateway`, `reader`; another word is refused by the
/// parser, naming the three. (`APIKeyRole` is declared in `TokenLedgerCore`, in this package,
/// so the conformance is not retroactive.)
extension APIKeyRole: ExpressibleByArgument {}
