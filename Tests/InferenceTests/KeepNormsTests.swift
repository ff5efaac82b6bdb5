import Foundation
import TestSupport
import Testing
import LabelStore
import Extraction

/// `normlab extract --keep norms` on the tiny pipeline: only `norms.npy` is written (no features file,
/// not even a partial one while it runs), its bytes are those of a full extraction's `norms.npy`, it
/// resumes after a kill, the run records what it keeps, and every command that needs the features
/// refuses the run naming them. Sharded: the merge of `--keep norms` shards is byte-identical to one
/// process, and shards that kept different things are named.
@Suite(.serialized) struct KeepNormsTests {
    static let runs = ["r_up_blocks1", "r_conv_in"]

    static func contents(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    static func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    static func dims(_ r: Run) -> [Int] { [r.imageCount, r.channels, r.height, r.width] }

    /// A norms-only extraction killed after its first batch, then resumed, against a full extraction.
    @Test func normsOnlyRunHasTheFullRunsNormsAndNoFeatures() throws {
        let (dir, images, model) = try ExtractCommandTests.workspace()
        defer { try? FileManager.default.removeItem(atPath: dir); try? FileManager.default.removeItem(atPath: model) }
        let (db, full) = (dir + "/n.sqlite", dir + "/f.sqlite")
        for d in [db, full] { try #require(try runNormlab(["dataset", "add", "--db", d, "photos", images]).status == 0) }
        let straight = try runNormlab(ExtractCommandTests.extractArgs(full, model))
        try #require(straight.status == 0, "\(straight.stderr)")

        let p = Process()
        p.executableURL = URL(fileURLWithPath: normlabExecutable)
        p.arguments = ExtractCommandTests.extractArgs(db, model) + ["--keep", "norms", "--throttle-ms", "1500"]
        p.standardError = FileHandle.nullDevice
        try p.run()
        let staging = dir + "/n.features/.staging-r_up_blocks1"
        let deadline = Date().addingTimeInterval(60)
        var done = 0
        while Date() < deadline, done < 2 {
            done = (Self.bytes(staging + "/progress.bin") ?? Data()).filter { $0 == 1 }.count
            usleep(50_000)
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        try #require(done >= 2 && done < 5, "killed after \(done) of 5 images")
        #expect(Self.contents(staging) == ["extract-settings.json", "norms.npy.partial", "progress.bin"])

        let resumed = try runNormlab(ExtractCommandTests.extractArgs(db, model) + ["--keep", "norms"])
        #expect(resumed.status == 0 && resumed.stderr.contains("resuming run 'r_up_blocks1'"), "\(resumed.stderr)")
        let store = try LabelStore(path: db), reference = try LabelStore(path: full)
        for run in Self.runs {
            #expect(Self.contents("\(dir)/n.features/\(run)") == ["extract-settings.json", "norms.npy"])
            let norms = Self.bytes("\(dir)/n.features/\(run)/norms.npy")
            #expect(norms != nil && norms == Self.bytes("\(dir)/f.features/\(run)/norms.npy"), "\(run)/norms.npy differs from the full run's")
            let (a, b) = (try store.run(named: run), try reference.run(named: run))
            #expect(a.contents == .norms && b.contents == .features)
            #expect(Self.dims(a) == Self.dims(b))
            #expect(a.decodedMetadata?.modelHash == b.decodedMetadata?.modelHash)
            let settings = try JSONSerialization.jsonObject(with: Self.bytes("\(dir)/n.features/\(run)/extract-settings.json")!) as? [String: String]
            #expect(settings?["keep"] == "norms")
            #expect(throws: LabelStoreError.featuresNotKept(run: run)) { try store.features(of: a) }
            #expect(try store.norms(of: a).count == 5)
        }
        // A full run's settings file does not name what it keeps: its bytes are what they were before --keep.
        let fullSettings = try JSONSerialization.jsonObject(with: Self.bytes("\(dir)/f.features/r_conv_in/extract-settings.json")!) as? [String: String]
        #expect(fullSettings?["keep"] == nil && fullSettings?["position"] == "conv_in")
        try Self.expectFeatureCommandsRefuse(db: db, dir: dir)
    }

    /// detect, prototype, report, suggest and similarity need the features: each
    /// exits non-zero naming them and writes nothing; norm-images and norm-grid work from the norms.
    static func expectFeatureCommandsRefuse(db: String, dir: String) throws {
        let run = "r_up_blocks1"
        let refusals: [[String]] = [
            ["detect", "--db", db, "--run", run, "--prototype", "1", "-o", dir + "/out/curve.csv"],
            ["prototype", "--db", db, "--run", run, "-o", dir + "/out/proto.npy"],
            ["report", "--db", db, "--run", run, "-o", dir + "/out/report"],
            ["suggest", "--db", db, "--run", run, "--at", "0.5"],
            ["similarity", "--db", db, "--run", run, "--image", "0", "--x", "0", "--y", "0", "-o", dir + "/out/sim.svg"],
        ]
        for args in refusals {
            let r = try runNormlab(args)
            #expect(r.status != 0, "\(args[0]) accepted a norms-only run")
            #expect(r.stderr.contains("has no features (features.npy)") && r.stderr.contains("--keep norms"), "\(args[0]): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"), "a refused command wrote output")
        let images = try runNormlab(["norm-images", "--db", db, "--run", run, "-o", dir + "/norm-images"])
        #expect(images.status == 0 && contents(dir + "/norm-images").count == 5, "\(images.stderr)")
        let grid = try runNormlab(["norm-grid", "--db", db, "--runs", run, "--images", "0,4", "-o", dir + "/grid.svg"])
        #expect(grid.status == 0 && FileManager.default.fileExists(atPath: dir + "/grid.svg"), "\(grid.stderr)")
    }

    @Test func shardedNormsOnlyMergeIsByteIdenticalAndMixedShardsAreNamed() throws {
        let (dir, db, model, args) = try ShardMergeTests.setUp()
        defer { try? FileManager.default.removeItem(atPath: dir); try? FileManager.default.removeItem(atPath: model) }
        let single = dir + "/one.sqlite"
        try #require(try runNormlab(["dataset", "add", "--db", single, "photos", dir + "/images"]).status == 0)
        let one = try ShardMergeTests.extract(single, args, ["--keep", "norms"])
        try #require(one.status == 0, "\(one.stderr)")

        try #require(try ShardMergeTests.extract(db, args, ["--shards", "3", "--prepare"]).status == 0)
        for (i, keep) in [(0, "norms"), (1, "features"), (2, "norms")] {
            let r = try ShardMergeTests.extract(db, args, ["--shard", "\(i)/3", "--keep", keep])
            try #require(r.status == 0, "\(r.stderr)")
        }
        let shards = ShardFolder(database: db, run: "r")
        #expect(Self.contents(shards.slice(try Shard(index: 0, count: 3), run: "r_conv_in")) == ["extract-settings.json", "norms.npy"])
        var merge = try runNormlab(["extract", "--merge", "--db", db, "--run", "r"])
        #expect(merge.status != 0 && merge.stderr.contains("shard 1/3: keeps features, shard 0 keeps norms"), "\(merge.stderr)")
        #expect((try? LabelStore(path: db).run(named: "r_conv_in")) == nil)

        // That shard again with --keep norms: the merge completes, byte for byte the single-process run.
        try #require(try ShardMergeTests.extract(db, args, ["--shard", "1/3", "--keep", "norms"]).status == 0)
        merge = try runNormlab(["extract", "--merge", "--db", db, "--run", "r"])
        try #require(merge.status == 0, "\(merge.stderr)")
        for run in Self.runs {
            #expect(Self.contents("\(dir)/s.features/\(run)") == ["extract-settings.json", "norms.npy"])
            for file in ["norms.npy", "extract-settings.json"] {
                let a = Self.bytes("\(dir)/s.features/\(run)/\(file)"), b = Self.bytes("\(dir)/one.features/\(run)/\(file)")
                #expect(a != nil && a == b, "\(run)/\(file) differs from the single-process run")
            }
            let (x, y) = (try LabelStore(path: db).run(named: run), try LabelStore(path: single).run(named: run))
            #expect(x.contents == .norms && Self.dims(x) == Self.dims(y))
        }
    }
}
