import Foundation
import Testing

/// What hostile or broken clients send to `tokenledger serve`: bodies past the limit, bodies
/// that are not JSON or not declared as JSON, and connections that send slowly or never finish.
/// Each is answered or cut without writing anything, while other clients keep being served.
@Suite("Service process: hostile clients")
struct ServeHostileTests {
    /// The server's idle timeout in these tests, in seconds (`serve --idle-timeout`).
    static let idleTimeoutSeconds = 1

    /// A valid charge, for bodies that must be refused for how they are sent, not what they say.
    static let charge = #"{"account":"acme","model":"milli","input_tokens":100,"output_tokens":10,"at":"2026-01-02T00:00:00Z"}"#

    @Test("a body past 8 MiB, with its length given or chunked, is 413 too_large, and nothing is written")
    func oversized() throws {
        let folder = try ScratchFolder("serve-oversized")
        let ledger = try ServedLedger(in: folder)
        let server = try ServeProcess(database: ledger.database)
        // A batch of valid charges, 9 MiB with their padding: taken, it would write them.
        let padding = String(repeating: "u", count: 1_000)
        var text = "{\"charges\":["
        var index = 0
        while text.utf8.count < 9 << 20 {
            let charge = #"{"account":"acme","model":"milli","input_tokens":1,"output_tokens":1,"user":"\#(padding)","id":"big-\#(index)"}"#
            text += (index == 0 ? "" : ",") + charge
            index += 1
        }
        let body = Array((text + "]}").utf8)
        let authorized = [("Authorization", "Bearer \(ledger.key)"), ("Content-Type", "application/json")]
        // The length is given: refused from the head alone, before the body is read.
        let declared = try RawConnection(port: server.port)
        try declared.send(RawConnection.head("POST", "/v1/charges/batch", headers: authorized, bodyLength: body.count))
        try Self.expectProblem(try declared.answer(), status: 413, code: "too_large", "length given")
        // Chunked: counted as it arrives, cut once past the limit.
        let chunked = try RawConnection(port: server.port)
        let sent = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            var stream = RawConnection.head("POST", "/v1/charges/batch", headers: authorized + [("Transfer-Encoding", "chunked")], bodyLength: nil)
            for start in stride(from: 0, to: body.count, by: 1 << 20) {
                let piece = body[start..<min(start + (1 << 20), body.count)]
                stream += Array((String(piece.count, radix: 16) + "\r\n").utf8) + piece + Array("\r\n".utf8)
            }
            // The server may stop reading (and close) once it has refused: a failed send is expected.
            try? chunked.send(stream + Array("0\r\n\r\n".utf8))
            sent.signal()
        }
        try Self.expectProblem(try chunked.answer(), status: 413, code: "too_large", "chunked")
        sent.wait()
        #expect(try RawConnection(port: server.port).request("GET", "/healthz").status == 200)
        server.signal(SIGTERM)
        #expect(server.exitStatus(within: 30) == 0, "\(server.stderr)")
        let verify = try ledger.verify()
        #expect(verify["charges"] as? Int == 0, "\(verify)")
    }

    @Test("malformed JSON, another content type, no body: 400 application/problem+json, and nothing is written")
    func malformed() throws {
        let folder = try ScratchFolder("serve-malformed")
        let ledger = try ServedLedger(in: folder)
        let server = try ServeProcess(database: ledger.database)
        let before = try ledger.balance()
        let json = "application/json"
        let cases: [(String, String?, [UInt8])] = [
            ("/v1/charges", json, Array(#"{"account": "acme", "model": "#.utf8)),
            ("/v1/charges", json, Array("not json at all".utf8)),
            ("/v1/charges", json, Array("[1, 2, 3]".utf8)),
            (
                "/v1/charges", json,
                Array(#"{"account": "ac"#.utf8) + [0xFF, 0xFE] + Array(#"me", "model": "milli", "input_tokens": 1, "output_tokens": 1}"#.utf8)
            ),
            ("/v1/charges", json, Array(#"{"account": "acme", "model": "milli", "input_tokens": 1e999, "output_tokens": 1}"#.utf8)),
            ("/v1/charges", json, Array(repeating: UInt8(ascii: "["), count: 100_000)),
            ("/v1/charges", json, []),
            ("/v1/charges", "text/plain", Array(Self.charge.utf8)),
            ("/v1/charges", "application/x-www-form-urlencoded", Array("account=acme&model=milli&input_tokens=1&output_tokens=1".utf8)),
            ("/v1/charges", "application/xml", Array("<charge account='acme'/>".utf8)),
            // A body without a content type is read as JSON (as swift-openapi-runtime does): this one is not.
            ("/v1/charges", nil, Array("account=acme".utf8)),
            ("/v1/accounts/acme/purchases", "text/plain", Array(#"{"amount_usd": "20.00"}"#.utf8)),
            ("/v1/accounts/acme/purchases", json, Array(#"{"amount_usd": 20}"#.utf8)),
            ("/v1/reservations", json, Array(#"{"account": "acme", "model": "milli", "input_tokens": 1, "max_output_tokens": "#.utf8)),
            ("/v1/charges/batch", json, Array(#"{"charges": {}}"#.utf8)),
        ]
        for (path, contentType, body) in cases {
            let connection = try RawConnection(port: server.port)
            var headers = [("Authorization", "Bearer \(ledger.key)")]
            if let contentType { headers.append(("Content-Type", contentType)) }
            let answer = try connection.request("POST", path, headers: headers, body: body)
            let label = "\(path) \(contentType ?? "no type"): \(String(decoding: body.prefix(60), as: UTF8.self))"
            try Self.expectProblem(answer, status: 400, code: nil, label)
        }
        #expect(try RawConnection(port: server.port).request("GET", "/healthz").status == 200)
        server.signal(SIGTERM)
        #expect(server.exitStatus(within: 30) == 0, "\(server.stderr)")
        let verify = try ledger.verify()
        #expect(verify["charges"] as? Int == 0 && verify["transfers"] as? Int == 1, "\(verify)")
        #expect(NSDictionary(dictionary: try ledger.balance()).isEqual(to: before))
    }

    /// How a slow client misbehaves.
    enum Slowness: String, CaseIterable, Sendable {
        /// A request head sent a byte at a time (a header that never ends), 10 bytes a second.
        case trickledHead
        /// A connection that sends nothing at all.
        case silent
        /// A whole head promising 200 bytes of body, 50 of them, then nothing.
        case stoppedBody
    }

    @Test(
        "slow clients (a head a byte at a time, nothing at all, a body that stops) are cut after the idle timeout while another client is served; they write nothing"
    )
    func slowClients() throws {
        let folder = try ScratchFolder("serve-slow")
        let ledger = try ServedLedger(in: folder)
        let server = try ServeProcess(database: ledger.database, arguments: ["--idle-timeout", "\(Self.idleTimeoutSeconds)"])
        let port = server.port, key = ledger.key
        let clients = (0..<24).map { Slowness.allCases[$0 % Slowness.allCases.count] }
        let cut = Self.concurrently(clients) { slowness in Self.secondsUntilCut(slowness, port: port, key: key) }
        // Meanwhile a client charging one request after another, each on a new connection.
        var served = 0
        var slowest = 0.0
        let started = Date()
        while Date().timeIntervalSince(started) < Double(Self.idleTimeoutSeconds) + 1.5 {
            let sent = Date()
            let answer = try RawConnection(port: port).request(
                "POST", "/v1/charges", headers: [("Authorization", "Bearer \(key)"), ("Content-Type", "application/json")], body: Array(Self.charge.utf8))
            #expect(answer.status == 201, "\(answer.text)")
            served += answer.status == 201 ? 1 : 0
            slowest = max(slowest, Date().timeIntervalSince(sent))
            usleep(50_000)
        }
        #expect(served >= 10, "only \(served) charges served beside the slow clients")
        #expect(slowest < 2, "a charge beside the slow clients took \(slowest) s")
        for (slowness, seconds) in zip(clients, cut.wait()) {
            // Cut by the idle timeout: not before it, and soon after it (a loaded machine's slack).
            #expect(seconds != nil, "\(slowness): still open after 15 s")
            if let seconds {
                let timeout = Double(Self.idleTimeoutSeconds)
                #expect(seconds >= timeout * 0.9 && seconds < timeout + 5, "\(slowness): cut after \(seconds) s")
            }
        }
        server.signal(SIGTERM)
        #expect(server.exitStatus(within: 30) == 0, "\(server.stderr)")
        let verify = try ledger.verify()
        #expect(verify["charges"] as? Int == served, "\(verify)")
        // Each served charge costs $0.011 (110 tokens at $0.0001): the slow clients cost nothing.
        #expect(nanos(try ledger.balance()["balance_usd"]) == 100_000_000_000 - Int64(served) * 11_000_000)
    }

    /// Connects as `slowness` says and misbehaves until the server closes the connection: the
    /// seconds from the connection to its closing, or nil if it is still open after 15 s.
    static func secondsUntilCut(_ slowness: Slowness, port: Int, key: String) -> Double? {
        let started = Date()
        guard let connection = try? RawConnection(port: port) else { return nil }
        switch slowness {
        case .trickledHead: try? connection.send("POST /v1/charges HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        case .silent: break
        case .stoppedBody:
            let head = RawConnection.head(
                "POST", "/v1/charges", headers: [("Authorization", "Bearer \(key)"), ("Content-Type", "application/json")], bodyLength: 200)
            try? connection.send(head + Array(Self.charge.utf8.prefix(50)))
        }
        while Date().timeIntervalSince(started) < 15 {
            if slowness == .trickledHead { try? connection.send("a") }
            if connection.isClosed(waitingMilliseconds: 100) { return Date().timeIntervalSince(started) }
        }
        return nil
    }

    /// Runs `body` for each of `inputs`, each on a thread of its own (they block), at once.
    static func concurrently<Input: Sendable, Output: Sendable>(_ inputs: [Input], _ body: @escaping @Sendable (Input) -> Output) -> Outcomes<Output> {
        let outcomes = Outcomes<Output>(count: inputs.count)
        for (index, input) in inputs.enumerated() {
            outcomes.group.enter()
            Thread {
                outcomes.set(index, body(input))
                outcomes.group.leave()
            }.start()
        }
        return outcomes
    }

    /// The results of ``concurrently(_:_:)``, once every thread has finished.
    final class Outcomes<Output: Sendable>: @unchecked Sendable {
        let group = DispatchGroup()
        private let lock = NSLock()
        private var values: [Output?]

        init(count: Int) { values = Array(repeating: nil, count: count) }

        func set(_ index: Int, _ value: Output) { lock.withLock { values[index] = value } }

        func wait() -> [Output] {
            group.wait()
            return lock.withLock { values.map { $0! } }
        }
    }

    /// A problem answer: `status`, `application/problem+json`, the status and `code` in the body.
    static func expectProblem(_ answer: RawConnection.Answer, status: Int, code: String?, _ label: String, sourceLocation: SourceLocation = #_sourceLocation)
        throws
    {
        #expect(answer.status == status, "\(label): \(answer.status) \(answer.text.prefix(300))", sourceLocation: sourceLocation)
        #expect(answer.headers["content-type"] == "application/problem+json", "\(label): \(answer.headers)", sourceLocation: sourceLocation)
        #expect(answer.json["status"] as? Int == status, "\(label): \(answer.text.prefix(300))", sourceLocation: sourceLocation)
        if let code { #expect(answer.json["code"] as? String == code, "\(label): \(answer.text.prefix(300))", sourceLocation: sourceLocation) }
    }
}
