import Domain

/// Deterministic synthetic features with planted 2×2 high-norm anomalies, for the demo, tests and
/// benchmarks. Not real U-Net representations: every token is noise scaled by a smooth per-image
/// "scene" pattern; each anomaly is a 2×2 patch whose four tokens share one direction (as real
/// anomaly tokens nearly do) at several times the background norm.
public struct SyntheticFeatures: GeneratedFeatures, Sendable {
    public var shape: FeatureShape
    public var seed: UInt64
    /// Planted anomalies: (image, x, y) of each patch's upper-left token; x, y even.
    public private(set) var anomalies: [(image: Int, x: Int, y: Int)] = []

    public init(shape: FeatureShape, seed: UInt64 = 42, maxAnomaliesPerImage: Int = 3) {
        self.shape = shape
        self.seed = seed
        var rng = SplitMix(seed: seed)
        for image in 0..<shape.count {
            let n = Int(rng.next() % UInt64(maxAnomaliesPerImage + 1))
            var used = Set<Int>()
            for _ in 0..<n {
                let x = 2 * Int(rng.next() % UInt64(shape.width / 2)), y = 2 * Int(rng.next() % UInt64(shape.height / 2))
                if used.insert(y * shape.width + x).inserted { anomalies.append((image, x, y)) }
            }
        }
        anomalies.sort { ($0.image, $0.x, $0.y) < ($1.image, $1.x, $1.y) }
    }

    /// The smooth scene intensity in [0.5, 1.5] at a relative position (u, v) ∈ [0, 1)², shared by
    /// the norm map and the demo's source images so the two line up.
    public static func scene(image: Int, u: Double, v: Double) -> Double {
        let a = Double(image % 7) + 1, b = Double(image % 5) + 1
        let s = sin(a * 3.1 * u + Double(image)) * cos(b * 2.3 * v - Double(image) * 0.5)
        return 1 + 0.5 * s
    }

    /// One image's (C, H, W) values.
    public func fill(image: Int, into slot: inout [Float16]) {
        let (c, h, w) = (shape.channels, shape.height, shape.width), tokens = h * w
        var rng = SplitMix(seed: seed &+ UInt64(image) &* 0x9E37_79B9)
        var scale = [Float](repeating: 0, count: tokens)
        for y in 0..<h {
            for x in 0..<w { scale[y * w + x] = Float(Self.scene(image: image, u: Double(x) / Double(w), v: Double(y) / Double(h))) }
        }
        for ch in 0..<c {
            for t in 0..<tokens { slot[ch * tokens + t] = Float16(scale[t] * rng.uniform()) }
        }
        // The anomaly direction: one fixed random vector, so anomalies of all images align.
        var dir = SplitMix(seed: seed ^ 0xA5A5)
        let direction = (0..<c).map { _ in dir.uniform() }
        for a in anomalies where a.image == image {
            let strength = 4 + 2 * Float(rng.next() % 100) / 100
            for cell in TokenGrid.tokens(of: .patch2x2, x: a.x, y: a.y) {
                let t = cell.y * w + cell.x
                for ch in 0..<c { slot[ch * tokens + t] = Float16(strength * direction[ch] + 0.2 * rng.uniform()) }
            }
        }
    }
}

/// Features generated image by image (the demo's, the benchmarks').
public protocol GeneratedFeatures {
    var shape: FeatureShape { get }
    /// One image's (C, H, W) values.
    func fill(image: Int, into slot: inout [Float16])
}

extension GeneratedFeatures {
    /// Writes every image into `writer` (which must have this shape).
    public func write(to writer: FeatureWriter) throws {
        var slot = [Float16](repeating: 0, count: shape.valuesPerImage)
        for image in 0..<shape.count {
            fill(image: image, into: &slot)
            try slot.withUnsafeBufferPointer { try writer.write(image: image, values: $0) }
        }
    }
}

/// A small fast deterministic generator (SplitMix64).
public struct SplitMix: Sendable, RandomNumberGenerator {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [−1, 1).
    public mutating func uniform() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
