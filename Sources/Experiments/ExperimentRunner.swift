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

/// How a run stores what it produces. Neither choice changes a number; both are fixed by a run's first
/// attempt (a resumed run keeps them).
public struct ExperimentStorage: Sendable {
    /// Keep the full pass's layer outputs as float16 feature stores (`--keep-features`), recorded with
    /// these extraction settings.
    public var keptFeatures: ExtractionSettings?
    /// The most bytes of the probe's temporary float32 layer files on disk at a time (`ProbePlan`).
    public var maxTemporaryBytes: Int

    public init(keptFeatures: ExtractionSettings? = nil, maxTemporaryBytes: Int = .max) {
        (self.keptFeatures, self.maxTemporaryBytes) = (keptFeatures, maxTemporaryBytes)
    }
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

    /// The passes over the images before the probe trains, in order: the full images (which also write
    /// the probe's first layer group), then one cropped pass per token size.
    func passes(_ state: ExperimentState) -> [ExperimentPass] {
        var passes = [ExperimentPass(token: nil, layers: layers, probeLayers: Set(state.probeGroups.first ?? []), reduces: true, name: "full")]
        if settings.runs(.tokenGroups) {
            passes += geometry.tokenSizes.map { t in
                ExperimentPass(token: t, layers: layers.filter { geometry.tokenSize[$0] == t }, reduces: true, name: "crop\(t)")
            }
        }
        return passes
    }

    /// The pass that writes probe group `g` > 0: the full images again, up to the group's last layer.
    func probePass(_ g: Int, group: [Int]) -> ExperimentPass {
        ExperimentPass(token: nil, layers: group.map { layers[$0] }, probeLayers: Set(group), reduces: false, name: "probe\(g)")
    }

    var batches: [Range<Int>] {
        stride(from: 0, to: images.count, by: settings.batchSize).map { $0..<min($0 + settings.batchSize, images.count) }
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

    /// The missing batches of one pass; false when `shouldStop` said so.
    func run(_ pass: ExperimentPass, embedding: Tensor, state: inout ExperimentState, progress: any ExperimentProgress,
             shouldStop: () -> Bool) throws -> Bool {
        let todo = batches.enumerated().filter { $0.offset >= state.batchesDone[pass.name] ?? 0 }
        guard !todo.isEmpty else { return true }
        let writers = pass.name == "full" && state.keepsFeatures ? try kept!.open(layers: layers, shapes: geometry.shapes) : [:]
        for (k, batch) in todo {
            if shouldStop() { return false }
            let start = Date()
            try run(pass, batch: batch, embedding: embedding, writers: writers, state: &state)
            state.batchesDone[pass.name] = k + 1
            state.seconds[pass.name, default: 0] += Date().timeIntervalSince(start)
            try state.save(folder: folder)
            progress.advanced(by: batch.count)
        }
        return true
    }

    /// One batch of one pass: every layer's output reduced as the U-Net produces it, and written where
    /// the probe or `--keep-features` wants it.
    private func run(_ pass: ExperimentPass, batch: Range<Int>, embedding: Tensor, writers: [UNetPosition: FeatureWriter],
                     state: inout ExperimentState) throws {
        let loaded = try batch.map { i in try ExperimentGeometry.load(images[i]) }
        let prepared = try pass.token.map { t in try loaded.map { try geometry.crop($0, token: t) } } ?? loaded
        let index = Dictionary(uniqueKeysWithValues: layers.enumerated().map { ($1, $0) })
        try pipeline.represent(prepared, positions: pass.layers, prompt: embedding, options: settings.pipelineOptions) { p, output in
            let l = index[p]!
            let (c, h, w) = (output.shape[1], output.shape[2], output.shape[3])
            if pass.reduces {
                try output.data.withUnsafeBufferPointer { all in
                    for (k, image) in batch.enumerated() {
                        let one = UnsafeBufferPointer(rebasing: all[(k * c * h * w)..<((k + 1) * c * h * w)])
                        if pass.token != nil {
                            state.croppedImageGroups[l].add(one, channels: c, height: h, width: w, rows: 0..<h, columns: 0..<w)
                        } else {
                            try reduceFull(one, layer: l, image: image, channels: c, height: h, width: w, state: &state)
                        }
                    }
                }
            }
            if pass.probeLayers.contains(l) { try probeFeatures(layer: l).append(output, images: batch) }
            try writers[p]?.write(output, images: batch)
        }
    }

    /// The full images' output of one image at layer `l`: label norms and the map-cropped group sums.
    private func reduceFull(_ one: UnsafeBufferPointer<Float>, layer l: Int, image: Int, channels c: Int, height h: Int, width w: Int,
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

/// One pipeline pass over every image: the full images (`token` nil) or the images cropped by `token`
/// pixels on every side, with the layers it must produce, the layers whose outputs go to the probe's
/// temporary files, and whether the anomaly and token-group experiments reduce it.
struct ExperimentPass {
    let token: Int?
    let layers: [UNetPosition]
    var probeLayers: Set<Int> = []
    let reduces: Bool
    /// The key of its progress in the saved state ("full", "crop8", "probe1", …).
    let name: String
}
