import CBLAS
import FeatureStore
import Domain

extension RunReport {
    /// Labelled patch tokens: the mean pairwise cosine over all pairs i ≠ j, and over pairs at the same
    /// place in their 2×2 patch; then the same over all tokens of a few images as a baseline.
    static func pairwise(_ features: FeatureReader, patches: [LabelRow], options: Options) throws -> Cosines {
        let s = features.shape
        var tokens: [(image: Int, token: Int, place: Int)] = []
        let grid = TokenGrid(width: s.width, height: s.height)
        for r in patches.sorted() {
            for (place, cell) in TokenGrid.tokens(of: .patch2x2, x: r.x, y: r.y).enumerated() where grid.contains(cell) {
                tokens.append((r.image, grid.index(cell), place))
            }
        }
        var result = Cosines(patchTokens: tokens.count)
        let sample = strided(tokens, cap: options.maxPairwiseTokens)
        result.sampledTokens = sample.count
        if sample.count >= 2 {
            let units = unitRows(features, sample.map { ($0.image, $0.token) })
            (result.all, result.samePlace) = gramMeans(units, channels: s.channels, places: sample.map(\.place))
        }
        let images = spaced(s.count, options.baselineImages)
        result.baselineImages = images
        result.baselineTokens = images.count * s.tokensPerImage
        result.baseline = baselineMean(features, images: images)
        return result
    }

    /// At most `cap` elements, evenly strided (deterministic), all of them when there are fewer.
    static func strided<T>(_ all: [T], cap: Int) -> [T] {
        guard all.count > cap, cap > 0 else { return all }
        return (0..<cap).map { all[$0 * all.count / cap] }
    }

    /// `k` image indices evenly spaced over 0..<n (all of them when n ≤ k).
    static func spaced(_ n: Int, _ k: Int) -> [Int] { n <= k ? Array(0..<n) : (0..<k).map { $0 * n / k } }

    /// (M, C) row-major token vectors scaled to unit length (zero tokens stay zero, as torch's
    /// cosine_similarity clamps the norm at 1e-8).
    static func unitRows(_ features: FeatureReader, _ cells: [(image: Int, token: Int)]) -> [Float] {
        let s = features.shape, plane = s.tokensPerImage
        var rows = [Float](repeating: 0, count: cells.count * s.channels)
        for (i, cell) in cells.enumerated() {
            let values = features.features(image: cell.image)
            let norm = max(Float(features.norms(image: cell.image)[cell.token]), 1e-8)
            for c in 0..<s.channels { rows[i * s.channels + c] = Float(values[c * plane + cell.token]) / norm }
        }
        return rows
    }

    /// Off-diagonal means of the Gram matrix U·Uᵀ of unit rows, over all pairs and over pairs with the
    /// same `places` value. One sgemm per block of rows, so only (block × M) floats are held at once.
    static func gramMeans(_ units: [Float], channels c: Int, places: [Int]) -> (all: Double?, samePlace: Double?) {
        let m = places.count, block = 256
        var sumAll = 0.0, sumSame = 0.0
        var gram = [Float](repeating: 0, count: block * m)
        units.withUnsafeBufferPointer { u in
            for start in stride(from: 0, to: m, by: block) {
                let rows = min(block, m - start)
                gram.withUnsafeMutableBufferPointer { g in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(m), Int32(c), 1,
                                u.baseAddress! + start * c, Int32(c), u.baseAddress!, Int32(c), 0, g.baseAddress!, Int32(m))
                }
                for r in 0..<rows {
                    let i = start + r
                    for j in 0..<m where j != i {
                        let v = Double(gram[r * m + j])
                        sumAll += v
                        if places[j] == places[i] { sumSame += v }
                    }
                }
            }
        }
        var perPlace: [Int: Int] = [:]
        for p in places { perPlace[p, default: 0] += 1 }
        let samePairs = perPlace.values.reduce(0) { $0 + $1 * ($1 - 1) }
        return (sumAll / Double(m * (m - 1)), samePairs == 0 ? nil : sumSame / Double(samePairs))
    }

    /// Mean cosine over all pairs i ≠ j of the images' tokens. With unit vectors û,
    /// Σ_{i≠j} ûᵢ·ûⱼ = |Σ ûᵢ|² − Σ |ûᵢ|², which needs one pass and C sums instead of a Gram matrix of
    /// 20 × 1024 tokens squared (about a teraflop for 1,280 channels).
    static func baselineMean(_ features: FeatureReader, images: [Int]) -> Double? {
        let s = features.shape, plane = s.tokensPerImage
        let m = images.count * plane
        guard m >= 2 else { return nil }
        var sum = [Double](repeating: 0, count: s.channels), selfPairs = 0.0
        for image in images {
            let values = features.features(image: image), norms = features.norms(image: image)
            let inverse = (0..<plane).map { 1 / max(Double(norms[$0]), 1e-8) }
            for t in 0..<plane { selfPairs += (Double(norms[t]) * inverse[t]) * (Double(norms[t]) * inverse[t]) }
            for c in 0..<s.channels {
                var acc = 0.0
                for t in 0..<plane { acc += Double(Float(values[c * plane + t])) * inverse[t] }
                sum[c] += acc
            }
        }
        let total = sum.reduce(0) { $0 + $1 * $1 }
        return (total - selfPairs) / (Double(m) * Double(m - 1))
    }
}
