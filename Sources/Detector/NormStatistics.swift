import Domain
import FeatureStore

/// Token-norm statistics of a whole run, from its stored float32 norms: the mean norm map over all
/// images (where high norms sit), norm histograms of three groups, and the share of tokens above
/// k × their image's mean norm. Part of `normlab report` and the report page; computed once here.
///
/// Groups: "labelled" = the tokens of the run's labels (a patch's 4, a point's 1); "patch" = every
/// 2×2 patch at even coordinates of every image, valued by the smallest of its 4 token norms (a patch
/// is high-norm when all 4 tokens are, as in `TokenGrid.patchScore`); "all" = every token.
/// Histograms share 40 bins over [0, the run's largest token norm]; the last bin includes its upper edge.
public struct NormStatistics: Sendable, Equatable {
    /// The multiples k of the image mean norm that are counted.
    public static let multiples: [Double] = [2, 3, 5]
    public static let bins = 40

    /// Tokens above k × their image's mean norm (strictly greater).
    public struct Above: Sendable, Equatable {
        public var k: Double
        public var tokens = 0, labelledTokens = 0
        /// Images with at least one such token.
        public var images = 0
    }

    public let grid: TokenGrid
    public let imageCount: Int
    /// Mean norm per grid position over all images, row-major (y · width + x).
    public let meanNorms: [Double]
    public let edges: [Double]
    public let labelled: [Int], patches: [Int], all: [Int]
    public let above: [Above]

    public var tokenCount: Int { imageCount * grid.tokens }
    public var labelledCount: Int { labelled.reduce(0, +) }

    /// `truth`: labelled token indices per image (`RunLabels.truthIndices`, token unit).
    public init(features: FeatureReader, truth: [Int: Set<Int>], multiples: [Double] = NormStatistics.multiples, bins: Int = NormStatistics.bins) {
        self.init(norms: features.normReader, truth: truth, multiples: multiples, bins: bins)
    }

    /// The same from the norms alone (a run that keeps only its norms has no features).
    public init(norms features: NormReader, truth: [Int: Set<Int>], multiples: [Double] = NormStatistics.multiples, bins: Int = NormStatistics.bins) {
        let grid = TokenGrid(width: features.width, height: features.height)
        self.grid = grid
        imageCount = features.count
        let hi = Double(features.maximumNorm())
        edges = (0...bins).map { hi * Double($0) / Double(bins) }
        var sums = [Double](repeating: 0, count: grid.tokens)
        var labelled = [Int](repeating: 0, count: bins), patches = labelled, all = labelled
        var above = multiples.map { Above(k: $0) }
        func bin(_ v: Float) -> Int { hi > 0 ? min(bins - 1, max(0, Int(Double(v) / hi * Double(bins)))) : 0 }
        for image in 0..<features.count {
            let norms = features.norms(image: image), marked = truth[image] ?? []
            let mean = norms.reduce(0.0) { $0 + Double($1) } / Double(max(1, norms.count))
            for (t, v) in norms.enumerated() {
                sums[t] += Double(v)
                all[bin(v)] += 1
            }
            for t in marked { labelled[bin(norms[t])] += 1 }
            for cell in (0..<grid.patches.tokens).map(grid.patches.cell) {
                patches[bin(grid.patchScore(corner: 2 * cell.y * grid.width + 2 * cell.x) { norms[$0] })] += 1
            }
            for i in above.indices {
                let limit = above[i].k * mean
                Self.count(&above[i], norms: norms, marked: marked, limit: limit)
            }
        }
        meanNorms = sums.map { $0 / Double(max(1, features.count)) }
        self.labelled = labelled; self.patches = patches; self.all = all; self.above = above
    }

    static func count(_ a: inout Above, norms: UnsafeBufferPointer<Float>, marked: Set<Int>, limit: Double) {
        var n = 0
        for v in norms where Double(v) > limit { n += 1 }
        a.tokens += n
        a.images += n > 0 ? 1 : 0
        a.labelledTokens += marked.filter { Double(norms[$0]) > limit }.count
    }
}
