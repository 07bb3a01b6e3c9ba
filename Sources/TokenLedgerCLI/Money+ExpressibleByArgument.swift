import ArgumentParser
import TokenLedgerCore

/// Amounts typed as options and arguments, in dollars as people type them: `12`, `12.5`,
/// `$12.50`, `0.000001234` (at most nine decimals, read as decimal text, never through a float).
///
/// Negative amounts are read too (`--overdraft -1`, with `parsing: .unconditional` on the
/// option, as `-1` would otherwise be taken for a flag), so that the rule that refuses them says
/// why. A value that is not an amount is refused by the parser, naming the option:
/// `The value 'ten' is invalid for '--overdraft <overdraft>'`, with the option's help.
/// (`Money` is declared in `TokenLedgerCore`, in this package, so the conformance is not
/// retroactive.)
extension Money: ExpressibleByArgument {
    public init?(argument: String) {
        guard let amount = try? Money(parsing: argument) else { return nil }
        self = amount
    }

    /// Defaults shown in help as people read amounts: `$100.00`.
    public var defaultValueDescription: String { displayString }
}
