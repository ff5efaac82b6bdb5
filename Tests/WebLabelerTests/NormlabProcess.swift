import Foundation
import TestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The real `normlab` executable that `swift test` builds next to the test bundle.
enum Normlab {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs `normlab args…` to completion; a non-zero exit throws with what it printed.
    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let (status, text) = try normlab(arguments)
        guard status == 0 else {
            throw CDPError("normlab \(arguments.joined(separator: " ")) exited \(status): \(text)")
        }
        return text
    }
}

/// `normlab serve` on a free loopback port, for the duration of one test.
final class LabelServer: @unchecked Sendable { // Process is only started and stopped, from the test task
    let port: Int
    let baseURL: String
    private let process: Process
    private let log: URL

    let token: String?

    init(database: URL, token: String? = nil) async throws {
        self.token = token
        port = try Self.freePort()
        baseURL = "http://127.0.0.1:\(port)"
        log = database.deletingLastPathComponent().appendingPathComponent("serve.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let output = try FileHandle(forWritingTo: log)
        // From the package root, as a user runs it there: the server finds WebLabeler/ beside it.
        process = try startNormlab(["serve", "--db", database.path, "--host", "127.0.0.1", "--port", "\(port)"] + (token.map { ["--token", $0] } ?? []),
                                   directory: Normlab.packageRoot.path, stdout: output, stderr: output)
        try await waitUntilServing()
    }

    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// SIGKILL, not SIGTERM: Foundation's Process spawns children with the calling (libdispatch
    /// worker) thread's signal mask, which blocks SIGTERM, so a polite stop would never arrive.
    /// The store promises that acknowledged writes survive kill -9, so this is also a fair stop.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    private func waitUntilServing() async throws {
        var request = URLRequest(url: URL(string: "\(baseURL)/api/runs")!)
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for _ in 0..<300 {
            if let (_, response) = try? await URLSession.shared.data(for: request),
               (response as? HTTPURLResponse)?.statusCode == 200 { return }
            guard process.isRunning else { throw CDPError("normlab serve exited early:\n\(output)") }
            try await Task.sleep(for: .milliseconds(100))
        }
        stop()
        throw CDPError("normlab serve did not answer on \(baseURL) within 30 s:\n\(output)")
    }

    /// Asks the kernel for a free loopback port (bind to port 0), then releases it for the server.
    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CDPError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw CDPError("could not bind a loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
