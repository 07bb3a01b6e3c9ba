/// One request's usage to charge.
public struct ChargeRequest: Sendable {
    public var account: String
    public var model: String
    /// The tier the provider reports it used (billed as reported, not as requested).
    public var tier: ServiceTier
    public var inputTokens: Int64
    public var cachedTokens: Int64
    public var cacheWriteTokens: Int64
    public var outputTokens: Int64
    /// The parts of the input and output billed at rates of their own (1-hour cache writes,
    /// audio, images), within the counts above.
    public var breakdown: TokenBreakdown = .none
    public var project: String?
    public var apiKey: String?
    public var user: String?
    /// The request id: the idempotency key. Generated when nil.
    public var requestID: String?
    public var at: Timestamp
    /// Refuse rather than go below the overdraft allowance (a gateway asking before it serves).
    public var enforce: Bool
    /// How many requests the usage stands for: 1 for one request, more for an aggregated row
    /// (a Usage API bucket's `num_model_requests`). From 1 to ``maximumRequests``.
    public var requests: Int64 = 1
    /// Who served the request, as the caller or the import format says; the charge's provider
    /// is decided from it by ``Providers/charged(claim:sent:entryProvider:)``.
    public var provider: Providers.Claim? = nil

    /// The provider the caller or the format named, if one did.
    public var namedProvider: String? {
        if case .named(let name) = provider { return name }
        return nil
    }

    public init(
        account: String, model: String, tier: ServiceTier = .default, input: Int64, cached: Int64 = 0, cacheWrite: Int64 = 0,
        output: Int64, project: String? = nil, apiKey: String? = nil, user: String? = nil, requestID: String? = nil,
        at: Timestamp, enforce: Bool = false, requests: Int64 = 1, provider: Providers.Claim? = nil
    ) {
        self.account = account
        self.model = model
        self.tier = tier
        self.inputTokens = input
        self.cachedTokens = cached
        self.cacheWriteTokens = cacheWrite
        self.outputTokens = output
        self.project = project
        self.apiKey = apiKey
        self.user = user
        self.requestID = requestID
        self.at = at
        self.enforce = enforce
        self.requests = requests
        self.provider = provider
    }

    /// The most requests one charge may stand for.
    public static let maximumRequests: Int64 = 1_000_000_000

    /// The longest project, API key, user or request id accepted.
    public static let maximumAttributionLength = 256
}

extension ChargeRequest {
    /// The request's usage, once its token counts, attribution and request count are valid.
    ///
    /// Refuses, in this order: ``ChargeRefusal/invalidUsage(_:)`` (negative counts, cached,
    /// cache-write, audio and image tokens beyond the input or output), ``ChargeRefusal/invalidAttribution(field:reason:)``
    /// (an empty or over-long project, API key, user, id or model; a request count out of range).
    public func validatedUsage() throws(ChargeRefusal) -> TokenUsage {
        let usage: TokenUsage
        do throws(InvalidUsage) {
            usage = try TokenUsage.validated(
                input: inputTokens, cached: cachedTokens, cacheWrite: cacheWriteTokens, output: outputTokens, breakdown: breakdown)
        } catch { throw .invalidUsage(error) }
        if let refusal = attributionProblem() { throw refusal }
        guard (1...Self.maximumRequests).contains(requests) else {
            throw .invalidAttribution(field: "requests", reason: "must be from 1 to \(Self.maximumRequests) (got \(requests))")
        }
        return usage
    }

    /// The first problem with the request's attribution (project, API key, user, id, model,
    /// provider): empty, too long, or holding a NUL (``Names/problem(_:maximumLength:)``); a
    /// provider name outside ``Providers/problem(_:)``.
    public func attributionProblem() -> ChargeRefusal? {
        for (field, value) in [("project", project), ("api_key", apiKey), ("user", user), ("id", requestID)] {
            guard let value, let problem = Names.problem(value, maximumLength: Self.maximumAttributionLength) else { continue }
            return .invalidAttribution(field: field, reason: "it " + problem)
        }
        if let problem = Names.problem(model, maximumLength: PriceEntry.maximumModelNameLength) {
            return .invalidAttribution(field: "model", reason: "it " + problem)
        }
        if let provider = namedProvider, let problem = Providers.problem(provider) {
            return .invalidAttribution(field: "provider", reason: "it " + problem)
        }
        return nil
    }
}
