import Domain
import FeatureStore

/// Synthetic features with the statistics of real SD-1.5 `up_blocks[1]` representations, for
/// `normlab demo`. They are generated, not U-Net output; what they imitate (the thesis's numbers on
/// its labelled ImageNet subset, measured on the written files by `DemoCLITests`):
///
/// - background tokens: a random direction each, plus a direction shared by all tokens and a smooth
///   positional component, so two tokens have cosine ≈ 0.05 on average and neighbours more; their
///   norms follow the smooth per-image scene of the demo's source images;
/// - anomalies: 2×2 patches in a quarter of the images (one, sometimes two), along the real mean
///   anomaly token (`Resources/sd15_mean_anomaly_token.npy`); each of the four places in a patch has
///   its own fixed offset, so anomaly tokens have cosine ≈ 0.8 to each other and ≈ 0.92 at the same
///   place in their patch; norms 2.5–6× the image mean, a fifth of the patches faint (0.8–1.5×,
///   mixed with the background, so less aligned too);
/// - decoys: single high-norm tokens (2–4×) in about half of the images, in directions with
///   cosine 0.3–0.85 to the anomaly direction: bright in the norm map, partly similar. Faint anomalies
///   and the most aligned decoys overlap in cosine, so no detection threshold is perfect.
///
/// Everything is drawn from `seed`, so the same seed gives the same features bit for bit.
public struct DemoFeatures: GeneratedFeatures, Sendable {
    public struct Patch: Sendable, Equatable {
        public var image, x, y: Int
        /// Target norm ÷ the image's mean background norm.
        public var ratio: Float
        public var faint: Bool
    }

    public struct Decoy: Sendable, Equatable {
        public var image, x, y: Int
        public var ratio: Float
        /// Cosine of the decoy's added direction to the anomaly direction.
        public var cosine: Float
    }

    public let shape: FeatureShape
    public let seed: UInt64
    /// Planted anomalies, sorted by (image, x, y); (x, y) is the patch's upper-left token, both even.
    public private(set) var patches: [Patch] = []
    public private(set) var decoys: [Decoy] = []
    let space: DemoSpace

    /// `direction` is the anomaly direction (any norm); its length must be `shape.channels`.
    public init(shape: FeatureShape, seed: UInt64, direction: [Float]) {
        precondition(direction.count == shape.channels, "the anomaly direction has \(direction.count) channels, the run \(shape.channels)")
        self.shape = shape
        self.seed = seed
        space = DemoSpace(direction: direction, height: shape.height, width: shape.width, seed: seed)
        var rng = SplitMix(seed: seed ^ 0x5EED_0F_D3A0)
        patches = Self.plantPatches(shape, &rng)
        decoys = Self.plantDecoys(shape, avoiding: patches, &rng)
    }

    /// The planted patches as label rows (the answers file).
    public var answers: [LabelRow] { patches.map { LabelRow(image: $0.image, x: $0.x, y: $0.y) } }

    /// One image's (C, H, W) values.
    public func fill(image: Int, into slot: inout [Float16]) {
        let (c, tokens) = (shape.channels, shape.tokensPerImage)
        var rng = SplitMix(seed: seed &+ UInt64(image + 1) &* 0x9E37_79B9_7F4A_7C15)
        var values = space.background(image: image, &rng)  // (tokens, C)
        let mean = DemoSpace.meanNorm(values, channels: c)
        for patch in patches where patch.image == image {
            for (corner, cell) in TokenGrid.tokens(of: .patch2x2, x: patch.x, y: patch.y).enumerated() {
                let token = space.anomaly(corner: corner, norm: patch.ratio * mean, &rng)
                let keep: Float = patch.faint ? 1 : DemoSpace.backgroundUnderStrong
                space.blend(token, keep: keep, into: &values, at: cell.y * shape.width + cell.x)
            }
        }
        for decoy in decoys where decoy.image == image {
            let token = space.decoy(cosine: decoy.cosine, norm: decoy.ratio * mean, &rng)
            space.blend(token, keep: 1, into: &values, at: decoy.y * shape.width + decoy.x)
        }
        for t in 0..<tokens {
            for ch in 0..<c { slot[ch * tokens + t] = Float16(values[t * c + ch]) }
        }
    }

    // MARK: - Where anomalies and decoys go

    static let anomalyImageShare = 0.25, secondPatchChance = 0.15, faintShare = 0.2, decoyChance = 0.5

    /// A quarter of the images (exactly, rounded) get one patch, some a second one; a fifth of the
    /// patches (at least one) are faint.
    static func plantPatches(_ shape: FeatureShape, _ rng: inout SplitMix) -> [Patch] {
        var order = Array(0..<shape.count)
        order.shuffle(using: &rng)
        let chosen = order.prefix(Int((Double(shape.count) * anomalyImageShare).rounded())).sorted()
        var places: [(image: Int, x: Int, y: Int)] = []
        for image in chosen {
            let count = rng.unit() < secondPatchChance ? 2 : 1
            var used: Set<Int> = []
            while used.count < count {
                let x = 2 * Int(rng.next() % UInt64(shape.width / 2)), y = 2 * Int(rng.next() % UInt64(shape.height / 2))
                if used.insert(y * shape.width + x).inserted { places.append((image, x, y)) }
            }
        }
        var faint = Array(places.indices)
        faint.shuffle(using: &rng)
        let faintOnes = Set(faint.prefix(places.isEmpty ? 0 : max(1, Int((Double(places.count) * faintShare).rounded()))))
        let patches = places.indices.map { i in
            let ratio = faintOnes.contains(i) ? rng.between(0.8, 1.5) : rng.between(2.5, 6)
            return Patch(image: places[i].image, x: places[i].x, y: places[i].y, ratio: ratio, faint: faintOnes.contains(i))
        }
        return patches.sorted { ($0.image, $0.x, $0.y) < ($1.image, $1.x, $1.y) }
    }

    /// Single tokens outside every planted patch.
    static func plantDecoys(_ shape: FeatureShape, avoiding patches: [Patch], _ rng: inout SplitMix) -> [Decoy] {
        var decoys: [Decoy] = []
        for image in 0..<shape.count where rng.unit() < decoyChance {
            let taken = Set(patches.filter { $0.image == image }.flatMap { p in
                TokenGrid.tokens(of: .patch2x2, x: p.x, y: p.y).map { $0.y * shape.width + $0.x }
            })
            var x = 0, y = 0
            repeat {
                x = Int(rng.next() % UInt64(shape.width)); y = Int(rng.next() % UInt64(shape.height))
            } while taken.contains(y * shape.width + x)
            decoys.append(Decoy(image: image, x: x, y: y, ratio: rng.between(2, 4), cosine: rng.between(0.3, 0.85)))
        }
        return decoys
    }
}

extension SplitMix {
    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func between(_ a: Float, _ b: Float) -> Float { a + (b - a) * Float(unit()) }
}
