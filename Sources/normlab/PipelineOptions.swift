import ArgumentParser
import Inference

/// The noise of the reference pipeline (`represent`, `extract`, `experiments run`): the timestep at which
/// it is added and the seed it is drawn with.
struct NoiseOptions: ParsableArguments {
    @Option(help: "Timestep 0…999 at which noise is added and the U-Net runs.")
    var timestep = 50

    @Option(help: "Seed of torch.manual_seed, reset at every batch like sdhelper.")
    var seed: UInt64 = 42

    func options() throws -> StableDiffusionPipeline.Options {
        guard (0...999).contains(timestep) else { throw ValidationError("--timestep must be in 0…999, got \(timestep)") }
        var o = StableDiffusionPipeline.Options()
        (o.timestep, o.seed) = (timestep, seed)
        return o
    }
}

/// A dataset pushed through the pipeline in batches (`extract`, `experiments run`): the model folder, the
/// noise and the batch size (the noise is drawn per batch, so the representations depend on it).
struct BatchedPipelineOptions: ParsableArguments {
    @Option(help: "A diffusers pipeline folder (unet/, vae/, text_encoder/, tokenizer/, scheduler/).")
    var model: String?

    @OptionGroup var noise: NoiseOptions

    @Option(help: "Images per batch (sdhelper's default is 20; the noise depends on it).")
    var batchSize = 20

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }
}
