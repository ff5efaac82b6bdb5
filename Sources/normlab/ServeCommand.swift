import ArgumentParser
import Foundation
import LabelServer
import LabelStore

/// `normlab serve`.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the WebLabeler UI and the labeling HTTP API.",
        discussion: "Binding to anything but loopback requires --token; every /api call must then send it.")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Port (0 = any free port).") var port = 8080
    @Option(help: "API token (required for non-loopback hosts).") var token: String?
    @Option(help: "The WebLabeler folder (default: ./WebLabeler, else the one in the normlab source tree).") var web: String?

    func run() async throws {
        let store = try database.open()
        try await serve(store: store, host: host, port: port, token: token, web: web)
    }
}

/// Shared by `serve` and `demo`: prints the URL once the socket is bound.
func serve(store: LabelStore, host: String, port: Int, token: String?, web: String?) async throws {
    let root = try webRoot(web)
    let options = ServerOptions(host: host, port: port, token: token, webRoot: root)
    try await LabelServer.serve(store: store, options: options) { bound in
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let query = token.map { "?token=\($0)" } ?? ""
        print("normlab: serving \(store.path) — open http://\(shownHost):\(bound)/\(query)   (Ctrl+C stops)")
        fflush(nil) // stdout may be a pipe (tests read the URL from it)
    }
}

/// The WebLabeler folder: as given, ./WebLabeler, or the source tree's (found from the executable,
/// which `swift run` keeps in <package>/.build/<config>/).
func webRoot(_ given: String?) throws -> String {
    if let given {
        guard FileManager.default.fileExists(atPath: given + "/index.html") else {
            throw ValidationError("--web \(given): no index.html in that folder")
        }
        return given
    }
    var candidates = ["WebLabeler"]
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    for _ in 0..<5 {
        candidates.append(dir.appendingPathComponent("WebLabeler").path)
        dir = dir.deletingLastPathComponent()
    }
    if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0 + "/index.html") }) { return found }
    note("normlab: warning: no WebLabeler folder found (pass --web DIR); serving the API only")
    return "WebLabeler"
}
