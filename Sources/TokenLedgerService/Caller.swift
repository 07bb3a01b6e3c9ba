import Foundation
import TokenLedger
import TokenLedgerCore

/// The API key of the request being answered (set by ``ServiceMiddleware`` once the key is
/// authenticated), and the checks every handler makes with it through the core's one access
/// rule (``Access``).
enum Caller {
    @TaskLocal static var key: APIKey?

    /// The account the key is limited to, if any.
    static var accountScope: String? { key?.account }

    /// Refuses unless the key may do `operation` (on `account`): 401 without a key, 403 with
    /// the refusal's code otherwise.
    static func require(_ operation: ServiceOperation, account: String? = nil) throws {
        guard let key else { throw Problem.unauthorized }
        if case .refused(let refusal) = Access.decide(key, operation, account: account) { throw refusal }
    }

    /// The account a listing over accounts covers (a monthly report, a FOCUS export): `account`
    /// as asked, or, for a key limited to one account that asked for none, that account (nil:
    /// every account). Refuses as ``require(_:account:)`` does.
    static func scope(_ operation: ServiceOperation, account: String?) throws -> String? {
        guard let key else { throw Problem.unauthorized }
        switch Access.decide(key, operation, account: account) {
        case .allowed: return account
        case .onlyAccount(let limit): return limit
        case .refused(let refusal): throw refusal
        }
    }
}

/// The keys presented to the service, authenticated against the ledger and kept for a second
/// (a revoked key stops working within a second), so that a request costs no read of the books.
final class KeyCache: Sendable {
    private struct Known {
        var key: APIKey?
        var until: ContinuousClock.Instant
    }

    private let books: any LedgerBooks
    private let known = Locked<[String: Known]>([:])
    /// How long an answer is kept.
    static let lifetime = Duration.seconds(1)
    /// The most secrets kept (the cache is emptied past it: a flood of made-up keys costs reads, not memory).
    static let capacity = 10_000

    init(books: any LedgerBooks) { self.books = books }

    /// The key whose secret is `secret`, or nil (unknown or revoked).
    func key(secret: String) async throws -> APIKey? {
        let now = ContinuousClock.now
        if let hit = known.withLock({ $0[secret] }), hit.until > now { return hit.key }
        let key = try await Blocking.run { [books] in try books.authenticate(secret: secret) }
        known.withLock { cache in
            if cache.count >= Self.capacity { cache.removeAll(keepingCapacity: true) }
            cache[secret] = Known(key: key, until: now + Self.lifetime)
        }
        return key
    }
}
