import FeatureStore
import Foundation
import TestSupport
import PowerFS
import Testing

/// `normlab extract` under simulated power cuts (a FUSE layer that keeps only what was fsynced,
/// Tests/PowerFS): cut mid-batch, the next run resumes from the batches that were durable; cut right
/// after it exits, both runs are there; the result equals an uninterrupted run byte for byte.
@Suite(.serialized) struct ExtractPowerLossTests {
    @Test func extractionSurvivesPowerCuts() throws { // blocking waits: a starved task would miss the moment
        let (dir, images, model) = try ExtractCommandTests.workspace()
        defer { try? FileManager.default.removeItem(atPath: dir); try? FileManager.default.removeItem(atPath: model) }
        let folder = try PowerLossFolder(name: "extract")
        defer { folder.remove() }
        for db in [folder.backing + "/a.sqlite", dir + "/b.sqlite"] { // set up before the power goes out
            let add = try runNormlab(["dataset", "add", "--db", db, "photos", images])
            try #require(add.status == 0, "\(add.stderr)")
        }
        try folder.mountLayer()
        let db = folder.path("a.sqlite")
        var rng = SplitMix(seed: 7)
        try cutMidBatch(db: db, model: model, folder: folder, delayMs: Int.random(in: 100...1400, using: &rng))

        let resumed = try runNormlab(ExtractCommandTests.extractArgs(db, model))
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resuming run 'r_up_blocks1'"), "the durable batches were lost: \(resumed.stderr)")
        try folder.cut(killing: []) // right after the command reported success
        print("power loss (extract): cut mid-batch, resumed: \(resumed.stderr.split(separator: "\n").first { $0.contains("resuming") } ?? "no")")

        let straight = try runNormlab(ExtractCommandTests.extractArgs(dir + "/b.sqlite", model))
        #expect(straight.status == 0, "\(straight.stderr)")
        for run in ["r_up_blocks1", "r_conv_in"] {
            for file in ["features.npy", "norms.npy"] {
                let a = FileManager.default.contents(atPath: folder.path("a.features/\(run)/\(file)"))
                let b = FileManager.default.contents(atPath: "\(dir)/b.features/\(run)/\(file)")
                #expect(a != nil && a == b, "\(run)/\(file): after the cuts \(a.map { "\($0.count) bytes" } ?? "missing"), differs from an uninterrupted run")
            }
        }
        let again = try runNormlab(ExtractCommandTests.extractArgs(db, model))
        #expect(again.status != 0 && again.stderr.contains("already exists"), "\(again.stderr)")
        try folder.unmountCleanly()
    }

    /// Starts a slowed-down extraction and cuts the power `delayMs` after two images are durable.
    private func cutMidBatch(db: String, model: String, folder: PowerLossFolder, delayMs: Int) throws {
        let log = folder.root + "/extract-cut.log"
        FileManager.default.createFile(atPath: log, contents: nil)
        let p = try startNormlab(ExtractCommandTests.extractArgs(db, model) + ["--throttle-ms", "1500"],
                                 stderr: try FileHandle(forWritingTo: URL(fileURLWithPath: log)))
        let progress = folder.path("a.features/.staging-r_up_blocks1/progress.bin")
        let deadline = Date().addingTimeInterval(60)
        var done = 0
        while Date() < deadline, p.isRunning {
            done = (FileManager.default.contents(atPath: progress) ?? Data()).filter { $0 == 1 }.count
            if done >= 2 { break }
            usleep(20_000)
        }
        usleep(UInt32(delayMs) * 1000)
        let running = p.isRunning
        try folder.cut(killing: [p])
        let printed = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        try #require(done >= 2 && running, "cut after \(done) of 5 images, extraction running: \(running); it printed: \(printed.suffix(2000))")
    }
}
