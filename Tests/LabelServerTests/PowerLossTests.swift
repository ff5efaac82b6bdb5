import FeatureStore
import Foundation
import TestSupport
import NPYFormat
import PowerFS
import Testing
@testable import LabelStore

/// Simulated power cuts (not `kill -9`, which keeps the page cache): `normlab serve` and
/// `normlab labels import` run on a FUSE layer that keeps only what was fsynced (Tests/PowerFS).
/// Figures for RELIABILITY.md: `swift test --filter PowerLossTests 2>&1 | grep 'power loss'`.
@Suite(.serialized) struct PowerLossTests {
    /// Eight annotators add and delete over HTTP; the power goes at random moments. After every
    /// cut the database opens, passes integrity_check, holds every acknowledged write and no refused one.
    @Test func acknowledgedAnnotationsSurvivePowerCuts() async throws {
        let run = try await Self.annotate(cuts: 20, synchronous: nil)
        #expect(run.cuts == 20)
        #expect(run.unexpected.isEmpty, "\(run.unexpected.prefix(5))")
        #expect(run.unsound.isEmpty, "\(run.unsound)")
        #expect(run.lost.isEmpty, "\(run.lost.prefix(10))")
        #expect(run.refusedStored.isEmpty, "\(run.refusedStored)")
        #expect(run.refusedCount > 0)
        #expect(run.acknowledged >= 20 * 8, "too few writes between the cuts to test anything")
        print("power loss (synchronous=FULL): \(run.cuts) cuts survived, \(run.acknowledged) acknowledged writes, \(run.lost.count) lost, \(run.refusedCount) refused writes, none stored")
    }

    /// The harness can fail: with the store's fsyncs switched off (or reduced to NORMAL, which
    /// `kill -9` cannot tell from FULL) it must report lost acknowledged writes.
    @Test(arguments: ["OFF", "NORMAL"]) func catchesAStoreThatDoesNotSync(_ mode: String) async throws {
        let run = try await Self.annotate(cuts: 3, synchronous: mode)
        #expect(!run.lost.isEmpty || !run.unsound.isEmpty, "synchronous=\(mode) lost nothing in \(run.cuts) cuts: the harness cannot see fsync")
        print("power loss (synchronous=\(mode)): \(run.lost.count) of \(run.acknowledged) acknowledged writes lost in \(run.cuts) cut(s)\(run.unsound.isEmpty ? "" : "; unsound: \(run.unsound)")")
    }

    /// `normlab labels import` of 16,384 rows is cut right after it exits, then at 10, 30, 60 and 90 % of that time: each time the
    /// run holds all rows or none, and all of them once the command has exited successfully. On a busy host the first import can
    /// finish faster than later ones start, so cuts that found the import already done are retried earlier (up to four more)
    /// until at least two cuts landed mid-way.
    @Test func labelImportIsAllOrNothing() async throws {
        let folder = try PowerLossFolder(name: "import")
        defer { folder.remove() }
        let runs = (0..<9).map { "i\($0)" }
        do {
            let store = try LabelStore(path: folder.backing + "/db.sqlite")
            for r in runs { try await TestServer.importRun(store, folder: folder.root, name: r, n: 16, c: 1, h: 64, w: 64) }
        }
        let rows = (0..<16).flatMap { i in (0..<32).flatMap { y in (0..<32).map { x in LabelRow(image: i, x: 2 * x, y: 2 * y) } } }
        try NPY.write(rows.flatMap { [Int64($0.image), Int64($0.x), Int64($0.y)] }, shape: [rows.count, 3], to: folder.root + "/labels.npy")
        try folder.mountLayer()
        let db = folder.path("db.sqlite")
        var duration = 0.0, cutMidway = 0
        var fractions = [0.1, 0.3, 0.6, 0.9], retryFraction = 0.1
        for (k, run) in runs.enumerated() {
            if k > 0, fractions.isEmpty {
                guard cutMidway < 2 else { break }
                retryFraction /= 2; fractions = [retryFraction]
            }
            let started = Date()
            let process = try startNormlab(["labels", "import", "--db", db, "--run", run, folder.root + "/labels.npy"])
            if k == 0 { process.waitUntilExit(); duration = Date().timeIntervalSince(started) } // cut right after it exits
            else { usleep(UInt32(duration * fractions.removeFirst() * 1e6)) } // blocking: a starved task would cut late
            let finished = !process.isRunning && process.terminationStatus == 0
            if process.isRunning { cutMidway += 1 }
            try folder.cut(killing: [process])
            let after = AfterCut.inspect(db: db, run: run)
            #expect(after.isSound, "cut \(k): \(after.openError ?? "\(after.integrity)")")
            #expect(after.rows.isEmpty || after.rows == Set(rows), "cut \(k): \(after.rows.count) of \(rows.count) rows")
            #expect(!finished || after.rows.count == rows.count, "cut \(k): an import that exited 0 lost rows")
            print("power loss (labels import): cut \(k) at \(finished ? "exit" : "mid-way"): \(after.rows.count) of \(rows.count) rows")
        }
        #expect(cutMidway >= 2, "the import (\(duration) s) ended before most cuts")
        try folder.unmountCleanly()
    }

    struct Figures {
        var cuts = 0, acknowledged = 0, refusedCount = 0
        var lost: [String] = [], unsound: [String] = [], refusedStored: [LabelRow] = [], unexpected: [String] = []
    }

    /// Runs the annotators against `normlab serve` on the layer, cutting the power `cuts` times
    /// (a weak `synchronous` mode stops at the first cut that loses something).
    static func annotate(cuts: Int, synchronous: String?) async throws -> Figures {
        let folder = try PowerLossFolder(name: "annotate")
        defer { folder.remove() }
        do { // set up on the backing folder: durable before the first cut
            let store = try LabelStore(path: folder.backing + "/db.sqlite")
            try await TestServer.importRun(store, folder: folder.backing, name: "r", n: 4, c: 2, h: 32, w: 32)
        }
        let web = folder.root + "/web"
        try FileManager.default.createDirectory(atPath: web, withIntermediateDirectories: true)
        try folder.mountLayer()
        let db = folder.path("db.sqlite")
        var logs = (0..<8).map { AnnotatorLog(client: $0) }
        var rng = SplitMix(seed: 13)
        var figures = Figures()
        for round in 0..<cuts {
            let (server, port) = try await startServe(db: db, web: web, environment: synchronous.map { ["NORMLAB_TEST_SYNCHRONOUS": $0] } ?? [:])
            let acks = AckCounter()
            let seed = rng.next()
            let clients = Task { [logs] in
                await withTaskGroup(of: AnnotatorLog.self) { group in
                    for var log in logs { group.addTask { await log.run(RawHTTP(port: port), seed: seed &+ UInt64(log.client), acks: acks); return log } }
                    return await group.reduce(into: []) { $0.append($1) }.sorted { $0.client < $1.client }
                }
            }
            // A random moment once the clients are under way.
            let deadline = Date().addingTimeInterval(10)
            while acks.count < 8, Date() < deadline { try await Task.sleep(for: .milliseconds(5)) }
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...300, using: &rng)))
            try folder.cut(killing: [server])
            logs = await clients.value
            figures.cuts += 1
            let after = AfterCut.inspect(db: db, run: "r")
            guard after.isSound else { figures.unsound.append("cut \(round): \(after.openError ?? "\(after.integrity)")"); break }
            for i in logs.indices {
                let (lost, refused) = logs[i].check(after.rows)
                figures.lost += lost.map { "cut \(round): \($0)" }
                figures.refusedStored += refused
            }
            if synchronous != nil, !figures.lost.isEmpty { break }
        }
        try folder.unmountCleanly()
        figures.acknowledged = logs.map(\.acknowledgedCount).reduce(0, +)
        figures.refusedCount = logs.map(\.refusedWrites).reduce(0, +)
        figures.unexpected = logs.flatMap(\.unexpected)
        return figures
    }
}
