import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TokenLedger
import TokenLedgerCore
import TokenLedgerService

/// A ledger served on a free loopback port by a real ``LedgerServer``, with a key of each role,
/// and a real HTTP client (AsyncHTTPClient) to call it.
final class ServiceHarness: @unchecked Sendable {
    let folder: URL
    let path: String
    let ledger: Ledger
    let port: Int
    let admin: String
    let gateway: String
    let reader: String
    private let task: Task<Void, any Error>
    let client = HTTPClient(eventLoopGroupProvider: .singleton)

    struct Response {
        var status: Int
        var headers: HTTPHeaders
        var body: String

        /// The body as a JSON object.
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
        func string(_ key: String) -> String? { json[key] as? String }
    }

    private init(folder: URL, path: String, ledger: Ledger, port: Int, keys: [String], task: Task<Void, any Error>) {
        self.folder = folder
        self.path = path
        self.ledger = ledger
        self.port = port
        (admin, gateway, reader) = (keys[0], keys[1], keys[2])
        self.task = task
    }

    /// A new ledger with the default prices, served; `limited` makes the gateway key limited to that account.
    static func start(limited: String? = nil, options: LedgerServer.Options = LedgerServer.Options()) async throws -> ServiceHarness {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-service-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("books.sqlite").path
        let ledger = try Ledger.open(at: path, create: true)
        try ledger.loadDefaultPrices()
        if let limited { try ledger.createAccount(NewAccount(name: limited, at: Timestamp(milliseconds: 0))) }
        let now = Timestamp.now()
        let keys = try [
            ledger.createAPIKey(NewAPIKey(role: .admin, at: now)).secret, ledger.createAPIKey(NewAPIKey(role: .gateway, account: limited, at: now)).secret,
            ledger.createAPIKey(NewAPIKey(role: .reader, at: now)).secret,
        ]
        let server = try LedgerServer(ledger: ledger, options: options)
        let bound = AsyncStream<Int>.makeStream()
        let task = Task {
            try await server.run(host: "127.0.0.1", port: 0) { port in
                bound.continuation.yield(port)
                bound.continuation.finish()
            }
        }
        var port = 0
        for await value in bound.stream { port = value }
        return ServiceHarness(folder: folder, path: path, ledger: ledger, port: port, keys: keys, task: task)
    }

    /// Sends a request; `key` nil sends none.
    func send(_ method: HTTPMethod, _ path: String, json: String? = nil, key: String?, headers: [(String, String)] = []) async throws -> Response {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        return try await execute(request)
    }

    /// Sends `body` (a file's bytes, whole or streamed) to a route that takes a file.
    func upload(_ path: String, _ body: HTTPClientRequest.Body, key: String?, contentType: String = "text/csv") async throws -> Response {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .POST
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        request.headers.add(name: "Content-Type", value: contentType)
        request.body = body
        return try await execute(request)
    }

    private func execute(_ request: HTTPClientRequest) async throws -> Response {
        let response = try await client.execute(request, timeout: .seconds(120))
        let body = try await response.body.collect(upTo: 64 << 20)
        return Response(status: Int(response.status.code), headers: response.headers, body: String(buffer: body))
    }

    func post(_ path: String, _ json: String, key: String?, headers: [(String, String)] = []) async throws -> Response {
        try await send(.POST, path, json: json, key: key, headers: headers)
    }

    func get(_ path: String, key: String?) async throws -> Response { try await send(.GET, path, key: key) }

    func stop() async {
        try? await client.shutdown()
        task.cancel()
        _ = await task.result
        try? FileManager.default.removeItem(at: folder)
    }
}
