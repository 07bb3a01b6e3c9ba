import Foundation
import Testing
import TokenLedger
import TokenLedgerCore
import TokenLedgerService

/// The service end to end: a real server on loopback, a real HTTP client, the ledger's file.
@Suite("Service: routes, keys, idempotency, problems")
struct ServiceTests {
    @Test("the walkthrough: an account, a purchase, charges, a retry answered with the original response, a reservation settled")
    func walkthrough() async throws {
        let service = try await ServiceHarness.start()
        defer { Task { await service.stop() } }
        let account = try await service.post("/v1/accounts", #"{"account": "acme", "at": "2026-01-01T00:00:00Z"}"#, key: service.admin)
        #expect(account.status == 201 && account.string("balance_usd") == "0.000000000")
        let purchase = try await service.post(
            "/v1/accounts/acme/purchases", #"{"amount_usd": "20.00", "at": "2026-01-01T00:00:00Z"}"#, key: service.admin,
            headers: [("Idempotency-Key", "pay-1")])
        #expect(purchase.status == 201 && purchase.string("id") == "pay-1" && purchase.string("balance_usd") == "20.000000000")
        let charge = #"{"account": "acme", "model": "gpt-4o", "input_tokens": 1000, "output_tokens": 100, "at": "2026-01-02T00:00:00Z"}"#
        let first = try await service.post("/v1/charges", charge, key: service.gateway, headers: [("Idempotency-Key", "req-1")])
        #expect(first.status == 201 && first.string("cost_usd") == "0.003500000" && first.string("balance_usd") == "19.996500000")
        #expect(first.headers["Idempotent-Replayed"].isEmpty)
        // The same key and body: the original response, status and body, marked as replayed.
        let again = try await service.post("/v1/charges", charge, key: service.gateway, headers: [("Idempotency-Key", "req-1")])
        #expect(again.status == 201 && again.body == first.body && again.headers["Idempotent-Replayed"] == ["true"])
        // The same key with another body: 409 id_conflict, nothing written.
        let other = charge.replacingOccurrences(of: "1000", with: "2000")
        let conflict = try await service.post("/v1/charges", other, key: service.gateway, headers: [("Idempotency-Key", "req-1")])
        #expect(conflict.status == 409 && conflict.string("code") == "id_conflict")
        #expect(conflict.headers["Content-Type"] == ["application/problem+json"])
        let balance = try await service.get("/v1/accounts/acme/balance?at=2026-01-03T00:00:00Z", key: service.gateway)
        #expect(balance.status == 200 && balance.string("balance_usd") == "19.996500000" && balance.string("month_to_date_usd") == "0.003500000")
        // A reservation held, settled for less, and the settle retried.
        let hold = try await service.post(
            "/v1/reservations",
            #"{"account": "acme", "model": "gpt-4o", "input_tokens": 1000, "max_output_tokens": 500, "id": "r-1", "at": "2026-01-02T01:00:00Z"}"#,
            key: service.gateway)
        #expect(hold.status == 201 && hold.string("hold_usd") == "0.007500000" && hold.string("status") == "open")
        let settle = #"{"input_tokens": 1000, "output_tokens": 100, "at": "2026-01-02T01:00:01Z"}"#
        let settled = try await service.post("/v1/reservations/r-1/settle", settle, key: service.gateway)
        #expect(settled.status == 200 && settled.string("released_usd") == "0.004000000")
        let retried = try await service.post("/v1/reservations/r-1/settle", settle, key: service.gateway)
        #expect(retried.status == 200 && retried.body == settled.body && retried.headers["Idempotent-Replayed"] == ["true"])
        let voided = try await service.post("/v1/reservations/r-1/void", "{}", key: service.gateway)
        #expect(voided.status == 409 && voided.string("code") == "reservation_settled")
        // A void with no body at all (`curl -X POST …/void`, as the README shows it) is a void, not malformed JSON.
        _ = try await service.post(
            "/v1/reservations", #"{"account": "acme", "model": "gpt-4o", "input_tokens": 10, "max_output_tokens": 10, "id": "r-2"}"#, key: service.gateway)
        let bare = try await service.send(.POST, "/v1/reservations/r-2/void", key: service.gateway)
        #expect(bare.status == 200 && bare.string("status") == "voided", "\(bare.body)")
        let noCharge = try await service.send(.POST, "/v1/charges", key: service.gateway)
        #expect(noCharge.status == 400 && noCharge.string("code") == "bad_input", "\(noCharge.body)")
        let verify = try await service.get("/v1/verify", key: service.reader)
        #expect(verify.status == 200 && verify.json["ok"] as? Bool == true && verify.json["charges"] as? Int == 2)
    }

    /// A retry whose body says the same in JSON that is not plain (an escape, a fraction of
    /// nothing, pretty spacing with a null) takes the generated code; the original took the plain
    /// route (``PlainRoutes``). Both answer the original receipt: byte for byte the same.
    @Test("the plain routes and the generated code answer alike: a retry in non-plain JSON gets the same bytes, headers and status")
    func plainAndGeneratedAlike() async throws {
        let service = try await ServiceHarness.start()
        defer { Task { await service.stop() } }
        _ = try await service.post("/v1/accounts", #"{"account": "acme", "at": "2026-01-01T00:00:00Z"}"#, key: service.admin)
        _ = try await service.post("/v1/accounts/acme/purchases", #"{"amount_usd": "20.00", "id": "pay-1", "at": "2026-01-01T00:00:00Z"}"#, key: service.admin)
        let pairs: [(path: String, plain: String, other: String, status: Int)] = [
            (
                "/v1/charges", #"{"account":"acme","model":"openai/gpt-4o","input_tokens":1000,"output_tokens":100,"id":"c-1","at":"2026-01-02"}"#,
                #"{"account":"\u0061cme","model":"openai\/gpt-4o","input_tokens":1000,"output_tokens":100,"id":"c-1","at":"2026-01-02","project":null}"#, 201
            ),
            (
                "/v1/charges/batch", #"{"charges":[{"account":"acme","model":"gpt-4o","input_tokens":10,"output_tokens":1,"id":"b-1","at":"2026-01-02"}]}"#,
                #"{"charges":[{"account":"acme","model":"gpt-4o","input_tokens":10,"output_tokens":1,"id":"b-\u0031","at":"2026-01-02"}]}"#, 201
            ),
            (
                "/v1/reservations", #"{"account":"acme","model":"gpt-4o","input_tokens":800,"max_output_tokens":400,"id":"r-1","at":"2026-01-02"}"#,
                #"{"account":"acme","model":"gpt-4o","input_tokens":800,"max_output_tokens":400,"id":"r-1","at":"2026-01-02","user":null}"#, 201
            ),
            (
                "/v1/reservations/r-1/settle", #"{"input_tokens":800,"output_tokens":120,"at":"2026-01-02"}"#,
                #"{"input_tokens":800,"output_tokens":120,"at":"2026-01-02","id":null}"#, 200
            ),
        ]
        for pair in pairs {
            let plain = try await service.post(pair.path, pair.plain, key: service.gateway)
            let other = try await service.post(pair.path, pair.other, key: service.gateway)
            #expect(plain.status == pair.status && other.status == pair.status, "\(pair.path): \(plain.body) \(other.body)")
            #expect(plain.body == other.body, "\(pair.path)")
            #expect(plain.headers["Content-Type"] == other.headers["Content-Type"], "\(pair.path)")
            // A batch has no replay header (each charge says `duplicate` by its receipt being the original).
            if pair.path != "/v1/charges/batch" { #expect(other.headers["Idempotent-Replayed"] == ["true"], "\(pair.path)") }
        }
        // A refusal on the plain route is the same problem as on the generated one.
        let refusedPlain = try await service.post(
            "/v1/charges", #"{"account":"nobody","model":"gpt-4o","input_tokens":1,"output_tokens":1}"#, key: service.gateway)
        let refusedOther = try await service.post(
            "/v1/charges", #"{"account":"nob\u006fdy","model":"gpt-4o","input_tokens":1,"output_tokens":1}"#, key: service.gateway)
        #expect(refusedPlain.status == 404 && refusedPlain.body == refusedOther.body)
        #expect(refusedPlain.headers["Content-Type"] == ["application/problem+json"])
        // No key on the plain route: 401, as on the generated one.
        let unauthorized = try await service.post("/v1/charges", #"{"account":"acme","model":"gpt-4o","input_tokens":1,"output_tokens":1}"#, key: nil)
        #expect(unauthorized.status == 401 && unauthorized.string("code") == "unauthorized")
        // The metrics count the plain routes' requests under their operations.
        let metrics = try await service.get("/metrics", key: service.admin)
        #expect(metrics.body.contains(#"operation="createCharge""#) && metrics.body.contains(#"operation="settleReservation""#), "\(metrics.body)")
        #expect(try service.ledger.verify().ok)
    }

    @Test("keys: none or a wrong one is 401 and writes nothing; a role or an account the key lacks is 403; /healthz and the document are open")
    func keys() async throws {
        let service = try await ServiceHarness.start(limited: "acme")
        defer { Task { await service.stop() } }
        #expect(try await service.get("/healthz", key: nil).status == 200)
        let document = try await service.get("/openapi.yaml", key: nil)
        #expect(document.status == 200 && document.body.hasPrefix("openapi: 3.1.0"))
        let create = #"{"account": "beta"}"#
        let none = try await service.post("/v1/accounts", create, key: nil)
        #expect(none.status == 401 && none.string("code") == "unauthorized")
        #expect(try await service.post("/v1/accounts", create, key: "tlk_not_a_key").status == 401)
        #expect(try service.ledger.account(named: "beta") == nil)
        let byReader = try await service.post("/v1/accounts", create, key: service.reader)
        #expect(byReader.status == 403 && byReader.string("code") == "role_forbidden")
        #expect(try await service.post("/v1/accounts", create, key: service.admin).status == 201)
        // The gateway key is limited to acme: charging beta is refused, and beta is not listed.
        let charge = #"{"account": "beta", "model": "gpt-4o", "input_tokens": 10, "output_tokens": 1}"#
        let elsewhere = try await service.post("/v1/charges", charge, key: service.gateway)
        #expect(elsewhere.status == 403 && elsewhere.string("code") == "account_forbidden")
        #expect(try await service.post("/v1/charges", charge.replacingOccurrences(of: "beta", with: "acme"), key: service.gateway).status == 201)
        let metrics = try await service.get("/metrics", key: service.reader)
        #expect(metrics.status == 200 && metrics.body.contains("tokenledger_http_requests_total"))
        #expect(metrics.body.contains("tokenledger_commit_group_size"))
        #expect(!metrics.body.contains(service.admin) && !metrics.body.contains(service.gateway))
    }

    @Test("audio, image and 1-hour cache-write tokens: charged and settled at their own rates, echoed in the receipt, priced by POST /v1/prices")
    func tokenClassesOverHTTP() async throws {
        let service = try await ServiceHarness.start()
        defer { Task { await service.stop() } }
        _ = try await service.post("/v1/accounts", #"{"account": "acme", "at": "2026-01-01T00:00:00Z"}"#, key: service.admin)
        _ = try await service.post(
            "/v1/accounts/acme/purchases", #"{"amount_usd": "20.00", "at": "2026-01-01T00:00:00Z"}"#, key: service.admin,
            headers: [("Idempotency-Key", "pay-1")])
        // gpt-realtime (default book): 200 text in × $4 + 1,000 audio in × $32 + 50 text out × $16 + 250 audio out × $64 per million.
        let charge = try await service.post(
            "/v1/charges",
            #"{"account": "acme", "model": "gpt-realtime", "input_tokens": 1200, "input_audio_tokens": 1000, "output_tokens": 300, "#
                + #""output_audio_tokens": 250, "id": "rt-1", "at": "2026-01-03T00:00:00Z"}"#,
            key: service.gateway)
        #expect(charge.status == 201 && charge.string("cost_usd") == "0.049600000", "\(charge.body)")
        #expect(charge.json["input_audio_tokens"] as? Int == 1_000 && charge.json["output_audio_tokens"] as? Int == 250)
        #expect(charge.json["cache_write_1h_tokens"] as? Int == 0)
        // A price with its own 1-hour write rate, then a reservation settled with 1-hour writes.
        let price = try await service.post(
            "/v1/prices",
            #"{"model": "cache-1", "input_usd_per_million": "3", "output_usd_per_million": "15", "cache_write_1h_usd_per_million": "6", "#
                + #""effective_from": "2026-01-01T00:00:00Z", "provider": "anthropic"}"#,
            key: service.admin)
        #expect(price.status == 201 || price.status == 200, "\(price.body)")
        let hold = try await service.post(
            "/v1/reservations",
            #"{"account": "acme", "model": "cache-1", "input_tokens": 10000, "max_output_tokens": 100, "id": "r-1", "at": "2026-01-03T01:00:00Z"}"#,
            key: service.gateway)
        #expect(hold.status == 201, "\(hold.body)")
        let settle = #"{"input_tokens": 10000, "cache_write_1h_tokens": 4000, "output_tokens": 100, "at": "2026-01-03T01:00:01Z"}"#
        let settled = try await service.post("/v1/reservations/r-1/settle", settle, key: service.gateway)
        // 6,000 × $3 + 4,000 × $6 + 100 × $15 per million.
        #expect(settled.status == 200, "\(settled.body)")
        let settledCharge = settled.json["charge"] as? [String: Any]
        #expect(settledCharge?["cost_usd"] as? String == "0.043500000" && settledCharge?["cache_write_1h_tokens"] as? Int == 4_000, "\(settled.body)")
        // The same settle with other 1-hour writes is other usage: refused, nothing written.
        let other = try await service.post("/v1/reservations/r-1/settle", settle.replacingOccurrences(of: "4000", with: "3000"), key: service.gateway)
        #expect(other.status == 409, "\(other.body)")
        let listed = try await service.get("/v1/prices?model=cache-1", key: service.reader)
        #expect(listed.body.contains(#""cache_write_1h_usd_per_million""#), "\(listed.body)")
        #expect(try service.ledger.verify().ok)
    }

    @Test("bad input is 400 naming the field, an unknown account 404, a rule's refusal 422, a body past the limit 413; none writes")
    func problems() async throws {
        var options = LedgerServerOptions.small
        options.maximumBodyBytes = 4_096
        let service = try await ServiceHarness.start(options: options)
        defer { Task { await service.stop() } }
        _ = try await service.post("/v1/accounts", #"{"account": "acme"}"#, key: service.admin)
        let cases: [(String, String, Int, String, String?)] = [
            ("/v1/charges", #"{"account": "acme", "model": "gpt-4o", "input_tokens": 10}"#, 400, "bad_input", "output_tokens"),
            ("/v1/charges", #"{"account": "acme", "model": "gpt-4o", "input_tokens": "ten", "output_tokens": 1}"#, 400, "bad_input", "input_tokens"),
            ("/v1/charges", #"{"account": "acme", "model": "gpt-4o", "input_tokens": -5, "output_tokens": 1}"#, 400, "invalid_usage", nil),
            ("/v1/charges", #"{"account": "acme", "model": "gpt-4o", "input_tokens": 1, "output_tokens": 1, "at": "yesterday"}"#, 400, "bad_input", "at"),
            ("/v1/charges", #"{"account": "acme", "model": "gpt-4o", "input_tokens": 1, "output_tokens": 1, "surprise": 1}"#, 400, "bad_input", nil),
            ("/v1/charges", #"{"account": "acme", "model": "#, 400, "bad_input", nil),
            ("/v1/charges", #"{"account": "nobody", "model": "gpt-4o", "input_tokens": 1, "output_tokens": 1}"#, 404, "unknown_account", nil),
            ("/v1/charges", #"{"account": "acme", "model": "gpt-9", "input_tokens": 1, "output_tokens": 1}"#, 404, "unknown_model", nil),
            (
                "/v1/charges", #"{"account": "acme", "model": "gpt-4o", "input_tokens": 1000, "output_tokens": 1, "enforce": true}"#, 422,
                "insufficient_balance", nil
            ),
            (
                "/v1/charges", #"{"account": "acme", "model": "gpt-4o", "input_tokens": 100, "input_audio_tokens": 50, "output_tokens": 1}"#, 422,
                "no_price_for_class", nil
            ),
            (
                "/v1/charges", #"{"account": "acme", "model": "gpt-realtime", "input_tokens": 100, "input_audio_tokens": 101, "output_tokens": 1}"#,
                400, "invalid_usage", nil
            ),
            ("/v1/accounts/acme/purchases", #"{"amount_usd": "2.50"}"#, 422, "below_minimum", nil),
            ("/v1/accounts/acme/purchases", #"{"amount_usd": "1O.00"}"#, 400, "bad_input", "amount_usd"),
            ("/v1/charges", "{\"account\": \"acme\", \"model\": \"" + String(repeating: "x", count: 5_000) + "\"}", 413, "too_large", nil),
        ]
        for (path, body, status, code, field) in cases {
            let response = try await service.post(path, body, key: service.admin)
            #expect(response.status == status, "\(body.prefix(80)): \(response.body)")
            #expect(response.string("code") == code, "\(body.prefix(80)): \(response.body)")
            if let field { #expect(response.string("field") == field, "\(body.prefix(80)): \(response.body)") }
            #expect(response.json["status"] as? Int == status)
        }
        let wrongType = try await service.send(.POST, "/v1/charges", key: service.admin, headers: [("Content-Type", "text/plain")])
        #expect(wrongType.status == 400)
        #expect(try service.ledger.verify().ok)
        #expect(try service.ledger.balance(of: "acme", at: Timestamp.now()).balance == .zero)
    }

    @Test("a batch is all or nothing: a refused charge names its index and nothing is recorded; otherwise every charge is")
    func batch() async throws {
        let service = try await ServiceHarness.start()
        defer { Task { await service.stop() } }
        _ = try await service.post("/v1/accounts", #"{"account": "acme"}"#, key: service.admin)
        func charge(_ index: Int, model: String = "gpt-4o-mini") -> String {
            #"{"account": "acme", "model": "\#(model)", "input_tokens": 1000, "output_tokens": 10, "id": "b-\#(index)", "at": "2026-01-02T00:00:00Z"}"#
        }
        let bad = "{\"charges\": [" + (0..<50).map { charge($0, model: $0 == 37 ? "gpt-9" : "gpt-4o-mini") }.joined(separator: ",") + "]}"
        let refused = try await service.post("/v1/charges/batch", bad, key: service.gateway)
        #expect(refused.status == 404 && refused.string("code") == "unknown_model" && refused.json["index"] as? Int == 37)
        #expect(try service.ledger.verify().usages == 0)
        let good = "{\"charges\": [" + (0..<50).map { charge($0) }.joined(separator: ",") + "]}"
        let recorded = try await service.post("/v1/charges/batch", good, key: service.gateway)
        #expect(recorded.status == 201 && (recorded.json["charges"] as? [Any])?.count == 50)
        #expect(recorded.string("cost_usd") == "0.007800000")
        #expect(try service.ledger.verify().usages == 50)
    }

    @Test("concurrent enforced charges are committed in groups and never spend past the balance")
    func groupCommit() async throws {
        let service = try await ServiceHarness.start()
        defer { Task { await service.stop() } }
        _ = try await service.post("/v1/accounts", #"{"account": "acme"}"#, key: service.admin)
        _ = try await service.post("/v1/accounts/acme/purchases", #"{"amount_usd": "5.00", "id": "p"}"#, key: service.admin)
        // Each charge costs $0.10 (gpt-4o: 40,000 input tokens at $2.50 per million): 50 fit.
        let outcomes = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<200 {
                group.addTask {
                    try await service.post(
                        "/v1/charges",
                        #"{"account": "acme", "model": "gpt-4o", "input_tokens": 40000, "output_tokens": 0, "enforce": true, "id": "c-\#(index)"}"#,
                        key: service.gateway
                    ).status
                }
            }
            var statuses: [Int] = []
            for try await status in group { statuses.append(status) }
            return statuses
        }
        #expect(outcomes.filter { $0 == 201 }.count == 50)
        #expect(outcomes.filter { $0 == 422 }.count == 150)
        #expect(try service.ledger.balance(of: "acme", at: Timestamp.now()).balance == .zero)
        #expect(try service.ledger.verify().ok)
    }
}

/// Options for tests.
enum LedgerServerOptions {
    static var small: LedgerServer.Options { LedgerServer.Options() }
}
