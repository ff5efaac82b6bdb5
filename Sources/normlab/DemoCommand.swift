import ArgumentParser
import FeatureStore
import Foundation
import ImageIO
import LabelStore
import NPYFormat

/// `normlab demo`: a synthetic demo database, then the labeler.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Create a demo database with SYNTHETIC features (planted 2×2 high-norm anomalies) and serve the labeler.",
        discussion: """
            The demo features are generated noise with planted anomalies, not U-Net representations. For real
            data, import sdhelper features (`normlab features import --dataset D --run R feats.npy`, float16/32
            (N, C, H, W)) or extract them with `normlab extract` and a real diffusers model.
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
            normlab demo: runs are SYNTHETIC (noise + planted 2×2 anomalies; answers in \(folder)/planted_*.npy).
              Real data: normlab features import --db my.sqlite --dataset D --run R sdhelper_features.npy
            """)
        if noServe { return }
        try await serve(store: store, host: host, port: port, token: token, web: web)
    }
}

/// The demo's runs: SD-1.5-like (32×32, 1280 channels) with source images, SD-2.1-like 48×48,
/// and a non-square 30×40 grid (640×480 images), all deterministic.
struct DemoData {
    let store: LabelStore
    let folder: String

    func create() async throws {
        try await addImages(count: 24)
        try await addRun("demo-sd15-up1", dataset: "demo-images", FeatureShape(count: 24, channels: 1280, height: 32, width: 32))
        try await addRun("demo-sd21-48x48", dataset: "demo-sd21", FeatureShape(count: 12, channels: 320, height: 48, width: 48))
        try await addRun("demo-nonsquare-30x40", dataset: "demo-640x480", FeatureShape(count: 8, channels: 320, height: 30, width: 40))
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

    private func addRun(_ name: String, dataset: String, _ shape: FeatureShape) async throws {
        let synthetic = SyntheticFeatures(shape: shape, seed: UInt64(shape.height * 100 + shape.width))
        let (staging, relative) = try store.stagingFolder(run: name)
        let writer = try FeatureWriter.create(folder: staging, shape: shape)
        try synthetic.write(to: writer)
        try writer.finish()
        _ = try await store.registerRun(name: name, dataset: dataset, shape: shape, staging: staging, relative: relative,
                                        position: "synthetic", metadata: RunMetadata(source: "synthetic", seed: synthetic.seed,
                                                                      extra: ["note": "normlab demo: noise with planted 2×2 anomalies"]))
        let rows = synthetic.anomalies.flatMap { [Int64($0.image), Int64($0.x), Int64($0.y)] }
        try NPY.write(rows, shape: [synthetic.anomalies.count, 3], to: folder + "/planted_\(name).npy")
    }
}
