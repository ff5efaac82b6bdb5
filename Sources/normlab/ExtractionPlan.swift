import FeatureStore
import Foundation
import ImageIO
import Inference
import LabelStore

/// The batches of one extraction and the feature writers of its runs (one per position).
struct ExtractionPlan {
    let store: LabelStore
    let pipeline: StableDiffusionPipeline
    let paths: [String]
    let positions: [UNetPosition]
    let runBase: String
    let dataset: String
    let metadata: [String: String]
    /// The prepared size every image must have (one contiguous feature array per run).
    let imageSize: (width: Int, height: Int)

    func runName(_ p: UNetPosition) -> String {
        positions.count == 1 ? runBase : runBase + "_" + p.description.replacingOccurrences(of: "[", with: "").replacingOccurrences(of: "]", with: "")
    }

    /// Runs every missing batch; false when interrupted (progress saved).
    func execute(batchSize: Int, embedding: Tensor, options: StableDiffusionPipeline.Options,
                 prepare: (Image8) -> Image8, throttleMs: Int) async throws -> Bool {
        for p in positions where (try? store.run(named: runName(p))) != nil {
            throw ExtractError("run '\(runName(p))' already exists; choose another --run name")
        }
        let writers = try positions.map { try openWriter(for: $0, options: options, batchSize: batchSize) }
        let batches = stride(from: 0, to: paths.count, by: batchSize).map { $0..<min($0 + batchSize, paths.count) }
        let missing = Set(writers.flatMap(\.writer.missingImages))
        let todo = batches.filter { $0.contains { missing.contains($0) } }
        var progress = ProgressReporter(total: paths.count, done: paths.count - todo.reduce(0) { $0 + $1.count }, label: "extract")
        for batch in todo {
            if Interrupt.requested.load(ordering: .relaxed) { progress.finish(); return false }
            let images = try batch.map { i in try loadImage(paths[i], prepare) }
            for (i, img) in zip(batch, images) where (img.width, img.height) != imageSize {
                throw ExtractError("\(paths[i]): \(img.width)×\(img.height) after preparation, but image 0 is \(imageSize.width)×\(imageSize.height); a run needs one size (use --resize N, with --center-crop for non-square images)")
            }
            let out = try pipeline.represent(images, positions: positions, prompt: embedding, options: options)
            for (p, w) in zip(positions, writers) {
                let t = out[p]!
                let per = t.count / batch.count
                for (k, index) in batch.enumerated() {
                    let half = t.data[(k * per)..<((k + 1) * per)].map { Float16($0) }
                    try half.withUnsafeBufferPointer { try w.writer.write(image: index, values: $0) }
                }
                try w.writer.sync()
            }
            if throttleMs > 0 { usleep(UInt32(throttleMs) * 1000) }
            progress.advance(by: batch.count)
        }
        progress.finish()
        for (p, w) in zip(positions, writers) {
            try w.writer.finish()
            let m = metadata
            let extra = m.filter { ["unet_weights", "pixel_range", "latent", "weights"].contains($0.key) }
            var meta = RunMetadata(source: "extract", model: m["model"], modelHash: m["weights_sha256"],
                                   timestep: m["timestep"].flatMap { Int($0) }, seed: m["seed"].flatMap { UInt64($0) },
                                   prompt: m["prompt"], batchSize: m["batch_size"].flatMap { Int($0) },
                                   preprocessing: m["preprocessing"], extra: extra)
            meta.normlabVersion = normlabVersion
            let run = try await store.registerRun(name: runName(p), dataset: dataset, shape: w.writer.shape, staging: w.staging,
                                                  relative: w.relative, position: p.description, metadata: meta)
            note("run '\(run.name)': \(run.imageCount) images, \(run.channels)×\(run.height)×\(run.width) at \(p)")
        }
        return true
    }

    /// Creates the staging writer of a position's run, or resumes it when an earlier attempt with the
    /// same settings left one behind.
    private func openWriter(for p: UNetPosition, options: StableDiffusionPipeline.Options, batchSize: Int) throws
        -> (writer: FeatureWriter, staging: String, relative: String) {
        let (staging, relative) = try store.stagingFolder(run: runName(p))
        let shape = try outputShape(p)
        var settings = metadata
        settings["position"] = p.description
        let settingsPath = staging + "/extract-settings.json"
        let encoded = try JSONSerialization.data(withJSONObject: settings, options: [.sortedKeys])
        if let previous = FileManager.default.contents(atPath: settingsPath), previous == encoded,
           let writer = try? FeatureWriter.resume(folder: staging, shape: shape) {
            note("resuming run '\(runName(p))': \(shape.count - writer.missingImages.count) of \(shape.count) images already done")
            return (writer, staging, relative)
        }
        try? FileManager.default.removeItem(atPath: staging)
        let writer = try FeatureWriter.create(folder: staging, shape: shape)
        // Durable like the batches: settings lost in a power cut would make the next run start over.
        try writeFileDurably([UInt8](encoded), to: settingsPath)
        return (writer, staging, relative)
    }

    /// The (C, H, W) of a position for this dataset's (prepared) image size.
    private func outputShape(_ p: UNetPosition) throws -> FeatureShape {
        let chw = pipeline.unet.config.outputShape(of: p, latentHeight: imageSize.height / 8, latentWidth: imageSize.width / 8)
        return FeatureShape(count: paths.count, channels: chw[0], height: chw[1], width: chw[2])
    }
}

struct ExtractError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

func loadImage(_ path: String, _ prepare: (Image8) -> Image8) throws -> Image8 {
    prepare(try decodeImage([UInt8](Data(contentsOf: URL(fileURLWithPath: path))), name: path))
}
