import ArgumentParser
import Extraction
import Foundation

/// `--wait` and `slurm status`: the scheduler's view of every shard and the merge, with each shard's
/// own record (images done, failures) from its files.
enum SlurmFollow {
    struct Row {
        var shard: Int
        var job: String
        var scheduler: Slurm.JobRecord?
        var report: ShardReport

        /// Failed by the scheduler's account (failed, cancelled, timed out, out of memory, node failure).
        var failed: Bool { scheduler.map { $0.finished && $0.state != "COMPLETED" } ?? (report.state == "failed") }
        var done: Bool { scheduler?.state == "COMPLETED" || report.state == "finished" }
    }

    static func rows(_ work: ShardedWork) -> [Row] {
        let arrays = Set(work.jobs.submissions.map(\.array))
        let states = Dictionary(uniqueKeysWithValues: arrays.map { ($0, Slurm.taskStates(array: $0)) })
        return (0..<work.jobs.shards).map { i in
            let array = work.jobs.array(of: i) ?? "?"
            return Row(shard: i, job: "\(array)_\(i)", scheduler: states[array]?[i], report: work.report(i))
        }
    }

    /// Polls until the merge job ends (or a shard failed and the merge is gone); throws when the run did
    /// not complete, naming the failed shards and the command that resubmits them.
    static func follow(_ work: ShardedWork, hint: String) throws {
        let terminal = isatty(STDERR_FILENO) != 0
        var last = ""
        while true {
            let rows = rows(work)
            let merge = work.jobs.merge.flatMap { Slurm.records(job: $0).first }
            let line = summary(rows, merge: merge)
            if terminal { FileHandle.standardError.write(Data("\r\(line)\u{1B}[K".utf8)) } else if line != last { note(line) }
            last = line
            if let merge, merge.finished {
                if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
                if merge.state == "COMPLETED" { note("merge job \(work.jobs.merge!) completed"); return }
                throw failure(rows, merge: merge, work: work, hint: hint)
            }
            if rows.allSatisfy({ $0.scheduler?.finished ?? $0.done }), rows.contains(where: \.failed) {
                if let id = work.jobs.merge, merge?.finished == false { try? Slurm.run("scancel", [id]) }
                if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
                throw failure(rows, merge: merge, work: work, hint: hint)
            }
            usleep(500_000)
        }
    }

    static func summary(_ rows: [Row], merge: Slurm.JobRecord?) -> String {
        func count(_ s: String) -> Int { rows.filter { $0.scheduler?.state == s }.count }
        let done = rows.reduce(0) { $0 + $1.report.done }, total = rows.reduce(0) { $0 + ($1.report.total ?? 0) }
        return "shards: \(count("COMPLETED")) done, \(count("RUNNING")) running, \(count("PENDING")) pending, \(rows.filter(\.failed).count) failed"
            + " · images \(done)/\(total) · merge \(merge?.state.lowercased() ?? "unknown")"
    }

    static func failure(_ rows: [Row], merge: Slurm.JobRecord?, work: ShardedWork, hint: String) -> Slurm.Failure {
        let failed = rows.filter(\.failed)
        var text = "'\(work.jobs.name)' did not complete: merge job \(work.jobs.merge ?? "?") \(merge?.state.lowercased() ?? "unknown")"
        for r in failed { text += "\n  " + describe(r) }
        text += "\nlogs: \(work.folder)/logs/shard-I.out"
        if !failed.isEmpty {
            text += "\nresubmit just \(failed.count == 1 ? "that shard" : "those shards") (then the merge): \(hint) "
                + failed.map { "--shard \($0.shard)" }.joined(separator: " ")
        }
        return Slurm.Failure(description: text)
    }

    static func describe(_ r: Row) -> String {
        let sched = r.scheduler.map { "\($0.state.lowercased()) (exit \($0.exitCode))" } ?? "unknown to the scheduler"
        return "shard \(r.shard) (job \(r.job)): \(sched), \(r.report.done)/\(r.report.total.map(String.init) ?? "?") images"
            + (r.report.error.map { ": " + $0 } ?? "")
    }
}

struct SlurmStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Per-shard state of a run submitted with `normlab slurm`: scheduler state, images done, failures.",
        discussion: "normlab slurm status inet --db /shared/lab.sqlite   (or a detect job's shard folder: curve.csv.shards)")

    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The run (normlab slurm extract) or a shard folder (normlab slurm detect: <output>.shards).")
    var target: String

    func run() throws {
        let work = try ShardedWork.open(target, db: database.db)
        let merge = work.jobs.merge.flatMap { Slurm.records(job: $0).first }
        let rows = SlurmFollow.rows(work)
        print("\(work.jobs.kind) '\(work.jobs.name)': \(work.jobs.shards) shards in \(work.folder)")
        for r in rows { print("  " + SlurmFollow.describe(r)) }
        print("  merge (job \(work.jobs.merge ?? "?")): \(merge.map { "\($0.state.lowercased()) (exit \($0.exitCode))" } ?? "unknown to the scheduler")")
        let failed = rows.filter(\.failed)
        if !failed.isEmpty {
            print("resubmit: " + resubmitHint(target, db: absolute(database.db)) + " " + failed.map { "--shard \($0.shard)" }.joined(separator: " "))
        }
    }
}

struct SlurmResubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resubmit",
        abstract: "Submit shards again (default: every shard that is not finished), then a new merge job.",
        discussion: "A stopped or cancelled extraction shard resumes from its progress record.\n  normlab slurm resubmit inet --db /shared/lab.sqlite --shard 3 --wait")

    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The run (normlab slurm extract) or a shard folder (normlab slurm detect).") var target: String
    @Option(help: "A shard to submit again (repeatable).") var shard: [Int] = []
    @Flag(help: "Follow the jobs until the merge ends.") var wait = false

    func run() throws {
        let work = try ShardedWork.open(target, db: database.db)
        let tasks = shard.isEmpty ? SlurmFollow.rows(work).filter { !$0.done }.map(\.shard) : shard.sorted()
        guard !tasks.isEmpty else { throw ValidationError("every shard is finished; nothing to resubmit") }
        for t in tasks where !(0..<work.jobs.shards).contains(t) { throw ValidationError("--shard \(t): the job has shards 0…\(work.jobs.shards - 1)") }
        let jobs = try ShardedWork.submit(folder: work.folder, jobs: work.jobs, tasks: tasks)
        try announce(jobs, folder: work.folder)
        if wait {
            try SlurmFollow.follow(ShardedWork(folder: work.folder, jobs: jobs, report: work.report), hint: resubmitHint(target, db: absolute(database.db)))
        }
    }
}

extension ShardedWork {
    /// A run's shard folder (`<db>.features/<run>.shards`) or a folder holding `jobs.json`.
    static func open(_ target: String, db: String) throws -> ShardedWork {
        var isDir: ObjCBool = false
        let direct = FileManager.default.fileExists(atPath: SlurmJobs.path(in: target), isDirectory: &isDir) ? target : nil
        let folder = direct ?? ShardFolder(database: db, run: target).path
        let jobs = try SlurmJobs.read(folder: folder)
        return jobs.kind == "extract" ? extract(ShardFolder(path: folder), jobs: jobs) : detect(folder: folder, jobs: jobs)
    }
}
