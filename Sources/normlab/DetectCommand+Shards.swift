import ArgumentParser
import Detector
import Domain
import Extraction
import Foundation

/// `detect --shard I/N` / `detect --merge`: one detection split over several processes or cluster nodes.
struct DetectShardOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Score only shard I of N (0-based) of the evaluated images and write its partial counts to <output>.shards/.",
                               discussion: "Without it, SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT (or JOB_COMPLETION_INDEX with --shards N) select the shard when --shards is given."))
    var shard: String?

    @Option(help: "The number of shards (with JOB_COMPLETION_INDEX or a SLURM array).") var shards: Int?

    @Flag(help: "Sum the shards' partial counts in <output>.shards/ into the same files one process writes.") var merge = false

    func shardToRun() throws -> Shard? {
        if let shard { return try Shard(parsing: shard) }
        guard shards != nil else { return nil }
        return try Shard.fromEnvironment(ProcessInfo.processInfo.environment, shards: shards)
    }
}

/// One prototype's detection over some images: TP/FP/FN per threshold, and when asked for the
/// detections at --at and the detections per image and threshold.
struct DetectResult {
    var rows: [Detection.Row]
    var detections: [LabelRow]?
    var perImage: [[Int]]?
}

/// A shard's part of a detection (`<output>.shards/shard-NNNN.json`): what it counted over which images,
/// and the options that must be the same for every shard and the merge.
struct DetectPartial: Codable, Equatable {
    struct Part: Codable, Equatable {
        var counts: [[Int]]          // tp, fp, fn per threshold
        var detections: [[Int]]?     // image, x, y
        var perImage: [[Int]]?
    }

    var options: [String]            // run, prototypes, evaluated images, thresholds, unit, --at, outputs
    var labels: [String]             // the prototypes as `detect` names them
    var from: Int, imageCount: Int
    var shard: Int, shards: Int
    var first: Int, end: Int
    var parts: [Part]
}

extension DetectCommand {
    var shardFolder: String { absolute(output) + ".shards" }

    /// The options a shard's counts depend on, as one list every shard and the merge must agree on.
    func partialOptions(from: Int) -> [String] {
        ["run=\(runName)", "prototypes=\(prototype.joined(separator: ","))", "from=\(from)", "thresholds=\(thresholds)",
         "unit=\(unit.rawValue)", "at=\(at.map { "\($0)" } ?? "")", "per-image=\(perImage != nil)"]
    }

    func detectShard(_ shard: Shard, _ e: EvaluatedRun, thresholds thr: [Float]) throws {
        guard shard.count <= e.images.count else {
            throw DetectError("--shard \(shard): only \(e.images.count) images are evaluated; use at most \(e.images.count) shards")
        }
        let part = shard.images(of: e.images.map { $0 ..< $0 + 1 })
        let results = try e.score(part: part).map { result($0, labels: e.labels, thresholds: thr) }
        let partial = DetectPartial(
            options: partialOptions(from: e.images.lowerBound), labels: e.prototypes.map(\.label),
            from: e.images.lowerBound, imageCount: e.run.imageCount, shard: shard.index, shards: shard.count,
            first: part.lowerBound, end: part.upperBound,
            parts: results.map { r in
                DetectPartial.Part(counts: r.rows.map { [$0.tp, $0.fp, $0.fn] }, detections: r.detections?.map { [$0.image, $0.x, $0.y] },
                                   perImage: r.perImage)
            })
        try FileManager.default.createDirectory(atPath: shardFolder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(partial).write(to: URL(fileURLWithPath: shardFolder + "/" + shard.folderName + ".json"), options: .atomic)
        note("shard \(shard) of run '\(runName)': images \(part.lowerBound)..<\(part.upperBound) → \(shardFolder)")
    }

    /// Reads every shard's partial counts, checks them, sums them and writes the outputs.
    func mergeShards() throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: shardFolder)) ?? []
        let partials = try names.filter { $0.hasPrefix("shard-") && $0.hasSuffix(".json") }.sorted().map { name in
            try JSONDecoder().decode(DetectPartial.self, from: Data(contentsOf: URL(fileURLWithPath: shardFolder + "/" + name)))
        }
        guard let first = partials.first else { throw DetectError("no shard results in \(shardFolder); run detect … --shard I/N first") }
        try checkPartials(partials)
        let thr = try Detection.parseThresholds(thresholds)
        let results = try first.parts.indices.map { k in
            DetectResult(rows: try Detection.combine(partials.map { p in
                            zip(thr, p.parts[k].counts).map { Detection.Row(threshold: $0, tp: $1[0], fp: $1[1], fn: $1[2]) } }),
                         detections: at == nil ? nil : partials.flatMap { $0.parts[k].detections ?? [] }.map { LabelRow(image: $0[0], x: $0[1], y: $0[2]) },
                         perImage: perImage == nil ? nil : partials.flatMap { $0.parts[k].perImage ?? [] })
        }
        note("run '\(runName)': merged \(partials.count) shards of images \(first.from)..<\(first.imageCount)")
        try emit(results, labels: first.labels, from: first.from, imageCount: first.imageCount, thresholds: thr)
    }

    /// Every shard present once, covering the evaluated images in order, with this command's options.
    func checkPartials(_ partials: [DetectPartial]) throws {
        let n = partials[0].shards, units = (partials[0].from ..< partials[0].imageCount).map { $0 ..< $0 + 1 }
        var problems: [String] = []
        let have = Set(partials.map(\.shard))
        let missing = (0..<n).filter { !have.contains($0) }
        if !missing.isEmpty { problems.append("missing shards \(missing.map(String.init).joined(separator: ", ")) of \(n)") }
        for p in partials {
            if p.options != partialOptions(from: partials[0].from) { problems.append("shard \(p.shard): made with other options: \(p.options.joined(separator: " "))") }
            if p.shards != n { problems.append("shard \(p.shard): one of \(p.shards) shards, shard 0 one of \(n)") }
            if let s = try? Shard(index: p.shard, count: n), s.images(of: units) != p.first ..< p.end {
                problems.append("shard \(p.shard): covers images \(p.first)..<\(p.end), expected \(s.images(of: units))")
            }
        }
        guard problems.isEmpty else {
            throw DetectError("cannot merge \(shardFolder), nothing was written:\n  " + problems.joined(separator: "\n  ")
                              + "\nrun those shards again with the same options (detect … --shard I/\(n)), then merge")
        }
    }
}

extension ShardedWork {
    /// A detection's shards: finished when their partial file exists.
    static func detect(folder: String, jobs: SlurmJobs) -> ShardedWork {
        ShardedWork(folder: folder, jobs: jobs) { i in
            let name = (try? Shard(index: i, count: jobs.shards))?.folderName ?? ""
            guard let data = FileManager.default.contents(atPath: folder + "/" + name + ".json"),
                  let p = try? JSONDecoder().decode(DetectPartial.self, from: data) else { return ShardReport(done: 0, total: nil) }
            return ShardReport(done: p.end - p.first, total: p.end - p.first, state: "finished")
        }
    }
}

struct SlurmDetectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Score a run in --shards N array tasks, then merge their counts into the usual outputs.",
        discussion: """
            Takes every `normlab detect` option; each shard runs that command with --shard I/N and writes its
            counts to <output>.shards/ (also the job scripts and logs); the merge job writes -o, --json, …
            byte-identical to one process. The shards read the database (labels, prototypes); only the
            merge writes files outside the shard folder.
              normlab slurm detect --db /shared/lab.sqlite --run inet --prototype 1 -o /shared/curve.csv --shards 4 --wait
            """)

    @OptionGroup var detect: DetectCommand
    @OptionGroup var submit: SlurmSubmitOptions

    func run() async throws {
        guard let shards = detect.sharding.shards, shards >= 1 else { throw ValidationError("give --shards N") }
        guard detect.sharding.shard == nil, !detect.sharding.merge else { throw ValidationError("--shard and --merge are for `normlab detect`") }
        let folder = detect.shardFolder
        try? FileManager.default.removeItem(atPath: folder)
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
