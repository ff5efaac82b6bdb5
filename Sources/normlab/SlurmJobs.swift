import Foundation

/// What `normlab slurm` submitted for one sharded job, kept as `jobs.json` in its shard folder beside
/// the job scripts: every submission (the array job with its tasks, and the merge job that depends on it).
struct SlurmJobs: Codable {
    struct Submission: Codable {
        var array: String
        var tasks: [Int]
        var merge: String
    }

    /// "extract" or "detect".
    var kind: String
    /// The run (extract) or output file (detect) the job makes.
    var name: String
    var shards: Int
    var submissions: [Submission]

    static func path(in folder: String) -> String { folder + "/jobs.json" }

    static func read(folder: String) throws -> SlurmJobs {
        guard let data = FileManager.default.contents(atPath: path(in: folder)) else {
            throw Slurm.Failure(description: "no SLURM jobs recorded in \(folder) (normlab slurm extract/detect writes jobs.json there)")
        }
        return try JSONDecoder().decode(SlurmJobs.self, from: data)
    }

    func write(folder: String) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        try e.encode(self).write(to: URL(fileURLWithPath: Self.path(in: folder)), options: .atomic)
    }

    /// The array job that ran shard `i` last.
    func array(of i: Int) -> String? { submissions.last { $0.tasks.contains(i) }?.array }

    var merge: String? { submissions.last?.merge }
}

/// One shard as `slurm status` and `--wait` show it.
struct ShardReport {
    var done: Int
    var total: Int?
    /// From the shard's own record: finished, failed, stopped, running (nil before it started).
    var state: String?
    var error: String?
}

/// A sharded job's folder and how to read its shards' progress from their files.
struct ShardedWork {
    let folder: String
    let jobs: SlurmJobs
    let report: (Int) -> ShardReport

    /// Submits `shards` (all by default) of `job.sh`, then `merge.sh` depending on them; records both.
    static func submit(folder: String, jobs: SlurmJobs, tasks: [Int]) throws -> SlurmJobs {
        let list = tasks.map(String.init).joined(separator: ",")
        let array = try Slurm.submit(folder + "/job.sh", options: ["--array=" + (tasks == Array(0..<jobs.shards) ? "0-\(jobs.shards - 1)" : list)])
        // A failed shard must not leave the merge pending forever: SLURM cancels it.
        let merge = try Slurm.submit(folder + "/merge.sh", options: ["--dependency=afterok:" + array, "--kill-on-invalid-dep=yes"])
        var j = jobs
        j.submissions.append(.init(array: array, tasks: tasks, merge: merge))
        try j.write(folder: folder)
        return j
    }
}
