import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A deliberately dumb HTTP/1.1 client over a plain socket: it sends the path byte for byte (no
/// URL normalisation, so `..` and `%2f` reach the server as written) and reads until close.
/// Calls block, so each runs on a thread of its own: not on the cooperative pool the server
/// uses, and not on GCD, whose Linux pool grows by about one thread a second when blocked
/// (which would starve GRDB's queues).
struct HTTPReply: Sendable {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
    func json() throws -> Any { try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) }
}

struct RawHTTP: Sendable {
    let port: Int
    var headers: [String: String] = [:]

    func get(_ path: String) async throws -> HTTPReply { try await send("GET", path) }
    func delete(_ path: String) async throws -> HTTPReply { try await send("DELETE", path) }
    func post(_ path: String, _ body: String) async throws -> HTTPReply { try await send("POST", path, body: Array(body.utf8)) }
    func put(_ path: String, _ body: String) async throws -> HTTPReply { try await send("PUT", path, body: Array(body.utf8)) }

    func send(_ method: String, _ path: String, body: [UInt8] = []) async throws -> HTTPReply {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try self.blockingSend(method, path, body) })
            }.start()
        }
    }

    func blockingSend(_ method: String, _ path: String, _ body: [UInt8]) throws -> HTTPReply {
        let fd = try connected()
        defer { close(fd) }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        if !body.isEmpty { head += "Content-Type: application/json\r\n" }
        let request = Array((head + "\r\n").utf8) + body
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break } // the server may answer (413) and close before reading everything
            sent += n
        }
        return try Self.parse(readAll(fd))
    }

    /// How a client that writes a whole request before reading fared: the reply, or a reset.
    enum SendAllOutcome: Sendable {
        case reply(HTTPReply)
        case reset
    }

    /// A keep-alive POST of `bodyBytes` bytes written completely before anything is read, as
    /// Python's `urllib` does; socket timeouts of `timeout` seconds keep a stuck exchange bounded.
    func postAllThenRead(_ path: String, bodyBytes: Int, timeout: Int = 5) async throws -> SendAllOutcome {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try self.blockingPostAllThenRead(path, bodyBytes, timeout) }) }.start()
        }
    }

    private func blockingPostAllThenRead(_ path: String, _ bodyBytes: Int, _ timeout: Int) throws -> SendAllOutcome {
        let fd = try connected()
        defer { close(fd) }
        var limit = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        let head = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\nContent-Length: \(bodyBytes)\r\n\r\n"
        let request = Array(head.utf8) + [UInt8](repeating: UInt8(ascii: " "), count: bodyBytes)
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0, errno == ECONNRESET || errno == EPIPE { return .reset }
            guard n > 0 else { throw Failure("send failed after \(sent) bytes: errno \(errno)") }
            sent += n
        }
        var data: [UInt8] = [], buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0, errno == ECONNRESET { return data.isEmpty ? .reset : .reply(try Self.parse(data)) }
            guard n >= 0 else { throw Failure("recv failed: errno \(errno)") }
            if n == 0 { return .reply(try Self.parse(data)) }
            data += buffer[0..<n]
        }
    }

    private func connected() throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard status == 0 else {
            close(fd)
            throw Failure("cannot connect to 127.0.0.1:\(port)")
        }
        return fd
    }

    private func readAll(_ fd: Int32) -> [UInt8] {
        var data: [UInt8] = [], buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return data }
            data += buffer[0..<n]
        }
    }

    static func parse(_ data: [UInt8]) throws -> HTTPReply {
        guard let split = (0..<max(0, data.count - 3)).first(where: { data[$0..<$0 + 4].elementsEqual([13, 10, 13, 10]) }) else {
            throw Failure("no HTTP response (\(data.count) bytes)")
        }
        let lines = String(decoding: data[..<split], as: UTF8.self).components(separatedBy: "\r\n")
        guard let status = lines.first?.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { throw Failure("bad status line") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            if let colon = line.firstIndex(of: ":") {
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        var body = Array(data[(split + 4)...])
        if headers["transfer-encoding"] == "chunked" { body = dechunk(body) }
        return HTTPReply(status: status, headers: headers, body: body)
    }

    static func dechunk(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [], i = 0
        while i < data.count {
            guard let end = (i..<data.count - 1).first(where: { data[$0] == 13 && data[$0 + 1] == 10 }),
                  let size = Int(String(decoding: data[i..<end], as: UTF8.self), radix: 16), size > 0 else { break }
            out += data[(end + 2)..<(end + 2 + size)]
            i = end + 2 + size + 2
        }
        return out
    }
}

struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
