import FeatureStore
import Domain

/// Statistics of one run's labels and features against a mean anomaly token: what `normlab report`
/// prints and draws and the labeler's report page shows. Computed in one pass per statistic over
/// the memory-mapped features, image by image, so memory stays flat however long the run is.
public struct RunReport: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public struct Options: Sendable {
        /// Labelled tokens used for the pairwise cosines (an evenly strided sample when there are more).
        public var maxPairwiseTokens = 4096
        /// Images whose tokens give the "all tokens" cosine baseline (evenly spaced over the run).
        public var baselineImages = 20
        /// Bins of the similarity histograms over [-1, 1].
        public var similarityBins = 40
        public var thresholds: [Float] = (0..<20).map { Float(0.6 + 0.39 * Double($0) / 19) }
        /// With a threshold, per-image TP/FP/FN tokens are kept (for norm maps), at most `maxImages` images.
        public var at: Float?
        public var maxImages = 1000
        public init() {}
    }

    public struct NormSummary: Sendable, Equatable {
        public var count = 0, min = Double.infinity, max = -Double.infinity, sum = 0.0
        public var mean: Double { count == 0 ? 0 : sum / Double(count) }
        mutating func add(_ v: Float) { count += 1; sum += Double(v); min = Swift.min(min, Double(v)); max = Swift.max(max, Double(v)) }
    }

    public struct Cosines: Sendable {
        /// Off-diagonal means of the pairwise cosines of labelled patch tokens; nil below 2 tokens.
        public var all: Double?, samePlace: Double?
        public var patchTokens = 0, sampledTokens = 0
        /// The same over all tokens of `baselineImages`, without self-pairs.
        public var baseline: Double?
        public var baselineImages: [Int] = [], baselineTokens = 0
    }

    /// Similarity to the prototype on the evaluated images, binned over [-1, 1].
    public struct Evaluation: Sendable {
        public var from = 0
        public var edges: [Double] = []
        public var labelled: [Int] = [], other: [Int] = []
        public var curve: [Detection.Row] = []
        public var images: [ImageDetections] = []
        public var imagesWithDetections = 0
    }

    /// Tokens (x, y) of one image at the report's threshold.
    public struct ImageDetections: Sendable, Equatable {
        public var image: Int
        public var tp: [Token] = [], fp: [Token] = [], fn: [Token] = []
    }

    public typealias Token = GridCell

    public let run: Run
    public let patchCount: Int, pointCount: Int
    public let imagesWithAnomaly: Int
    /// `anomaliesPerImage[k]` = images with exactly k labels (patches and points).
    public let anomaliesPerImage: [Int]
    /// Labelled tokens at each grid position, row-major (height, width); a patch counts on its 4 tokens.
    public let positions: [Int]
    public let labelledNorms: NormSummary, allNorms: NormSummary
    public let cosines: Cosines
    /// Mean norm map, norm histograms and tokens above k × the image mean, over every image.
    public let normStatistics: NormStatistics
    public let prototype: ReportPrototype?
    public let evaluation: Evaluation?
    public let options: Options

    /// The report of a resolved run: its prototype (if any) on its evaluated images.
    public static func compute(_ e: EvaluatedRun, options: Options = Options()) throws -> RunReport {
        try compute(run: e.run, features: e.features, labels: e.labels, prototype: e.prototype, from: e.images.lowerBound, options: options)
    }

    /// The same with the prototype's default evaluated images (`ResolvedPrototype.evaluationStart`).
    public static func compute(run: Run, features: FeatureReader, patches: [LabelRow], points: [LabelRow],
                               prototype: ReportPrototype?, options: Options = Options()) throws -> RunReport {
        try compute(run: run, features: features, labels: RunLabels(patches: patches, points: points), prototype: prototype,
                    from: prototype?.evaluationStart(run: run) ?? 0, options: options)
    }

    static func compute(run: Run, features: FeatureReader, labels: RunLabels, prototype: ReportPrototype?, from: Int,
                        options: Options) throws -> RunReport {
        let patches = labels.patches, points = labels.points
        let s = features.shape
        guard s.count == run.imageCount, s.width == run.width, s.height == run.height else {
            throw Failure(description: "run '\(run.name)': feature file shape \(s) does not match the run")
        }
        if let at = options.at, !(-1...1).contains(at) { throw Failure(description: "--at \(at) is outside [-1, 1] (cosine similarity)") }
        if options.at != nil && prototype == nil {
            throw Failure(description: "--at needs a prototype, and run '\(run.name)' has neither a recorded prototype nor labels")
        }
        let truth = labels.truthIndices(on: run.grid, unit: .token)
        let counts = labelCounts(labels, truth: truth, imageCount: s.count, tokens: s.tokensPerImage)
        let (labelled, all) = normSummaries(features, truth)
        let cosines = try pairwise(features, patches: patches, options: options)
        let normStatistics = NormStatistics(features: features, truth: truth)
        let evaluation = try prototype.map { try evaluate(features, prototype: $0, labels: labels, from: from, options: options) }
        return RunReport(run: run, patchCount: patches.count, pointCount: points.count, imagesWithAnomaly: counts.withAnomaly,
                         anomaliesPerImage: counts.perImage, positions: counts.positions, labelledNorms: labelled, allNorms: all,
                         cosines: cosines, normStatistics: normStatistics, prototype: prototype, evaluation: evaluation, options: options)
    }
}
