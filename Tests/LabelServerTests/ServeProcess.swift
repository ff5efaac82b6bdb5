import Foundation
import TestSupport

/// Starts the real `normlab serve --port 0` and reads the bound port from its first line of output
/// (the rest of its output is drained, so the server never blocks on a full pipe).
func startServe(db: String, web: String, environment: [String: String] = [:]) async throws -> (Process, Int) {
    try "<h1>x</h1>".write(toFile: web + "/index.html", atomically: true, encoding: .utf8)
    let pipe = Pipe()
    let process = try startNormlab(["serve", "--db", db, "--port", "0", "--web", web], environment: environment, stdout: pipe)
    let line = await Task.detached {
        var data = Data()
        while !data.contains(UInt8(ascii: "\n")) {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            data += chunk
        }
        return String(decoding: data, as: UTF8.self)
    }.value
    Thread { while !pipe.fileHandleForReading.availableData.isEmpty {} }.start()
    guard let range = line.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression),
          let port = Int(line[range].split(separator: ":").last ?? "") else {
        process.terminate()
        throw Failure("normlab serve printed no URL: \(line)")
    }
    return (process, port)
}
