import Domain
import Foundation
import Inference

/// The experiments `normlab experiments run` can run (`--experiments`), as the paper's `run_experiments.py`
/// names them (`position`, `token_groups`, `anomalies`; normlab spells the middle one `token-groups`).
public enum Experiment: String, CaseIterable, Codable, Sendable {
    case anomalies
    case tokenGroups = "token-groups"
    case position

    /// A comma-separated list; an unknown name is refused with the valid ones.
    public static func list(_ text: String) throws -> [Experiment] {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let parsed = try names.map { name in
            guard let e = Experiment(rawValue: name == "token_groups" ? "token-groups" : name) else {
                throw ExperimentError("unknown experiment '\(name)'; valid: \(allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return e
        }
        guard !parsed.isEmpty else { throw ExperimentError("--experiments is empty; valid: \(allCases.map(\.rawValue).joined(separator: ", "))") }
        return allCases.filter(parsed.contains)
    }
}

/// Everything that determines an experiment run's numbers. A run folder resumes only with the same
/// settings (compared as encoded JSON).
public struct ExperimentSettings: Codable, Sendable, Equatable {
    public var experiments: [Experiment]
    public var positions: [String]
    public var timestep: Int
    public var seed: UInt64
    public var batchSize: Int
    public var epochs: Int
    public var images: Int
    public var model: String
    public var weightsSHA256: String
    public var dataset: String
    public var labelsSHA256: String?
    public var pointLabelsSHA256: String?
    public var roundedWeights: Bool

    public init(experiments: [Experiment], positions: [String], timestep: Int, seed: UInt64, batchSize: Int, epochs: Int,
                images: Int, model: String, weightsSHA256: String, dataset: String, labelsSHA256: String?,
                pointLabelsSHA256: String?, roundedWeights: Bool) {
        (self.experiments, self.positions, self.timestep, self.seed) = (experiments, positions, timestep, seed)
        (self.batchSize, self.epochs, self.images, self.model) = (batchSize, epochs, images, model)
        (self.weightsSHA256, self.dataset, self.labelsSHA256) = (weightsSHA256, dataset, labelsSHA256)
        (self.pointLabelsSHA256, self.roundedWeights) = (pointLabelsSHA256, roundedWeights)
    }

    public func runs(_ e: Experiment) -> Bool { experiments.contains(e) }

    var pipelineOptions: StableDiffusionPipeline.Options {
        var o = StableDiffusionPipeline.Options()
        o.timestep = timestep
        o.seed = seed
        return o
    }
}

/// The layers of an experiment run: `all` is the paper's list for the loaded U-Net (`paperLayerPositions`),
/// otherwise a comma-separated list, kept in execution order.
public enum ExperimentLayers {
    public static func resolve(_ spec: String, unet: UNet) throws -> [UNetPosition] {
        if spec == "all" { return unet.config.paperLayerPositions }
        let listed = try unet.positions(list: spec)
        guard !listed.isEmpty else { throw ExperimentError("--positions is empty; give `all` or a list such as conv_in,up_blocks[1].upsamplers[0]") }
        guard Set(listed).count == listed.count else { throw ExperimentError("--positions names a position twice") }
        return listed.sorted()
    }

    /// The label grid: the output of `up_blocks[1].upsamplers[0]`; a U-Net without it cannot place the labels.
    public static func labelGrid(unet: UNet) throws -> UNetPosition {
        guard let p = try? unet.position(named: "up_blocks[1].upsamplers[0]") else {
            throw ExperimentError("this U-Net has no up_blocks[1].upsamplers[0] (its up blocks: \(unet.config.upBlocks.count)); the anomaly labels live on that layer's grid, so experiment 'anomalies' cannot run on it")
        }
        return p
    }
}

public struct ExperimentError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
