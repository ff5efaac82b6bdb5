import FeatureStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fixed directions of the demo's feature space: the anomaly direction, the offsets of the four
/// places in a patch, and the background's shared and positional parts. All random directions are
/// orthogonal to the anomaly direction, so only anomalies and decoys point along it.
struct DemoSpace: Sendable {
    /// Squared lengths relative to a unit anomaly direction / a unit-norm background noise vector.
    /// The corner and token spreads set the anomaly cosines (same place (1 + q)/(1 + q + e), other
    /// place (1 − q/3)/(1 + q + e) for four offsets summing to zero, before the background mixes in);
    /// shared and positional set the background's mean pairwise cosine.
    static let cornerSpread: Float = 0.17, tokenSpread: Float = 0.01, shared: Float = 0.06, positional: Float = 0.12
    /// A strong anomaly keeps this much of the background token it replaces (a faint one all of it).
    static let backgroundUnderStrong: Float = 0.4
    /// Mean background token norm of an image at scene intensity 1 (real `up_blocks[1]` tokens are a
    /// few hundred; the real mean anomaly token's norm is ≈ 717).
    static let backgroundNorm: Float = 200
    static let waves = 6

    let channels: Int, height: Int, width: Int
    let direction: [Float]  // unit
    let corners: [[Float]]
    let base: [Float]  // (tokens, C): shared + positional part of every background token
    let seed: UInt64

    init(direction raw: [Float], height: Int, width: Int, seed: UInt64) {
        let c = raw.count
        channels = c
        self.height = height
        self.width = width
        self.seed = seed
        let unit = Vec.normalized(raw)
        direction = unit
        var rng = SplitMix(seed: seed ^ 0xD1AE_C710)
        var offsets = (0..<4).map { _ in Vec.randomUnit(c, orthogonalTo: unit, &rng) }
        let centre = (0..<c).map { ch in offsets.reduce(0) { $0 + $1[ch] } / 4 }
        offsets = offsets.map { Vec.scaled(Vec.normalized(zip($0, centre).map { $0 - $1 }), Self.cornerSpread.squareRoot()) }
        corners = offsets
        base = Self.backgroundBase(channels: c, height: height, width: width, direction: unit, &rng)
    }

    /// β·pos(x, y) + γ·m: a direction m shared by every token, and K waves over the grid with random
    /// frequencies (0.3–1.5 periods per side) and phases, each along its own random direction.
    static func backgroundBase(channels c: Int, height: Int, width: Int, direction: [Float], _ rng: inout SplitMix) -> [Float] {
        let common = Vec.scaled(Vec.randomUnit(c, orthogonalTo: direction, &rng), shared.squareRoot())
        let axes = (0..<waves).map { _ in Vec.randomUnit(c, orthogonalTo: direction, &rng) }
        let field = (0..<waves).map { _ in (fx: rng.between(0.3, 1.5), fy: rng.between(0.3, 1.5), phase: rng.between(0, 2 * .pi)) }
        let amplitude = (positional * 2 / Float(waves)).squareRoot()
        var base = [Float](repeating: 0, count: height * width * c)
        for y in 0..<height {
            for x in 0..<width {
                let (u, v) = (Float(x) / Float(width), Float(y) / Float(height))
                let o = (y * width + x) * c
                for ch in 0..<c { base[o + ch] = common[ch] }
                for (k, w) in field.enumerated() {
                    let a = amplitude * cos(2 * .pi * (w.fx * u + w.fy * v) + w.phase)
                    for ch in 0..<c { base[o + ch] += a * axes[k][ch] }
                }
            }
        }
        return base
    }

    /// Background tokens (tokens, C): (noise + base) × the scene's intensity with a 10% jitter.
    func background(image: Int, _ rng: inout SplitMix) -> [Float] {
        var values = base
        let noise = (3 / Float(channels)).squareRoot()  // uniform [−1, 1) per channel: unit expected norm
        for y in 0..<height {
            for x in 0..<width {
                let scene = SyntheticFeatures.scene(image: image, u: Double(x) / Double(width), v: Double(y) / Double(height))
                let s = Self.backgroundNorm * Float(scene) * (1 + 0.1 * rng.uniform())
                let o = (y * width + x) * channels
                for ch in 0..<channels { values[o + ch] = s * (values[o + ch] + noise * rng.uniform()) }
            }
        }
        return values
    }

    /// An anomaly token at one of the four places of its patch, with the given norm.
    func anomaly(corner: Int, norm: Float, _ rng: inout SplitMix) -> [Float] {
        let spread = Vec.scaled(Vec.randomUnit(channels, orthogonalTo: direction, &rng), Self.tokenSpread.squareRoot())
        let v = (0..<channels).map { direction[$0] + corners[corner][$0] + spread[$0] }
        return Vec.scaled(Vec.normalized(v), norm)
    }

    /// A decoy token: the given norm, at the given cosine to the anomaly direction.
    func decoy(cosine: Float, norm: Float, _ rng: inout SplitMix) -> [Float] {
        let other = Vec.randomUnit(channels, orthogonalTo: direction, &rng), sine = (1 - cosine * cosine).squareRoot()
        return (0..<channels).map { norm * (cosine * direction[$0] + sine * other[$0]) }
    }

    /// values[token] = token + keep · values[token].
    func blend(_ token: [Float], keep: Float, into values: inout [Float], at index: Int) {
        let o = index * channels
        for ch in 0..<channels { values[o + ch] = token[ch] + keep * values[o + ch] }
    }

    static func meanNorm(_ values: [Float], channels: Int) -> Float {
        let tokens = values.count / channels
        var sum: Float = 0
        for t in 0..<tokens { sum += Vec.norm(values[(t * channels)..<((t + 1) * channels)]) }
        return sum / Float(tokens)
    }
}

/// Small vector helpers over [Float].
enum Vec {
    static func norm<C: Collection>(_ v: C) -> Float where C.Element == Float { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
    static func normalized(_ v: [Float]) -> [Float] { scaled(v, 1 / max(norm(v), 1e-12)) }
    static func scaled(_ v: [Float], _ s: Float) -> [Float] { v.map { $0 * s } }
    static func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    /// A random unit vector (uniform coordinates) with its component along `unit` removed.
    static func randomUnit(_ c: Int, orthogonalTo unit: [Float], _ rng: inout SplitMix) -> [Float] {
        var v = (0..<c).map { _ in rng.uniform() }
        let along = dot(v, unit)
        for i in 0..<c { v[i] -= along * unit[i] }
        return normalized(v)
    }
}
