import ArgumentParser
import Foundation
import Inference

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks (run them with `swift run -c release normlab bench …`).",
        subcommands: [UNetBench.self, PipelineBench.self, LabelingBench.self, SoakBench.self, DetectBench.self])
}

/// `normlab bench unet`: a full-size U-Net from a config with seeded random weights, timed.
struct UNetBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unet",
        abstract: "Time a U-Net built from a diffusers config with seeded random weights (no download).",
        discussion: """
            Reports median and min wall time over --reps timed runs (after one warm-up), GFLOP (2·MAC of
            every GEMM: convolutions, linear layers, attention), achieved GFLOP/s, peak RSS, and with
            --profile the time per op kind. With --json the last line is one JSON object.
            Example: swift run -c release normlab bench unet --config ../shared/configs/sd15_unet/config.json
            """)

    @Option(help: "A diffusers U-Net config.json.")
    var config: String

    @Option(help: "Latent side (64 for 512×512 images with SD-1.5).")
    var latentSize: Int = 64

    @Option(help: "Comma-separated positions to run to.")
    var positions: String = "up_blocks[1]"

    @Option(help: "Timed repetitions.")
    var reps: Int = 3

    @Option(help: "OpenBLAS threads.")
    var threads: Int = 2

    @Flag(help: "Also measure time per op kind (one extra run).")
    var profile = false

    @Flag(help: "Print a JSON object as the last line.")
    var json = false

    func run() throws {
        configureBLASThreads(threads)
        keepFreedMemoryForReuse()
        let cfg = try UNetConfig(contentsOf: config)
        let buildStart = Date()
        let unet = try UNet(config: cfg, weights: RandomWeights(seed: 0))
        let buildSeconds = Date().timeIntervalSince(buildStart)
        let wanted = try parsePositions(positions, model: unet)
        let random = RandomWeights(seed: 1)
        let latent = Tensor(shape: [1, cfg.inChannels, latentSize, latentSize],
                            data: try random.floats("latent", shape: [1, cfg.inChannels, latentSize, latentSize]))
        let context = Tensor(shape: [1, 77, cfg.crossAttentionDim], data: try random.floats("context", shape: [1, 77, cfg.crossAttentionDim]))
        func once() throws -> Double {
            let t0 = Date()
            _ = try unet(latent, timestep: 50, context: context, positions: wanted)
            return Date().timeIntervalSince(t0)
        }
        log("normlab bench unet: \(config), latent \(latentSize)², to \(positions), BLAS core \(blasCoreName()), \(threads) threads; built in \(String(format: "%.1f", buildSeconds)) s")
        let warmup = try once()
        Profile.reset(timing: false)
        var times: [Double] = []
        for i in 0..<reps {
            times.append(try once())
            log(String(format: "  rep %d: %.3f s", i + 1, times.last!))
        }
        let flop = Double(Profile.totalFLOPs) / Double(reps)
        times.sort()
        let median = times[times.count / 2], minimum = times[0]
        let rss = peakRSSMiB()
        log(String(format: "median %.3f s, min %.3f s (warm-up %.3f s), %.1f GFLOP, %.1f GFLOP/s at the median, peak RSS %.0f MiB",
                   median, minimum, warmup, flop / 1e9, flop / 1e9 / median, rss))
        var perKind: [String: [String: Double]] = [:]
        if profile {
            // The sgemm rate of a 3x3 convolution-sized product, measured now, as the yardstick.
            let sgemm = measureSGEMM(m: 1280, n: 1024, k: 11520)
            Profile.reset(timing: true)
            let total = try once()
            log(String(format: "per op kind (one more run, %.3f s; cblas_sgemm 1280x1024x11520 now: %.0f GFLOP/s):", total, sgemm))
            for (kind, s, f) in Profile.byKind {
                let rate = s > 0 ? Double(f) / s / 1e9 : 0
                perKind[kind.name] = ["seconds": s, "gflop": Double(f) / 1e9, "gflops": rate]
                log(String(format: "  %-12@ %6.3f s  %5.1f%%  %7.1f GFLOP  %6.1f GFLOP/s%@", kind.name as NSString, s, 100 * s / total,
                           Double(f) / 1e9, rate, (f > 0 ? String(format: "  (%.0f%% of sgemm)", 100 * rate / sgemm) : "") as NSString))
            }
            perKind["sgemm_reference"] = ["gflops": sgemm]
            Profile.reset(timing: false)
        }
        if json {
            var obj: [String: Any] = ["median_s": median, "min_s": minimum, "warmup_s": warmup, "gflop": flop / 1e9,
                                      "gflops": flop / 1e9 / median, "peak_rss_mib": rss, "times_s": times,
                                      "latent_size": latentSize, "positions": positions, "threads": threads,
                                      "blas_core": blasCoreName()]
            if profile { obj["profile_s"] = perKind }
            let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }

    private func log(_ s: String) {
        FileHandle.standardError.write(Data((s + "\n").utf8))
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

/// `normlab bench pipeline`: VAE encoder + U-Net to the extraction position for one image, random weights.
struct PipelineBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Time one image through the VAE encoder and the U-Net (seeded random weights, no download).",
        discussion: """
            The arithmetic of `normlab extract` per image: VAE encoder + quant_conv at full resolution, then
            the U-Net to --positions (the text embedding is computed once per run and is left out). With
            --json the last line is one JSON object (median_s, min_s, gflop, peak_rss_mib, vae_s, unet_s).
            Example: swift run -c release normlab bench pipeline --unet-config ../shared/configs/sd15_unet/config.json \\
                       --vae-config ../shared/configs/sd_vae/config.json --image-size 512
            """)

    @Option(help: "A diffusers U-Net config.json.") var unetConfig: String
    @Option(help: "A diffusers AutoencoderKL config.json.") var vaeConfig: String
    @Option(help: "Image side in pixels.") var imageSize = 512
    @Option(help: "Comma-separated U-Net positions to run to.") var positions = "up_blocks[1]"
    @Option(help: "Timed repetitions.") var reps = 3
    @Option(help: "OpenBLAS threads.") var threads = 2
    @Flag(help: "Print a JSON object as the last line.") var json = false
    @Flag(help: "Also measure time per op kind (one extra run).") var profile = false

    func run() throws {
        configureBLASThreads(threads)
        keepFreedMemoryForReuse()
        let ucfg = try UNetConfig(contentsOf: unetConfig)
        let unet = try UNet(config: ucfg, weights: RandomWeights(seed: 0))
        let vae = try VAEEncoder(config: .init(contentsOf: vaeConfig), weights: RandomWeights(seed: 2))
        let wanted = try parsePositions(positions, model: unet)
        let random = RandomWeights(seed: 1)
        let n = imageSize
        let image = Tensor(shape: [1, 3, n, n], data: try random.floats("image", shape: [1, 3, n, n]).map { 0.5 + 0.5 * $0 })
        let context = Tensor(shape: [1, 77, ucfg.crossAttentionDim], data: try random.floats("context", shape: [1, 77, ucfg.crossAttentionDim]))
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
        log("normlab bench pipeline: \(imageSize)² image, VAE encoder + U-Net to \(positions), BLAS core \(blasCoreName()), \(threads) threads")
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
        log(String(format: "median %.3f s (VAE %.3f s, U-Net %.3f s), min %.3f s, %.1f GFLOP, %.1f GFLOP/s, peak RSS %.0f MiB",
                   median.total, median.vae, median.unet, sorted[0].total, flop / 1e9, flop / 1e9 / median.total, rss))
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
                                      "gflop": flop / 1e9, "peak_rss_mib": rss, "times_s": runs.map(\.total), "image_size": imageSize]
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self))
        }
    }
}
