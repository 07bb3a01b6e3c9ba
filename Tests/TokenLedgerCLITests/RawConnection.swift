import Foundation

/// One TCP connection to a loopback port, driven byte by byte: what a well-behaved HTTP client
/// would never send (a head a byte at a time, a body that never ends, a wrong length) and what
/// it reads back. Blocking calls with a receive timeout; writes never raise SIGPIPE.
///
/// Unchecked `Sendable`: one thread may send while another reads (a send touches no state but
/// the descriptor); no two threads read.
final class RawConnection: @unchecked Sendable {
    /// The answer to a request: status, headers (names lowercased) and body.
    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]

        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
    }

    /// The connection failed (`connect`, `send` or `recv`), with `errno`.
    struct Failure: Error, CustomStringConvertible {
        var call: String
        var code: Int32
        var description: String { "\(call): \(String(cString: strerror(code)))" }
        var refused: Bool { call == "connect" && code == ECONNREFUSED }
    }

    let descriptor: Int32
    private var buffer: [UInt8] = []

    /// Connects to 127.0.0.1:`port`; reads give up after `timeoutSeconds`.
    init(port: Int, timeoutSeconds: Int = 30) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(call: "socket", code: errno) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let code = errno
            close(descriptor)
            throw Failure(call: "connect", code: code)
        }
    }

    deinit { close(descriptor) }

    func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let written = bytes[sent...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw Failure(call: "send", code: errno) }
            sent += written
        }
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Sends a whole request: `METHOD path HTTP/1.1`, Host, the headers given, Content-Length
    /// when there is a body (unless a header already says how the body ends), and the body.
    func request(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil) throws -> Answer {
        try send(Self.head(method, path, headers: headers, bodyLength: body?.count) + (body ?? []))
        return try answer()
    }

    static func head(_ method: String, _ path: String, headers: [(String, String)], bodyLength: Int?) -> [UInt8] {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        let framed = headers.contains { ["content-length", "transfer-encoding"].contains($0.0.lowercased()) }
        if let bodyLength, !framed { head += "Content-Length: \(bodyLength)\r\n" }
        return Array((head + "\r\n").utf8)
    }

    /// Reads one response (Content-Length or chunked, else to the end of the stream).
    func answer() throws -> Answer {
        let separator: [UInt8] = [13, 10, 13, 10]
        var end: Int?
        while end == nil {
            end = buffer.indices.dropLast(3).first { Array(buffer[$0..<$0 + 4]) == separator }
            if end == nil, try !fill() { throw Failure(call: "recv (the connection closed before an answer)", code: 0) }
        }
        let lines = String(decoding: buffer[..<end!], as: UTF8.self).components(separatedBy: "\r\n")
        buffer.removeFirst(end! + 4)
        let status = Int(lines[0].split(separator: " ").dropFirst().first ?? "") ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let body: [UInt8]
        if let length = headers["content-length"].flatMap({ Int($0) }) {
            body = try take(length)
        } else if headers["transfer-encoding"]?.lowercased() == "chunked" {
            body = try chunked()
        } else {
            while try fill() {}
            body = buffer
            buffer = []
        }
        return Answer(status: status, headers: headers, body: body)
    }

    private func chunked() throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let line = try line()
            guard let size = Int(line.split(separator: ";").first ?? "", radix: 16) else { throw Failure(call: "chunk size \(line)", code: 0) }
            if size == 0 {
                _ = try self.line()
                return body
            }
            body += try take(size)
            _ = try take(2)
        }
    }

    private func line() throws -> String {
        while true {
            if let index = buffer.indices.dropLast().first(where: { buffer[$0] == 13 && buffer[$0 + 1] == 10 }) {
                let line = String(decoding: buffer[..<index], as: UTF8.self)
                buffer.removeFirst(index + 2)
                return line
            }
            if try !fill() { throw Failure(call: "recv (the connection closed in a chunk)", code: 0) }
        }
    }

    private func take(_ count: Int) throws -> [UInt8] {
        while buffer.count < count {
            if try !fill() { throw Failure(call: "recv (the connection closed in a body)", code: 0) }
        }
        let taken = Array(buffer[..<count])
        buffer.removeFirst(count)
        return taken
    }

    /// Reads what has arrived into the buffer; false at the end of the stream.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count < 0 { throw Failure(call: "recv", code: errno) }
        buffer += chunk[..<count]
        return count > 0
    }

    /// Whether the peer has closed the connection (the end of the stream, or a reset), waiting
    /// at most `milliseconds`; bytes that arrive meanwhile are kept.
    func isClosed(waitingMilliseconds milliseconds: Int32) -> Bool {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, milliseconds) == 1 else { return false }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        if count > 0 {
            buffer += chunk[..<count]
            return false
        }
        return count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)
    }

    /// Whether bytes have arrived (or the peer has closed), without waiting or reading.
    func hasBytesWaiting() -> Bool {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return !buffer.isEmpty || poll(&poller, 1, 0) == 1
    }

    /// A free port on 127.0.0.1 (bound and released: the kernel does not hand it out again at once).
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else { throw Failure(call: "bind", code: errno) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
