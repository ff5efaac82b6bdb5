import ArgumentParser
import FeatureStore
import Foundation
import LabelStore
import LoopbackHTTP
#if canImport(Glibc)
import Glibc
#endif

/// `normlab bench soak`: a real `normlab serve` process under 8 annotators for minutes, on loopback.
struct SoakBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Run `normlab serve` under concurrent annotators for a while: latency per window, server RSS, errors.",
        discussion: """
            Each annotator keeps one keep-alive connection and, without pause, visits images in turn: reads the
            annotations and the norm map, adds a patch (removing it again on every third visit), marks the image
            reviewed, and lists the whole run every 50 visits. The server is this executable's `serve`, stopped
            with SIGTERM at the end; any non-2xx answer, a non-zero exit or anything it prints on stderr fails the run.
            Example: swift run -c release normlab bench soak --minutes 10
            """)

    @Option(help: "Duration in minutes (fractions allowed).") var minutes = 10.0
    @Option(help: "Concurrent annotators.") var clients = 8
    @Option(help: "Images in the run.") var images = 10_000
    @Option(help: "Seconds per reported window.") var window = 60.0
    @Option(help: "Scratch folder (deleted afterwards).") var folder = NSTemporaryDirectory() + "normlab-bench-soak"

    func run() async throws {
        try? FileManager.default.removeItem(atPath: folder)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let db = folder + "/soak.sqlite"
        try await makeRun(db: db)
        let server = try ServeProcess(db: db, web: folder)
        defer { server.kill() }
        let rssStart = server.rssMiB()
        print("normlab bench soak: \(clients) annotators × \(minutes) min against a \(images)-image run, serve pid \(server.pid), "
            + "RSS at start \(String(format: "%.1f", rssStart)) MiB")
        let start = DispatchTime.now().uptimeNanoseconds
        let end = start + UInt64(minutes * 60e9)
        let sampler = Task { try await sampleRSS(server, start: start, end: end) }
        let samples = try await annotate(port: server.port, start: start, end: end).flatMap { $0 }
        let rss = try await sampler.value
        let rssEnd = server.rssMiB()
        let stderr = try server.stop()
        printWindows(samples, rss: rss)
        guard stderr.isEmpty else { throw ValidationErrorText("normlab serve wrote on stderr:\n\(stderr)") }
        print(String(format: "server RSS: %.1f MiB at start, %.1f MiB at the end; %d requests; stopped with SIGTERM, exit 0, stderr empty",
                     rssStart, rssEnd, samples.count))
    }

    /// The run, with a fifth of it labeled as a half-done job would be.
    private func makeRun(db: String) async throws {
        let store = try LabelStore(path: db)
        let shape = FeatureShape(count: images, channels: 1, height: 32, width: 32)
        let (staging, relative) = try store.stagingFolder(run: "soak")
        let writer = try FeatureWriter.create(folder: staging, shape: shape)
        try SyntheticFeatures(shape: shape).write(to: writer)
        try writer.finish()
        _ = try await store.registerRun(name: "soak", dataset: "soak", shape: shape, staging: staging, relative: relative,
                                        metadata: RunMetadata(source: "synthetic"))
        let rows = stride(from: 0, to: images, by: 5).map { (source: "soak", row: LabelRow(image: $0, x: 2 * ($0 % 16), y: 6)) }
        try await store.importLabels(run: "soak", kind: .patch2x2, rows: rows, sourceName: "soak", by: .cli(annotator: "soak"))
    }

    /// Every annotator's samples; throws on the first answer that is not 2xx.
    private func annotate(port: Int, start: UInt64, end: UInt64) async throws -> [[Sample]] {
        let (clients, images) = (self.clients, self.images)
        return try await onThreads(clients) { client in
            let connection = try LoopbackConnection(port: port)
            var samples: [Sample] = []
            var visit = 0
            func timed(_ kind: Sample.Kind, _ method: String, _ path: String, _ body: String = "") throws {
                let t0 = DispatchTime.now().uptimeNanoseconds
                let status = try connection.request(method, path, body: body).status
                let t1 = DispatchTime.now().uptimeNanoseconds
                guard (200..<300).contains(status) else { throw ValidationErrorText("\(method) \(path) answered \(status)") }
                samples.append(Sample(kind: kind, at: Double(t1 - start) / 1e9, ms: Double(t1 - t0) / 1e6))
            }
            while DispatchTime.now().uptimeNanoseconds < end {
                let image = (client * images / clients + visit) % images
                let base = "/api/runs/soak/images/\(image)"
                let (x, y) = (2 * (visit % 16), 2 * (client % 16))
                try timed(.read, "GET", base + "/annotations")
                try timed(.read, "GET", base + "/norm.png")
                try timed(.write, "POST", base + "/annotations", #"{"x":\#(x),"y":\#(y),"annotator":"soak\#(client)"}"#)
                if visit % 3 == 0 { try timed(.write, "DELETE", base + "/annotations?x=\(x)&y=\(y)&kind=patch2x2") }
                try timed(.write, "PUT", base + "/reviewed", #"{"reviewed":true,"annotator":"soak\#(client)"}"#)
                if visit % 50 == 49 { try timed(.list, "GET", "/api/runs/soak/images") }
                visit += 1
            }
            return samples
        }
    }

    /// The server's RSS at the end of every window.
    private func sampleRSS(_ server: ServeProcess, start: UInt64, end: UInt64) async throws -> [Double] {
        var rss: [Double] = []
        var next = start + UInt64(window * 1e9)
        while next <= end {
            let now = DispatchTime.now().uptimeNanoseconds
            if next > now { try await Task.sleep(nanoseconds: next - now) }
            rss.append(server.rssMiB())
            next += UInt64(window * 1e9)
        }
        return rss
    }

    private func printWindows(_ samples: [Sample], rss: [Double]) {
        print("window        requests   writes p50 / p99 / max (ms)     reads p50 / p99 (ms)   list p50 (ms)   server RSS (MiB)")
        let windows = Int((samples.map(\.at).max() ?? 0) / window) + 1
        for w in 0..<windows {
            let inWindow = samples.filter { Int($0.at / window) == w }
            func sorted(_ kind: Sample.Kind) -> [Double] { inWindow.filter { $0.kind == kind }.map(\.ms).sorted() }
            let (writes, reads, lists) = (sorted(.write), sorted(.read), sorted(.list))
            print(String(format: "%4.0f–%4.0f s  %8d   %6.2f / %6.2f / %7.2f      %6.2f / %6.2f        %7.1f         %@",
                         Double(w) * window, Double(w + 1) * window, inWindow.count,
                         percentile(writes, 0.5), percentile(writes, 0.99), writes.last ?? 0,
                         percentile(reads, 0.5), percentile(reads, 0.99), percentile(lists, 0.5),
                         (w < rss.count ? String(format: "%.1f", rss[w]) : "–") as NSString))
        }
        let all = samples.filter { $0.kind == .write }.map(\.ms).sorted()
        print(String(format: "all writes: n=%d, p50 %.2f ms, p99 %.2f ms, max %.2f ms", all.count, percentile(all, 0.5),
                     percentile(all, 0.99), all.last ?? 0))
    }
}

/// One timed request: what it was, when it ended (seconds since the start) and how long it took.
private struct Sample: Sendable {
    enum Kind: Sendable { case read, write, list }
    let kind: Kind
    let at: Double
    let ms: Double
}

/// This executable's `serve` as a child process on a free loopback port, its stderr kept in a file.
/// Unchecked: the `Process` is started in `init` and stopped once at the end; in between only `/proc` is read.
private final class ServeProcess: @unchecked Sendable {
    let process: Process
    let port: Int
    let stderrPath: String
    var pid: Int32 { process.processIdentifier }

    init(db: String, web: String) throws {
        try "<h1>soak</h1>".write(toFile: web + "/index.html", atomically: true, encoding: .utf8)
        stderrPath = web + "/serve.stderr"
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["serve", "--db", db, "--port", "0", "--web", web]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()
        do { port = try servedPort(from: out) } catch {
            process.terminate()
            throw error
        }
    }

    /// Resident set size now (VmRSS), in MiB.
    func rssMiB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return (line.split(separator: " ").compactMap { Double($0) }.first ?? 0) / 1024
    }

    /// SIGTERM, as a service manager stops it; returns what the server wrote on stderr.
    func stop() throws -> String {
        process.terminate()
        process.waitUntilExit()
        let stderr = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw ValidationErrorText("normlab serve did not exit cleanly on SIGTERM (status \(process.terminationStatus)): \(stderr)")
        }
        return stderr
    }

    func kill() {
        if process.isRunning { process.terminate() }
    }
}
