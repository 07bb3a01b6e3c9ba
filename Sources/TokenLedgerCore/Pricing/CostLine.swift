/// One token class of a charge worked out: its tokens × its rate = its exact cost, and its share
/// of the recorded charge in whole nanodollars.
///
/// Why: a person auditing a charge (`tokenledger charges show`) reads how the cost came about,
/// class by class, the way a provider's bill lists its line items; the shares are those that
/// reconciliation and the FOCUS export use (``Cost/split(recorded:)``), so all three agree.
///
/// ```swift
/// let cost = Cost.of(usage, at: rates)
/// for line in cost.lines(of: usage, recorded: cost.total) { print(line.tokenClass, line.tokens, line.share) }
/// ```
public struct CostLine: Hashable, Sendable {
    public var tokenClass: TokenClass
    public var tokens: Int64
    /// The class's rate, in nanodollars per million tokens.
    public var rateNanosPerMillion: Int64
    /// `tokens × rate`, exactly, in femtodollars (1e-15 USD).
    public var exactFemtos: Int128
    /// The class's part of the recorded charge (the parts add up to it exactly).
    public var share: Money

    public init(tokenClass: TokenClass, tokens: Int64, rateNanosPerMillion: Int64, exactFemtos: Int128, share: Money) {
        self.tokenClass = tokenClass
        self.tokens = tokens
        self.rateNanosPerMillion = rateNanosPerMillion
        self.exactFemtos = exactFemtos
        self.share = share
    }

    /// The exact cost as decimal dollars with fifteen decimals, trailing zeros dropped but two
    /// kept (`0.0025`, `0.00`): what `tokens × rate` comes to before the charge is rounded.
    public var exactDollars: String { CostLine.dollars(femtos: exactFemtos) }

    /// Femtodollars as decimal dollars: fifteen decimals, or with `trimmed` trailing zeros
    /// dropped but two kept.
    public static func dollars(femtos: Int128, trimmed: Bool = true) -> String {
        let perDollar: Int128 = 1_000_000_000_000_000
        let sign = femtos < 0 ? "-" : ""
        let magnitude = femtos < 0 ? -femtos : femtos
        var fraction = String(magnitude % perDollar)
        fraction = String(repeating: "0", count: 15 - fraction.count) + fraction
        while trimmed, fraction.count > 2, fraction.hasSuffix("0") { fraction.removeLast() }
        return sign + String(magnitude / perDollar) + "." + fraction
    }
}

extension Cost {
    /// The charge worked out class by class, in ``TokenClass`` order: the four base classes
    /// always (with no tokens too, so that the lines show their rates), and each class billed
    /// apart that the usage has tokens of. `recorded` is the charge as the ledger holds it (equal
    /// to ``total`` unless the books disagree with their prices, which `verify` reports); the
    /// shares add up to it.
    public func lines(of usage: TokenUsage, recorded: Money) -> [CostLine] {
        let shares = split(recorded: recorded)
        return TokenClass.allCases.filter { TokenClass.base.contains($0) || $0.tokens(in: usage) > 0 }.map { tokenClass in
            CostLine(
                tokenClass: tokenClass, tokens: tokenClass.tokens(in: usage), rateNanosPerMillion: tokenClass.rate(in: rates) ?? 0,
                exactFemtos: femtos(of: tokenClass), share: shares[tokenClass] ?? .zero)
        }
    }
}
