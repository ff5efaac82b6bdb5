import CBLAS
import FeatureStore
import Domain

extension RunReport {
    /// One pass over the evaluated images (from..<N): each token's cosine similarity to the
    /// prototype, binned for labelled and other tokens, counted per threshold (token unit, strictly
    /// greater), and with `options.at` the TP/FP/FN tokens of every image that has any.
    static func evaluate(_ features: FeatureReader, prototype: ReportPrototype, truth: TruthSet, from: Int, options: Options) throws -> Evaluation {
        let s = features.shape
        let bins = max(1, options.similarityBins)
        var e = Evaluation(from: from)
        e.edges = (0...bins).map { -1 + 2 * Double($0) / Double(bins) }
        e.labelled = [Int](repeating: 0, count: bins)
        e.other = e.labelled
        e.curve = options.thresholds.map { DetectionCounts(threshold: $0) }
        var scorer = TokenScorer(prototype: prototype.vector, shape: s)
        for image in from..<s.count {
            let sims = scorer.similarities(features, image: image)
            let labelled = truth.tokens(image)
            for (t, v) in sims.enumerated() {
                let bin = min(bins - 1, max(0, Int(((Double(v) + 1) / 2 * Double(bins)).rounded(.down))))
                if labelled.contains(t) { e.labelled[bin] += 1 } else { e.other[bin] += 1 }
            }
            for k in e.curve.indices {
                let thr = e.curve[k].threshold
                let detected = sims.indices.filter { sims[$0] > thr }
                let tp = detected.filter(labelled.contains).count
                e.curve[k].tp += tp
                e.curve[k].fp += detected.count - tp
                e.curve[k].fn += labelled.count - tp
            }
            if let at = options.at { e.record(image: image, sims: sims, labelled: labelled, at: at, width: s.width, limit: options.maxImages) }
        }
        return e
    }
}

extension RunReport.Evaluation {
    /// Keeps the image's TP/FP/FN tokens when it has any (up to `limit` images; all are counted).
    mutating func record(image: Int, sims: [Float], labelled: Set<Int>, at: Float, width: Int, limit: Int) {
        var d = RunReport.ImageDetections(image: image)
        func token(_ t: Int) -> RunReport.Token { RunReport.Token(x: t % width, y: t / width) }
        for (t, v) in sims.enumerated() where v > at {
            if labelled.contains(t) { d.tp.append(token(t)) } else { d.fp.append(token(t)) }
        }
        for t in labelled.sorted() where !(sims[t] > at) { d.fn.append(token(t)) }
        guard !(d.tp.isEmpty && d.fp.isEmpty && d.fn.isEmpty) else { return }
        imagesWithDetections += 1
        if images.count < limit { images.append(d) }
    }
}

/// torch's cosine_similarity of every token of an image with one prototype:
/// a·b / (max(|a|, 1e-8) · max(|b|, 1e-8)), token norms from the run's norm file. One sgemv per image
/// over the float16 features converted into a reused float32 buffer.
struct TokenScorer {
    let prototype: [Float]
    let prototypeNorm: Double
    let shape: FeatureShape
    private var buffer: [Float]

    init(prototype: [Float], shape: FeatureShape) {
        self.prototype = prototype
        self.shape = shape
        prototypeNorm = max(prototype.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot(), 1e-8)
        buffer = [Float](repeating: 0, count: shape.valuesPerImage)
    }

    mutating func similarities(_ features: FeatureReader, image: Int) -> [Float] {
        let tokens = shape.tokensPerImage, half = features.features(image: image)
        for i in 0..<buffer.count { buffer[i] = Float(half[i]) }
        var dots = [Float](repeating: 0, count: tokens)
        buffer.withUnsafeBufferPointer { f in
            prototype.withUnsafeBufferPointer { p in
                dots.withUnsafeMutableBufferPointer { d in
                    cblas_sgemv(CblasRowMajor, CblasTrans, Int32(shape.channels), Int32(tokens), 1, f.baseAddress!, Int32(tokens),
                                p.baseAddress!, 1, 0, d.baseAddress!, 1)
                }
            }
        }
        let norms = features.norms(image: image)
        return (0..<tokens).map { Float(Double(dots[$0]) / (max(Double(norms[$0]), 1e-8) * prototypeNorm)) }
    }
}

extension RunReport {
    /// One image's TP/FP/FN tokens at threshold `at` (token unit), for the labeler's per-image view.
    public static func imageDetections(_ features: FeatureReader, prototype: [Float], patches: [LabelRow], points: [LabelRow],
                                       image: Int, at: Float) throws -> ImageDetections {
        let s = features.shape
        guard prototype.count == s.channels else { throw Failure(description: "the prototype has \(prototype.count) channels, the run's features \(s.channels)") }
        guard (0..<s.count).contains(image) else { throw Failure(description: "image \(image) is outside the run (images 0…\(s.count - 1))") }
        guard (-1...1).contains(at) else { throw Failure(description: "threshold \(at) is outside [-1, 1] (cosine similarity)") }
        let truth = TruthSet(patches: patches.filter { $0.image == image }, points: points.filter { $0.image == image }, width: s.width, height: s.height)
        var scorer = TokenScorer(prototype: prototype, shape: s)
        var e = Evaluation()
        e.record(image: image, sims: scorer.similarities(features, image: image), labelled: truth.tokens(image), at: at, width: s.width, limit: 1)
        return e.images.first ?? ImageDetections(image: image)
    }
}
