import Foundation

/// The SLURM client commands normlab calls (sbatch, scontrol, scancel), each under `timeout` so that an
/// unreachable controller is an error, not a hang.
enum Slurm {
    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Runs `tool args…` and returns its standard output; a non-zero exit throws with its standard error.
    @discardableResult
    static func run(_ tool: String, _ args: [String], seconds: Int = 20) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        p.arguments = [String(seconds), tool] + args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch { throw Failure(description: "cannot run \(tool): \(error)") }
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let why = p.terminationStatus == 124 ? "no answer within \(seconds) s (is slurmctld running?)" : String(decoding: e, as: UTF8.self)
            throw Failure(description: "\(tool) \(args.joined(separator: " ")) failed: \(why.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return String(decoding: o, as: UTF8.self)
    }

    /// Submits `script` with extra sbatch options; returns the job id.
    static func submit(_ script: String, options: [String]) throws -> String {
        let out = try run("sbatch", ["--parsable"] + options + [script])
        guard let id = out.split(separator: ";").first.map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) }), Int(id) != nil else {
            throw Failure(description: "sbatch printed '\(out)', not a job id")
        }
        return id
    }

    /// A job's (or array's) records as SLURM knows them: pending, running, or finished within MinJobAge.
    struct JobRecord: Equatable {
        var tasks: [Int]?      // array tasks this record stands for; nil for a plain job
        var state: String      // PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, …
        var exitCode: String
        var reason: String

        var finished: Bool { !["PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", "REQUEUED"].contains(state) }
    }

    /// `scontrol -o show job ID`; an empty list when SLURM no longer knows the job.
    static func records(job id: String) -> [JobRecord] {
        guard let text = try? run("scontrol", ["-o", "show", "job", id], seconds: 10) else { return [] }
        return text.split(separator: "\n").compactMap { parseRecord(String($0)) }
    }

    /// One line of `scontrol -o show job`: `Key=Value` fields separated by spaces.
    static func parseRecord(_ line: String) -> JobRecord? {
        var fields: [String: String] = [:]
        for part in line.split(separator: " ") {
            guard let eq = part.firstIndex(of: "=") else { continue }
            fields[String(part[..<eq])] = String(part[part.index(after: eq)...])
        }
        guard let state = fields["JobState"] else { return nil }
        return JobRecord(tasks: fields["ArrayTaskId"].map(parseTaskList), state: state,
                         exitCode: fields["ExitCode"] ?? "", reason: fields["Reason"] ?? "")
    }

    /// "0-3,5%2" → [0, 1, 2, 3, 5] (the %limit is dropped).
    static func parseTaskList(_ text: String) -> [Int] {
        let list = text.split(separator: "%").first.map(String.init) ?? text
        return list.split(separator: ",").flatMap { part -> [Int] in
            let ends = part.split(separator: "-").compactMap { Int($0) }
            guard let lo = ends.first else { return [] }
            return Array(lo...(ends.count > 1 ? max(lo, ends[1]) : lo))
        }
    }

    /// Scheduler state per array task (the newest record wins).
    static func taskStates(array id: String) -> [Int: JobRecord] {
        var states: [Int: JobRecord] = [:]
        for r in records(job: id) { for t in r.tasks ?? [] { states[t] = r } }
        return states
    }
}

/// A shell word: single-quoted unless plainly safe.
func shellQuoted(_ s: String) -> String {
    let safe = !s.isEmpty && s.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "-_./=:,@+%".unicodeScalars.contains($0) }
    return safe ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
