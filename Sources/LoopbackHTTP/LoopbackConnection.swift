import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a server answered: status, headers (names lowercased) and the body, de-chunked.
public struct HTTPReply: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]
    public var text: String { String(decoding: body, as: UTF8.self) }
    public func json() throws -> Any { try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) }
}

public struct HTTPClientError: Error, CustomStringConvertible {
    public let description: String
    /// The socket call's errno, when one failed (ECONNRESET: the server reset the connection).
    public let errno: Int32?
    public init(_ description: String, errno: Int32? = nil) { self.description = description; self.errno = errno }
}

/// One blocking HTTP/1.1 connection to a port on 127.0.0.1, written by hand over a socket: the path
/// goes out byte for byte (no URL normalisation, so `..` and `%2f` reach the server as written), and
/// a reply is framed by Content-Length, chunked encoding, or the server closing. The benchmarks keep
/// one open per simulated browser (keep-alive, so a latency never includes a connect); the tests open
/// one per request. Calls block: run them with `onThreads`.
public final class LoopbackConnection {
    public let port: Int
    private let fd: Int32
    private var buffer: [UInt8] = []

    /// `timeout` bounds every send and receive (seconds); without it a call waits as long as it takes.
    public init(port: Int, timeout: Int? = nil) throws {
        self.port = port
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPClientError("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        // No close(fd) here: every stored property is set, so a throw runs deinit, which closes it
        // (closing twice could close a descriptor the process has reused meanwhile).
        guard status == 0 else { throw HTTPClientError("cannot connect to 127.0.0.1:\(port)") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        if let timeout {
            var limit = timeval(tv_sec: timeout, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        }
    }

    deinit { close(fd) }

    /// `METHOD path HTTP/1.1` with Host, Content-Length, `headers` and (with a body) a JSON content type.
    public static func head(_ method: String, _ path: String, port: Int, headers: [String: String] = [:], bodyBytes: Int) -> [UInt8] {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Length: \(bodyBytes)\r\n"
        for (k, v) in headers.sorted(by: { $0.key < $1.key }) { head += "\(k): \(v)\r\n" }
        if bodyBytes > 0 { head += "Content-Type: application/json\r\n" }
        return Array((head + "\r\n").utf8)
    }

    /// Sends one request and reads its reply. A server may answer (413) and close before reading the
    /// whole request; the rest is then not sent and its reply is still read.
    public func request(_ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8] = []) throws -> HTTPReply {
        _ = write(Self.head(method, path, port: port, headers: headers, bodyBytes: body.count) + body)
        return try readReply()
    }

    public func request(_ method: String, _ path: String, body: String) throws -> HTTPReply {
        try request(method, path, body: Array(body.utf8))
    }

    /// Writes `bytes` until done or the peer stops taking them: how many went out, and the errno that
    /// stopped it (nil when all were sent).
    @discardableResult
    public func write(_ bytes: [UInt8]) -> (sent: Int, error: Int32?) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return (sent, errno) }
            sent += n
        }
        return (sent, nil)
    }

    /// The next reply on the connection.
    public func readReply() throws -> HTTPReply {
        var end = headerEnd()
        while end == nil {
            guard try fill() else { throw HTTPClientError("no HTTP response (\(buffer.count) bytes before the connection closed)") }
            end = headerEnd()
        }
        let (status, headers) = try Self.parseHead(buffer[..<end!])
        buffer.removeFirst(end! + 4)
        let body: [UInt8]
        if status == 204 || status == 304 || status < 200 {
            body = []  // 1xx, 204 and 304 replies carry no body, and keep-alive means no close ends one
        } else if let length = headers["content-length"].flatMap({ Int($0) }) {
            while buffer.count < length { guard try fill() else { throw HTTPClientError("connection closed inside a body") } }
            body = Array(buffer[..<length])
            buffer.removeFirst(length)
        } else if headers["transfer-encoding"] == "chunked" {
            body = try readChunks()
        } else {
            while try fill() {}
            (body, buffer) = (buffer, [])
        }
        return HTTPReply(status: status, headers: headers, body: body)
    }

    /// Reads and drops whatever comes until the server closes the connection (a reset counts as closed).
    public func waitForClose() throws {
        do { while try fill() { buffer = [] } } catch let e as HTTPClientError where e.errno == ECONNRESET {}
        buffer = []
    }

    static func parseHead(_ bytes: ArraySlice<UInt8>) throws -> (Int, [String: String]) {
        let lines = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n")
        guard let status = lines.first?.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { throw HTTPClientError("bad status line") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            if let colon = line.firstIndex(of: ":") {
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return (status, headers)
    }

    private func readChunks() throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let line = try readLine()
            guard let size = Int(line.split(separator: ";").first.map(String.init) ?? "", radix: 16) else { throw HTTPClientError("bad chunk size '\(line)'") }
            if size == 0 { _ = try readLine(); return body }
            while buffer.count < size + 2 { guard try fill() else { throw HTTPClientError("connection closed inside a chunk") } }
            body += buffer[..<size]
            buffer.removeFirst(size + 2)
        }
    }

    private func readLine() throws -> String {
        while true {
            if let i = buffer.indices.dropLast().first(where: { buffer[$0] == 13 && buffer[$0 + 1] == 10 }) {
                defer { buffer.removeFirst(i + 2) }
                return String(decoding: buffer[..<i], as: UTF8.self)
            }
            guard try fill() else { throw HTTPClientError("connection closed inside a chunked body") }
        }
    }

    private func headerEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        return (0...(buffer.count - 4)).first { buffer[$0] == 13 && buffer[$0 + 1] == 10 && buffer[$0 + 2] == 13 && buffer[$0 + 3] == 10 }
    }

    /// Reads what is available; false when the server closed, throws on a reset or a timeout.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 { throw HTTPClientError("recv failed: errno \(errno)", errno: errno) }
        buffer += chunk[0..<n]
        return n > 0
    }
}
