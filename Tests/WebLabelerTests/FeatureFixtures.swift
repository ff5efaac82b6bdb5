import Foundation
import NPYFormat

/// Small synthetic feature arrays (N, C, H, W) with planted 2×2 high-norm patches, imported with
/// `normlab features import` exactly as a user would import sdhelper output.
struct FeatureFixture {
    let run: String
    let count: Int
    let height: Int
    let width: Int
    /// (image, x, y) of planted patches: upper-left token, norm ≈ 12 against a background ≈ 1.
    let patches: [(image: Int, x: Int, y: Int)]

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
        for p in patches {
            for dy in 0..<2 {
                for dx in 0..<2 {
                    for ch in 0..<c {
                        values[((p.image * c + ch) * height + p.y + dy) * width + p.x + dx] = 6
                    }
                }
            }
        }
        try NPY.write(values, shape: [count, c, height, width], to: url.path)
    }

    func importInto(database: URL, folder: URL) throws {
        let file = folder.appendingPathComponent("\(run).npy")
        try write(to: file)
        try Normlab.run([
            "features", "import", "--db", database.path, "--dataset", "\(run)-images", "--run", run, file.path,
        ])
    }
}
