import Foundation
import Logging
import Synchronization
import WSClient

struct CDPError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One Chrome DevTools Protocol connection (a WebSocket to the browser endpoint).
///
/// Commands are JSON messages with an `id`; the reply carrying that `id` resumes the caller.
/// Page-level commands go over the same socket with a `sessionId` (flat session mode), so one
/// connection drives the whole browser. Every command has a deadline: a hung browser fails the
/// test instead of hanging it.
final class CDPConnection: Sendable {
    private struct State {
        var nextID = 0
        var waiting: [Int: CheckedContinuation<Data, any Error>] = [:]
        var failure: CDPError?
        var exceptions: [String] = []
        var socketTask: Task<Void, Never>?
    }

    private let state = Mutex(State())
    private let outbound: AsyncStream<String>.Continuation
    private let commandTimeout: Duration

    private init(outbound: AsyncStream<String>.Continuation, commandTimeout: Duration) {
        self.outbound = outbound
        self.commandTimeout = commandTimeout
    }

    static func connect(to url: String, commandTimeout: Duration = .seconds(20)) -> CDPConnection {
        let (messages, continuation) = AsyncStream<String>.makeStream()
        let connection = CDPConnection(outbound: continuation, commandTimeout: commandTimeout)
        // Screenshots arrive as one large text frame (base64 PNG): allow up to 64 MiB.
        let maxSize = 1 << 26
        let task = Task {
            do {
                var logger = Logger(label: "cdp")
                logger.logLevel = .warning
                try await WebSocketClient.connect(
                    url: url, configuration: .init(maxFrameSize: maxSize), logger: logger
                ) { inbound, outbound, _ in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for await text in messages { try await outbound.write(.text(text)) }
                        }
                        for try await message in inbound.messages(maxSize: maxSize) {
                            if case .text(let text) = message { connection.receive(text) }
                        }
                        group.cancelAll()
                    }
                }
                connection.failAll(CDPError("DevTools connection closed"))
            } catch {
                connection.failAll(CDPError("DevTools connection failed: \(error)"))
            }
        }
        connection.state.withLock { $0.socketTask = task }
        return connection
    }

    /// Sends a command and returns its `result` object; a protocol error becomes a thrown CDPError.
    @discardableResult
    func send(_ method: String, _ params: [String: Any] = [:], session: String? = nil) async throws -> [String: Any] {
        let id = state.withLock { s in
            s.nextID += 1
            return s.nextID
        }
        var message: [String: Any] = ["id": id, "method": method, "params": params]
        if let session { message["sessionId"] = session }
        let text = String(decoding: try JSONSerialization.data(withJSONObject: message), as: UTF8.self)

        let reply: Data = try await withCheckedThrowingContinuation { continuation in
            let failure = state.withLock { s -> CDPError? in
                if let failure = s.failure { return failure }
                s.waiting[id] = continuation
                return nil
            }
            if let failure { return continuation.resume(throwing: failure) }
            outbound.yield(text)
            let timeout = commandTimeout
            Task { [weak self] in
                try? await Task.sleep(for: timeout)
                self?.fail(id: id, CDPError("\(method): no reply within \(timeout)"))
            }
        }
        let object = try JSONSerialization.jsonObject(with: reply) as? [String: Any] ?? [:]
        if let error = object["error"] as? [String: Any] {
            throw CDPError("\(method): \(error["message"] ?? error) \(error["data"] ?? "")")
        }
        return object["result"] as? [String: Any] ?? [:]
    }

    /// Uncaught JavaScript exceptions reported by attached pages (Runtime.exceptionThrown).
    var exceptions: [String] { state.withLock { $0.exceptions } }

    func close() {
        outbound.finish()
        failAll(CDPError("DevTools connection closed by the test"))
        state.withLock { $0.socketTask }?.cancel()
    }

    private func receive(_ text: String) {
        guard let data = text.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return }
        if let id = object["id"] as? Int {
            state.withLock { $0.waiting.removeValue(forKey: id) }?.resume(returning: data)
        } else if object["method"] as? String == "Runtime.exceptionThrown" {
            let details = (object["params"] as? [String: Any])?["exceptionDetails"] as? [String: Any]
            let exception = details?["exception"] as? [String: Any]
            let summary = "\(exception?["description"] ?? details?["text"] ?? "exception")"
            state.withLock { $0.exceptions.append(summary) }
        }
    }

    private func fail(id: Int, _ error: CDPError) {
        state.withLock { $0.waiting.removeValue(forKey: id) }?.resume(throwing: error)
    }

    private func failAll(_ error: CDPError) {
        let waiting = state.withLock { s in
            if s.failure == nil { s.failure = error }
            defer { s.waiting = [:] }
            return s.waiting
        }
        for continuation in waiting.values { continuation.resume(throwing: error) }
    }
}
