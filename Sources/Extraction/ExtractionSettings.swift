import Foundation
import Inference
import LabelStore

/// Everything that determines an extraction's features: the model and its weights' identity, the
/// pipeline options, the prompt, the batch size (noise is drawn per batch) and the image preparation.
/// Recorded with every run it produces.
public struct ExtractionSettings: Sendable {
    /// The model folder, as an absolute standardized path.
    public var model: String
    /// The U-Net weights file the pipeline loaded.
    public var unetWeights: String
    /// "unet:<hex> vae:<hex> text_encoder:<hex>": the same folder name can hold other weights.
    public var weightsSHA256: String
    public var options: StableDiffusionPipeline.Options
    public var prompt: String
    public var batchSize: Int
    /// Weights as stored instead of rounded to float16 like sdhelper.
    public var exactWeights: Bool
    public var preparation: ImagePreparation
    /// What the runs keep: features and norms, or only the norms (`--keep norms`).
    public var keep: RunContents

    public init(model: String, unetWeights: String, weightsSHA256: String, options: StableDiffusionPipeline.Options,
                prompt: String, batchSize: Int, exactWeights: Bool, preparation: ImagePreparation, keep: RunContents = .features) {
        self.model = URL(fileURLWithPath: model).standardizedFileURL.path
        self.unetWeights = unetWeights
        self.weightsSHA256 = weightsSHA256
        self.options = options
        self.prompt = prompt
        self.batchSize = batchSize
        self.exactWeights = exactWeights
        self.preparation = preparation
        self.keep = keep
    }

    /// The settings of `pipeline` loaded from folder `model`, hashing its weight files (seconds for SD).
    public init(model: String, pipeline: StableDiffusionPipeline, options: StableDiffusionPipeline.Options,
                prompt: String, batchSize: Int, exactWeights: Bool, preparation: ImagePreparation, keep: RunContents = .features) throws {
        self.init(model: model, unetWeights: pipeline.weightFiles["unet"] ?? "", weightsSHA256: try Self.sha256(pipeline.weightFiles),
                  options: options, prompt: prompt, batchSize: batchSize, exactWeights: exactWeights, preparation: preparation, keep: keep)
    }

    /// SHA-256 of every weight file, as "unet:<hex> vae:<hex> text_encoder:<hex>".
    static func sha256(_ files: [String: String]) throws -> String {
        try ["unet", "vae", "text_encoder"].compactMap { part in
            try files[part].map { "\(part):\(try WeightHash.sha256(file: $0))" }
        }.joined(separator: " ")
    }

    private var weightsLabel: String { exactWeights ? "as stored" : "rounded to float16 (sdhelper)" }

    /// The metadata stored with each run of the extraction.
    public var runMetadata: RunMetadata {
        RunMetadata(source: "extract", model: model, modelHash: weightsSHA256, timestep: options.timestep, seed: options.seed,
                    prompt: prompt, batchSize: batchSize, preprocessing: preparation.recorded,
                    extra: ["unet_weights": unetWeights, "pixel_range": options.pixelRange.rawValue,
                            "latent": options.latent.rawValue, "weights": weightsLabel])
    }

    /// The name of the settings file in a run's folder (and in each shard's slice of it).
    public static let fileName = "extract-settings.json"

    /// `extract-settings.json` of a position's run folder: a stopped extraction resumes only into a
    /// folder whose file has exactly these bytes (sorted keys, every value a string). `keep` is written
    /// only for a norms-only run, so a full run's file has the bytes it had before the option existed.
    public func settingsFile(position: String) throws -> Data {
        var fields: [String: String] = [
            "model": model, "unet_weights": unetWeights, "weights_sha256": weightsSHA256,
            "timestep": "\(options.timestep)", "seed": "\(options.seed)", "prompt": prompt, "batch_size": "\(batchSize)",
            "pixel_range": options.pixelRange.rawValue, "latent": options.latent.rawValue, "weights": weightsLabel,
            "preprocessing": preparation.recorded, "normlab_version": normlabVersion, "position": position,
        ]
        if keep == .norms { fields["keep"] = keep.rawValue }
        return try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
    }
}
