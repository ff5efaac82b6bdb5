import Foundation

/// The port `normlab serve --port 0` bound, from the first line it prints (`… http://127.0.0.1:PORT …`).
/// Reads only that line; the caller keeps draining the pipe so the server never blocks on it.
public func servedPort(from pipe: Pipe) throws -> Int {
    var data = Data()
    while !data.contains(UInt8(ascii: "\n")) {
        let chunk = pipe.fileHandleForReading.availableData
        if chunk.isEmpty { break }
        data += chunk
    }
    let line = String(decoding: data, as: UTF8.self)
    guard let range = line.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression),
          let port = Int(line[range].split(separator: ":").last ?? "") else {
        throw HTTPClientError("normlab serve printed no URL: \(line)")
    }
    return port
}
