import Foundation
import NPYFormat
import TestSupport

/// Small synthetic feature arrays (N, C, H, W) with planted 2×2 high-norm patches, imported with
/// `normlab features import` exactly as a user would import sdhelper output.
struct FeatureFixture {
    let run: String
    let count: Int
    let height: Int
    let width: Int
    /// (image, x, y) of planted patches: upper-left token, norm ≈ 12 against a background ≈ 1.
    let patches: [(image: Int, x: Int, y: Int)]
    /// The dataset the run is imported into (default: one of its own), so runs can share one.
    var dataset: String? = nil
    /// Token (image, x, y) → its 4 channels, replacing the noise and planted patches when given.
    var tokens: ((Int, Int, Int) -> [Float])? = nil
    /// `features import --keep`: "norms" makes a run without features (as `extract --keep norms`).
    var keep = "features"

    static let channels = 4

    func write(to url: URL) throws {
        let c = Self.channels, plane = height * width
        var values = [Float](repeating: 0, count: count * c * plane)
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15 &+ UInt64(height * 1000 + width)
        func noise() -> Float { // xorshift: reproducible background without Foundation randomness
            seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17
            return Float(seed % 1000) / 1000
        }
        for i in values.indices { values[i] = 0.3 + 0.4 * noise() }
        if let tokens {
            for i in 0..<count { for y in 0..<height { for x in 0..<width {
                for (ch, v) in tokens(i, x, y).enumerated() { values[((i * c + ch) * height + y) * width + x] = v }
            } } }
        }
        var run = PlantedRun(count: count, channels: c, height: height, width: width, values: values)
        for p in patches { run.plantPatch(image: p.image, x: p.x, y: p.y, 6) }
        try run.write(to: url.path)
    }

    /// With `sourceImages`, a dataset of PNGs (16 pixels per token, as SD's 8× VAE and 2× block
    /// downsampling give at 512²) is registered first, so the labeler shows them beside the map.
    func importInto(database: URL, folder: URL, sourceImages: Bool = false) throws {
        let dataset = self.dataset ?? "\(run)-images"
        if sourceImages {
            let images = folder.appendingPathComponent(dataset)
            try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
            for i in 0..<count { try writeSourceImage(i, to: images.appendingPathComponent("img_\(i).png")) }
            try Normlab.run(["dataset", "add", "--db", database.path, dataset, images.path])
        }
        let file = folder.appendingPathComponent("\(run).npy")
        try write(to: file)
        try Normlab.run([
            "features", "import", "--db", database.path, "--dataset", dataset, "--run", run, "--keep", keep, file.path,
        ])
    }

    /// A colour gradient with a white square where each planted patch is, so a screenshot shows
    /// at a glance whether map and image line up.
    private func writeSourceImage(_ index: Int, to url: URL) throws {
        let scale = 16, w = width * scale, h = height * scale
        var rgb = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                let o = (y * w + x) * 3
                rgb[o] = UInt8(40 + 150 * x / w)
                rgb[o + 1] = UInt8(60 + 120 * y / h)
                rgb[o + 2] = 140
            }
        }
        for p in patches where p.image == index {
            for y in (p.y * scale)..<((p.y + 2) * scale) {
                for x in (p.x * scale)..<((p.x + 2) * scale) {
                    let o = (y * w + x) * 3
                    (rgb[o], rgb[o + 1], rgb[o + 2]) = (250, 250, 250)
                }
            }
        }
        try PNGFile.writeRGB(rgb, width: w, height: h, to: url)
    }
}
