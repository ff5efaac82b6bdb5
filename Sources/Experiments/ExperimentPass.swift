import Domain
import FeatureStore
import Foundation
import Inference

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

extension ExperimentRunner {
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
    func run(_ pass: ExperimentPass, batch: Range<Int>, embedding: Tensor, writers: [UNetPosition: FeatureWriter],
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
}
