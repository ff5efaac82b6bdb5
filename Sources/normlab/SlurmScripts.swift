import Foundation

/// The command line a shard runs: this invocation's arguments after the subcommand, minus the options
/// only `normlab slurm` understands, with paths made absolute (the job may start elsewhere).
enum JobArguments {
    /// `ifExisting`: options whose value is made absolute only when it names an existing file (a
    /// `--prototype` may be a file or a recorded id).
    static func passThrough(after subcommand: String, absolutizing paths: [String], ifExisting: [String] = []) throws -> [String] {
        let all = Array(CommandLine.arguments.dropFirst())
        guard let slurm = all.firstIndex(of: "slurm"), let start = all[slurm...].firstIndex(of: subcommand) else {
            throw Slurm.Failure(description: "cannot find '\(subcommand)' in the command line")
        }
        var out: [String] = [], rest = all[(start + 1)...]
        while let arg = rest.popFirst() {
            let name = String(arg.split(separator: "=", maxSplits: 1)[0])
            if SlurmSubmitOptions.flags.contains(arg) { continue }
            if SlurmSubmitOptions.valued.contains(name) {
                if !arg.contains("=") { _ = rest.popFirst() }
                continue
            }
            if paths.contains(name) || ifExisting.contains(name) {
                let value = arg.contains("=") ? String(arg.split(separator: "=", maxSplits: 1)[1]) : (rest.popFirst() ?? "")
                let file = paths.contains(name) || FileManager.default.fileExists(atPath: value)
                out += [name, file ? absolute(value) : value]
                continue
            }
            out.append(arg)
        }
        return out
    }

    static func has(_ args: [String], _ option: String) -> Bool {
        args.contains { $0 == option || $0.hasPrefix(option + "=") }
    }
}

/// `job.sh` (one array task = one shard) and `merge.sh`, written into the shard folder and kept there,
/// so that the exact commands of a run can be read and submitted again by hand.
struct JobScripts {
    let folder: String
    let kind: String
    let name: String
    let shards: Int
    let submit: SlurmSubmitOptions

    func write(shard: [String], merge: [String]) throws {
        try FileManager.default.createDirectory(atPath: folder + "/logs", withIntermediateDirectories: true)
        let normlab = executablePath()
        try script("shard-%a.out", directives: submit.directives(forShards: true), comment: [
            "One shard of `normlab \(kind)` for '\(name)': array task I runs shard I of \(shards).",
            "All shards: sbatch --array=0-\(shards - 1) \(folder)/job.sh   one shard: sbatch --array=I …",
        ], command: ([normlab] + shard).map(shellQuoted).joined(separator: " ") + " --shard \"$SLURM_ARRAY_TASK_ID/\(shards)\"")
            .write(toFile: folder + "/job.sh", atomically: true, encoding: .utf8)
        try script("merge.out", directives: submit.directives(forShards: false), comment: [
            "Merges the \(shards) shards of `normlab \(kind)` for '\(name)' (submitted with --dependency=afterok on the array).",
        ], command: ([normlab] + merge).map(shellQuoted).joined(separator: " "))
            .write(toFile: folder + "/merge.sh", atomically: true, encoding: .utf8)
    }

    private func script(_ log: String, directives: [String], comment: [String], command: String) -> String {
        let lines = ["#!/bin/bash"]
            + ["--job-name=normlab-\(kind)-\(name)", "--output=\(folder)/logs/\(log)",
               "--chdir=\(FileManager.default.currentDirectoryPath)"].map { "#SBATCH " + $0 }
            + directives.map { "#SBATCH " + $0 }
            + comment.map { "# " + $0 }
            + ["set -euo pipefail",
               "# OpenBLAS would start a thread per core of the node, not per CPU granted to the task.",
               "if [ -n \"${SLURM_CPUS_PER_TASK:-}\" ]; then export OPENBLAS_NUM_THREADS=$SLURM_CPUS_PER_TASK; fi",
               "exec " + command]
        return lines.joined(separator: "\n") + "\n"
    }
}

/// This normlab binary's absolute path (the shards run the same build).
func executablePath() -> String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? absolute(CommandLine.arguments[0])
}
