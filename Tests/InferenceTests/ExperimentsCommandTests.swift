import TestSupport
import Foundation
import Testing
import NPYFormat

/// `normlab experiments run` end to end on the tiny SD-1.5-style pipeline and five photographs, against the
/// paper's own experiment functions run through sdhelper on CPU (Tests/FixtureGenerators/make_experiment_fixtures.py),
/// and the inputs it must refuse.
@Suite(.serialized) struct ExperimentsCommandTests {
    static func golden() throws -> String { try Fixture.root() + "/experiments" }

    /// A database with dataset `photos` (the golden photos, or `files` from the pipeline images) and the model folder.
    static func workspace(files: [String]? = nil) throws -> (dir: String, db: String, model: String) {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("experiments-\(UUID())").path
        try fm.createDirectory(atPath: dir + "/images", withIntermediateDirectories: true)
        let source = files == nil ? try golden() + "/images" : try Fixture.root() + "/pipeline/images"
        for name in try files ?? fm.contentsOfDirectory(atPath: source).sorted() {
            try fm.copyItem(atPath: "\(source)/\(name)", toPath: "\(dir)/images/\(name)")
        }
        let add = try runNormlab(["dataset", "add", "--db", dir + "/lab.sqlite", "photos", dir + "/images"])
        try #require(add.status == 0, "\(add.stderr)")
        return (dir, dir + "/lab.sqlite", try PipelineTests.pipelineFolder("sd15_tiny"))
    }

    static func run(_ w: (dir: String, db: String, model: String), _ extra: [String]) throws -> ProcessResult {
        try runNormlab(["experiments", "run", "--db", w.db, "--dataset", "photos", "--model", w.model, "--batch-size", "2"] + extra)
    }

    /// `experiments run` in the background, pausing 1.5 s after every saved unit of work, to be killed mid-way.
    static func startSlowly(_ w: (dir: String, db: String, model: String), _ extra: [String]) throws -> Process {
        try startNormlab(["experiments", "run", "--db", w.db, "--dataset", "photos", "--model", w.model, "--batch-size", "2",
                          "--throttle-ms", "1500"] + extra)
    }

    static func array(_ path: String) throws -> (shape: [Int], values: [Float]) { try NPY.readFloats(path: path) }

    @Test func matchesTheReferenceExperiments() throws {
        let w = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: w.dir); try? FileManager.default.removeItem(atPath: w.model) }
        let g = try Self.golden(), out = w.dir + "/out"
        let r = try Self.run(w, ["--labels", g + "/labels.npy", "-o", out])
        try #require(r.status == 0, "\(r.stderr)")
        #expect(try String(contentsOfFile: out + "/positions.txt", encoding: .utf8) == String(contentsOfFile: g + "/positions.txt", encoding: .utf8))
        for name in ["anomaly_norms", "anomaly_norms_mean", "anomaly_norms_std"] {
            let (got, want) = (try Self.array("\(out)/\(name).npy"), try Self.array("\(g)/\(name).npy"))
            #expect(try NPY.header(path: "\(out)/\(name).npy").dtype == .float64)
            try #require(got.shape == want.shape, "\(name): \(got.shape) vs \(want.shape)")
            let worst = zip(got.values, want.values).map { abs($0 - $1) / max(abs($1), 1e-6) }.max() ?? 0
            #expect(worst <= 1e-3, "\(name): worst relative difference \(worst)")
        }
        for name in ["group_similarities", "group_means"] {
            let (got, want) = (try Self.array("\(out)/\(name).npy"), try Self.array("\(g)/\(name).npy"))
            try #require(got.shape == want.shape, "\(name): \(got.shape) vs \(want.shape)")
            for (k, (a, b)) in zip(got.values, want.values).enumerated() {
                #expect(a.isNaN == b.isNaN && (a.isNaN || abs(a - b) <= 1e-3), "\(name)[\(k)] = \(a), reference \(b)")
            }
        }
        // The probe: the reference's random stream, order and split reproduced, so within 0.02 per entry.
        let (acc, want) = (try Self.array(out + "/accuracies_cls.npy"), try Self.array(g + "/accuracies_cls.npy"))
        try #require(acc.shape == want.shape, "accuracies_cls: \(acc.shape) vs \(want.shape)")
        let worst = zip(acc.values, want.values).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 0.02, "accuracies_cls: worst absolute difference \(worst)")
        for file in ["figure.svg", "summary.txt", "experiment.json"] {
            #expect(FileManager.default.fileExists(atPath: "\(out)/\(file)"), "\(file) missing")
        }
        let list = try runNormlab(["experiments", "list", "--db", w.db])
        #expect(list.status == 0 && list.stdout.contains("anomalies,token-groups,position") && list.stdout.contains(out), "\(list.stdout)")
    }

    @Test func resumesAfterSIGKILLWithTheSameNumbers() throws {
        let w = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: w.dir); try? FileManager.default.removeItem(atPath: w.model) }
        let args = ["--labels", try Self.golden() + "/labels.npy", "--experiments", "anomalies,token-groups",
                    "--positions", "conv_in,down_blocks[2].downsamplers[0],up_blocks[1].upsamplers[0]"]
        let p = try Self.startSlowly(w, args + ["-o", w.dir + "/a"])
        let state = w.dir + "/a/.progress/state.json"
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && !FileManager.default.fileExists(atPath: state) { usleep(50_000) }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        try #require(FileManager.default.fileExists(atPath: state) && !FileManager.default.fileExists(atPath: w.dir + "/a/positions.txt"),
                     "killed before the first batch was saved or after the run finished")
        let resumed = try Self.run(w, args + ["-o", w.dir + "/a"])
        #expect(resumed.status == 0 && resumed.stderr.contains("already done"), "\(resumed.stderr)")
        let straight = try Self.run(w, args + ["-o", w.dir + "/b"])
        #expect(straight.status == 0, "\(straight.stderr)")
        for name in ["anomaly_norms", "group_similarities", "group_means"] {
            let a = try Data(contentsOf: URL(fileURLWithPath: "\(w.dir)/a/\(name).npy"))
            #expect(a == (try Data(contentsOf: URL(fileURLWithPath: "\(w.dir)/b/\(name).npy"))), "\(name) differs after resuming")
        }
    }

    @Test func refusesLabelsOutsideTheGrid() throws {
        let w = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: w.dir); try? FileManager.default.removeItem(atPath: w.model) }
        try NPY.write([Int64](arrayLiteral: 0, 3, 4, 2, 16, 1), shape: [2, 3], to: w.dir + "/bad.npy")
        let r = try Self.run(w, ["--labels", w.dir + "/bad.npy", "--experiments", "anomalies", "-o", w.dir + "/out"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("--labels row 1 (2, 16, 1)") && r.stderr.contains("outside the 16×16 grid"), "\(r.stderr)")
    }

    @Test func refusesImagesOfDifferentSizes() throws {
        let w = try Self.workspace(files: ["img0.png", "img1.png", "gray_24x40.png"])
        defer { try? FileManager.default.removeItem(atPath: w.dir); try? FileManager.default.removeItem(atPath: w.model) }
        let r = try Self.run(w, ["--experiments", "token-groups", "--positions", "conv_in", "-o", w.dir + "/out"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("different sizes") && r.stderr.contains("32×32 (2 images") && r.stderr.contains("40×24 (1 image,"), "\(r.stderr)")
    }

    /// Point labels on the conv_in grid against the region formula in NumPy on sdhelper's representations.
    /// Mean and std over the labels: 1e-3 relative, like the patch labels. Single entries: 1e-3 relative for
    /// regions at or above their map's mean norm (value ≥ 1); a region below it can be one weak token,
    /// where two float32 U-Nets differ by more (the pipeline agrees with PyTorch to 1e-3 of a map's largest
    /// value, not of each token; the worst entry here, 0.495 on a 8×8 map, is 0.4% off), so 1e-2 there.
    @Test func pointLabelsMatchTheReferenceFormula() throws {
        let w = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: w.dir); try? FileManager.default.removeItem(atPath: w.model) }
        let g = try Self.golden(), out = w.dir + "/out"
        let r = try Self.run(w, ["--labels", g + "/labels.npy", "--point-labels", g + "/point_labels.npy", "--experiments", "anomalies", "-o", out])
        try #require(r.status == 0, "\(r.stderr)")
        for name in ["anomaly_norms_points", "anomaly_norms_points_mean", "anomaly_norms_points_std"] {
            let (got, want) = (try Self.array("\(out)/\(name).npy"), try Self.array("\(g)/\(name).npy"))
            try #require(got.shape == want.shape, "\(name): \(got.shape) vs \(want.shape)")
            for (k, (a, b)) in zip(got.values, want.values).enumerated() {
                let bound: Float = name != "anomaly_norms_points" || b >= 1 ? 1e-3 : 1e-2
                #expect(abs(a - b) <= bound * abs(b), "\(name)[\(k)] = \(a), reference \(b)")
            }
        }
    }

    @Test func refusesPointLabelsOutsideTheConvInGrid() throws {
        let w = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: w.dir); try? FileManager.default.removeItem(atPath: w.model) }
        try NPY.write([Int64](arrayLiteral: 1, 32, 0), shape: [1, 3], to: w.dir + "/bad.npy")
        let r = try Self.run(w, ["--labels", try Self.golden() + "/labels.npy", "--point-labels", w.dir + "/bad.npy",
                                 "--experiments", "anomalies", "-o", w.dir + "/out"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("--point-labels row 0 (1, 32, 0)") && r.stderr.contains("outside the 32×32 grid of conv_in"), "\(r.stderr)")
    }

    /// A U-Net with one down and one up block has no up_blocks[1]: the labels have no grid to live on.
    @Test func refusesAModelWithoutUpBlocks1() throws {
        let w = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: w.dir); try? FileManager.default.removeItem(atPath: w.model) }
        try FileManager.default.removeItem(atPath: w.model + "/unet")
        try FileManager.default.createSymbolicLink(atPath: w.model + "/unet", withDestinationPath: try Self.golden() + "/one_block_unet")
        let r = try Self.run(w, ["--labels", try Self.golden() + "/labels.npy", "--experiments", "anomalies", "-o", w.dir + "/out"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("no up_blocks[1].upsamplers[0]") && r.stderr.contains("up blocks: 1"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: w.dir + "/out/positions.txt"))
    }
}
