import Domain
import FeatureStore

extension RunReport {
    /// The evaluated images' similarities to the prototype (`Detection.score`), binned for labelled
    /// and other tokens, the detection curve (`Detection.sweep`, token unit) and, with `options.at`,
    /// the TP/FP/FN tokens of every image that has any.
    static func evaluate(_ features: FeatureReader, prototype: ReportPrototype, labels: RunLabels, from: Int, options: Options) throws -> Evaluation {
        let map = try Detection.score(features: features, prototypes: [prototype.vector], from: from)[0]
        return evaluate(map, labels: labels, options: options)
    }

    static func evaluate(_ map: SimilarityMap, labels: RunLabels, options: Options) -> Evaluation {
        let bins = max(1, options.similarityBins)
        var e = Evaluation(from: map.from)
        e.edges = (0...bins).map { -1 + 2 * Double($0) / Double(bins) }
        e.labelled = [Int](repeating: 0, count: bins)
        e.other = e.labelled
        let truth = labels.truth(on: map.grid, unit: .token, images: map.imageRange)
        for image in map.imageRange {
            let labelled = Set((truth[image] ?? []).map(map.grid.index))
            for (t, v) in map.image(image).enumerated() {
                let bin = min(bins - 1, max(0, Int(((Double(v) + 1) / 2 * Double(bins)).rounded(.down))))
                if labelled.contains(t) { e.labelled[bin] += 1 } else { e.other[bin] += 1 }
            }
            if let at = options.at { e.record(map, image: image, truth: truth[image] ?? [], at: at, limit: options.maxImages) }
        }
        e.curve = Detection.sweep(map, labels: labels, thresholds: options.thresholds, unit: .token)
        return e
    }
}

extension RunReport.Evaluation {
    /// Keeps the image's TP/FP/FN tokens at `at` when it has any (up to `limit` images; all are counted).
    mutating func record(_ map: SimilarityMap, image: Int, truth: Set<GridCell>, at: Float, limit: Int) {
        let marks = Detection.marks(map, image: image, truth: truth, threshold: at, unit: .token)
        guard !marks.isEmpty else { return }
        imagesWithDetections += 1
        if images.count < limit { images.append(RunReport.ImageDetections(image: image, tp: marks.tp, fp: marks.fp, fn: marks.fn)) }
    }
}

extension RunReport {
    /// One image's TP/FP/FN tokens at threshold `at` (token unit), for the labeler's per-image view.
    public static func imageDetections(_ features: FeatureReader, prototype: [Float], labels: RunLabels, image: Int, at: Float) throws -> ImageDetections {
        let s = features.shape
        guard prototype.count == s.channels else { throw Failure(description: "the prototype has \(prototype.count) channels, the run's features \(s.channels)") }
        guard (0..<s.count).contains(image) else { throw Failure(description: "image \(image) is outside the run (images 0…\(s.count - 1))") }
        guard (-1...1).contains(at) else { throw Failure(description: "threshold \(at) is outside [-1, 1] (cosine similarity)") }
        let map = try Detection.score(features: features, prototypes: [prototype], images: image ..< image + 1)[0]
        let truth = labels.truth(on: map.grid, unit: .token, images: map.imageRange)[image] ?? []
        var e = Evaluation()
        e.record(map, image: image, truth: truth, at: at, limit: 1)
        return e.images.first ?? ImageDetections(image: image)
    }
}
