import Foundation
import LoopbackHTTP
#if canImport(Glibc)
import Glibc
#endif

/// A deliberately dumb client for the API tests: one `LoopbackConnection` (the client `normlab bench`
/// uses) per request, with `Connection: close`; paths go out byte for byte, so `..` and `%2f` reach
/// the server as written. Calls block, so each runs on a thread of its own (`onThread`).
struct RawHTTP: Sendable {
    let port: Int
    var headers: [String: String] = [:]

    func get(_ path: String) async throws -> HTTPReply { try await send("GET", path) }
    func delete(_ path: String) async throws -> HTTPReply { try await send("DELETE", path) }
    func post(_ path: String, _ body: String) async throws -> HTTPReply { try await send("POST", path, body: Array(body.utf8)) }
    func put(_ path: String, _ body: String) async throws -> HTTPReply { try await send("PUT", path, body: Array(body.utf8)) }

    func send(_ method: String, _ path: String, body: [UInt8] = []) async throws -> HTTPReply {
        try await onThread { try self.blockingSend(method, path, body) }
    }

    func blockingSend(_ method: String, _ path: String, _ body: [UInt8]) throws -> HTTPReply {
        let connection = try LoopbackConnection(port: port)
        return try connection.request(method, path, headers: headers.merging(["Connection": "close"]) { mine, _ in mine }, body: body)
    }

    /// How a client that writes a whole request before reading fared: the reply, or a reset.
    enum SendAllOutcome: Sendable {
        case reply(HTTPReply)
        case reset
    }

    /// A keep-alive POST of `bodyBytes` bytes written completely before anything is read, as
    /// Python's `urllib` does, then read until the server closes; socket timeouts of `timeout`
    /// seconds keep a stuck exchange bounded.
    func postAllThenRead(_ path: String, bodyBytes: Int, timeout: Int = 5) async throws -> SendAllOutcome {
        try await onThread { try self.blockingPostAllThenRead(path, bodyBytes, timeout) }
    }

    private func blockingPostAllThenRead(_ path: String, _ bodyBytes: Int, _ timeout: Int) throws -> SendAllOutcome {
        let connection = try LoopbackConnection(port: port, timeout: timeout)
        let request = LoopbackConnection.head("POST", path, port: port, bodyBytes: bodyBytes) + [UInt8](repeating: UInt8(ascii: " "), count: bodyBytes)
        let (sent, error) = connection.write(request)
        if let error {
            if error == ECONNRESET || error == EPIPE { return .reset }
            throw Failure("send failed after \(sent) bytes: errno \(error)")
        }
        do {
            let reply = try connection.readReply()
            try connection.waitForClose()
            return .reply(reply)
        } catch let e as HTTPClientError where e.errno == ECONNRESET {
            return .reset
        }
    }
}

struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
