import ArgumentParser
import Extraction
import Foundation
import Inference
import LabelStore

/// `extract --prepare / --shard / --merge`: one run split over several processes or cluster nodes.
struct ShardingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Extract only shard I of N (0-based, e.g. 3/8): a contiguous range of whole batches, into the run's shard folder; never opens the database.",
                               discussion: "Without it, a prepared run takes I/N from SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT, or from Kubernetes' JOB_COMPLETION_INDEX with --shards N."))
    var shard: String?

    @Option(help: "The number of shards (with --prepare, or with JOB_COMPLETION_INDEX).")
    var shards: Int?

    @Flag(help: "Write the shard plan of --shards N (the dataset's images, read from the database) and exit; then run every shard and --merge.")
    var prepare = false

    @Flag(help: "Check every shard's manifest, join their files into the run and register it (needs only --db and --run).")
    var merge = false
}

extension ExtractCommand {
    /// The shard this process extracts: --shard, or the scheduler's environment when the run is prepared.
    func shardToRun() throws -> Shard? {
        if let text = sharding.shard { return try Shard(parsing: text) }
        guard let run, FileManager.default.fileExists(atPath: ShardFolder(database: database.db, run: run).plan) else { return nil }
        return try Shard.fromEnvironment(ProcessInfo.processInfo.environment, shards: sharding.shards)
    }

    func prepareShards(dataset: String, model: String) throws {
        guard let shards = sharding.shards else { throw ValidationError("--prepare needs --shards N") }
        let folder = try writeShardPlan(dataset: dataset, model: model, shards: shards)
        note("prepared \(shards) shards in \(folder.path); run each with --shard I/\(shards) (same options), then: normlab extract --merge --db \(database.db) --run \(try folder.readPlan().run)")
    }

    /// Reads the dataset from the database and writes the plan every shard reads instead.
    func writeShardPlan(dataset: String, model: String, shards: Int) throws -> ShardFolder {
        let store = try database.open()
        let base = runBase(dataset: dataset, options: try pipelineOptions())
        let config = try UNetConfig(contentsOf: unetConfigPath(model))
        let wanted = try positions.split(separator: ",").map { try UNetPosition(String($0).trimmingCharacters(in: .whitespaces), config: config).description }
        guard !wanted.isEmpty else { throw ValidationError("--positions is empty") }
        let plan = try ShardPlan(store: store, dataset: dataset, run: base, positions: wanted, batchSize: batchSize, shards: shards)
        let folder = ShardFolder(database: database.db, run: base)
        if let old = try? folder.readPlan(), old != plan {
            note("replacing the earlier plan in \(folder.path) (its shards' files no longer apply)")
            try? FileManager.default.removeItem(atPath: folder.path)
        }
        try folder.writePlan(plan)
        return folder
    }

    func extractShard(_ shard: Shard, model: String) throws {
        guard let run else { throw ValidationError("--shard needs --run R (the prepared run)") }
        let folder = ShardFolder(database: database.db, run: run)
        let plan = try folder.readPlan()
        if let dataset, dataset != plan.dataset { throw ValidationError("--dataset \(dataset), but run '\(run)' was prepared for '\(plan.dataset)'") }
        let (pipeline, wanted, settings) = try loadPipeline(model: model, options: try pipelineOptions())
        let extractor = try ShardExtractor(folder: folder, shard: shard, pipeline: pipeline, positions: wanted, settings: settings)
        note("shard \(shard) of run '\(run)': images \(extractor.range.lowerBound)..<\(extractor.range.upperBound) → \(folder.shard(shard))")
        Interrupt.install()
        let finished = try extractor.run(prompt: try pipeline.promptEmbedding(reference.prompt), progress: ExtractProgressPrinter(throttleMs: throttleMs),
                                         shouldStop: { Interrupt.requested.load(ordering: .relaxed) })
        guard finished else {
            note("interrupted: finished batches are saved; run the same command again to continue this shard")
            throw ExitCode(130)
        }
        note("shard \(shard) finished")
    }

    func mergeShards() async throws {
        guard let run else { throw ValidationError("--merge needs --run R") }
        let runs = try await ShardMerge.merge(ShardFolder(database: database.db, run: run), into: try database.open())
        for r in runs { note("run '\(r.name)': \(r.imageCount) images, \(r.channels)×\(r.height)×\(r.width) at \(r.position), merged from shards") }
    }
}

/// The U-Net's config.json in a pipeline folder (`unet/config.json`) or a U-Net folder.
func unetConfigPath(_ model: String) -> String {
    let nested = model + "/unet/config.json"
    return FileManager.default.fileExists(atPath: nested) ? nested : model + "/config.json"
}
