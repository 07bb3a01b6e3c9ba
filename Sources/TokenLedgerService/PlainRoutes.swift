import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OpenAPIRuntime

/// The routes a gateway calls on every request (a charge, a batch of charges, a reservation and
/// its settle), answered without the generated code's conversions when the request is plain:
/// a JSON body of known length, of the plain shape (``PlainJSON``), that reads as the route's
/// schema (``PlainWire``). Everything else about the request is as on the generated path, and
/// is the same code: the key (``ServiceMiddleware/authenticate(_:operationID:)``), the handler
/// (``LedgerAPI``), the problems and the metrics. Any other request (another route, another
/// body, another content type or `Accept`) goes on to the generated code unchanged.
///
/// Why: on two cores, the generated path's conversions (the body as an async sequence of
/// arrays, `JSONDecoder`, `JSONEncoder`, pretty-printing) cost more than the ledger's own work
/// for a charge (`scripts/load-service`, README "The service under load").
struct PlainRoutes<Context: RequestContext>: RouterMiddleware {
    let api: LedgerAPI
    let middleware: ServiceMiddleware

    /// A route answered here, and how its body is read and its answer written.
    private enum Route {
        case charge, chargeBatch, reserve
        case settle(reservation: String)

        var operationID: String {
            switch self {
            case .charge: Operations.CreateCharge.id
            case .chargeBatch: Operations.CreateChargeBatch.id
            case .reserve: Operations.CreateReservation.id
            case .settle: Operations.SettleReservation.id
            }
        }

        init?(path: String) {
            switch path {
            case "/v1/charges": self = .charge
            case "/v1/charges/batch": self = .chargeBatch
            case "/v1/reservations": self = .reserve
            default:
                // `/v1/reservations/{id}/settle`, an id that needs no percent-decoding.
                let prefix = "/v1/reservations/"
                let suffix = "/settle"
                guard path.hasPrefix(prefix), path.hasSuffix(suffix), path.utf8.count > prefix.utf8.count + suffix.utf8.count else { return nil }
                let id = path.dropFirst(prefix.utf8.count).dropLast(suffix.utf8.count)
                guard !id.contains(where: { $0 == "/" || $0 == "%" || $0 == "+" || $0 == "?" }) else { return nil }
                self = .settle(reservation: String(id))
            }
        }
    }

    /// A request's body, read as its route's schema.
    private enum Body {
        case charge(Components.Schemas.NewCharge)
        case chargeBatch(Components.Schemas.NewChargeBatch)
        case reserve(Components.Schemas.NewReservation)
        case settle(Components.Schemas.Settlement, reservation: String)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post, let route = Route(path: request.uri.path), let headers = PlainHeaders(request.headers),
            let length = headers.contentLength, length > 0, length <= middleware.maximumBodyBytes
        else { return try await next(request, context) }
        // Timed from before the body is read, as the generated path's requests are.
        let started = ContinuousClock.now
        var request = request
        let buffer = try await request.collectBody(upTo: length)
        let read: Body? = buffer.withUnsafeReadableBytes { bytes in
            switch route {
            case .charge: PlainJSON.object(bytes).flatMap(PlainWire.charge).map(Body.charge)
            case .chargeBatch: PlainJSON.objects(inField: "charges", of: bytes).flatMap(PlainWire.chargeBatch).map(Body.chargeBatch)
            case .reserve: PlainJSON.object(bytes).flatMap(PlainWire.reservation).map(Body.reserve)
            case .settle(let id): PlainJSON.object(bytes).flatMap(PlainWire.settlement).map { Body.settle($0, reservation: id) }
            }
        }
        // Not plain: the generated code reads the body (collected, so it reads it again).
        guard let read else { return try await next(request, context) }
        let operationID = route.operationID
        let response: Response
        var refusal: String?
        do {
            let key = try await middleware.authenticate(authorization: headers.authorization, operationID: operationID)
            response = try await Caller.$key.withValue(key) { try await answer(read, idempotencyKey: headers.idempotencyKey) }
        } catch {
            let problem = ServiceMiddleware.problem(error)
            if problem.status != 401 && problem.status != 403 && problem.status < 500 { refusal = problem.code }
            let head = problem.response.0
            response = Response(status: head.status, headers: head.headerFields, body: .init(byteBuffer: ByteBuffer(data: problem.json)))
        }
        middleware.metrics.request(operation: operationID, status: response.status.code, duration: ContinuousClock.now - started, refusal: refusal)
        return response
    }

    private func answer(_ body: Body, idempotencyKey: String?) async throws -> Response {
        var writer = PlainJSONWriter()
        let status: HTTPResponse.Status
        var replayed = false
        switch body {
        case .charge(let charge):
            let receipt = try await api.charge(charge, idempotencyKey: idempotencyKey)
            writer.write(Wire.charge(receipt))
            (status, replayed) = (.created, receipt.duplicate)
        case .chargeBatch(let batch):
            writer = PlainJSONWriter(capacity: 700 * batch.charges.count + 64)
            writer.write(try await api.chargeBatch(batch))
            status = .created
        case .reserve(let reservation):
            let made = try await api.reserve(reservation, idempotencyKey: idempotencyKey)
            writer.write(Wire.reservation(made))
            (status, replayed) = (.created, made.duplicate)
        case .settle(let settlement, let id):
            let receipt = try await api.settle(settlement, reservation: id, idempotencyKey: idempotencyKey)
            writer.write(Wire.settle(receipt))
            (status, replayed) = (.ok, receipt.duplicate)
        }
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if replayed { headers[HTTPField.Name.idempotentReplayed] = "true" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: writer.bytes)))
    }

}

/// The headers the plain routes read, in one pass over the request's (the fields' subscript
/// searches them again for each name and joins repeated ones): nil when the request is not
/// plain: a content type other than JSON (none is read as JSON, as by the generated code), an
/// `Accept` that is not JSON, or one of these fields given twice.
private struct PlainHeaders {
    var contentLength: Int?
    var authorization: String?
    var idempotencyKey: String?

    init?(_ fields: HTTPFields) {
        var seen = (type: false, accept: false, length: false, authorization: false, key: false)
        for field in fields {
            switch field.name {
            case .contentType:
                guard !seen.type, field.value == "application/json" || field.value.lowercased() == "application/json; charset=utf-8" else { return nil }
                seen.type = true
            case .accept:
                guard !seen.accept, field.value == "*/*" || field.value == "application/json" else { return nil }
                seen.accept = true
            case .contentLength:
                guard !seen.length else { return nil }
                (seen.length, contentLength) = (true, Int(field.value))
            case .authorization:
                guard !seen.authorization else { return nil }
                (seen.authorization, authorization) = (true, field.value)
            case .idempotencyKey:
                guard !seen.key else { return nil }
                (seen.key, idempotencyKey) = (true, field.value)
            default: continue
            }
        }
    }
}

extension HTTPField.Name {
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
}
