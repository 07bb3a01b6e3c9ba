import Foundation
import TokenLedger
import TokenLedgerCore

/// An error answered as an RFC 9457 problem (`application/problem+json`): its HTTP status, the
/// stable code the CLI prints for the same error, and the message.
///
/// The one place where errors become statuses (the README's table): malformed input is 400,
/// a missing or bad key 401, a key without the right 403, an unknown account, model or
/// reservation 404, an id used with other content or a thing that exists 409, a body too large
/// 413, a rule's refusal 422, and the ledger file unusable (disk full, read-only, locked) or the
/// service busy 503. The CLI's exit codes map one to one: exit 1 is 400, exit 2 is 404, 409 or
/// 422, exit 4 is 503.
struct Problem: Error, Sendable, Equatable {
    var status: Int
    var code: String
    var detail: String
    /// The JSON field or parameter at fault, for malformed input.
    var field: String?
    /// The position of the refused charge in a batch.
    var index: Int?
    /// Seconds a client should wait before trying again (503).
    var retryAfter: Int?

    /// The short text of the status, the problem's title.
    var title: String {
        switch status {
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 409: "Conflict"
        case 413: "Content Too Large"
        case 422: "Unprocessable Content"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        default: "Error"
        }
    }

    /// The problem's JSON body.
    var json: Data {
        var object: [String: Any] = [
            "type": "https://tokenledger.dev/problems/\(code)", "title": title, "status": status, "code": code, "detail": detail,
        ]
        if let field { object["field"] = field }
        if let index { object["index"] = index }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }

    static func badInput(_ detail: String, field: String? = nil) -> Problem { Problem(status: 400, code: "bad_input", detail: detail, field: field) }
    static let unauthorized = Problem(
        status: 401, code: "unauthorized", detail: "a valid API key is needed: Authorization: Bearer KEY (make one with `tokenledger keys create`)")
    static func forbidden(_ detail: String) -> Problem { Problem(status: 403, code: "forbidden", detail: detail) }
    static func busy(retryAfter seconds: Int) -> Problem {
        Problem(status: 503, code: "busy", detail: "the service has more writes waiting than it takes; try again shortly", retryAfter: seconds)
    }
    static let stopping = Problem(status: 503, code: "stopping", detail: "the service is shutting down; try again on its next start", retryAfter: 1)

    /// The problem for an error thrown by the ledger or the service.
    init(_ error: any Error) {
        switch error {
        case let problem as Problem: self = problem
        case let batch as BatchRefusal:
            self = Problem(refusal: batch.refusal)
            detail = batch.message
            index = batch.index
        case let refusal as any Refusal: self = Problem(refusal: refusal)
        case let input as InputError: self = Problem.badInput(input.description, field: input.field)
        case let ledger as LedgerError:
            self = Problem(status: 503, code: ledger.kind.rawValue, detail: ledger.description, retryAfter: ledger.kind == .locked ? 1 : nil)
        default: self = Problem(status: 500, code: "internal", detail: "an unexpected error: \(error)")
        }
    }

    init(status: Int, code: String, detail: String, field: String? = nil, index: Int? = nil, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.detail = detail
        self.field = field
        self.index = index
        self.retryAfter = retryAfter
    }

    /// A refusal's status: by its code (see the type's comment).
    private init(refusal: any Refusal) {
        self.init(status: Self.status(refusalCode: refusal.code, isBadInput: refusal.isBadInput), code: refusal.code, detail: refusal.message)
    }

    /// The status of a refusal code.
    static func status(refusalCode code: String, isBadInput: Bool) -> Int {
        switch code {
        case "unknown_account", "unknown_model", "unknown_reservation", "unknown_key", "unknown_charge", "unknown_purchase": 404
        case "id_conflict", "account_exists", "price_exists", "reservation_settled", "reservation_voided", "reservation_expired": 409
        case "key_revoked": 401
        case "role_forbidden", "account_forbidden": 403
        case "context_window_exceeded": 422
        default: isBadInput ? 400 : 422
        }
    }
}
