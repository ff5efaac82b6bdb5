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
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure("cannot connect to 127.0.0.1:\(port)") }
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
