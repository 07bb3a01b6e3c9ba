import Foundation
import GRDB
import Testing

/// `tokenledger serve` as a real process on loopback: stopped by a signal with requests in
/// flight, and refused a second time on the same file.
@Suite("Service process: stopping, the file's claim")
struct ServeProcessTests {
    /// Batches in flight when the signal comes: each is big enough that its commit takes a
    /// while, so the signal arrives before the last of them is answered.
    static let batches = 6
    static let chargesPerBatch = 4_000

    static func batch(_ batch: Int) -> [UInt8] {
        let charges = (0..<chargesPerBatch).map { index in
            #"{"account":"acme","model":"milli","input_tokens":\#(100 + index % 50),"output_tokens":10,"id":"b\#(batch)-\#(index)","at":"2026-01-02T00:00:00Z"}"#
        }
        return Array(("{\"charges\":[" + charges.joined(separator: ",") + "]}").utf8)
    }

    @Test(
        "SIGTERM or SIGINT with batches in flight: each is answered 201 after its commit, new connections are refused (a charge sent meanwhile is written exactly when answered), exit 0, verify passes",
        arguments: [SIGTERM, SIGINT])
    func gracefulStop(signal: Int32) throws {
        let folder = try ScratchFolder("serve-stop")
        let ledger = try ServedLedger(in: folder)
        // A queue that holds every batch at once: this test is about the stop, and 6 × 4,000
        // charges pass the default limit of 20,000 when the writer is slow (under ASan), where
        // the last batches would be answered 503 busy (and their unread bodies reset).
        let server = try ServeProcess(database: ledger.database, arguments: ["--queue-limit", String(Self.batches * Self.chargesPerBatch)])
        let bodies = (0..<Self.batches).map(Self.batch)
        let connections = try bodies.map { _ in try RawConnection(port: server.port) }
        for (connection, body) in zip(connections, bodies) {
            try connection.send(
                RawConnection.head(
                    "POST", "/v1/charges/batch", headers: [("Authorization", "Bearer \(ledger.key)"), ("Content-Type", "application/json")],
                    bodyLength: body.count) + body)
        }
        // Time for the server to read every request (not to commit them all), then the signal.
        usleep(300_000)
        let unansweredAtSignal = connections.filter { !$0.hasBytesWaiting() }.count
        server.signal(signal)
        // Charges on new connections until one is refused: the listener closes (once the
        // process has handled the signal); each is written exactly when it was answered 201.
        let late = try Self.chargeUntilRefused(port: server.port, key: ledger.key)
        // A batch the server had read is answered 201 after its commit. One it had not begun to read
        // when the signal came (its event loops busy decoding others: seen under ASan) is not in
        // flight: its connection is closed unanswered, and it must have written nothing.
        var answered = 0
        var dropped: [Int] = []
        for (index, connection) in connections.enumerated() {
            let answer: RawConnection.Answer
            do {
                answer = try connection.answer()
            } catch let failure as RawConnection.Failure where failure.code == ECONNRESET {
                dropped.append(index)
                continue
            }
            answered += 1
            #expect(answer.status == 201, "batch \(index): \(answer.text.prefix(300))")
            #expect((answer.json["charges"] as? [Any])?.count == Self.chargesPerBatch, "batch \(index)")
            // The connection is closed once its answer is written.
            #expect(connection.isClosed(waitingMilliseconds: 5_000), "batch \(index): the connection stayed open after the stop")
        }
        // The test means something only if some batch was still being committed at the signal, and answered.
        #expect(unansweredAtSignal > dropped.count, "every batch was answered before the signal, or none read: make them larger")
        #expect(answered > 0)
        #expect(server.exitStatus(within: 60) == 0, "serve: \(server.stderr)")
        let verify = try ledger.verify("after the stop")
        let written = late.filter { $0.value == 201 }.keys
        #expect(verify["ok"] as? Bool == true && verify["charges"] as? Int == answered * Self.chargesPerBatch + written.count, "\(verify)")
        let queue = try DatabaseQueue(path: ledger.database)
        let lateInFile = try queue.read { try String.fetchAll($0, sql: "SELECT request_id FROM usage WHERE request_id LIKE 'late-%'") }
        try queue.close()
        #expect(Set(lateInFile) == Set(written), "charges after the signal: \(late)")
        let queueAgain = try DatabaseQueue(path: ledger.database)
        for index in dropped {
            let count = try queueAgain.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM usage WHERE request_id LIKE ?", arguments: ["b\(index)-%"]) }
            #expect(count == 0, "batch \(index) was dropped unanswered but wrote \(count ?? -1) charges")
        }
        try queueAgain.close()
    }

    /// Charges (ids `late-0`, `late-1`, …) one after another, each on a new connection, until a
    /// connection is refused (at most 30 s): the status each was answered, 0 for none.
    static func chargeUntilRefused(port: Int, key: String) throws -> [String: Int] {
        var statuses: [String: Int] = [:]
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let id = "late-\(statuses.count)"
            let connection: RawConnection
            do {
                connection = try RawConnection(port: port, timeoutSeconds: 30)
            } catch let failure as RawConnection.Failure where failure.refused {
                return statuses
            }
            let charge = #"{"account":"acme","model":"milli","input_tokens":1,"output_tokens":1,"at":"2026-01-02T00:00:00Z"}"#
            let headers = [("Authorization", "Bearer \(key)"), ("Content-Type", "application/json"), ("Idempotency-Key", id)]
            statuses[id] = (try? connection.request("POST", "/v1/charges", headers: headers, body: Array(charge.utf8)))?.status ?? 0
            usleep(20_000)
        }
        Issue.record("new connections were still taken 30 s after the signal: \(statuses.count) of them")
        return statuses
    }

    @Test("a second serve on the same file exits 4 (locked, already running); once the first stops, the file can be served again")
    func secondServeRefused() throws {
        let folder = try ScratchFolder("serve-claim")
        let ledger = try ServedLedger(in: folder)
        let first = try ServeProcess(database: ledger.database)
        let second = try ServeProcess.refused(database: ledger.database)
        #expect(second.status == 4, "\(second.stdout)\(second.stderr)")
        #expect(second.stderr.hasPrefix("error: locked: "), "\(second.stderr)")
        #expect(second.stderr.contains("another tokenledger serve is already running"), "\(second.stderr)")
        #expect(!second.stdout.contains("listening"), "\(second.stdout)")
        // The first is untouched by the attempt.
        #expect(try RawConnection(port: first.port).request("GET", "/healthz").status == 200)
        first.signal(SIGTERM)
        #expect(first.exitStatus(within: 30) == 0, "\(first.stderr)")
        let third = try ServeProcess(database: ledger.database)
        third.signal(SIGTERM)
        #expect(third.exitStatus(within: 30) == 0, "\(third.stderr)")
    }
}
