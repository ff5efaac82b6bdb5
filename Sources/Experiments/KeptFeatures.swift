import Extraction
import FeatureStore
import Foundation
import Inference

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

/// `--keep-features`: the full pass's layer outputs kept as float16 feature stores in the layout of an
/// `extract` run (`OUTDIR/features/<layer>/features.npy`, `norms.npy`, `extract-settings.json`), written by
/// the same `FeatureWriter`, so they open with `FeatureReader` and hold the bytes `extract` writes for the
/// same images, positions, batch size, timestep and seed.
struct KeptFeatures {
    let folder: String
    let extraction: ExtractionSettings
    let images: Int

    func path(_ p: UNetPosition) -> String { folder + "/features/" + PreparedImages.folderName(position: p.description) }

    func shape(_ chw: [Int]) -> FeatureShape { FeatureShape(count: images, channels: chw[0], height: chw[1], width: chw[2]) }

    /// A writer per layer, resumed where an earlier attempt of the full pass left it.
    func open(layers: [UNetPosition], shapes: [UNetPosition: [Int]]) throws -> [UNetPosition: FeatureWriter] {
        var writers: [UNetPosition: FeatureWriter] = [:]
        for p in layers {
            writers[p] = try FeatureWriter.openResumable(folder: path(p), shape: shape(shapes[p]!),
                                                         settings: try extraction.settingsFile(position: p.description)).writer
        }
        return writers
    }

    /// Publishes every layer's store once the full pass is done; a store published by an earlier attempt
    /// (killed between two layers) is left as it is.
    func finish(layers: [UNetPosition], shapes: [UNetPosition: [Int]]) throws {
        for p in layers where !FileManager.default.fileExists(atPath: path(p) + "/" + FeatureFiles.features) {
            try FeatureWriter.resume(folder: path(p), shape: shape(shapes[p]!)).finish()
        }
    }
}
