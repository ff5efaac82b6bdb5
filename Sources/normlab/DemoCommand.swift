import ArgumentParser
import Demo
import FeatureStore
import Foundation
import ImageIO
import LabelStore
import NPYFormat

/// `normlab demo`: a synthetic demo database, then the labeler.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Create a demo database with SYNTHETIC features (planted 2×2 anomalies along the real SD-1.5 direction) and serve the labeler.",
        discussion: """
            The demo features are generated, not U-Net representations, but built to have the statistics of real
            SD-1.5 up_blocks[1] tokens: anomalies along the published SD-1.5 mean anomaly token in a quarter of the
            images (pairwise cosine 0.75, 0.87 at the same place in their patch; thesis 0.80, 0.92; norms 2.5–6× the mean, a
            fifth of them faint), high-norm decoys only partly along that direction, and background tokens at
            cosine ≈ 0.05 with a smooth positional part. The planted answers are in FOLDER/planted_<run>.npy, the decoys in FOLDER/decoys_<run>.npy.

            Example: the detection trade-off on the demo, with the real mean anomaly token as prototype:
              normlab demo --no-serve
              normlab labels import --db normlab-demo/demo.sqlite --run demo-sd15-up1 normlab-demo/planted_demo-sd15-up1.npy
              normlab detect --db normlab-demo/demo.sqlite --run demo-sd15-up1 \\
                  --prototype normlab-demo/sd15_mean_anomaly_token.npy -o curve.csv --plot curve.svg

            For real data, import sdhelper features (`normlab features import --dataset D --run R feats.npy`,
            float16/32 (N, C, H, W)) or extract them with `normlab extract` and a real diffusers model.
            """)

    @Option(help: "Demo folder (database, images, features); reused if it exists.") var folder = "normlab-demo"
    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Port (0 = any free port).") var port = 8080
    @Option(help: "API token (required for non-loopback hosts).") var token: String?
    @Option(help: "The WebLabeler folder.") var web: String?
    @Flag(help: "Create the database and exit without serving.") var noServe = false

    func run() async throws {
        let store = try LabelStore(path: folder + "/demo.sqlite")
        if try store.runSummaries().isEmpty {
            note("normlab demo: generating synthetic features in \(folder)/ (takes a few seconds, once)…")
            try await DemoData(store: store, folder: folder).create()
        }
        note("""
            normlab demo: the runs are SYNTHETIC, not U-Net output: generated tokens with the statistics of SD-1.5
              up_blocks[1] and planted 2×2 anomalies along the real SD-1.5 mean anomaly token
              (answers: \(folder)/planted_<run>.npy, decoys: \(folder)/decoys_<run>.npy).
              Real data: normlab features import --db my.sqlite --dataset D --run R sdhelper_features.npy
            """)
        if noServe { return }
        try await serve(store: store, host: host, port: port, token: token, web: web)
    }
}

/// The demo's runs, all 1280 channels like SD-1.5/SD-2.1 `up_blocks[1]`: SD-1.5-like 32×32 with source
/// images, SD-2.1-like 48×48 (768² images) and a non-square 30×40 grid (640×480 images), deterministic.
struct DemoData {
    let store: LabelStore
    let folder: String
    static let sd15 = "demo-sd15-up1"

    func create() async throws {
        let direction = try MeanAnomalyToken.load()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: folder + "/sd15_mean_anomaly_token.npy")
        try FileManager.default.copyItem(atPath: try MeanAnomalyToken.path, toPath: folder + "/sd15_mean_anomaly_token.npy")
        try await addImages(count: 32)
        try await addRun(Self.sd15, dataset: "demo-images", FeatureShape(count: 32, channels: 1280, height: 32, width: 32), direction)
        try await addRun("demo-sd21-48x48", dataset: "demo-sd21", FeatureShape(count: 8, channels: 1280, height: 48, width: 48), direction)
        try await addRun("demo-nonsquare-30x40", dataset: "demo-640x480", FeatureShape(count: 8, channels: 1280, height: 30, width: 40), direction)
    }

    /// Tiny source images drawn from the same smooth "scene" that shapes the norm maps.
    private func addImages(count: Int) async throws {
        let dir = folder + "/images"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let side = 128
        for i in 0..<count {
            var pixels = [UInt8](repeating: 0, count: side * side * 3)
            for y in 0..<side {
                for x in 0..<side {
                    let s = SyntheticFeatures.scene(image: i, u: Double(x) / Double(side), v: Double(y) / Double(side))
                    let o = (y * side + x) * 3
                    pixels[o] = UInt8(min(255, 120 * s)); pixels[o + 1] = UInt8(min(255, 60 + 80 * s)); pixels[o + 2] = UInt8(200 - 60 * s)
                }
            }
            let png = try PNG.encode(Image8(width: side, height: side, channels: 3, pixels: pixels))
            try Data(png).write(to: URL(fileURLWithPath: dir + String(format: "/scene_%03d.png", i)))
        }
        _ = try await store.addDataset(name: "demo-images", folder: dir)
    }

    /// One run, its planted answers (`planted_<run>.npy`) and decoys (`decoys_<run>.npy`, single tokens).
    private func addRun(_ name: String, dataset: String, _ shape: FeatureShape, _ direction: [Float]) async throws {
        let demo = DemoFeatures(shape: shape, seed: UInt64(shape.height * 100 + shape.width), direction: direction)
        let (staging, relative) = try store.stagingFolder(run: name)
        let writer = try FeatureWriter.create(folder: staging, shape: shape)
        try demo.write(to: writer)
        try writer.finish()
        let note = "normlab demo: SYNTHETIC features (not U-Net output) with planted 2×2 anomalies along the real SD-1.5 mean anomaly token"
        _ = try await store.registerRun(name: name, dataset: dataset, shape: shape, staging: staging, relative: relative,
                                        position: "synthetic", metadata: RunMetadata(source: "synthetic", seed: demo.seed, extra: ["note": note]))
        let rows = demo.answers.flatMap { [Int64($0.image), Int64($0.x), Int64($0.y)] }
        try NPY.write(rows, shape: [demo.patches.count, 3], to: folder + "/planted_\(name).npy")
        let decoys = demo.decoys.flatMap { [Int64($0.image), Int64($0.x), Int64($0.y)] }
        try NPY.write(decoys, shape: [demo.decoys.count, 3], to: folder + "/decoys_\(name).npy")
    }
}
