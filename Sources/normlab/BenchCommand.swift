import ArgumentParser
import Foundation
import Inference

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks (run them with `swift run -c release normlab bench …`).",
        subcommands: [UNetBench.self, VAEBench.self, SGEMMBench.self, ConvBench.self, AttentionBench.self, PipelineBench.self, LabelingBench.self, SoakBench.self, DetectBench.self, ProbeBench.self])
}

/// `normlab bench unet`: a full-size U-Net (seeded random weights, or a diffusers folder), timed.
struct UNetBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unet",
        abstract: "Time a U-Net built from a diffusers config with seeded random weights (no download), or loaded from a folder.",
        discussion: """
            Reports median and min wall time over --reps timed runs (after one warm-up), GFLOP (2·MAC of
            every GEMM: convolutions, linear layers, attention), achieved GFLOP/s, peak RSS, and with
            --profile the time per op kind. With --json the last line is one JSON object.
            --model loads a diffusers folder (as another runtime would get the same weights); --sample and
            --context feed .npy inputs and --output writes the first position's output as .npy.
            Example: swift run -c release normlab bench unet --config Tests/InferenceTests/Fixtures/layers/sd15_unet_config.json
            """)

    @Option(help: "A diffusers U-Net config.json (random weights).") var config: String?
    @Option(help: "A diffusers model folder (DIR/unet or DIR itself) to load instead of random weights.") var model: String?
    @Option(help: "Latent side (64 for 512×512 images with SD-1.5).") var latentSize: Int = 64
    @Option(help: "Comma-separated positions to run to.") var positions: String = "up_blocks[1]"
    @Option(help: "Latent input (.npy, float32, (1, C, latent, latent)); default seeded random.") var sample: String?
    @Option(help: "Text context input (.npy, float32, (1, 77, dim)); default seeded random.") var context: String?
    @Option(help: "Write the output of the first position here (.npy).") var output: String?
    @Option(help: "Timestep.") var timestep: Int = 50
    @OptionGroup var options: BenchRunOptions

    func run() throws {
        let (unet, buildSeconds) = try options.load { () throws -> UNet in
            if let model { return try UNet(modelDirectory: model, upTo: positions) }
            guard let config else { throw ValidationError("give --config or --model") }
            let c = try UNetConfig(contentsOf: config)
            return try UNet(config: c, weights: RandomWeights(seed: 0), upTo: c.positions(list: positions))
        }
        let cfg = unet.config
        let wanted = try parsePositions(positions, model: unet)
        let random = RandomWeights(seed: 1)
        let latentShape = [1, cfg.inChannels, latentSize, latentSize], contextShape = [1, 77, cfg.crossAttentionDim]
        let latent = try sample.map { try readInputTensor($0, shape: latentShape) }
            ?? Tensor(shape: latentShape, data: try random.floats("latent", shape: latentShape))
        let ctx = try context.map { try readInputTensor($0, shape: contextShape) }
            ?? Tensor(shape: contextShape, data: try random.floats("context", shape: contextShape))
        benchLog("normlab bench unet: \(model ?? config ?? ""), latent \(latentSize)², to \(positions), BLAS core \(blasCoreName()), \(options.threads) threads; built in \(String(format: "%.1f", buildSeconds)) s")
        var last: [UNetPosition: Tensor] = [:]
        let result = try options.timing.run {
            last = try unet(latent, timestep: timestep, context: ctx, positions: wanted)
        }
        try writeOutputTensor(last[wanted[0]]!, to: output)
        if options.json {
            var obj = result.json
            obj.merge(["latent_size": latentSize, "positions": positions, "threads": options.threads, "load_s": buildSeconds]) { $1 }
            try printJSONLine(obj)
        }
    }
}

/// Peak resident set size of this process (VmHWM), in MiB.
func peakRSSMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kb / 1024
    }
    return 0
}

/// `normlab bench pipeline`: VAE encoder + U-Net to the extraction position for one image (or a batch), random weights.
struct PipelineBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Time one image (or --batch images as one tensor) through the VAE encoder and the U-Net (seeded random weights, no download).",
        discussion: """
            The arithmetic of `normlab extract` per image: VAE encoder + quant_conv at full resolution, then
            the U-Net to --positions (the text embedding is computed once per run and is left out). With
            --json the last line is one JSON object (median_s, min_s, gflop, peak_rss_mib, vae_s, unet_s, images_per_s).
            --batch N runs N images as one tensor, as extract runs a batch; compare images/s with --batch 1.
            Example: swift run -c release normlab bench pipeline --unet-config Tests/InferenceTests/Fixtures/layers/sd15_unet_config.json \\
                       --vae-config ../shared/configs/sd_vae/config.json --image-size 512
            """)

    @Option(help: "A diffusers U-Net config.json.") var unetConfig: String
    @Option(help: "A diffusers AutoencoderKL config.json.") var vaeConfig: String
    @Option(help: "Image side in pixels.") var imageSize = 512
    @Option(help: "Images per pass (extract's batch computed as one tensor); times are per pass.") var batch = 1
    @Option(help: "Comma-separated U-Net positions to run to.") var positions = "up_blocks[1]"
    @Option(help: "Timed repetitions.") var reps = 3
    @Option(help: "OpenBLAS threads.") var threads = 2
    @Flag(help: "Print a JSON object as the last line.") var json = false
    @Flag(help: "Also measure time per op kind (one extra run).") var profile = false

    func run() throws {
        configureBLASThreads(threads)
        keepFreedMemoryForReuse()
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        let ucfg = try UNetConfig(contentsOf: unetConfig)
        let unet = try UNet(config: ucfg, weights: RandomWeights(seed: 0), upTo: ucfg.positions(list: positions))
        let vae = try VAEEncoder(config: .init(contentsOf: vaeConfig), weights: RandomWeights(seed: 2))
        let wanted = try parsePositions(positions, model: unet)
        let random = RandomWeights(seed: 1)
        let n = imageSize
        let image = Tensor(shape: [batch, 3, n, n], data: try random.floats("image", shape: [batch, 3, n, n]).map { 0.5 + 0.5 * $0 })
        let context = Tensor(shape: [batch, 77, ucfg.crossAttentionDim], data: try random.floats("context", shape: [batch, 77, ucfg.crossAttentionDim]))
        func once() throws -> (total: Double, vae: Double, unet: Double) {
            let t0 = Date()
            let moments = try vae.moments(image)
            let latent = vae.latents(fromMoments: moments, eps: nil)
            let t1 = Date()
            _ = try unet(latent, timestep: 50, context: context, positions: wanted)
            let t2 = Date()
            return (t2.timeIntervalSince(t0), t1.timeIntervalSince(t0), t2.timeIntervalSince(t1))
        }
        let log = { (s: String) in FileHandle.standardError.write(Data((s + "\n").utf8)) }
        log("normlab bench pipeline: \(batch) × \(imageSize)² image, VAE encoder + U-Net to \(positions), BLAS core \(blasCoreName()), \(threads) threads")
        _ = try once()
        Profile.reset(timing: false)
        var runs: [(total: Double, vae: Double, unet: Double)] = []
        for i in 0..<reps {
            runs.append(try once())
            log(String(format: "  rep %d: %.3f s (VAE %.3f s, U-Net %.3f s)", i + 1, runs[i].total, runs[i].vae, runs[i].unet))
        }
        let flop = Double(Profile.totalFLOPs) / Double(reps)
        let sorted = runs.sorted { $0.total < $1.total }
        let median = sorted[sorted.count / 2]
        let rss = peakRSSMiB()
        log(String(format: "median %.3f s (VAE %.3f s, U-Net %.3f s), min %.3f s, %.2f images/s, %.1f GFLOP, %.1f GFLOP/s, peak RSS %.0f MiB",
                   median.total, median.vae, median.unet, sorted[0].total, Double(batch) / median.total, flop / 1e9, flop / 1e9 / median.total, rss))
        if profile {
            Profile.reset(timing: true)
            let r = try once()
            log(String(format: "per op kind (one more run, %.3f s):", r.total))
            for (kind, sec, f) in Profile.byKind {
                log(String(format: "  %-12@ %6.3f s  %7.1f GFLOP  %6.1f GFLOP/s", kind.name as NSString, sec, Double(f) / 1e9, sec > 0 ? Double(f) / sec / 1e9 : 0))
            }
            Profile.reset(timing: false)
        }
        if json {
            let obj: [String: Any] = ["median_s": median.total, "min_s": sorted[0].total, "vae_s": median.vae, "unet_s": median.unet,
                                      "gflop": flop / 1e9, "peak_rss_mib": rss, "times_s": runs.map(\.total), "image_size": imageSize,
                                      "batch": batch, "images_per_s": Double(batch) / median.total]
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self))
        }
    }
}
