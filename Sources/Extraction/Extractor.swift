import FeatureStore
import Foundation
import ImageIO
import Inference
import LabelStore

/// Extracts every image of a registered dataset into the feature store: one U-Net pass per batch serves
/// every position, each position becomes its own run. Finished batches are durable as they complete;
/// a stopped or killed extraction started again with the same settings continues with the missing images.
public struct Extractor {
    public let store: LabelStore
    public let pipeline: StableDiffusionPipeline
    public let dataset: String
    /// The dataset's image files in index order.
    public let paths: [String]
    public let positions: [UNetPosition]
    /// The run name (one position) or prefix (`<runBase>_<position>`, several).
    public let runBase: String
    public let settings: ExtractionSettings
    /// The prepared size every image must have (one contiguous feature array per run).
    public let imageSize: (width: Int, height: Int)
    let images: PreparedImages

    /// Checks the first image's prepared size (sides must be multiples of 8).
    public init(store: LabelStore, pipeline: StableDiffusionPipeline, dataset: String, paths: [String],
                positions: [UNetPosition], runBase: String, settings: ExtractionSettings) throws {
        guard !positions.isEmpty else { throw ExtractError("no positions to extract") }
        images = try PreparedImages(paths: paths, preparation: settings.preparation, dataset: dataset)
        (self.store, self.pipeline, self.dataset, self.paths) = (store, pipeline, dataset, paths)
        (self.positions, self.runBase, self.settings) = (positions, runBase, settings)
        imageSize = images.size
    }

    /// The image files of dataset `name`, in index order; refused for a dataset made by a feature import.
    public static func imagePaths(store: LabelStore, dataset name: String) throws -> [String] {
        let ds = try store.dataset(named: name)
        let files = try store.imageFiles(dataset: ds.id)
        guard let root = ds.root, !files.contains(where: { $0 == nil }) else {
            throw ExtractError("dataset '\(name)' has no image files (it was created by a feature import); register images with `normlab dataset add`")
        }
        return files.map { store.resolve(root) + "/" + $0! }
    }

    public func runName(_ p: UNetPosition) -> String {
        PreparedImages.runName(base: runBase, position: p.description, positions: positions.count)
    }

    /// The batches in order: sdhelper reseeds per batch, so a batch's images share one noise draw.
    public var batches: [Range<Int>] {
        images.batches(size: settings.batchSize)
    }

    /// Runs every missing batch, then registers the runs. Returns false, with finished batches saved and
    /// nothing registered, when `shouldStop` says so before a batch.
    public func run(prompt embedding: Tensor, progress: any ExtractionProgress, shouldStop: () -> Bool) async throws -> Bool {
        for p in positions where (try? store.run(named: runName(p))) != nil {
            throw ExtractError("run '\(runName(p))' already exists; choose another --run name")
        }
        let writers = try positions.map { try openWriter(for: $0, progress: progress) }
        let missing = Set(writers.flatMap(\.writer.missingImages))
        let todo = batches.filter { $0.contains { missing.contains($0) } }
        progress.started(total: paths.count, done: paths.count - todo.reduce(0) { $0 + $1.count })
        for batch in todo {
            if shouldStop() { progress.ended(); return false }
            let outputs = try pipeline.represent(try load(batch), positions: positions, prompt: embedding, options: settings.options)
            for (p, w) in zip(positions, writers) {
                try write(outputs[p]!, images: batch, to: w.writer)
            }
            progress.finished(batch: batch)
        }
        progress.ended()
        for (p, w) in zip(positions, writers) {
            try w.writer.finish()
            let run = try await store.registerRun(name: runName(p), dataset: dataset, shape: w.writer.shape, staging: w.staging,
                                                  relative: w.relative, position: p.description, metadata: settings.runMetadata,
                                                  contents: settings.keep)
            progress.registered(run, at: p)
        }
        return true
    }

    private func load(_ batch: Range<Int>) throws -> [Image8] { try images.load(batch) }

    private func write(_ t: Tensor, images batch: Range<Int>, to writer: FeatureWriter) throws {
        try writer.write(t, images: batch)
    }

    /// Creates the staging writer of a position's run, or resumes it when an earlier attempt with the
    /// same settings left one behind.
    private func openWriter(for p: UNetPosition, progress: any ExtractionProgress) throws
        -> (writer: FeatureWriter, staging: String, relative: String) {
        let (staging, relative) = try store.stagingFolder(run: runName(p))
        let chw = pipeline.unet.outputShape(of: p, inputHeight: imageSize.height / 8, inputWidth: imageSize.width / 8)
        let shape = FeatureShape(count: paths.count, channels: chw[0], height: chw[1], width: chw[2])
        let (writer, resumed) = try FeatureWriter.openResumable(folder: staging, shape: shape, contents: settings.keep,
                                                                settings: try settings.settingsFile(position: p.description))
        if resumed { progress.resuming(run: runName(p), done: shape.count - writer.missingImages.count, total: shape.count) }
        return (writer, staging, relative)
    }
}

public struct ExtractError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
