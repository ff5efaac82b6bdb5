import ArgumentParser
import Extraction
import Foundation
import Inference
import NPYFormat

/// Shared image preparation options of `represent` and `extract`.
struct PreparationOptions: ParsableArguments {
    @Option(help: "Resize to N×N with Pillow's bicubic filter (sdhelper's `resize`). Default: native size (sides must be multiples of 8).")
    var resize: Int?

    @Flag(help: "First crop to the centred square of the paper's dataset script.")
    var centerCrop = false

    var preparation: ImagePreparation { ImagePreparation(centerCrop: centerCrop, resize: resize) }
}

/// Shared numerics options of `represent` and `extract`.
struct ReferenceOptions: ParsableArguments {
    @Option(help: "Text prompt for the cross-attention context.")
    var prompt = ""

    @Option(help: "Pixel scaling: 0,1 (sdhelper) or -1,1 (diffusers' usual).")
    var pixelRange = "0,1"

    @Option(help: "Latent: sample (sdhelper: latent_dist.sample()) or mean.")
    var latent = "sample"

    @Flag(help: "Use the weights as stored instead of rounding them to float16 like sdhelper.")
    var exactWeights = false

    func options(noise: NoiseOptions) throws -> StableDiffusionPipeline.Options {
        var o = try noise.options()
        guard let range = StableDiffusionPipeline.PixelRange(rawValue: pixelRange) else {
            throw ValidationError("--pixel-range must be 0,1 or -1,1, got \(pixelRange)")
        }
        o.pixelRange = range
        guard let l = StableDiffusionPipeline.LatentChoice(rawValue: latent) else {
            throw ValidationError("--latent must be sample or mean, got \(latent)")
        }
        o.latent = l
        return o
    }
}

/// `normlab represent`: one image to representations at chosen positions.
struct RepresentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "represent",
        abstract: "Compute the U-Net representations of one image, as sdhelper's img2repr does on CPU.",
        discussion: """
            Reference mode by default: pixels scaled to [0,1], weights rounded to float16, the VAE latent
            sampled after torch.manual_seed(seed), channels_last noise, DDIM add_noise at --timestep, the
            scheduler's scale_model_input (Euler for SD-Turbo), then the U-Net with the prompt embedding.
            Writes OUTDIR/<position>.npy (float32, PyTorch hook shapes).

            Anomalies depend on the noise: a representation (and so every label made on it) belongs to its
            seed, timestep and batch. Published labels made with sdhelper on a GPU (fp16, CUDA RNG) pair with
            features imported from that GPU run, not with a CPU re-extraction.
            """)

    @Option(help: "A diffusers pipeline folder (unet/, vae/, text_encoder/, tokenizer/, scheduler/).")
    var model: String

    @Option(help: "A PNG or JPEG image.")
    var image: String

    @OptionGroup var preparation: PreparationOptions
    @OptionGroup var noise: NoiseOptions
    @OptionGroup var reference: ReferenceOptions

    @Option(help: "Comma-separated positions, e.g. up_blocks[1],mid_block.")
    var positions = "up_blocks[1]"

    @Option(help: "Output folder (created if missing).")
    var out: String

    func run() throws {
        keepFreedMemoryForReuse()
        let options = try reference.options(noise: noise)
        let pipeline = try StableDiffusionPipeline(modelDirectory: model, roundWeightsToFP16: !reference.exactWeights, unetUpTo: positions)
        let wanted = try parsePositions(positions, model: pipeline.unet)
        let img = try preparation.preparation.load(image)
        let outputs = try pipeline.represent([img], positions: wanted, prompt: try pipeline.promptEmbedding(reference.prompt), options: options)
        try writePositions(outputs, order: wanted, to: out)
    }
}

/// The `--positions` list of a model, in the given order.
func parsePositions<M: RepresentationModel>(_ list: String, model: M) throws -> [M.Position] {
    let wanted = try model.positions(list: list)
    guard !wanted.isEmpty else { throw ValidationError("--positions is empty") }
    return wanted
}
