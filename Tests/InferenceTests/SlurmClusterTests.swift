import TestSupport
import Foundation
import Testing
import LabelStore
import NPYFormat

/// `normlab slurm` against the real single-node SLURM cluster of `.ci/slurm` (started by `.ci/setup`).
/// The jobs run outside this test process (slurmd starts them), so the binary, the model and the data
/// are copied into one temporary folder that every process sees at the same path.
@Suite(.serialized, .enabled(if: SlurmCluster.running, "no SLURM cluster answers `sinfo`: start one with `bash .ci/slurm start` (.ci/setup does)"))
struct SlurmClusterTests {
    @Test func fourShardExtractionEqualsOneProcessAndShardedDetectionEqualsOneProcess() throws {
        let w = try SlurmCluster.Workspace(images: 8)
        defer { w.remove() }
        let run = try w.normlab(["slurm", "extract"] + w.extractArgs + ["--shards", "4", "--wait"])
        try #require(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("array job") && run.stdout.contains("merge job"), "\(run.stdout)")
        #expect(FileManager.default.fileExists(atPath: w.dir + "/c.features/r.shards/job.sh"))
        try w.expectSameAsOneProcess()

        // Detection: a prototype and a few labels, then 3 shards against one process, every output.
        let feats = try NPY.readFloats(path: w.dir + "/c.features/r/features.npy")
        let proto = (0..<16).map { feats.values[$0 * 4] }  // image 0, token (0, 0)
        try NPY.write(proto, shape: [16], to: w.dir + "/proto.npy")
        try NPY.write([Int64]([1, 0, 0, 4, 0, 0, 6, 0, 0]), shape: [3, 3], to: w.dir + "/labels.npy")
        try #require(try w.normlab(["labels", "import", "--db", w.db, "--run", "r", "--kind", "point", w.dir + "/labels.npy"]).status == 0)
        func detect(_ out: String) -> [String] {
            ["detect", "--db", w.db, "--run", "r", "--prototype", w.dir + "/proto.npy", "--from-index", "0", "--thresholds", "0.0:0.99:16",
             "-o", "\(w.dir)/\(out).csv", "--json", "\(w.dir)/\(out).json", "--per-image", "\(w.dir)/\(out)-img.csv",
             "--at", "0.3", "--detections", "\(w.dir)/\(out)-det.npy"]
        }
        let one = try w.normlab(detect("one"))
        try #require(one.status == 0, "\(one.stderr)")
        // The jobs start 2 s after submission; by then the database is moved away: only `slurm detect`
        // itself (the prepare step) reads it, the shards and the merge read the plan.
        let sharded = try w.normlab(["slurm"] + detect("sharded") + ["--shards", "3", "--sbatch-arg=--begin=now+2"])
        try #require(sharded.status == 0, "\(sharded.stderr)")
        let moved = try w.moveDatabaseAway()
        let merge = try w.waitForMerge(w.dir + "/sharded.csv.shards")
        try moved.restore()
        try #require(merge.contains("completed"), "\(merge)\n\(w.logs(w.dir + "/sharded.csv.shards"))")
        #expect(FileManager.default.fileExists(atPath: w.dir + "/sharded.csv.shards/plan.json"))
        for (a, b) in [("one.csv", "sharded.csv"), ("one.json", "sharded.json"), ("one-img.csv", "sharded-img.csv"), ("one-det.npy", "sharded-det.npy")] {
            let x = FileManager.default.contents(atPath: w.dir + "/" + a), y = FileManager.default.contents(atPath: w.dir + "/" + b)
            #expect(x != nil && x == y, "\(b) differs from \(a)")
        }
        // Not a vacuous comparison: the sweep found something.
        let rows = try String(contentsOfFile: w.dir + "/one.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(rows.contains { $0.split(separator: ",")[1] != "0" } && rows.contains { $0.split(separator: ",")[2] != "0" }, "\(rows)")
    }

    /// `--keep norms` reaches every array task: the shards write only norm slices and the merged run
    /// equals a single-process `extract --keep norms`, byte for byte.
    @Test func normsOnlySlurmExtractionEqualsOneProcess() throws {
        let w = try SlurmCluster.Workspace(images: 8)
        defer { w.remove() }
        let run = try w.normlab(["slurm", "extract"] + w.extractArgs + ["--keep", "norms", "--shards", "2", "--wait"])
        try #require(run.status == 0, "\(run.stderr)")
        #expect(try String(contentsOfFile: w.dir + "/c.features/r.shards/job.sh", encoding: .utf8).contains("--keep norms"))
        try w.expectSameAsOneProcess(keep: .norms)
    }

    @Test func aFailedShardCancelsTheMergeAndResubmittingItCompletes() throws {
        let w = try SlurmCluster.Workspace(images: 8)
        defer { w.remove() }
        let photo5 = w.dir + "/images/photo5.png", saved = try Data(contentsOf: URL(fileURLWithPath: photo5))
        try Data("not a png".utf8).write(to: URL(fileURLWithPath: photo5))
        let run = try w.normlab(["slurm", "extract"] + w.extractArgs + ["--shards", "4", "--wait"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("shard 2 (job") && run.stderr.contains("photo5.png"), "\(run.stderr)")
        #expect(run.stderr.contains("normlab slurm resubmit r") && run.stderr.contains("--shard 2"), "\(run.stderr)")
        #expect(!run.stderr.contains("shard 1 (job"), "only shard 2 failed: \(run.stderr)")
        let status = try w.normlab(["slurm", "status", "r", "--db", w.db])
        #expect(status.stdout.contains("shard 2 (job") && status.stdout.contains("failed"), "\(status.stdout)")
        #expect(status.stdout.contains("merge") && status.stdout.contains("cancelled"), "\(status.stdout)")
        #expect((try? LabelStore(path: w.db).run(named: "r")) == nil, "a merge ran despite the failed shard")

        try saved.write(to: URL(fileURLWithPath: photo5))
        let again = try w.normlab(["slurm", "resubmit", "r", "--db", w.db, "--wait"])
        try #require(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("(1 shards)"), "\(again.stdout)")
        try w.expectSameAsOneProcess()
    }

    @Test func aShardCancelledMidRunResumesFromItsProgressRecord() throws {
        let w = try SlurmCluster.Workspace(images: 8)
        defer { w.remove() }
        // One image per batch, slowed down (hidden test option), so shard 0 can be cancelled between images.
        let args = w.extractArgs.map { $0 == "2" ? "1" : $0 } + ["--throttle-ms", "2500"]
        let submit = try w.normlab(["slurm", "extract"] + args + ["--shards", "4"])
        try #require(submit.status == 0, "\(submit.stderr)")
        let array = try #require(submit.stdout.split(separator: " ").dropFirst(2).first.map(String.init))
        let progress = w.dir + "/c.features/r.shards/shard-0000/r/progress.bin"
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, (FileManager.default.contents(atPath: progress) ?? Data()).filter({ $0 == 1 }).count < 1 { usleep(100_000) }
        try #require((FileManager.default.contents(atPath: progress) ?? Data()).filter { $0 == 1 }.count == 1, "shard 0 did not finish its first image")
        _ = try SlurmCluster.run(["scancel", "\(array)_0"])
        // The merge is cancelled once shard 0 ends cancelled; the other shards finish.
        var status = ""
        for _ in 0..<120 {
            status = try w.normlab(["slurm", "status", "r", "--db", w.db]).stdout
            if status.contains("merge") && status.contains("cancelled (exit") && !status.contains("running") && !status.contains("pending") { break }
            usleep(250_000)
        }
        #expect(status.contains("shard 0 (job \(array)_0): cancelled"), "\(status)")
        #expect(status.contains("1/2 images"), "\(status)")
        let again = try w.normlab(["slurm", "resubmit", "r", "--db", w.db, "--shard", "0", "--wait"])
        try #require(again.status == 0, "\(again.stderr)")
        let log = try String(contentsOfFile: w.dir + "/c.features/r.shards/logs/shard-0.out", encoding: .utf8)
        #expect(log.contains("1 of 2 images already done"), "\(log)")
        try w.expectSameAsOneProcess(batchSize: "1")
    }
}

enum SlurmCluster {
    static let running: Bool = (try? run(["sinfo", "-h", "-o", "%a"]))?.contains("up") ?? false

    static func run(_ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        p.arguments = ["5"] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw CocoaError(.executableLoad) }
        return String(decoding: data, as: UTF8.self)
    }

    /// A folder with a copy of the normlab binary, the tiny pipeline (files, not links into the build
    /// folder) and `images` photos registered as dataset "photos" in `c.sqlite`.
    struct Workspace {
        let dir: String
        var db: String { dir + "/c.sqlite" }
        var model: String { dir + "/model" }
        var extractArgs: [String] {
            ["--db", db, "--dataset", "photos", "--model", model, "--batch-size", "2", "--positions", "up_blocks[1]", "--run", "r"]
        }

        init(images: Int) throws {
            let fm = FileManager.default
            dir = "/tmp/normlab-slurm-test-\(UUID())"
            try fm.createDirectory(atPath: dir + "/images", withIntermediateDirectories: true)
            let binary = Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("normlab").path
            try fm.copyItem(atPath: binary, toPath: dir + "/normlab")
            let linked = try PipelineTests.pipelineFolder("sd15_tiny")
            defer { try? fm.removeItem(atPath: linked) }
            _ = try SlurmCluster.run(["cp", "-rL", linked, model])
            let src = try Fixture.root() + "/pipeline/images"
            for i in 0..<images { try fm.copyItem(atPath: "\(src)/img\(i % 3).png", toPath: "\(dir)/images/photo\(i).png") }
            let add = try normlab(["dataset", "add", "--db", db, "photos", dir + "/images"])
            try #require(add.status == 0, "\(add.stderr)")
        }

        func normlab(_ args: [String]) throws -> ProcessResult {
            try runNormlab(args, executable: dir + "/normlab", directory: dir)
        }

        /// Run "r" of the cluster equals the same extraction in one local process, file by file.
        func expectSameAsOneProcess(batchSize: String = "2", keep: RunContents = .features) throws {
            let single = dir + "/one.sqlite"
            try #require(try normlab(["dataset", "add", "--db", single, "photos", dir + "/images"]).status == 0)
            let args = extractArgs.map { $0 == db ? single : $0 }.map { $0 == "2" ? batchSize : $0 }
            let one = try normlab(["extract"] + args + ["--keep", keep.rawValue])
            try #require(one.status == 0, "\(one.stderr)")
            let files = (keep == .features ? ["features.npy"] : []) + ["norms.npy", "extract-settings.json"]
            #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/c.features/r").sorted() == files.sorted())
            for file in files {
                let a = FileManager.default.contents(atPath: "\(dir)/c.features/r/\(file)")
                let b = FileManager.default.contents(atPath: "\(dir)/one.features/r/\(file)")
                #expect(a != nil && a == b, "\(file): the merged run differs from one process")
            }
            let run = try LabelStore(path: db).run(named: "r")
            #expect(run.imageCount == 8 && run.contents == keep)
        }

        /// The database's files, moved into `away/` until `restore()`.
        struct MovedDatabase {
            let dir: String, files: [String]
            func restore() throws {
                for f in files { try FileManager.default.moveItem(atPath: dir + "/away/" + f, toPath: dir + "/" + f) }
            }
        }

        func moveDatabaseAway() throws -> MovedDatabase {
            let fm = FileManager.default
            try fm.createDirectory(atPath: dir + "/away", withIntermediateDirectories: true)
            let files = try fm.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("c.sqlite") }
            for f in files { try fm.moveItem(atPath: dir + "/" + f, toPath: dir + "/away/" + f) }
            return MovedDatabase(dir: dir, files: files)
        }

        /// Polls `slurm status` of a shard folder until its merge job ended; returns the merge's line.
        func waitForMerge(_ folder: String, seconds: Double = 90) throws -> String {
            let deadline = Date().addingTimeInterval(seconds)
            var line = ""
            while Date() < deadline {
                let status = try normlab(["slurm", "status", folder]).stdout
                line = status.split(separator: "\n").first { $0.hasPrefix("  merge") }.map(String.init) ?? status
                if !line.contains("pending") && !line.contains("running") && line.contains("(exit") { return line }
                usleep(250_000)
            }
            return "timed out: " + line
        }

        /// Every log of a shard folder, for a failure message.
        func logs(_ folder: String) -> String {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder + "/logs")) ?? []
            return names.sorted().map { n in n + ":\n" + ((try? String(contentsOfFile: folder + "/logs/" + n, encoding: .utf8)) ?? "") }.joined(separator: "\n")
        }

        func remove() { try? FileManager.default.removeItem(atPath: dir) }
    }
}
