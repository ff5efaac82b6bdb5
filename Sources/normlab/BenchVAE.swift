import ArgumentParser
import Foundation
import Inference

/// `normlab bench vae`: the VAE encoder + quant_conv on one image (seeded random weights, or a diffusers folder).
struct VAEBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vae",
        abstract: "Time the VAE encoder + quant_conv on one image (seeded random weights, or loaded from a folder).",
        discussion: """
            The same protocol as `bench unet`: median and min of --reps timed runs after a warm-up, GFLOP,
            peak RSS, --profile per op kind, --json as the last line. --image feeds a float32 .npy
            (1, 3, H, W) and --output writes the moments (quant_conv output) as .npy.
            Example: swift run -c release normlab bench vae --config ../shared/configs/sd_vae/config.json
            """)

    @Option(help: "A diffusers AutoencoderKL config.json (random weights).") var config: String?
    @Option(help: "A diffusers model folder (DIR/vae or DIR itself) to load instead of random weights.") var model: String?
    @Option(help: "Image side in pixels.") var imageSize = 512
    @Option(help: "Input image (.npy, float32, (1, 3, H, W)); default seeded random in [0, 1).") var image: String?
    @Option(help: "Write the moments here (.npy).") var output: String?
    @OptionGroup var options: BenchRunOptions

    func run() throws {
        let (vae, buildSeconds) = try options.load { () throws -> VAEEncoder in
            if let model { return try VAEEncoder(modelDirectory: model) }
            guard let config else { throw ValidationError("give --config or --model") }
            return try VAEEncoder(config: .init(contentsOf: config), weights: RandomWeights(seed: 2))
        }
        let n = imageSize, shape = [1, vae.config.inChannels, n, n]
        let input = try image.map { try readInputTensor($0, shape: shape) }
            ?? Tensor(shape: shape, data: try RandomWeights(seed: 1).floats("image", shape: shape).map { 0.5 + 0.5 * $0 })
        benchLog("normlab bench vae: \(model ?? config ?? ""), \(n)² image, BLAS core \(blasCoreName()), \(options.threads) threads; built in \(String(format: "%.1f", buildSeconds)) s")
        var moments: Tensor?
        let result = try options.timing.run { moments = try vae.moments(input) }
        try writeOutputTensor(moments!, to: output)
        if options.json {
            var obj = result.json
            obj.merge(["image_size": n, "threads": options.threads, "load_s": buildSeconds]) { $1 }
            try printJSONLine(obj)
        }
    }
}
