import Foundation
import TestSupport
import Hummingbird
import LabelServer
import NPYFormat
@testable import LabelStore

/// A store with two runs and a live server on a free loopback port, for one test.
final class TestServer: @unchecked Sendable {
    let folder: String
    let store: LabelStore
    let http: RawHTTP
    private let server: RunningServer

    /// Runs: "r" (5 images, 4 channels, 6 high × 8 wide, norm of token (x, y) of image i planted
    /// larger at (2, 2)), "big" (2 images, 48×48).
    static func start(token: String? = nil, maxBodyBytes: Int = 16 * 1024, web: String? = nil) async throws -> TestServer {
        let folder = try TempFolder.create("normlab-srv")
        let store = try LabelStore(path: folder + "/db.sqlite")
        try await importRun(store, folder: folder, name: "r", n: 5, c: 4, h: 6, w: 8)
        try await importRun(store, folder: folder, name: "big", n: 2, c: 2, h: 48, w: 48)
        let webRoot = web ?? folder + "/web"
        try FileManager.default.createDirectory(atPath: webRoot, withIntermediateDirectories: true)
        try "<h1>labeler</h1>".write(toFile: webRoot + "/index.html", atomically: true, encoding: .utf8)
        let options = ServerOptions(host: "127.0.0.1", port: 0, token: token, webRoot: webRoot, maxBodyBytes: maxBodyBytes)
        let server = try await RunningServer.start(store: store, options: options)
        return TestServer(folder: folder, store: store, http: RawHTTP(port: server.port), server: server)
    }

    private init(folder: String, store: LabelStore, http: RawHTTP, server: RunningServer) {
        self.folder = folder
        self.store = store
        self.http = http
        self.server = server
    }

    func stop() async {
        try? await server.stop()
        try? FileManager.default.removeItem(atPath: folder)
    }

    static func importRun(_ store: LabelStore, folder: String, name: String, n: Int, c: Int, h: Int, w: Int) async throws {
        var run = PlantedRun(count: n, channels: c, height: h, width: w, background: 0.5)
        for i in 0..<n { run.plantToken(image: i, x: 2, y: 2, Float(i + 2)) }
        try await run.importRun(into: store, folder: folder, run: name)
    }
}

/// Runs `body` against a fresh server and always stops it.
func withServer(token: String? = nil, maxBodyBytes: Int = 16 * 1024, _ body: (TestServer) async throws -> Void) async throws {
    let server = try await TestServer.start(token: token, maxBodyBytes: maxBodyBytes)
    do {
        try await body(server)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}
