import Domain
import Foundation
import ImageIO
import Inference

/// What an experiment run tells its caller while it works (the CLI draws a progress bar).
public protocol ExperimentProgress: AnyObject {
    /// `total` units of work (images per pass, plus images per probe layer), `done` of them already saved.
    func started(total: Int, done: Int)
    func advanced(by units: Int)
    func ended()
}

/// Runs the selected experiments over a dataset's images: one pipeline pass per batch serves every layer
/// of a pass (the full images; for token groups also the images cropped by one token, one pass per token
/// size), each layer's output is reduced as it is produced, and the state is saved after every batch.
public struct ExperimentRunner {
    public let pipeline: StableDiffusionPipeline
    public let settings: ExperimentSettings
    public let layers: [UNetPosition]
    public let images: [String]
    public let labels: [LabelRow]
    public let pointLabels: [LabelRow]
    public let folder: String
    let geometry: ExperimentGeometry

    public init(pipeline: StableDiffusionPipeline, settings: ExperimentSettings, layers: [UNetPosition], images: [String],
                labels: [LabelRow], pointLabels: [LabelRow], folder: String) throws {
        (self.pipeline, self.settings, self.layers, self.images) = (pipeline, settings, layers, images)
        (self.labels, self.pointLabels, self.folder) = (labels, pointLabels, folder)
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

    /// The passes this run needs, in order.
    var passes: [ExperimentPass] {
        var passes: [ExperimentPass] = []
        if settings.runs(.anomalies) || settings.runs(.tokenGroups) || settings.runs(.position) {
            passes.append(ExperimentPass(token: nil, layers: layers))
        }
        if settings.runs(.tokenGroups) {
            passes += geometry.tokenSizes.map { t in ExperimentPass(token: t, layers: layers.filter { geometry.tokenSize[$0] == t }) }
        }
        return passes
    }

    var batches: [Range<Int>] {
        stride(from: 0, to: images.count, by: settings.batchSize).map { $0..<min($0 + settings.batchSize, images.count) }
    }

    /// Runs what is missing; returns nil when `shouldStop` said so (everything finished so far is saved).
    public func run(progress: any ExperimentProgress, shouldStop: () -> Bool) throws -> ExperimentResults? {
        var state = try ExperimentState.load(folder: folder, settings: settings)
            ?? ExperimentState(settings: settings, layers: layers.count, labels: labels.count, pointLabels: pointLabels.count,
                               fullHeights: layers.map { geometry.shapes[$0]![1] })
        let embedding = try pipeline.promptEmbedding("")
        let probeUnits = settings.runs(.position) ? images.count * layers.count : 0
        let done = passes.reduce(0) { $0 + min(images.count, (state.batchesDone[$1.name] ?? 0) * settings.batchSize) }
        progress.started(total: passes.count * images.count + probeUnits, done: done)
        defer { progress.ended() }
        for pass in passes {
            for (k, batch) in batches.enumerated() where k >= state.batchesDone[pass.name] ?? 0 {
                if shouldStop() { return nil }
                let start = Date()
                try run(pass, batch: batch, embedding: embedding, state: &state)
                state.batchesDone[pass.name] = k + 1
                state.seconds[pass.name, default: 0] += Date().timeIntervalSince(start)
                try state.save(folder: folder)
                progress.advanced(by: batch.count)
            }
        }
        if settings.runs(.position) {
            guard try trainProbes(state: &state, progress: progress, shouldStop: shouldStop) else { return nil }
        }
        return ExperimentResults(state: state, layers: layers)
    }

    /// One batch of one pass: every layer's output reduced as the U-Net produces it.
    private func run(_ pass: ExperimentPass, batch: Range<Int>, embedding: Tensor, state: inout ExperimentState) throws {
        let loaded = try batch.map { i in try ExperimentGeometry.load(images[i]) }
        let prepared = try pass.token.map { t in try loaded.map { try geometry.crop($0, token: t) } } ?? loaded
        let index = Dictionary(uniqueKeysWithValues: layers.enumerated().map { ($1, $0) })
        try pipeline.represent(prepared, positions: pass.layers, prompt: embedding, options: settings.pipelineOptions) { p, output in
            let l = index[p]!
            let (c, h, w) = (output.shape[1], output.shape[2], output.shape[3])
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
            if pass.token == nil, settings.runs(.position) { try probeFeatures(layer: l).append(output, images: batch) }
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
/// pixels on every side, with the layers it serves.
struct ExperimentPass {
    let token: Int?
    let layers: [UNetPosition]
    var name: String { token.map { "crop\($0)" } ?? "full" }
}
