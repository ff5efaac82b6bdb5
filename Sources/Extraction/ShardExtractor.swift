import FeatureStore
import Foundation
import Inference
import LabelStore

/// Extracts one shard of a prepared run (`ShardPlan`): its contiguous batches, through the same pipeline
/// steps as `Extractor`, into its own folder. Writes files only — never the database. Finished batches
/// are durable as they complete (each position's slice keeps its progress record), so a stopped, killed
/// or cancelled shard started again continues with its missing images.
public struct ShardExtractor {
    public let folder: ShardFolder
    public let plan: ShardPlan
    public let shard: Shard
    public let pipeline: StableDiffusionPipeline
    public let positions: [UNetPosition]
    public let settings: ExtractionSettings
    let images: PreparedImages

    /// Refuses a shard whose options differ from the plan's (they would make a different run).
    public init(folder: ShardFolder, shard: Shard, pipeline: StableDiffusionPipeline, positions: [UNetPosition],
                settings: ExtractionSettings) throws {
        let plan = try folder.readPlan()
        guard shard.count == plan.shards else {
            throw ExtractError("shard \(shard) does not fit \(folder.plan): the run was prepared for \(plan.shards) shards")
        }
        guard positions.map(\.description) == plan.positions else {
            throw ExtractError("--positions \(positions.map(\.description).joined(separator: ",")) differs from the prepared run's \(plan.positions.joined(separator: ","))")
        }
        guard settings.batchSize == plan.batchSize else {
            throw ExtractError("--batch-size \(settings.batchSize) differs from the prepared run's \(plan.batchSize) (noise is drawn per batch)")
        }
        (self.folder, self.plan, self.shard, self.pipeline, self.positions, self.settings) = (folder, plan, shard, pipeline, positions, settings)
        images = try PreparedImages(paths: plan.images, preparation: settings.preparation, dataset: plan.dataset)
    }

    /// This shard's images.
    public var range: Range<Int> { shard.images(of: plan.batches) }

    /// Runs the shard's missing batches. Returns false, with finished batches saved, when `shouldStop`
    /// says so before a batch; a failure is recorded in the manifest, then rethrown.
    public func run(prompt embedding: Tensor, progress: any ExtractionProgress, shouldStop: () -> Bool) throws -> Bool {
        var manifest = try makeManifest()
        if let old = folder.readManifest(shard), old.state == .finished, old.settings == manifest.settings, old.images == range {
            progress.resuming(run: plan.run + " shard \(shard)", done: range.count, total: range.count)
            return true
        }
        do {
            let finished = try extract(embedding, progress: progress, shouldStop: shouldStop, manifest: &manifest)
            manifest.state = finished ? .finished : .stopped
            manifest.error = finished ? nil : "stopped on request (finished batches are kept)"
        } catch {
            manifest.state = .failed
            manifest.error = "\(error)"
            try? record(manifest)
            throw error
        }
        try record(manifest)
        return manifest.state == .finished
    }

    private func extract(_ embedding: Tensor, progress: any ExtractionProgress, shouldStop: () -> Bool,
                         manifest: inout ShardManifest) throws -> Bool {
        let writers = try zip(positions, plan.runs).map { p, run in try openSlice(p, run: run, progress: progress) }
        try record(manifest)
        let missing = Set(writers.flatMap(\.missingImages).map { $0 + range.lowerBound })
        let todo = shard.batches(of: plan.batches).filter { $0.contains { missing.contains($0) } }
        progress.started(total: range.count, done: range.count - todo.reduce(0) { $0 + $1.count })
        for batch in todo {
            if shouldStop() { progress.ended(); return false }
            let outputs = try pipeline.represent(try images.load(batch), positions: positions, prompt: embedding, options: settings.options)
            for (p, w) in zip(positions, writers) { try w.write(outputs[p]!, images: batch, firstSlot: range.lowerBound) }
            progress.finished(batch: batch)
        }
        progress.ended()
        for w in writers { try w.finish() }
        return true
    }

    /// A position's slice of the run: images `range`, resumed when an earlier attempt left one.
    private func openSlice(_ p: UNetPosition, run: String, progress: any ExtractionProgress) throws -> FeatureWriter {
        let chw = shapes[run]!
        let shape = FeatureShape(count: range.count, channels: chw[0], height: chw[1], width: chw[2])
        let (writer, resumed) = try FeatureWriter.openResumable(folder: folder.slice(shard, run: run), shape: shape, contents: settings.keep,
                                                                settings: try settings.settingsFile(position: p.description))
        if resumed { progress.resuming(run: "\(run) shard \(shard)", done: shape.count - writer.missingImages.count, total: shape.count) }
        return writer
    }

    private var shapes: [String: [Int]] {
        Dictionary(uniqueKeysWithValues: zip(positions, plan.runs).map { p, run in
            (run, pipeline.unet.outputShape(of: p, inputHeight: images.size.height / 8, inputWidth: images.size.width / 8))
        })
    }

    private func makeManifest() throws -> ShardManifest {
        let texts = try zip(positions, plan.runs).map { p, run in (run, String(decoding: try settings.settingsFile(position: p.description), as: UTF8.self)) }
        return ShardManifest(shard: shard.index, shards: shard.count, first: range.lowerBound, end: range.upperBound,
                             settings: Dictionary(uniqueKeysWithValues: texts), metadata: settings.runMetadata, keep: settings.keep, shapes: shapes,
                             state: .running, error: nil, host: ProcessInfo.processInfo.hostName, updated: "")
    }

    private func record(_ m: ShardManifest) throws {
        var m = m
        m.updated = ISO8601DateFormatter().string(from: Date())
        try folder.write(m, for: shard)
    }
}
