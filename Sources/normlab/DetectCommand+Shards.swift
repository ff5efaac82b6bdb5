import ArgumentParser
import Detector
import Domain
import Extraction
import FeatureStore
import Foundation
import Inference
import NPYFormat

/// `detect --prepare / --shard I/N / --merge`: one detection split over several processes or cluster nodes.
struct DetectShardOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Score only shard I of N (0-based) of the prepared detection and write its partial counts to <output>.shards/; never opens the database.",
                               discussion: "Without it, SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT (or JOB_COMPLETION_INDEX with --shards N) select the shard when --shards is given."))
    var shard: String?

    @Option(help: "The number of shards (with --prepare, JOB_COMPLETION_INDEX or a SLURM array).") var shards: Int?

    @Flag(help: "Resolve labels, prototypes and evaluated images from the database into <output>.shards/plan.json for --shards N and exit; then run every shard and --merge.")
    var prepare = false

    @Flag(help: "Sum the shards' partial counts in <output>.shards/ into the same files one process writes.") var merge = false

    func validate() throws {
        if prepare, shards == nil { throw ValidationError("--prepare needs --shards N") }
        if prepare && (shard != nil || merge) || shard != nil && merge { throw ValidationError("give one of --prepare, --shard and --merge") }
    }

    func shardToRun() throws -> Shard? {
        if let shard { return try Shard(parsing: shard) }
        guard shards != nil else { return nil }
        return try Shard.fromEnvironment(ProcessInfo.processInfo.environment, shards: shards)
    }
}

extension DetectCommand {
    var shardFolder: String { absolute(output) + ".shards" }
    var planPath: String { shardFolder + "/plan.json" }
    var prototypesPath: String { shardFolder + "/prototypes.npy" }
    func partPath(_ s: Shard) -> String { shardFolder + "/" + s.folderName + ".json" }

    /// The options the counts depend on; a shard and the merge must be given the plan's. A prototype
    /// file counts by its absolute path (the SLURM job scripts pass absolute paths).
    var planOptions: [String: String] {
        let protos = prototype.map { Int64($0) != nil && !FileManager.default.fileExists(atPath: $0) ? $0 : absolute($0) }
        return ["run": runName, "prototype": protos.joined(separator: ","), "from-index": fromIndex.map(String.init) ?? "",
                "thresholds": thresholds, "unit": unit.rawValue, "at": at.map { "\($0)" } ?? "", "per-image": perImage == nil ? "no" : "yes"]
    }

    /// Resolves everything from the database once and writes the plan every shard reads instead.
    func prepareShards(_ e: EvaluatedRun, shards: Int) throws {
        try e.checkChannels()
        let vectors = NPY.encode(e.prototypes.flatMap(\.vector), shape: [e.prototypes.count, e.run.channels])
        var plan = try DetectionPlan(evaluated: e, options: planOptions, prototypesSHA256: vectors.withUnsafeBytes { WeightHash.sha256($0) }, shards: shards)
        plan.features = absolute(plan.features)
        let json = try planJSON(plan)
        try FileManager.default.createDirectory(atPath: shardFolder, withIntermediateDirectories: true)
        if let old = FileManager.default.contents(atPath: planPath), old != json {
            let parts = (try? FileManager.default.contentsOfDirectory(atPath: shardFolder))?.filter { $0.hasPrefix("shard-") && $0.hasSuffix(".json") } ?? []
            for p in parts { try? FileManager.default.removeItem(atPath: shardFolder + "/" + p) }
            note("replacing the earlier plan in \(shardFolder) (its \(parts.count) shard results no longer apply)")
        }
        try writeFileDurably([UInt8](vectors), to: prototypesPath)
        try writeFileDurably([UInt8](json), to: planPath)
        note("run '\(runName)': images \(e.images.lowerBound)..<\(e.run.imageCount) (\(e.why)), \(plan.patches.count + plan.points.count) labels → \(planPath)")
        note("prepared \(shards) shards; run each with the same options and --shard I/\(shards) (no database needed), then the same with --merge")
    }

    /// The plan, refused when missing, made with other options, or when its prototypes file changed.
    func readPlan() throws -> (plan: DetectionPlan, hash: String) {
        guard let data = FileManager.default.contents(atPath: planPath) else {
            throw DetectError("no detection plan at \(planPath): prepare it first on the machine that holds the database "
                              + "(normlab detect … --shards N --prepare with the same options, or normlab slurm detect)")
        }
        let plan: DetectionPlan
        do { plan = try JSONDecoder().decode(DetectionPlan.self, from: data) } catch { throw DetectError("\(planPath) is not a detection plan: \(error)") }
        let differences = plan.differences(planOptions)
        guard differences.isEmpty else {
            throw DetectError("the options differ from the detection plan in \(shardFolder):\n  " + differences.joined(separator: "\n  ")
                              + "\ngive the options it was prepared with, or prepare again")
        }
        return (plan, data.withUnsafeBytes { WeightHash.sha256($0) })
    }

    /// The plan's prototype vectors, checked against the hash the plan recorded.
    func plannedPrototypes(_ plan: DetectionPlan) throws -> [[Float]] {
        guard let data = FileManager.default.contents(atPath: prototypesPath),
              data.withUnsafeBytes({ WeightHash.sha256($0) }) == plan.prototypesSHA256 else {
            throw DetectError("\(prototypesPath) is missing or not the file the plan was prepared with; prepare again")
        }
        let (shape, values) = try NPY.readFloats(path: prototypesPath)
        return (0..<shape[0]).map { Array(values[$0 * shape[1] ..< ($0 + 1) * shape[1]]) }
    }

    /// Scores shard `shard` of the plan from the feature files alone and writes its partial counts.
    func detectShard(_ shard: Shard) throws {
        let (plan, hash) = try readPlan()
        guard shard.count == plan.shards else { throw DetectError("shard \(shard) does not fit \(planPath): it was prepared for \(plan.shards) shards") }
        let features = try FeatureReader(folder: plan.features)
        let s = features.shape
        guard [s.count, s.channels, s.height, s.width] == plan.shape else {
            throw DetectError("\(plan.features) holds \(s.count)×\(s.channels)×\(s.height)×\(s.width) features, the plan \(plan.shape.map(String.init).joined(separator: "×")); prepare again")
        }
        let part = shard.images(of: plan.images.map { $0 ..< $0 + 1 })
        let thr = try Detection.parseThresholds(thresholds)
        let progress = part.count >= 1000 ? SharedProgress(total: part.count, label: "shard \(shard)") : nil
        let maps = try Detection.score(features: features, prototypes: try plannedPrototypes(plan), images: part, progress: progress?.callback)
        progress?.finish()
        let results = maps.map { result($0, labels: plan.labels, thresholds: thr) }
        let record = DetectionPart(plan: hash, shard: shard.index, shards: shard.count, images: part, results: results, host: ProcessInfo.processInfo.hostName)
        try writeFileDurably([UInt8](try planJSON(record)), to: partPath(shard))
        note("shard \(shard) of run '\(runName)': images \(part.lowerBound)..<\(part.upperBound) → \(partPath(shard))")
    }

    /// Checks every shard's part against the plan, sums them and writes the outputs.
    func mergeShards() throws {
        let (plan, hash) = try readPlan()
        let units = plan.images.map { $0 ..< $0 + 1 }
        var problems: [String] = [], parts: [DetectionPart] = []
        for i in 0..<plan.shards {
            let s = try Shard(index: i, count: plan.shards)
            guard let data = FileManager.default.contents(atPath: partPath(s)) else { problems.append("shard \(s): no result (\(partPath(s)))"); continue }
            guard let p = try? JSONDecoder().decode(DetectionPart.self, from: data) else { problems.append("shard \(s): \(partPath(s)) is not a shard result"); continue }
            if p.plan != hash { problems.append("shard \(s): made from another plan than \(planPath) (prepared again since)") }
            else if p.shard != i || p.shards != plan.shards || p.images != s.images(of: units) {
                problems.append("shard \(s): covers images \(p.images) as shard \(p.shard)/\(p.shards), the plan gives it \(s.images(of: units))")
            } else { parts.append(p) }
        }
        guard problems.isEmpty else {
            throw DetectError("cannot merge \(shardFolder), nothing was written:\n  " + problems.joined(separator: "\n  ")
                              + "\nrun those shards again with the same options (detect … --shard I/\(plan.shards)), then merge")
        }
        let thr = try Detection.parseThresholds(thresholds)
        note("run '\(runName)': merged \(parts.count) shards of images \(plan.images.lowerBound)..<\(plan.images.upperBound)")
        try emit(try DetectionPart.merge(parts, thresholds: thr), labels: plan.prototypes.map(\.label), from: plan.from,
                 imageCount: plan.shape[0], thresholds: thr)
    }

    func planJSON<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}

extension ShardedWork {
    /// A detection's shards: finished when their part exists.
    static func detect(folder: String, jobs: SlurmJobs) -> ShardedWork {
        let plan = FileManager.default.contents(atPath: folder + "/plan.json").flatMap { try? JSONDecoder().decode(DetectionPlan.self, from: $0) }
        return ShardedWork(folder: folder, jobs: jobs) { i in
            guard let shard = try? Shard(index: i, count: jobs.shards) else { return ShardReport(done: 0, total: nil) }
            let total = plan.map { shard.images(of: $0.images.map { $0 ..< $0 + 1 }).count }
            guard let data = FileManager.default.contents(atPath: folder + "/" + shard.folderName + ".json"),
                  let p = try? JSONDecoder().decode(DetectionPart.self, from: data) else { return ShardReport(done: 0, total: total) }
            return ShardReport(done: p.end - p.first, total: p.end - p.first, state: "finished")
        }
    }
}

struct SlurmDetectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Score a run in --shards N array tasks, then merge their counts into the usual outputs.",
        discussion: """
            Takes every `normlab detect` option. First, on this machine, it resolves labels, prototypes and the
            evaluated images from the database into <output>.shards/plan.json (detect … --prepare); each shard
            then runs the same command with --shard I/N, reads only the plan and the run's feature files and
            writes its counts beside the plan (also the job scripts and logs); the merge job writes -o, --json,
            … byte-identical to one process. Only this command opens the database.
              normlab slurm detect --db /shared/lab.sqlite --run inet --prototype 1 -o /shared/curve.csv --shards 4 --wait
            """)

    @OptionGroup var detect: DetectCommand
    @OptionGroup var submit: SlurmSubmitOptions

    func run() async throws {
        guard let shards = detect.sharding.shards, shards >= 1 else { throw ValidationError("give --shards N") }
        guard detect.sharding.shard == nil, !detect.sharding.merge, !detect.sharding.prepare else {
            throw ValidationError("--shard, --prepare and --merge are for `normlab detect`; `slurm detect` does all three")
        }
        let folder = detect.shardFolder
        try? FileManager.default.removeItem(atPath: folder)
        try detect.prepareShards(try detect.evaluatedRun(), shards: shards)
        var args = try JobArguments.passThrough(after: "detect", absolutizing: ["--db", "-o", "--output", "--json", "--plot", "--detections", "--per-image"],
                                                ifExisting: ["--prototype"])
        if !JobArguments.has(args, "--db") { args += ["--db", absolute(detect.database.db)] }
        let scripts = JobScripts(folder: folder, kind: "detect", name: (detect.output as NSString).lastPathComponent, shards: shards, submit: submit)
        try scripts.write(shard: ["detect"] + args, merge: ["detect"] + args + ["--merge"])
        let jobs = try ShardedWork.submit(folder: folder, jobs: SlurmJobs(kind: "detect", name: absolute(detect.output), shards: shards, submissions: []),
                                          tasks: Array(0..<shards))
        try announce(jobs, folder: folder)
        if submit.wait { try SlurmFollow.follow(ShardedWork.detect(folder: folder, jobs: jobs), hint: resubmitHint(folder, db: absolute(detect.database.db))) }
    }
}
