import Foundation
import LoopbackHTTP
import TestSupport

/// Starts the real `normlab serve --port 0` and reads the bound port from its first line of output
/// (the rest of its output is drained, so the server never blocks on a full pipe).
func startServe(db: String, web: String, environment: [String: String] = [:]) async throws -> (Process, Int) {
    try "<h1>x</h1>".write(toFile: web + "/index.html", atomically: true, encoding: .utf8)
    let pipe = Pipe()
    let process = try startNormlab(["serve", "--db", db, "--port", "0", "--web", web], environment: environment, stdout: pipe)
    do {
        let port = try await onThread { try servedPort(from: pipe) }
        Thread { while !pipe.fileHandleForReading.availableData.isEmpty {} }.start()
        return (process, port)
    } catch {
        process.terminate()
        throw error
    }
}
