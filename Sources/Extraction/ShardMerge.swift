import FeatureStore
import Foundation
import LabelStore

/// Assembles a sharded extraction: checks every shard's manifest against the plan and the others, joins
/// the slices into each position's run folder (byte-identical to a single-process extraction with the
/// same options) and registers the runs. Any missing, failed or inconsistent shard is named and nothing
/// is registered; extracting only those shards again and merging completes the run.
public enum ShardMerge {
    /// The plan and the finished manifests in shard order, or an error naming every problem found.
    public static func check(_ folder: ShardFolder) throws -> (plan: ShardPlan, manifests: [ShardManifest]) {
        let plan = try folder.readPlan()
        var problems: [String] = [], manifests: [ShardManifest] = []
        for i in 0..<plan.shards {
            let s = try plan.shard(i)
            guard let m = folder.readManifest(s) else {
                problems.append("shard \(s): no manifest in \(folder.shard(s)) (it has not run, or died before starting)")
                continue
            }
            if let p = problem(m, shard: s, plan: plan, reference: manifests.first) { problems.append(p) } else { manifests.append(m) }
        }
        guard problems.isEmpty else {
            throw ExtractError("cannot merge run '\(plan.run)', nothing was registered:\n  " + problems.joined(separator: "\n  ")
                               + "\nextract those shards again (normlab extract … --shard I/\(plan.shards), or normlab slurm resubmit), then merge")
        }
        return (plan, manifests)
    }

    /// What is wrong with shard `s`'s manifest, if anything.
    static func problem(_ m: ShardManifest, shard s: Shard, plan: ShardPlan, reference: ShardManifest?) -> String? {
        guard m.state == .finished else {
            return "shard \(s): \(m.state.rawValue)" + (m.error.map { ": \($0)" } ?? " (killed, or still running, on \(m.host))")
        }
        let expected = s.images(of: plan.batches)
        guard m.shard == s.index, m.shards == s.count, m.images == expected else {
            return "shard \(s): its manifest covers images \(m.images) as shard \(m.shard)/\(m.shards), the plan gives it \(expected)"
        }
        guard Set(m.settings.keys) == Set(plan.runs) else {
            return "shard \(s): made runs \(m.settings.keys.sorted()), the plan has \(plan.runs)"
        }
        guard let r = reference else { return nil }
        guard m.keep == r.keep else {
            return "shard \(s): keeps \(m.keep.rawValue), shard \(r.shard) keeps \(r.keep.rawValue) (every shard of a run needs the same --keep; extract this shard again with --keep \(r.keep.rawValue))"
        }
        for run in plan.runs where m.settings[run] != r.settings[run] || m.shapes[run] != r.shapes[run] {
            return "shard \(s): settings of run '\(run)' differ from shard \(r.shard)'s: " + difference(m.settings[run]!, r.settings[run]!)
        }
        return m.metadata == r.metadata ? nil : "shard \(s): run metadata differs from shard \(r.shard)'s"
    }

    /// The first setting that differs, e.g. "weights_sha256: unet:ab… vs unet:cd…".
    static func difference(_ a: String, _ b: String) -> String {
        func fields(_ t: String) -> [String: String] {
            (try? JSONSerialization.jsonObject(with: Data(t.utf8)) as? [String: String]) ?? [:]
        }
        let (x, y) = (fields(a), fields(b))
        let key = Set(x.keys).union(y.keys).sorted().first { x[$0] != y[$0] }
        return key.map { "\($0): \(x[$0] ?? "missing") vs \(y[$0] ?? "missing")" } ?? "the output shapes differ"
    }

    /// Checks, joins and registers every position's run; then removes the joined slices (the plan,
    /// manifests, job scripts and logs stay). Returns the registered runs.
    public static func merge(_ folder: ShardFolder, into store: LabelStore) async throws -> [Run] {
        let (plan, manifests) = try check(folder)
        for run in plan.runs where (try? store.run(named: run)) != nil {
            throw ExtractError("run '\(run)' already exists; nothing was registered")
        }
        var staged: [(run: String, shape: FeatureShape, staging: String, relative: String)] = []
        // A failure leaves no joined copy behind (the slices stay, for the next attempt).
        var made: [String] = [], registered = false
        defer { if !registered { for m in made { try? FileManager.default.removeItem(atPath: m) } } }
        let keep = manifests[0].keep
        for run in plan.runs {
            let (staging, relative) = try store.stagingFolder(run: run)
            try? FileManager.default.removeItem(atPath: staging)
            made.append(staging)
            let slices = try (0..<plan.shards).map { folder.slice(try plan.shard($0), run: run) }
            let shape = try join(slices, keep: keep, channels: manifests[0].shapes[run]?.first ?? 0, manifests: manifests, into: staging)
            try writeFileDurably([UInt8](manifests[0].settings[run]!.utf8), to: staging + "/" + ExtractionSettings.fileName)
            staged.append((run, shape, staging, relative))
        }
        // Every position's run in one transaction: a failure registers none of them.
        let runs = try await store.registerRuns(zip(staged, plan.positions).map { s, position in
            RunRegistration(name: s.run, dataset: plan.dataset, shape: s.shape, staging: s.staging, relative: s.relative,
                            position: position, metadata: manifests[0].metadata, contents: keep)
        })
        registered = true
        for i in 0..<plan.shards { for run in plan.runs { try? FileManager.default.removeItem(atPath: folder.slice(try plan.shard(i), run: run)) } }
        return runs
    }

    /// Joins one run's slices (features and norms, or only norms) after checking each holds its
    /// manifest's image count; returns the run's shape (channels from the manifests for norms only).
    static func join(_ slices: [String], keep: RunContents, channels: Int, manifests: [ShardManifest], into staging: String) throws -> FeatureShape {
        let norms = try slices.map { try NormReader(folder: $0) }
        for (m, p) in zip(manifests, norms) where p.count != m.images.count {
            throw ExtractError("\(p.folder) holds \(p.count) images, its manifest says \(m.images.count); extract shard \(m.shard)/\(m.shards) again")
        }
        guard keep == .norms else { return try FeatureJoin.join(try slices.map { try FeatureReader(folder: $0) }, into: staging) }
        let (count, height, width) = try FeatureJoin.joinNorms(norms, into: staging)
        return FeatureShape(count: count, channels: channels, height: height, width: width)
    }
}
