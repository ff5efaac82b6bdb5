import ArgumentParser
import Extraction
import FeatureStore
import Foundation

/// `normlab slurm`: sharded extraction and detection as SLURM array jobs with a dependent merge job.
struct SlurmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm",
        abstract: "Run extract or detect on a SLURM cluster: an array job of shards, then a merge job.",
        discussion: """
            The database stays with one process: `slurm extract` reads the dataset once and writes the shard
            plan; the shards (array tasks) write only files in the run's shard folder on the shared
            filesystem; the merge job (--dependency=afterok on the array) checks them and registers the run.
            The job scripts are kept in the shard folder (<db>.features/<run>.shards/) with the logs.

            Example (8 nodes, 4 CPUs each, 2 h per shard):
              normlab slurm extract --db /shared/lab.sqlite --dataset imagenet-val --model /shared/sd15 \\
                  --run inet --shards 8 --cpus-per-task 4 --time 2:00:00 --partition gpu --wait
              normlab slurm status inet --db /shared/lab.sqlite
              normlab slurm resubmit inet --db /shared/lab.sqlite          (the failed shards, then the merge)
            """,
        subcommands: [SlurmExtractCommand.self, SlurmDetectCommand.self, SlurmStatusCommand.self, SlurmResubmitCommand.self])
}

/// sbatch options shared by `slurm extract` and `slurm detect`.
struct SlurmSubmitOptions: ParsableArguments {
    @Option(help: "sbatch --partition.") var partition: String?
    @Option(help: "sbatch --time per shard, e.g. 2:00:00.") var time: String?
    @Option(help: "sbatch --cpus-per-task for each shard (normlab uses them through OpenBLAS).") var cpusPerTask: Int?
    @Option(help: "sbatch --mem per shard, e.g. 16G.") var mem: String?
    @Option(help: "Any other sbatch option, written into both job scripts (repeatable), e.g. --sbatch-arg=--account=lab.")
    var sbatchArg: [String] = []
    @Flag(help: "Follow the jobs until the merge ends, with a progress line; exit non-zero when a shard fails.") var wait = false

    /// The options this struct owns: removed from the arguments passed through to the shards.
    static let valued = ["--partition", "--time", "--cpus-per-task", "--mem", "--sbatch-arg", "--shards"]
    static let flags = ["--wait"]

    func directives(forShards: Bool) -> [String] {
        var d = sbatchArg
        if let partition { d.append("--partition=" + partition) }
        if let time { d.append("--time=" + time) }
        if forShards, let cpusPerTask { d.append("--cpus-per-task=\(cpusPerTask)") }
        if let mem { d.append("--mem=" + mem) }
        return d
    }
}

struct SlurmExtractCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Extract a dataset in --shards N array tasks, then merge and register the run.",
        discussion: "Takes every `normlab extract` option; the shards run exactly that command with --shard I/N.")

    @OptionGroup var extract: ExtractCommand
    @OptionGroup var submit: SlurmSubmitOptions

    func run() async throws {
        guard let shards = extract.sharding.shards else { throw ValidationError("give --shards N") }
        guard extract.sharding.shard == nil, !extract.sharding.prepare, !extract.sharding.merge else {
            throw ValidationError("--shard, --prepare and --merge are for `normlab extract`; `slurm extract` does all three")
        }
        guard let dataset = extract.dataset, let model = extract.model else { throw ValidationError("give --dataset and --model") }
        let folder = try extract.writeShardPlan(dataset: dataset, model: model, shards: shards)
        let plan = try folder.readPlan()
        let db = absolute(extract.database.db)
        var args = try JobArguments.passThrough(after: "extract", absolutizing: ["--db", "--model"])
        if !JobArguments.has(args, "--db") { args += ["--db", db] }
        if !JobArguments.has(args, "--run") { args += ["--run", plan.run] }
        let scripts = JobScripts(folder: folder.path, kind: "extract", name: plan.run, shards: shards, submit: submit)
        try scripts.write(shard: ["extract"] + args, merge: ["extract", "--merge", "--db", db, "--run", plan.run])
        let jobs = try ShardedWork.submit(folder: folder.path, jobs: SlurmJobs(kind: "extract", name: plan.run, shards: shards, submissions: []),
                                          tasks: Array(0..<shards))
        try announce(jobs, folder: folder.path)
        if submit.wait { try SlurmFollow.follow(ShardedWork.extract(folder, jobs: jobs), hint: resubmitHint(plan.run, db: db)) }
    }
}

func announce(_ jobs: SlurmJobs, folder: String) throws {
    let s = jobs.submissions.last!
    print("array job \(s.array) (\(s.tasks.count) shards), merge job \(s.merge)")
    note("job scripts and logs in \(folder)")
}

func resubmitHint(_ name: String, db: String) -> String { "normlab slurm resubmit \(shellQuoted(name)) --db \(shellQuoted(db))" }

func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }

extension ShardedWork {
    /// An extraction's shards, read from their manifests and progress records.
    static func extract(_ folder: ShardFolder, jobs: SlurmJobs) -> ShardedWork {
        let plan = try? folder.readPlan()
        return ShardedWork(folder: folder.path, jobs: jobs) { i in
            guard let plan, let shard = try? plan.shard(i) else { return ShardReport(done: 0, total: nil) }
            let total = shard.images(of: plan.batches).count
            guard let m = folder.readManifest(shard) else { return ShardReport(done: 0, total: total) }
            if m.state == .finished { return ShardReport(done: total, total: total, state: m.state.rawValue) }
            let progress = FileManager.default.contents(atPath: folder.slice(shard, run: plan.runs[0]) + "/" + FeatureFiles.progress) ?? Data()
            return ShardReport(done: progress.filter { $0 == 1 }.count, total: total, state: m.state.rawValue, error: m.error)
        }
    }
}
