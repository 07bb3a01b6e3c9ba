import Foundation
import OpenAPIRuntime
import TokenLedger
import TokenLedgerCore

/// The service's handlers: each reads its input, checks the caller's key (``Access``), turns
/// the request into the library's, and answers with the receipt. Writes go through the group
/// commit (``GroupCommit``); reads run on a thread of their own (``Blocking``). Errors are
/// thrown and answered as problems by ``ProblemMiddleware``: no handler builds an error response.
struct LedgerAPI: APIProtocol {
    /// The books served: a ledger file or a PostgreSQL database.
    let books: any LedgerBooks
    /// The ledger file, when the books are one: uploads are written beside it.
    let file: Ledger?
    let writer: GroupCommit
    let metrics: ServiceMetrics
    /// The OpenAPI document, as served at `GET /openapi.yaml`.
    static let document = Data(PackageResources.openapi_yaml)

    // MARK: Service

    func getHealth(_ input: Operations.GetHealth.Input) async throws -> Operations.GetHealth.Output {
        _ = try await Blocking.run { [books] in try books.schemaVersion() }
        return .ok(.init(body: .json(.init(status: .ok, ledger: books.place))))
    }

    func getOpenAPIDocument(_ input: Operations.GetOpenAPIDocument.Input) async throws -> Operations.GetOpenAPIDocument.Output {
        .ok(.init(body: .yaml(HTTPBody(Self.document))))
    }

    func getMetrics(_ input: Operations.GetMetrics.Input) async throws -> Operations.GetMetrics.Output {
        try Caller.require(.readMetrics)
        // The service's own figures, then the books' (balances, totals, events, deliveries).
        var text = metrics.exposition()
        text += ServiceMetrics.exposition(of: try await Blocking.run { [books] in try books.financeFigures(top: ServiceMetrics.topAccounts) })
        return .ok(.init(body: .plainText(HTTPBody(text))))
    }

    // MARK: Accounts

    func createAccount(_ input: Operations.CreateAccount.Input) async throws -> Operations.CreateAccount.Output {
        guard case .json(let body) = input.body else { throw Problem.badInput("expected a JSON body") }
        try Caller.require(.createAccount, account: body.account)
        let request = NewAccount(
            name: body.account, maximumPurchase: try Wire.optionalMoney(body.maxPurchaseUsd, field: "max_purchase_usd") ?? Credits.defaultMaximumPurchase,
            overdraftAllowance: try Wire.optionalMoney(body.overdraftUsd, field: "overdraft_usd") ?? .zero, at: try Wire.time(body.at, field: "at"))
        let (account, replayed) = try await writer.submit(locking: GroupLocks(accounts: [body.account])) { ledger -> (Account, Bool) in
            do {
                return (try ledger.createAccount(request), false)
            } catch AccountRefusal.accountExists(let name) {
                // A retry of the same creation answers as the creation did; other settings are a conflict.
                guard let existing = try ledger.account(named: name), existing.maximumPurchase == request.maximumPurchase,
                    existing.overdraftAllowance == request.overdraftAllowance
                else { throw AccountRefusal.accountExists(name) }
                return (existing, true)
            }
        }
        return .created(.init(headers: .init(idempotentReplayed: Self.replayed(replayed)), body: .json(Wire.account(account))))
    }

    func listAccounts(_ input: Operations.ListAccounts.Input) async throws -> Operations.ListAccounts.Output {
        try Caller.require(.listAccounts)
        let scope = Caller.accountScope
        let accounts = try await Blocking.run { [books] in try books.accounts() }.filter { scope == nil || $0.name == scope }
        return .ok(.init(body: .json(.init(accounts: accounts.map(Wire.account)))))
    }

    func getAccount(_ input: Operations.GetAccount.Input) async throws -> Operations.GetAccount.Output {
        let name = input.path.account
        try Caller.require(.readAccount, account: name)
        guard let account = try await Blocking.run({ [books] in try books.account(named: name) }) else { throw ChargeRefusal.unknownAccount(name) }
        return .ok(.init(body: .json(Wire.account(account))))
    }

    func getBalance(_ input: Operations.GetBalance.Input) async throws -> Operations.GetBalance.Output {
        let name = input.path.account
        try Caller.require(.readBalance, account: name)
        let time = try Wire.time(input.query.at, field: "at")
        let report = try await Blocking.run { [books] in try books.balance(of: name, at: time) }
        return .ok(.init(body: .json(Wire.balance(report))))
    }

    // MARK: Credits

    func createPurchase(_ input: Operations.CreatePurchase.Input) async throws -> Operations.CreatePurchase.Output {
        guard case .json(let body) = input.body else { throw Problem.badInput("expected a JSON body") }
        let name = input.path.account
        try Caller.require(.purchase, account: name)
        let request = PurchaseRequest(
            account: name, amount: try Wire.money(body.amountUsd, field: "amount_usd"), at: try Wire.time(body.at, field: "at"),
            id: try Wire.id(header: input.headers.idempotencyKey, body: body.id))
        let receipt = try await writer.submit(locking: GroupLocks(accounts: [name])) { try $0.purchase(request) }
        return .created(.init(headers: .init(idempotentReplayed: Self.replayed(receipt.duplicate)), body: .json(Wire.credit(receipt))))
    }

    func createGrant(_ input: Operations.CreateGrant.Input) async throws -> Operations.CreateGrant.Output {
        guard case .json(let body) = input.body else { throw Problem.badInput("expected a JSON body") }
        let name = input.path.account
        try Caller.require(.grant, account: name)
        let request = GrantRequest(
            account: name, amount: try Wire.money(body.amountUsd, field: "amount_usd"), at: try Wire.time(body.at, field: "at"),
            expiresAt: try Wire.optionalTime(body.expiresAt, field: "expires_at"), id: try Wire.id(header: input.headers.idempotencyKey, body: body.id))
        let receipt = try await writer.submit(locking: GroupLocks(accounts: [name])) { try $0.grant(request) }
        return .created(.init(headers: .init(idempotentReplayed: Self.replayed(receipt.duplicate)), body: .json(Wire.credit(receipt))))
    }

    // MARK: Charges

    func createCharge(_ input: Operations.CreateCharge.Input) async throws -> Operations.CreateCharge.Output {
        guard case .json(let body) = input.body else { throw Problem.badInput("expected a JSON body") }
        let receipt = try await charge(body, idempotencyKey: input.headers.idempotencyKey)
        return .created(.init(headers: .init(idempotentReplayed: Self.replayed(receipt.duplicate)), body: .json(Wire.charge(receipt))))
    }

    /// `POST /v1/charges` once its body is read (by the generated code or ``PlainRoutes``).
    func charge(_ body: Components.Schemas.NewCharge, idempotencyKey: String?) async throws -> ChargeReceipt {
        try Caller.require(.charge, account: body.account)
        let request = try Self.charge(body, id: try Wire.id(header: idempotencyKey, body: body.id))
        return try await writer.submit(locking: GroupLocks(accounts: [request.account])) { try $0.charge(request) }
    }

    func createChargeBatch(_ input: Operations.CreateChargeBatch.Input) async throws -> Operations.CreateChargeBatch.Output {
        guard case .json(let body) = input.body else { throw Problem.badInput("expected a JSON body") }
        return .created(.init(body: .json(try await chargeBatch(body))))
    }

    /// `POST /v1/charges/batch` once its body is read (by the generated code or ``PlainRoutes``).
    func chargeBatch(_ body: Components.Schemas.NewChargeBatch) async throws -> Components.Schemas.ChargeBatchReceipt {
        guard !body.charges.isEmpty else { throw Problem.badInput("a batch holds 1 to \(Self.batchLimit) charges", field: "charges") }
        guard body.charges.count <= Self.batchLimit else {
            throw Problem(
                status: 413, code: "too_large", detail: "a batch holds at most \(Self.batchLimit) charges (got \(body.charges.count))", field: "charges")
        }
        var requests: [ChargeRequest] = []
        requests.reserveCapacity(body.charges.count)
        for (index, charge) in body.charges.enumerated() {
            do {
                try Caller.require(.charge, account: charge.account)
                requests.append(try Self.charge(charge, id: charge.id))
            } catch var problem as Problem {
                problem.index = index
                if let field = problem.field { problem.field = "charges[\(index)].\(field)" }
                throw problem
            }
        }
        let work = requests
        let receipts = try await writer.submit(weight: work.count, locking: GroupLocks(accounts: Set(work.map(\.account)))) { try $0.charge(all: work) }
        let total = receipts.reduce(Money.zero) { $0 + $1.cost }
        return .init(charges: receipts.map(Wire.charge), costUsd: total.decimalString)
    }

    /// The most charges one batch request holds.
    static let batchLimit = 10_000

    static func charge(_ body: Components.Schemas.NewCharge, id: String?) throws -> ChargeRequest {
        var request = ChargeRequest(
            account: body.account, model: body.model, tier: Wire.tier(body.tier), input: body.inputTokens, cached: body.cachedTokens ?? 0,
            cacheWrite: body.cacheWriteTokens ?? 0, output: body.outputTokens, project: body.project, apiKey: body.apiKey, user: body.user, requestID: id,
            at: try Wire.time(body.at, field: "at"), enforce: body.enforce ?? false, provider: body.provider.map(Providers.Claim.named))
        request.breakdown = TokenBreakdown(
            cacheWrite1h: body.cacheWrite1hTokens ?? 0, inputAudio: body.inputAudioTokens ?? 0, inputImage: body.inputImageTokens ?? 0,
            outputAudio: body.outputAudioTokens ?? 0, outputImage: body.outputImageTokens ?? 0)
        if let requests = body.requests {
            guard requests >= 1 else { throw Problem.badInput("requests must be at least 1 (got \(requests))", field: "requests") }
            request.requests = requests
        }
        return request
    }

    // MARK: Reservations

    func createReservation(_ input: Operations.CreateReservation.Input) async throws -> Operations.CreateReservation.Output {
        guard case .json(let body) = input.body else { throw Problem.badInput("expected a JSON body") }
        let reservation = try await reserve(body, idempotencyKey: input.headers.idempotencyKey)
        return .created(.init(headers: .init(idempotentReplayed: Self.replayed(reservation.duplicate)), body: .json(Wire.reservation(reservation))))
    }

    /// `POST /v1/reservations` once its body is read (by the generated code or ``PlainRoutes``).
    func reserve(_ body: Components.Schemas.NewReservation, idempotencyKey: String?) async throws -> Reservation {
        try Caller.require(.reserve, account: body.account)
        let request = ReservationRequest(
            account: body.account, model: body.model, tier: Wire.tier(body.tier), input: body.inputTokens, maxOutput: body.maxOutputTokens,
            project: body.project, apiKey: body.apiKey, user: body.user, id: try Wire.id(header: idempotencyKey, body: body.id),
            at: try Wire.time(body.at, field: "at"), expiresInSeconds: body.expiresInSeconds ?? ReservationRequest.defaultExpirySeconds)
        return try await writer.submit(locking: GroupLocks(accounts: [request.account])) { try $0.reserve(request) }
    }

    func getReservation(_ input: Operations.GetReservation.Input) async throws -> Operations.GetReservation.Output {
        let id = input.path.reservation
        let reservation = try await reservation(id, for: .readBalance)
        guard let reservation else { throw ReservationCloseRefusal.unknownReservation(id) }
        return .ok(.init(body: .json(Wire.reservation(reservation))))
    }

    func settleReservation(_ input: Operations.SettleReservation.Input) async throws -> Operations.SettleReservation.Output {
        guard case .json(let body) = input.body else { throw Problem.badInput("expected a JSON body") }
        let receipt = try await settle(body, reservation: input.path.reservation, idempotencyKey: input.headers.idempotencyKey)
        return .ok(.init(headers: .init(idempotentReplayed: Self.replayed(receipt.duplicate)), body: .json(Wire.settle(receipt))))
    }

    /// `POST /v1/reservations/{reservation}/settle` once its body is read (by the generated code or ``PlainRoutes``).
    func settle(_ body: Components.Schemas.Settlement, reservation id: String, idempotencyKey: String?) async throws -> SettleReceipt {
        try await requireReservationAccess(.settle, id: id)
        let request = SettleRequest(
            reservation: id, id: try Wire.id(header: idempotencyKey, body: body.id), input: body.inputTokens,
            cached: body.cachedTokens ?? 0, cacheWrite: body.cacheWriteTokens ?? 0, output: body.outputTokens, at: try Wire.time(body.at, field: "at"),
            provider: body.provider,
            breakdown: TokenBreakdown(
                cacheWrite1h: body.cacheWrite1hTokens ?? 0, inputAudio: body.inputAudioTokens ?? 0, inputImage: body.inputImageTokens ?? 0,
                outputAudio: body.outputAudioTokens ?? 0, outputImage: body.outputImageTokens ?? 0))
        return try await writer.submit(locking: GroupLocks(reservations: [id])) { try $0.settle(request) }
    }

    func voidReservation(_ input: Operations.VoidReservation.Input) async throws -> Operations.VoidReservation.Output {
        var body: Components.Schemas.Voiding?
        if case .json(let given) = input.body { body = given }
        let id = input.path.reservation
        try await requireReservationAccess(.void, id: id)
        let request = VoidRequest(
            reservation: id, id: try Wire.id(header: input.headers.idempotencyKey, body: body?.id), at: try Wire.time(body?.at, field: "at"))
        let reservation = try await writer.submit(locking: GroupLocks(reservations: [id])) { try $0.void(request) }
        return .ok(.init(headers: .init(idempotentReplayed: Self.replayed(reservation.duplicate)), body: .json(Wire.reservation(reservation))))
    }

    /// The reservation `id`, once the key may `operation` its account (a key limited to an
    /// account finds only that account's reservations: another's is as unknown to it).
    private func reservation(_ id: String, for operation: ServiceOperation) async throws -> Reservation? {
        guard Caller.key != nil else { throw Problem.unauthorized }
        let found = try await Blocking.run { [books] in try books.reservation(id: id) }
        if let scope = Caller.accountScope, found?.account != scope { throw ReservationCloseRefusal.unknownReservation(id) }
        try Caller.require(operation, account: found?.account ?? Caller.accountScope)
        return found
    }

    /// Checks the key may `operation` the reservation's account before a settle or void.
    private func requireReservationAccess(_ operation: ServiceOperation, id: String) async throws {
        if Caller.accountScope == nil, let key = Caller.key, Access.allows(key.role, operation) { return }
        _ = try await reservation(id, for: operation)
    }

    // MARK: Prices and books

    func listPrices(_ input: Operations.ListPrices.Input) async throws -> Operations.ListPrices.Output {
        try Caller.require(.listPrices)
        let model = input.query.model
        let entries = try await Blocking.run { [books] in try books.prices(model: model, at: nil) }
        return .ok(.init(body: .json(.init(prices: entries.map(Wire.price)))))
    }

    func verifyLedger(_ input: Operations.VerifyLedger.Input) async throws -> Operations.VerifyLedger.Output {
        try Caller.require(.verify)
        let report = try await Blocking.run { [books] in try books.verify() }
        return .ok(
            .init(
                body: .json(
                    .init(
                        ok: report.ok, transfers: Int64(report.transfers), accounts: Int64(report.accounts), charges: Int64(report.usages),
                        problems: report.problems))))
    }

    /// The `Idempotent-Replayed` header: `true` for a retry answered with the original result.
    static func replayed(_ duplicate: Bool) -> String? { duplicate ? "true" : nil }
}

/// Blocking ledger calls, off the threads that run the service's tasks (SQLite's calls block).
enum Blocking {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }
}
