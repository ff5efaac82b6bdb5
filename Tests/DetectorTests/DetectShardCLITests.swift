import Foundation
import NPYFormat
import TestSupport
import Testing

/// `detect --prepare / --shard I/N / --merge` as separate local processes on the NumPy fixture run:
/// shards run with the database moved away, the merge equals one process byte for byte, and shards
/// that are missing, stale or run with other options are named.
@Suite struct DetectShardCLITests {
    /// A database with the fixture run, its labels and recorded prototype 1 (also written as p.npy).
    static func setUp(_ dir: String) throws -> String {
        let fx = NumPyCrossCheckTests.fixtures, db = dir + "/db.sqlite"
        for args in [["features", "import", "--db", db, "--dataset", "d", "--run", "r", fx + "/features.npy"],
                     ["labels", "import", "--db", db, "--run", "r", fx + "/labels_patch.npy"],
                     ["labels", "import", "--db", db, "--run", "r", "--kind", "point", fx + "/labels_point.npy"],
                     ["prototype", "--db", db, "--run", "r", "--train-fraction", "0.75", "-o", dir + "/p.npy"]] {
            let r = try runNormlab(args)
            try #require(r.status == 0, "\(args): \(r.stderr)")
        }
        return db
    }

    /// A recorded prototype and a file, every output, patch unit.
    static func options(_ dir: String, _ name: String) -> [String] {
        ["--run", "r", "--prototype", "1", "--prototype", dir + "/p.npy", "--from-index", "0", "--unit", "patch", "--at", "0.5",
         "--per-image", "\(dir)/\(name)-img.csv", "-o", "\(dir)/\(name).csv"]
    }

    static func outputs(_ dir: String, _ name: String) -> [String] {
        ["--json", "\(dir)/\(name).json", "--plot", "\(dir)/\(name).svg", "--detections", "\(dir)/\(name)-det.npy"]
    }

    @Test func shardsWithoutTheDatabaseMergeIntoTheFilesOfOneProcess() throws {
        let dir = try TempFolder.create("detect-shards")
        defer { TempFolder.remove(dir) }
        let db = try Self.setUp(dir)
        let one = try runNormlab(["detect", "--db", db] + Self.options(dir, "one") + Self.outputs(dir, "one"))
        try #require(one.status == 0, "\(one.stderr)")
        let prep = try runNormlab(["detect", "--db", db] + Self.options(dir, "sh") + ["--shards", "3", "--prepare"])
        try #require(prep.status == 0, "\(prep.stderr)")
        #expect(prep.stderr.contains("images 0..<12") && prep.stderr.contains("--shard I/3"), "\(prep.stderr)")

        // No database from here on: a shard that opened it would fail or create an empty one.
        let away = dir + "/away"
        try FileManager.default.createDirectory(atPath: away, withIntermediateDirectories: true)
        for f in try FileManager.default.contentsOfDirectory(atPath: dir) where f.hasPrefix("db.sqlite") {
            try FileManager.default.moveItem(atPath: dir + "/" + f, toPath: away + "/" + f)
        }
        for i in [2, 0, 1] {
            let r = try runNormlab(["detect", "--db", db] + Self.options(dir, "sh") + ["--shard", "\(i)/3"])
            try #require(r.status == 0, "shard \(i): \(r.stderr)")
        }
        let merged = try runNormlab(["detect", "--db", db] + Self.options(dir, "sh") + Self.outputs(dir, "sh") + ["--merge"])
        try #require(merged.status == 0, "\(merged.stderr)")
        #expect(!FileManager.default.fileExists(atPath: db), "a shard or the merge opened the database")

        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("one") }
        #expect(files.count == 10, "\(files)")   // csv, json, svg, per-image csv, detections, for 2 prototypes
        for f in files {
            let a = FileManager.default.contents(atPath: dir + "/" + f), b = FileManager.default.contents(atPath: dir + "/sh" + f.dropFirst(3))
            #expect(a != nil && a == b, "sh\(f.dropFirst(3)) differs from \(f)")
        }
        // Not a vacuous comparison: the sweep found true and false positives.
        let rows = try DetectCLITests.counts(dir + "/one-1.csv")
        #expect(rows.contains { $0[0] > 0 } && rows.contains { $0[1] > 0 }, "\(rows)")
    }

    @Test func shardsAndMergesThatDoNotFitThePlanAreNamed() throws {
        let dir = try TempFolder.create("detect-shards-bad")
        defer { TempFolder.remove(dir) }
        let db = try Self.setUp(dir)
        func detect(_ more: [String], _ name: String = "sh") throws -> ProcessResult {
            try runNormlab(["detect", "--db", db] + Self.options(dir, name) + more)
        }
        let early = try detect(["--shard", "0/3"])
        #expect(early.status != 0 && early.stderr.contains("no detection plan") && early.stderr.contains("--shards N --prepare"), "\(early.stderr)")
        let noCount = try detect(["--prepare"])
        #expect(noCount.status != 0 && noCount.stderr.contains("--prepare needs --shards N"), "\(noCount.stderr)")
        let tooMany = try detect(["--shards", "13", "--prepare"])
        #expect(tooMany.status != 0 && tooMany.stderr.contains("12 images are evaluated; use 1…12 shards"), "\(tooMany.stderr)")
        try #require(try detect(["--shards", "3", "--prepare"]).status == 0)

        let otherThresholds = try detect(["--thresholds", "0.5:0.9:3", "--shard", "0/3"])
        #expect(otherThresholds.status != 0 && otherThresholds.stderr.contains("--thresholds '0.5:0.9:3' differs from the plan's '0.6:0.99:20'"),
                "\(otherThresholds.stderr)")
        let otherCount = try detect(["--shard", "0/4"])
        #expect(otherCount.status != 0 && otherCount.stderr.contains("prepared for 3 shards"), "\(otherCount.stderr)")
        for i in 0..<3 { try #require(try detect(["--shard", "\(i)/3"]).status == 0) }
        let folder = dir + "/sh.csv.shards"
        let old = try Data(contentsOf: URL(fileURLWithPath: folder + "/shard-0001.json"))

        // A new label, prepared again: the old results are dropped; an old one put back is named as stale.
        try NPY.write([Int64]([7, 3, 3]), shape: [1, 3], to: dir + "/extra.npy")
        try #require(try runNormlab(["labels", "import", "--db", db, "--run", "r", "--kind", "point", dir + "/extra.npy"]).status == 0)
        let again = try detect(["--shards", "3", "--prepare"])
        #expect(again.status == 0 && again.stderr.contains("replacing the earlier plan") && again.stderr.contains("3 shard results"), "\(again.stderr)")
        try #require(try detect(["--shard", "0/3"]).status == 0)
        try old.write(to: URL(fileURLWithPath: folder + "/shard-0001.json"))
        let merge = try detect(["--merge"])
        #expect(merge.status != 0 && merge.stderr.contains("nothing was written"), "\(merge.stderr)")
        #expect(merge.stderr.contains("shard 1/3: made from another plan") && merge.stderr.contains("shard 2/3: no result"), "\(merge.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/sh-1.csv"))
    }
}
