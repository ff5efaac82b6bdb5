import Foundation
import Inference

extension ExperimentRunner {
    /// Where the full pass leaves layer `l`'s features for the probe: float32 (N, C, H, W), written image
    /// by image, read back one layer at a time once the pass is done.
    func probeFeatures(layer l: Int) throws -> ProbeFeatureFile {
        let s = geometry.shapes[layers[l]]!
        return ProbeFeatureFile(path: "\(folder)/.progress/features/layer\(l).f32", floatsPerImage: s[0] * s[1] * s[2])
    }

    /// Experiment 3, layer by layer in order on one generator seeded once with 42 (the reference's
    /// `torch.manual_seed(42)` before the first layer). Each group of `ProbePlan` after the first gets its
    /// features from its own pass first. A trained layer's accuracies are saved at once and its file is
    /// deleted; a resumed run replays the finished layers' random draws (`PositionProbe.skip`) instead of
    /// training them again, so the next layer starts from the reference's stream.
    func trainProbes(state: inout ExperimentState, embedding: Tensor, progress: any ExperimentProgress,
                     shouldStop: () -> Bool) throws -> Bool {
        var generator = TorchGenerator(seed: 42)
        let n = images.count, trainImages = Int(0.8 * Double(n))
        for (g, group) in state.probeGroups.enumerated() {
            if g > 0, group.contains(where: { state.accuracies[$0] == nil }) {
                guard try run(probePass(g, group: group), embedding: embedding, state: &state, progress: progress,
                              shouldStop: shouldStop) else { return false }
            }
            for l in group {
                let s = geometry.shapes[layers[l]]!
                if state.accuracies[l] != nil {
                    try PositionProbe.skip(channels: s[0], height: s[1], width: s[2], trainImages: trainImages,
                                           epochs: settings.epochs, generator: &generator)
                    try? FileManager.default.removeItem(atPath: try probeFeatures(layer: l).path)
                    continue
                }
                if shouldStop() { return false }
                let start = Date()
                let file = try probeFeatures(layer: l)
                let data = try file.read(images: n)
                state.accuracies[l] = try data.withUnsafeBytes { raw in
                    try PositionProbe.run(features: raw.bindMemory(to: Float.self), images: n, channels: s[0], height: s[1], width: s[2],
                                          trainImages: trainImages, epochs: settings.epochs, batchSize: 512, generator: &generator)
                }
                state.seconds["probe", default: 0] += Date().timeIntervalSince(start)
                try state.save(folder: folder)
                try? FileManager.default.removeItem(atPath: file.path)
                progress.advanced(by: n)
            }
        }
        try? FileManager.default.removeItem(atPath: folder + "/.progress/features")
        return true
    }
}

/// One layer's features for the probe, kept on disk between the pass and the training (the issue's
/// storage rule: one layer's features in memory at a time).
struct ProbeFeatureFile {
    let path: String
    let floatsPerImage: Int

    /// Writes a batch's output [B, C, H, W] at its images' places and makes it durable.
    func append(_ output: Tensor, images: Range<Int>) throws {
        let fm = FileManager.default
        if !fm.fileExists(atPath: path) {
            try fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            guard fm.createFile(atPath: path, contents: nil) else { throw ExperimentError("cannot create \(path)") }
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(images.lowerBound * floatsPerImage * 4))
        try output.data.withUnsafeBytes { try handle.write(contentsOf: Data($0)) }
        try handle.synchronize()
    }

    /// The features of all images, memory-mapped.
    func read(images: Int) throws -> Data {
        let data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        guard data.count == images * floatsPerImage * 4 else {
            throw ExperimentError("\(path) holds \(data.count) bytes, expected \(images * floatsPerImage * 4); delete the output folder's .progress and run again")
        }
        return data
    }
}
