import Synchronization
import TokenLedger
import TokenLedgerCore

/// A payment method whose every payment fails.
struct FailingPaymentMethod: PaymentMethod {
    func pay(_ payment: RechargePayment) -> PaymentOutcome { .failed(reason: "card declined") }
}

/// A payment method that fails every other payment (the first fails), and counts the payments
/// it was asked for.
final class FlakyPaymentMethod: PaymentMethod {
    private let asked = Locked<[RechargePayment]>([])

    var payments: [RechargePayment] { asked.withLock { $0 } }

    func pay(_ payment: RechargePayment) -> PaymentOutcome {
        let count = asked.withLock { list in
            list.append(payment)
            return list.count
        }
        return count % 2 == 1 ? .failed(reason: "network timeout") : .succeeded
    }
}

/// Runs `body` with a new ledger priced with ``centModel`` and taking payments with `paymentMethod`.
func withCentLedger<T>(paymentMethod: any PaymentMethod = AcceptingPaymentMethod(), _ body: (LedgerFixture) throws -> T) throws -> T {
    try withScratchDirectory { directory in
        let path = directory.path()
        let ledger = try Ledger.open(at: path, create: true, paymentMethod: paymentMethod)
        try addCentModel(ledger)
        return try body(LedgerFixture(directory: directory, path: path, ledger: ledger, raw: try RawDatabase(path: path)))
    }
}
