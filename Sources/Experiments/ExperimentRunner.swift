import Domain
import Extraction
import FeatureStore
import Foundation
import ImageIO
import Inference

/// What an experiment run tells its caller while it works (the CLI draws a progress bar).
public protocol ExperimentProgress: AnyObject {
    /// `total` units of work (images per pass, plus images per probe layer), `done` of them already saved.
    func started(total: Int, done: Int)
    func advanced(by units: Int)
    func ended()
    /// A line for the log (the probe's storage plan).
    func note(_ message: String)
}

extension ExperimentProgress {
    public func note(_ message: String) {}
}

/// Runs the selected experiments over a dataset's images: one pipeline pass per batch serves every layer
/// of a pass (the full images; for token groups also the images cropped by one token, one pass per token
/// size; for the probe one partial pass per further layer group of `ProbePlan`), each layer's output is
/// reduced as it is produced, and the state is saved after every batch and every trained probe layer.
public struct ExperimentRunner {
    public let pipeline: StableDiffusionPipeline
    public let settings: ExperimentSettings
    public let layers: [UNetPosition]
    public let images: [String]
    public let labels: [LabelRow]
    public let pointLabels: [LabelRow]
    public let folder: String
    public let storage: ExperimentStorage
    let geometry: ExperimentGeometry

    public init(pipeline: StableDiffusionPipeline, settings: ExperimentSettings, layers: [UNetPosition], images: [String],
                labels: [LabelRow], pointLabels: [LabelRow], folder: String, storage: ExperimentStorage = .init()) throws {
        (self.pipeline, self.settings, self.layers, self.images) = (pipeline, settings, layers, images)
        (self.labels, self.pointLabels, self.folder, self.storage) = (labels, pointLabels, folder, storage)
        guard !images.isEmpty else { throw ExperimentError("the dataset has no images") }
        let size = try ExperimentGeometry.commonSize(of: images)
        geometry = try ExperimentGeometry(unet: pipeline.unet, layers: layers, imageWidth: size.width, imageHeight: size.height)
        try validate()
    }

    private func validate() throws {
        if settings.runs(.anomalies) {
            _ = try ExperimentLayers.labelGrid(unet: pipeline.unet)
            guard !labels.isEmpty else { throw ExperimentError("experiment 'anomalies' needs labels: give --labels L.npy (rows image, x, y on the up_blocks[1] grid)") }
            try geometry.check(labels, grid: geometry.labelGrid, name: "--labels", imageCount: images.count)
            try geometry.check(pointLabels, grid: geometry.pointGrid, name: "--point-labels", imageCount: images.count)
        }
        if settings.runs(.tokenGroups) { try geometry.checkTokenGroups() }
        if settings.runs(.position) { try geometry.checkProbe(images: images.count) }
    }

    /// Bytes of each layer's temporary float32 probe file.
    var probeLayerBytes: [Int] {
        layers.map { p in geometry.shapes[p]!.reduce(images.count * 4, *) }
    }

    var kept: KeptFeatures? {
        storage.keptFeatures.map { KeptFeatures(folder: folder, extraction: $0, images: images.count) }
    }

    /// The saved state of an earlier attempt, or a new one with this run's probe plan.
    func loadState() throws -> ExperimentState {
        if let saved = try ExperimentState.load(folder: folder, settings: settings) {
            guard saved.keepsFeatures == (storage.keptFeatures != nil) else {
                throw ExperimentError("\(folder) holds an unfinished run started \(saved.keepsFeatures ? "with" : "without") --keep-features; run the same command as then to continue it, or choose another -o")
            }
            return saved
        }
        let groups = settings.runs(.position) ? ProbePlan.groups(layerBytes: probeLayerBytes, limit: storage.maxTemporaryBytes) : []
        return ExperimentState(settings: settings, layers: layers.count, labels: labels.count, pointLabels: pointLabels.count,
                               fullHeights: layers.map { geometry.shapes[$0]![1] }, probeGroups: groups,
                               keepsFeatures: storage.keptFeatures != nil)
    }

    /// Runs what is missing; returns nil when `shouldStop` said so (everything finished so far is saved).
    public func run(progress: any ExperimentProgress, shouldStop: () -> Bool) throws -> ExperimentResults? {
        var state = try loadState()
        let embedding = try pipeline.promptEmbedding("")
        if settings.runs(.position) {
            progress.note(ProbePlan.describe(state.probeGroups, layerBytes: probeLayerBytes, layers: layers.map(\.description)))
        }
        progress.started(total: totalUnits(state), done: doneUnits(state))
        defer { progress.ended() }
        for pass in passes(state) {
            guard try run(pass, embedding: embedding, state: &state, progress: progress, shouldStop: shouldStop) else { return nil }
            if pass.name == "full", state.keepsFeatures { try kept!.finish(layers: layers, shapes: geometry.shapes) }
        }
        if settings.runs(.position) {
            guard try trainProbes(state: &state, embedding: embedding, progress: progress, shouldStop: shouldStop) else { return nil }
        }
        return ExperimentResults(state: state, layers: layers)
    }

    /// Units of work: images per pass (probe passes included) and images per probe layer.
    private func totalUnits(_ state: ExperimentState) -> Int {
        let probe = settings.runs(.position) ? images.count * (layers.count + state.probeGroups.count - 1) : 0
        return passes(state).count * images.count + probe
    }

    private func doneUnits(_ state: ExperimentState) -> Int {
        let batchesDone = state.batchesDone.values.reduce(0) { $0 + min(images.count, $1 * settings.batchSize) }
        return batchesDone + images.count * state.accuracies.filter { $0 != nil }.count
    }

    /// The full images' output of one image at layer `l`: label norms and the map-cropped group sums.
    func reduceFull(_ one: UnsafeBufferPointer<Float>, layer l: Int, image: Int, channels c: Int, height h: Int, width w: Int,
                            state: inout ExperimentState) throws {
        if settings.runs(.anomalies) {
            let norms = AnomalyNorms.norms(of: one, image: 0, channels: c, tokens: h * w)
            norms.withUnsafeBufferPointer { n in
                for (j, label) in labels.enumerated() where label.image == image {
                    state.anomalyNorms[l][j] = AnomalyNorms.relativeNorm(norms: n, height: h, width: w, x: label.x, y: label.y,
                                                                         referenceHeight: geometry.labelGrid.height)
                }
                for (j, label) in pointLabels.enumerated() where label.image == image {
                    state.pointNorms[l][j] = AnomalyNorms.relativeNorm(norms: n, height: h, width: w, x: label.x, y: label.y,
                                                                       referenceHeight: geometry.pointGrid.height)
                }
            }
        }
        if settings.runs(.tokenGroups) {
            state.croppedMapGroups[l].add(one, channels: c, height: h, width: w, rows: 1..<(h - 1), columns: 1..<(w - 1))
        }
    }
}
