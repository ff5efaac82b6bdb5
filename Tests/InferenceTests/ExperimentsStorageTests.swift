import TestSupport
import Foundation
import Testing
import NPYFormat

/// Where `normlab experiments run` keeps the probe's layer features: temporary files gone after a run,
/// `--max-temp-gb` layer groups with the same numbers as one pass, `--keep-features` equal to `extract`,
/// and a probe killed mid-way resuming at the next layer. Tiny pipeline, five photographs.
@Suite(.serialized) struct ExperimentsStorageTests {
    typealias Workspace = (dir: String, db: String, model: String)
    static let layers = ["conv_in", "down_blocks[1].attentions[0]", "up_blocks[1].upsamplers[0]"]
    /// The same layers as folder names (the layout of `extract`'s runs).
    static let folders = ["conv_in", "down_blocks1.attentions0", "up_blocks1.upsamplers0"]
    static let probe = ["--experiments", "position", "--positions", layers.joined(separator: ",")]

    static func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }
    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    @Test func keptFeaturesEqualExtractAndNoTemporaryFilesRemain() throws {
        let w = try ExperimentsCommandTests.workspace()
        defer { try? FileManager.default.removeItem(atPath: w.dir); try? FileManager.default.removeItem(atPath: w.model) }
        let a = try ExperimentsCommandTests.run(w, Self.probe + ["--keep-features", "-o", w.dir + "/a"])
        try #require(a.status == 0, "\(a.stderr)")
        #expect(!Self.exists(w.dir + "/a/.progress"), "temporary files left in a/.progress")
        let x = try runNormlab(["extract", "--db", w.db, "--dataset", "photos", "--model", w.model, "--batch-size", "2",
                                "--positions", Self.layers.joined(separator: ","), "--run", "x"])
        try #require(x.status == 0, "\(x.stderr)")
        for name in Self.folders {
            for file in ["features.npy", "norms.npy"] {
                let kept = try Self.bytes("\(w.dir)/a/features/\(name)/\(file)")
                #expect(kept == (try Self.bytes("\(w.dir)/lab.features/x_\(name)/\(file)")), "\(name)/\(file) differs from extract's")
            }
        }
        // A bound below one layer: one group per layer, two more passes, the same accuracies.
        let b = try ExperimentsCommandTests.run(w, Self.probe + ["--max-temp-gb", "0.000001", "-o", w.dir + "/b"])
        try #require(b.status == 0, "\(b.stderr)")
        #expect(b.stderr.contains("in 3 groups") && b.stderr.contains("2 more pass"), "\(b.stderr)")
        #expect(try Self.bytes(w.dir + "/b/accuracies_cls.npy") == Self.bytes(w.dir + "/a/accuracies_cls.npy"))
        #expect(!Self.exists(w.dir + "/b/.progress") && !Self.exists(w.dir + "/b/features"), "b kept files it should not")
    }

    /// The killed run's state: layers with saved accuracies.
    static func trainedLayers(_ statePath: String) -> [Int] {
        guard let data = FileManager.default.contents(atPath: statePath),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let acc = json["accuracies"] as? [Any] else { return [] }
        return acc.indices.filter { !(acc[$0] is NSNull) }
    }

    @Test func probeResumesAtTheNextLayerAfterSIGKILL() throws {
        let w = try ExperimentsCommandTests.workspace()
        defer { try? FileManager.default.removeItem(atPath: w.dir); try? FileManager.default.removeItem(atPath: w.model) }
        let args = Self.probe + ["--max-temp-gb", "0.000001"]
        let p = try ExperimentsCommandTests.startSlowly(w, args + ["-o", w.dir + "/a"])
        let state = w.dir + "/a/.progress/state.json"
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline && Self.trainedLayers(state).isEmpty && p.isRunning { usleep(50_000) }
        usleep(300_000) // inside the 1.5 s pause after the first layer, past its file's deletion
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let trained = Self.trainedLayers(state)
        try #require(trained == [0], "killed with trained layers \(trained) (wanted exactly the first)")
        #expect(!Self.exists(w.dir + "/a/.progress/features/layer0.f32"), "the trained layer's temporary file was kept")
        let resumed = try ExperimentsCommandTests.run(w, args + ["-o", w.dir + "/a"])
        #expect(resumed.status == 0 && resumed.stderr.contains("already done"), "\(resumed.stderr)")
        let straight = try ExperimentsCommandTests.run(w, args + ["-o", w.dir + "/b"])
        #expect(straight.status == 0, "\(straight.stderr)")
        #expect(try Self.bytes(w.dir + "/a/accuracies_cls.npy") == Self.bytes(w.dir + "/b/accuracies_cls.npy"),
                "accuracies differ after resuming")
    }
}
