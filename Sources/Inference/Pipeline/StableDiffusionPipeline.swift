import Foundation
import ImageIO
import SafeTensors

/// Images to U-Net representations exactly as sdhelper's `img2repr` computes them on CPU
/// (docs/reference-pipeline.md §1): pixels/255 → VAE `latent_dist.sample()` · scaling_factor → DDIM
/// `add_noise` with torch-exact noise → `scale_model_input` → U-Net with the prompt embedding → hooks.
public struct StableDiffusionPipeline: Sendable {
    public enum PixelRange: String, Sendable { case zeroOne = "0,1", minusOneOne = "-1,1" }
    public enum LatentChoice: String, Sendable { case sample, mean }

    public struct Options: Sendable {
        public var seed: UInt64 = 42
        public var timestep = 50
        public var pixelRange = PixelRange.zeroOne
        public var latent = LatentChoice.sample
        public init() {}
    }

    public let unet: UNet
    public let vae: VAEEncoder
    public let textEncoder: CLIPTextModel
    public let tokenizer: CLIPTokenizer
    public let schedule: NoiseSchedule
    /// SD-Turbo's EulerDiscreteScheduler divides the model input by sqrt(σ² + 1) (fresh scheduler);
    /// the PNDM/DDIM schedulers of SD-1.5/SD-2.1 leave it unchanged.
    public let eulerInputScaling: Bool
    /// The weight files loaded, by component ("unet", "vae", "text_encoder"): what a run's identity hashes.
    public let weightFiles: [String: String]

    /// Loads `unet/`, `vae/`, `text_encoder/`, `tokenizer/` and `scheduler/` of a diffusers pipeline
    /// folder. `roundWeightsToFP16` reproduces sdhelper, which loads every weight as float16.
    /// `unetUpTo` (comma-separated position names) loads only the U-Net layers a pass to them runs.
    public init(modelDirectory dir: String, roundWeightsToFP16: Bool = true, unetUpTo positions: String? = nil) throws {
        func source(_ file: SafeTensorsFile) -> any WeightSource {
            roundWeightsToFP16 ? FP16RoundedWeights(base: file) : file
        }
        func source(_ path: String) throws -> any WeightSource { source(try SafeTensorsFile(path: path)) }
        let u = try UNetFiles(modelDirectory: dir)
        let (unetConfig, unetWeights) = try UNetConfig.load(u)
        unet = try UNet(config: unetConfig, weights: source(unetWeights), upTo: positions.map { try unetConfig.positions(list: $0) })
        let v = try ModelFiles(directory: dir, subfolder: "vae", weightNames: UNetFiles.weightNames)
        vae = try VAEEncoder(config: .init(contentsOf: v.config), weights: source(v.weights))
        let t = try ModelFiles(directory: dir, subfolder: "text_encoder", weightNames: ["model.safetensors", "model.fp16.safetensors"])
        textEncoder = try CLIPTextModel(config: .init(contentsOf: t.config), weights: source(t.weights))
        weightFiles = ["unet": u.weights, "vae": v.weights, "text_encoder": t.weights]
        tokenizer = try CLIPTokenizer(directory: (dir as NSString).appendingPathComponent("tokenizer"))
        let schedulerConfig = (dir as NSString).appendingPathComponent("scheduler/scheduler_config.json")
        schedule = try NoiseSchedule(configPath: schedulerConfig)
        eulerInputScaling = (try? JSONValue.object(contentsOf: schedulerConfig)["_class_name"]) == .string("EulerDiscreteScheduler")
        guard textEncoder.config.hidden == unet.config.crossAttentionDim else {
            throw ShapeError("text encoder width \(textEncoder.config.hidden) differs from the U-Net's cross_attention_dim \(unet.config.crossAttentionDim)")
        }
    }

    /// The prompt embedding (1, 77, D); compute it once per run.
    public func promptEmbedding(_ prompt: String) throws -> Tensor {
        try textEncoder([try tokenizer.encode(prompt)])
    }

    /// One batch, reseeded as sdhelper reseeds every batch: image i gets slice i of the batch's VAE
    /// draw, and all images share one noise tensor. All images must have the same size.
    public func represent(_ images: [Image8], positions: [UNetPosition], prompt embedding: Tensor,
                          options: Options) throws -> [UNetPosition: Tensor] {
        var outputs: [UNetPosition: Tensor] = [:]
        try represent(images, positions: positions, prompt: embedding, options: options) { outputs[$0] = $1 }
        return outputs
    }

    /// `represent`, handing each position's output [B, C, H, W] to `each` as the U-Net produces it.
    public func represent(_ images: [Image8], positions: [UNetPosition], prompt embedding: Tensor, options: Options,
                          each: (UNetPosition, Tensor) throws -> Void) throws {
        let x = try pixelTensor(images, range: options.pixelRange)
        let moments = try vae.moments(x)
        let (b, h, w) = (images.count, moments.height, moments.width)
        let c = vae.config.latentChannels
        var generator = TorchGenerator(seed: options.seed)
        // The VAE sample is drawn even for `--latent mean`, so the noise stays the reference's.
        let eps = generator.randn(b * c * h * w)
        let noiseNHWC = generator.randnScalar(c * h * w)
        let latents = vae.latents(fromMoments: moments, eps: options.latent == .sample ? eps : nil)
        var noise = [Float](repeating: 0, count: b * c * h * w)
        for n in 0..<b {
            for y in 0..<h { for xx in 0..<w { for ch in 0..<c {
                noise[((n * c + ch) * h + y) * w + xx] = noiseNHWC[(y * w + xx) * c + ch]
            } } }
        }
        var noisy = try schedule.addNoise(latents.data, noise: noise, timestep: options.timestep)
        if eulerInputScaling {
            let divisor = try schedule.eulerInputScale(timestep: options.timestep)
            noisy = noisy.map { $0 / divisor }
        }
        let context = Tensor(shape: [b] + embedding.shape.dropFirst(), data: Array((0..<b).map { _ in embedding.data }.joined()))
        try unet.forEachOutput(Tensor(shape: latents.shape, data: noisy), timestep: options.timestep, context: context,
                               positions: positions, each)
    }

    /// uint8 RGB (B, H, W, 3) → float32 (B, 3, H, W) as x/255 (or 2·x/255 − 1).
    func pixelTensor(_ images: [Image8], range: PixelRange) throws -> Tensor {
        guard let first = images.first else { throw ShapeError("no images") }
        let (h, w) = (first.height, first.width)
        guard h % 8 == 0, w % 8 == 0 else {
            throw ShapeError("image size \(w)×\(h) is not a multiple of 8; use --resize N or crop it")
        }
        guard images.allSatisfy({ $0.height == h && $0.width == w && $0.channels == 3 }) else {
            throw ShapeError("all images of a batch must have the same size")
        }
        var data = [Float](repeating: 0, count: images.count * 3 * h * w)
        for (n, img) in images.enumerated() {
            for i in 0..<(h * w) {
                for ch in 0..<3 {
                    let v = Float(img.pixels[i * 3 + ch]) / 255
                    data[(n * 3 + ch) * h * w + i] = range == .zeroOne ? v : 2 * v - 1
                }
            }
        }
        return Tensor(shape: [images.count, 3, h, w], data: data)
    }
}

/// Every weight rounded to float16 and back (round to nearest, ties to even), as sdhelper's
/// `from_pretrained(torch_dtype=float16)` followed by `.to(float32)` leaves them.
public struct FP16RoundedWeights: WeightSource {
    public let base: any WeightSource
    public init(base: any WeightSource) { self.base = base }
    public func contains(_ name: String) -> Bool { base.contains(name) }
    public func floats(_ name: String, shape: [Int]) throws -> [Float] {
        try base.floats(name, shape: shape).map { Float(Float16($0)) }
    }
}
