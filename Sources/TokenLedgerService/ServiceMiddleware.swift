import Foundation
import HTTPTypes
import OpenAPIRuntime
import TokenLedger
import TokenLedgerCore

/// What every request goes through, around its generated handler: the body's size limit (the
/// upload limit for the routes that take a file, ``uploads``), the
/// API key (401 without a valid one, except for `/healthz` and the OpenAPI document), the
/// answer to any error as an RFC 9457 problem (``Problem``), and the metrics.
///
/// Keys are never logged and never echoed in a problem.
struct ServiceMiddleware: ServerMiddleware {
    let keys: KeyCache
    let metrics: ServiceMetrics
    /// The largest request body taken, in bytes.
    let maximumBodyBytes: Int
    /// The largest body of a route in ``uploads``, in bytes.
    let maximumUploadBytes: Int

    /// The operations anyone may call.
    static let open: Set<String> = [Operations.GetHealth.id, Operations.GetOpenAPIDocument.id]
    /// The operations whose body is a file, streamed to disk (``Upload``), bounded by
    /// ``maximumUploadBytes`` rather than ``maximumBodyBytes``.
    static let uploads: Set<String> = [Operations.ImportUsage.id, Operations.ImportPrices.id, Operations.Reconcile.id]

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let started = ContinuousClock.now
        var answer: (HTTPResponse, HTTPBody?)
        var refusal: String?
        do {
            let key = try await authenticate(request, operationID: operationID)
            let limit = Self.uploads.contains(operationID) ? maximumUploadBytes : maximumBodyBytes
            // An empty body without a content type is no body: `curl -X POST …/void` (the
            // generated code would read it as JSON and refuse it).
            let fields = request.headerFields
            let empty = body?.length == .known(0) || (fields[.contentLength] == nil && fields[.transferEncoding] == nil)
            let given = fields[.contentType] == nil && empty ? nil : body
            let limited = try Self.limit(given, to: limit)
            answer = try await Caller.$key.withValue(key) { try await next(request, limited, metadata) }
        } catch {
            let problem = Self.problem(error)
            if problem.status != 401 && problem.status != 403 && problem.status < 500 { refusal = problem.code }
            answer = problem.response
        }
        metrics.request(operation: operationID, status: answer.0.status.code, duration: ContinuousClock.now - started, refusal: refusal)
        return answer
    }

    /// The key of `Authorization: Bearer KEY`; nil for an open operation without one.
    private func authenticate(_ request: HTTPRequest, operationID: String) async throws -> APIKey? {
        try await authenticate(authorization: request.headerFields[.authorization], operationID: operationID)
    }

    /// The key of the `Authorization` header given; nil for an open operation without one.
    func authenticate(authorization header: String?, operationID: String) async throws -> APIKey? {
        if Self.open.contains(operationID) && header == nil { return nil }
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { throw Problem.unauthorized }
        // Spaces and tabs around the key (without Foundation's trimming, which costs a copy through NSString).
        var given = header.dropFirst(7)
        while let first = given.first, first == " " || first == "\t" { given = given.dropFirst() }
        while let last = given.last, last == " " || last == "\t" { given = given.dropLast() }
        let secret = String(given)
        guard !secret.isEmpty, secret.utf8.count <= 256, let key = try await keys.key(secret: secret) else { throw Problem.unauthorized }
        return key
    }

    /// The body, refused at once when its length is known to pass the limit, else counted as it
    /// is read and cut with 413 when it passes.
    private static func limit(_ body: HTTPBody?, to limit: Int) throws -> HTTPBody? {
        guard let body else { return nil }
        let tooLarge = Problem(status: 413, code: "too_large", detail: "the body is larger than the \(limit) bytes this route takes", field: nil)
        if case .known(let length) = body.length, length > limit { throw tooLarge }
        let counter = Locked(0)
        let counted = body.map { chunk -> ArraySlice<UInt8> in
            let total = counter.withLock { count -> Int in
                count += chunk.count
                return count
            }
            if total > limit { throw tooLarge }
            return chunk
        }
        return HTTPBody(counted, length: body.length, iterationBehavior: body.iterationBehavior)
    }

    /// The problem for what a handler, or the generated code reading the request, threw.
    static func problem(_ error: any Error) -> Problem {
        guard let server = error as? ServerError else { return Problem(error) }
        var cause: any Error = server.underlyingError
        // The generated code wraps what the body or a decoder threw; look for ours inside.
        for _ in 0..<4 {
            if cause is Problem || cause is any Refusal || cause is InputError || cause is LedgerError { return Problem(cause) }
            if let decoding = cause as? DecodingError { return Self.problem(decoding) }
            let mirror = Mirror(reflecting: cause)
            guard let inner = mirror.children.compactMap({ $0.value as? any Error }).first else { break }
            cause = inner
        }
        // Anything else went wrong reading the request (a missing body, another content type).
        return Problem.badInput(server.causeDescription)
    }

    /// A JSON body that does not decode: 400 naming the field.
    private static func problem(_ error: DecodingError) -> Problem {
        func path(_ keys: [any CodingKey]) -> String? {
            let names = keys.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
            let trimmed = names.hasPrefix(".") ? String(names.dropFirst()) : names
            return trimmed.isEmpty ? nil : trimmed
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return Problem.badInput("\(field ?? key.stringValue): missing", field: field)
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let field = path(context.codingPath)
            return Problem.badInput("\(field.map { $0 + ": " } ?? "")\(context.debugDescription)", field: field)
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            return Problem.badInput("\(field.map { $0 + ": " } ?? "the body is not valid JSON: ")\(context.debugDescription)", field: field)
        @unknown default:
            return Problem.badInput("the body could not be read: \(error)")
        }
    }
}

extension Problem {
    /// The HTTP response: `application/problem+json`, with `Retry-After` when given.
    var response: (HTTPResponse, HTTPBody?) {
        var response = HTTPResponse(status: .init(code: status))
        response.headerFields[.contentType] = "application/problem+json"
        if let retryAfter { response.headerFields[.retryAfter] = String(retryAfter) }
        return (response, HTTPBody(json))
    }
}
