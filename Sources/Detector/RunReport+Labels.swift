import FeatureStore
import Domain

extension RunReport {
    /// Images with ≥ 1 label, the per-image label count histogram and the position counts.
    /// `truth`: the labelled token indices per image (`RunLabels.truthIndices`, token unit).
    static func labelCounts(_ labels: RunLabels, truth: [Int: Set<Int>], imageCount: Int, tokens: Int)
        -> (withAnomaly: Int, perImage: [Int], positions: [Int]) {
        var perImage = [Int](repeating: 0, count: imageCount)
        for r in labels.patches + labels.points where (0..<imageCount).contains(r.image) { perImage[r.image] += 1 }
        var histogram = [Int](repeating: 0, count: (perImage.max() ?? 0) + 1)
        for k in perImage { histogram[k] += 1 }
        var positions = [Int](repeating: 0, count: tokens)
        for cells in truth.values { for t in cells { positions[t] += 1 } }
        return (perImage.filter { $0 > 0 }.count, histogram, positions)
    }

    /// Min/mean/max token norm of the labelled tokens and of all tokens, streamed over the norm file.
    static func normSummaries(_ features: FeatureReader, _ truth: [Int: Set<Int>]) -> (labelled: NormSummary, all: NormSummary) {
        var labelled = NormSummary(), all = NormSummary()
        for image in 0..<features.shape.count {
            let norms = features.norms(image: image)
            for v in norms { all.add(v) }
            for t in truth[image] ?? [] { labelled.add(norms[t]) }
        }
        return (labelled, all)
    }
}
