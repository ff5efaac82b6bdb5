import ArgumentParser
import FeatureStore
import Foundation
import LabelServer
import LabelStore
import LoopbackHTTP

/// `normlab bench labeling`: the labeling service's performance targets (README, "Labeler" and "HTTP API").
struct LabelingBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labeling",
        abstract: "Time annotation toggles (8 concurrent clients), 48×48 norm PNGs and a 10,000-image run listing, on loopback.",
        discussion: "Example: swift run -c release normlab bench labeling   (targets: toggle p99 < 20 ms, PNG < 2 ms, listing < 200 ms)")

    @Option(help: "Concurrent clients.") var clients = 8
    @Option(help: "Toggles (add or remove) per client.") var toggles = 200
    @Option(help: "Toggle rounds per commit mode, interleaved (each write its own commit, then grouped, and again).")
    var rounds = 2
    @Option(help: "Images in the listing run.") var images = 10_000
    @Option(help: "Scratch folder (deleted afterwards).") var folder = NSTemporaryDirectory() + "normlab-bench-labeling"

    func run() async throws {
        try? FileManager.default.removeItem(atPath: folder)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/bench.sqlite"
        let store = try LabelStore(path: path)
        try await addRun(store, "grid48", FeatureShape(count: 16, channels: 64, height: 48, width: 48))
        try await addRun(store, "list10k", FeatureShape(count: images, channels: 1, height: 32, width: 32))
        try await labelSome(store, run: "list10k")
        print("normlab bench labeling: loopback, \(ProcessInfo.processInfo.activeProcessorCount) cores")
        // The same toggles against a server whose store commits each write alone, then one that
        // groups concurrent writes, interleaved so that both see the same machine load.
        var toggle: [CommitMode: [Double]] = [:]
        var shared: (writes: Int, commits: Int) = (0, 0)
        for _ in 0..<rounds {
            for mode in [CommitMode.eachWrite, .grouped] {
                let modeStore = try LabelStore(path: path, commitMode: mode)
                let server = try await RunningServer.start(store: modeStore, options: ServerOptions(port: 0, webRoot: folder))
                toggle[mode, default: []] += try await toggleLatencies(port: server.port)
                try await server.stop()
                if mode == .grouped {
                    let c = await modeStore.groupCommitCounts()
                    shared = (shared.writes + c.writes, shared.commits + c.commits)
                }
            }
        }
        report("annotation toggle (\(clients) clients × \(toggles) × \(rounds)), a commit per write", toggle[.eachWrite] ?? [])
        report("annotation toggle (\(clients) clients × \(toggles) × \(rounds)), grouped commits", toggle[.grouped] ?? [])
        print(String(format: "grouped: %d writes in %d commits (%.2f writes per fsync)", shared.writes, shared.commits,
                     Double(shared.writes) / Double(max(1, shared.commits))))
        let server = try await RunningServer.start(store: store, options: ServerOptions(port: 0, webRoot: folder))
        let port = server.port
        report("48×48 norm.png over HTTP (1 client)", try await sequential(port: port, 300) { "/api/runs/grid48/images/\($0 % 16)/norm.png" })
        report("list \(images)-image run over HTTP (filter=all)", try await sequential(port: port, 30) { _ in "/api/runs/list10k/images" })
        report("GET /api/runs", try await sequential(port: port, 30) { _ in "/api/runs" })
        try await server.stop()
    }

    private func addRun(_ store: LabelStore, _ name: String, _ shape: FeatureShape) async throws {
        let (staging, relative) = try store.stagingFolder(run: name)
        let writer = try FeatureWriter.create(folder: staging, shape: shape)
        try SyntheticFeatures(shape: shape).write(to: writer)
        try writer.finish()
        _ = try await store.registerRun(name: name, dataset: name, shape: shape, staging: staging, relative: relative, metadata: RunMetadata(source: "synthetic"))
    }

    /// A realistic state for the listing: a fifth of the images labeled or reviewed.
    private func labelSome(_ store: LabelStore, run: String) async throws {
        let rows = stride(from: 0, to: images, by: 7).map { (source: "bench", row: LabelRow(image: $0, x: 2 * ($0 % 16), y: 4)) }
        try await store.importLabels(run: run, kind: .patch2x2, rows: rows, reviewed: Array(stride(from: 3, to: images, by: 11)),
                                     sourceName: "bench", by: .cli(annotator: "bench"))
    }

    /// Each client toggles its own patches on the 48×48 run: add, then remove, and so on.
    private func toggleLatencies(port: Int) async throws -> [Double] {
        let toggles = self.toggles
        let perClient = try await onThreads(clients) { client in
            let connection = try LoopbackConnection(port: port)
            var times: [Double] = []
            for i in 0..<toggles {
                let (image, x, y) = (client % 16, 2 * ((i / 2) % 24), 2 * (client % 24))
                let path = "/api/runs/grid48/images/\(image)/annotations"
                let t0 = DispatchTime.now().uptimeNanoseconds
                let status = i % 2 == 0
                    ? try connection.request("POST", path, body: #"{"x":\#(x),"y":\#(y),"annotator":"bench"}"#).status
                    : try connection.request("DELETE", path + "?x=\(x)&y=\(y)&kind=patch2x2").status
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                guard status == 201 || status == 200 || status == 204 else { throw ValidationErrorText("toggle answered \(status)") }
            }
            return times
        }
        return perClient.flatMap { $0 }
    }

    private func sequential(port: Int, _ count: Int, _ path: @escaping @Sendable (Int) -> String) async throws -> [Double] {
        try await onThreads(1) { _ in
            let connection = try LoopbackConnection(port: port)
            return try (0..<count).map { i in
                let t0 = DispatchTime.now().uptimeNanoseconds
                let status = try connection.request("GET", path(i)).status
                guard status == 200 else { throw ValidationErrorText("GET \(path(i)) answered \(status)") }
                return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
            }
        }[0]
    }

    private func report(_ what: String, _ ms: [Double]) {
        let s = ms.sorted()
        print(String(format: "%-66@ n=%5d  median %7.2f ms  p99 %7.2f ms  max %7.2f ms", what as NSString, s.count,
                     percentile(s, 0.5), percentile(s, 0.99), s.last ?? 0))
    }
}

/// The nearest-rank percentile of ascending `sorted` (0 when empty).
func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    return sorted[max(0, min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1))]
}
