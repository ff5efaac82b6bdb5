import TestSupport
import Foundation
import Testing
import LabelStore
import Extraction

/// Shard arithmetic, and `extract --prepare / --shard / --merge` run as separate local processes (no
/// cluster): the merged run is byte-identical to a single-process one, and a merge with a missing,
/// failed or inconsistent shard names it and registers nothing.
@Suite struct ShardArithmeticTests {
    @Test func shardsPartitionTheBatchesContiguouslyAndEvenly() throws {
        for images in 1...23 {
            for batchSize in [1, 2, 5] {
                let batches = PreparedImages.batches(count: images, size: batchSize)
                for n in 1...batches.count {
                    let parts = try (0..<n).map { try Shard(index: $0, count: n).batches(of: batches) }
                    #expect(parts.flatMap { $0 } == batches, "\(images) images, batch \(batchSize), \(n) shards")
                    let sizes = parts.map(\.count)
                    #expect(sizes.max()! - sizes.min()! <= 1 && sizes.min()! >= 1)
                    let ranges = try (0..<n).map { try Shard(index: $0, count: n).images(of: batches) }
                    #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == images)
                    #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
                    // Cuts fall on batch boundaries only.
                    #expect(ranges.allSatisfy { $0.lowerBound % batchSize == 0 })
                }
            }
        }
        // 5 batches over 2 shards: the first takes the extra batch.
        let five = PreparedImages.batches(count: 10, size: 2)
        #expect(try Shard(index: 0, count: 2).images(of: five) == 0..<6)
        #expect(try Shard(index: 1, count: 2).images(of: five) == 6..<10)
    }

    @Test func parsesIOverNAndTheSchedulersEnvironment() throws {
        #expect(try Shard(parsing: "3/8") == Shard(index: 3, count: 8))
        for bad in ["8/8", "-1/4", "3", "a/b", "1/0", "2/3/4"] {
            #expect(throws: ExtractError.self, "\(bad)") { try Shard(parsing: bad) }
        }
        #expect(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "5"], shards: nil) == Shard(index: 2, count: 5))
        // A resubmitted single task sees SLURM_ARRAY_TASK_COUNT=1: --shards N wins.
        #expect(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "1"], shards: 5) == Shard(index: 2, count: 5))
        #expect(try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "1"], shards: 3) == Shard(index: 1, count: 3))
        #expect(try Shard.fromEnvironment([:], shards: 3) == nil)
        do {
            _ = try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "1"], shards: nil)
            Issue.record("JOB_COMPLETION_INDEX without --shards was accepted")
        } catch {
            #expect("\(error)".contains("--shards N"))
        }
    }
}

@Suite(.serialized) struct ShardMergeTests {
    /// A database with 6 photos, the tiny pipeline, and the extract options both ways share.
    static func setUp() throws -> (dir: String, db: String, model: String, args: [String]) {
        let (dir, images, model) = try ExtractCommandTests.workspace()
        let extra = dir + "/images/photo5.png"
        try FileManager.default.copyItem(atPath: dir + "/images/photo2.png", toPath: extra)
        let db = dir + "/s.sqlite"
        try #require(try runNormlab(["dataset", "add", "--db", db, "photos", images]).status == 0)
        return (dir, db, model, ["--dataset", "photos", "--model", model, "--batch-size", "2", "--positions", "up_blocks[1],conv_in", "--run", "r"])
    }

    static func extract(_ db: String, _ args: [String], _ more: [String]) throws -> ProcessResult {
        try runNormlab(["extract", "--db", db] + args + more)
    }

    @Test func mergedShardsAreByteIdenticalToOneProcess() throws {
        let (dir, db, model, args) = try Self.setUp()
        defer { try? FileManager.default.removeItem(atPath: dir); try? FileManager.default.removeItem(atPath: model) }
        let single = dir + "/one.sqlite"
        try #require(try runNormlab(["dataset", "add", "--db", single, "photos", dir + "/images"]).status == 0)
        let one = try Self.extract(single, args, [])
        try #require(one.status == 0, "\(one.stderr)")

        let prep = try Self.extract(db, args, ["--shards", "2", "--prepare"])
        try #require(prep.status == 0, "\(prep.stderr)")
        for i in [1, 0] {
            let r = try Self.extract(db, args, ["--shard", "\(i)/2"])
            try #require(r.status == 0, "\(r.stderr)")
        }
        // The later position inconsistent (shard 1's conv_in slice replaced by shard 0's): the first
        // position joins fine, yet neither run is registered and no joined copy is left behind.
        let shards = dir + "/s.features/r.shards"
        let slice = shards + "/shard-0001/r_conv_in", aside = slice + ".aside"
        try FileManager.default.moveItem(atPath: slice, toPath: aside)
        try FileManager.default.copyItem(atPath: shards + "/shard-0000/r_conv_in", toPath: slice)
        let bad = try runNormlab(["extract", "--merge", "--db", db, "--run", "r"])
        #expect(bad.status != 0 && bad.stderr.contains("shard-0001/r_conv_in holds 4 images, its manifest says 2"), "\(bad.stderr)")
        #expect((try? LabelStore(path: db).run(named: "r_up_blocks1")) == nil && (try? LabelStore(path: db).run(named: "r_conv_in")) == nil)
        let left = try FileManager.default.contentsOfDirectory(atPath: dir + "/s.features").filter { $0 != "r.shards" }
        #expect(left.isEmpty, "left behind: \(left)")
        try FileManager.default.removeItem(atPath: slice)
        try FileManager.default.moveItem(atPath: aside, toPath: slice)

        let merged = try runNormlab(["extract", "--merge", "--db", db, "--run", "r"])
        try #require(merged.status == 0, "\(merged.stderr)")
        for run in ["r_up_blocks1", "r_conv_in"] {
            for file in ["features.npy", "norms.npy", "extract-settings.json"] {
                let a = FileManager.default.contents(atPath: "\(dir)/s.features/\(run)/\(file)")
                let b = FileManager.default.contents(atPath: "\(dir)/one.features/\(run)/\(file)")
                #expect(a != nil && a == b, "\(run)/\(file) differs from the single-process run")
            }
            let (x, y) = (try LabelStore(path: db).run(named: run), try LabelStore(path: single).run(named: run))
            #expect(x.decodedMetadata?.modelHash == y.decodedMetadata?.modelHash && x.imageCount == 6 && x.position == y.position)
        }
    }

    @Test func mergeNamesMissingFailedAndInconsistentShardsAndRegistersNothing() throws {
        let (dir, db, model, args) = try Self.setUp()
        defer { try? FileManager.default.removeItem(atPath: dir); try? FileManager.default.removeItem(atPath: model) }
        try #require(try Self.extract(db, args, ["--shards", "3", "--prepare"]).status == 0)
        try #require(try Self.extract(db, args, ["--shard", "0/3"]).status == 0)
        // Shard 1 fails on a broken image, shard 2 never runs.
        let photo3 = dir + "/images/photo3.png", saved = try Data(contentsOf: URL(fileURLWithPath: photo3))
        try Data("not a png".utf8).write(to: URL(fileURLWithPath: photo3))
        let failed = try Self.extract(db, args, ["--shard", "1/3"])
        #expect(failed.status != 0 && failed.stderr.contains("photo3.png"), "\(failed.stderr)")
        var merge = try runNormlab(["extract", "--merge", "--db", db, "--run", "r"])
        #expect(merge.status != 0)
        #expect(merge.stderr.contains("shard 1/3: failed") && merge.stderr.contains("photo3.png"), "\(merge.stderr)")
        #expect(merge.stderr.contains("shard 2/3: no manifest"), "\(merge.stderr)")
        #expect(merge.stderr.contains("nothing was registered"))
        #expect((try? LabelStore(path: db).run(named: "r_conv_in")) == nil)

        // Repaired and rerun, but shard 2 ran with another seed: named, with the differing setting.
        try saved.write(to: URL(fileURLWithPath: photo3))
        try #require(try Self.extract(db, args, ["--shard", "1/3"]).status == 0)
        try #require(try Self.extract(db, args, ["--shard", "2/3", "--seed", "7"]).status == 0)
        merge = try runNormlab(["extract", "--merge", "--db", db, "--run", "r"])
        #expect(merge.status != 0 && merge.stderr.contains("shard 2/3: settings of run") && merge.stderr.contains("seed: 7 vs 42"), "\(merge.stderr)")
        #expect((try? LabelStore(path: db).run(named: "r_conv_in")) == nil)

        // Only that shard again: the merge completes.
        try #require(try Self.extract(db, args, ["--shard", "2/3"]).status == 0)
        merge = try runNormlab(["extract", "--merge", "--db", db, "--run", "r"])
        #expect(merge.status == 0, "\(merge.stderr)")
        #expect(try LabelStore(path: db).run(named: "r_conv_in").imageCount == 6)
    }

    @Test func shardOptionsThatDoNotMatchThePlanAreRefused() throws {
        let (dir, db, model, args) = try Self.setUp()
        defer { try? FileManager.default.removeItem(atPath: dir); try? FileManager.default.removeItem(atPath: model) }
        let early = try Self.extract(db, args, ["--shard", "0/2"])
        #expect(early.status != 0 && early.stderr.contains("no shard plan"), "\(early.stderr)")
        let tooMany = try Self.extract(db, args, ["--shards", "4", "--prepare"])
        #expect(tooMany.status != 0 && tooMany.stderr.contains("3 batches"), "\(tooMany.stderr)")
        try #require(try Self.extract(db, args, ["--shards", "2", "--prepare"]).status == 0)
        let wrongCount = try Self.extract(db, args, ["--shard", "0/3"])
        #expect(wrongCount.status != 0 && wrongCount.stderr.contains("prepared for 2 shards"), "\(wrongCount.stderr)")
        let wrongBatch = try Self.extract(db, args.map { $0 == "2" ? "3" : $0 }, ["--shard", "0/2"])
        #expect(wrongBatch.status != 0 && wrongBatch.stderr.contains("--batch-size 3"), "\(wrongBatch.stderr)")
    }
}
