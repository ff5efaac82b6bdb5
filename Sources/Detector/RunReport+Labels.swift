import FeatureStore
import Domain

extension RunReport {
    /// Images with ≥ 1 label, the per-image label count histogram and the position counts.
    static func labelCounts(patches: [LabelRow], points: [LabelRow], imageCount: Int, width: Int, height: Int)
        -> (withAnomaly: Int, perImage: [Int], positions: [Int]) {
        var perImage = [Int](repeating: 0, count: imageCount)
        for r in patches + points where (0..<imageCount).contains(r.image) { perImage[r.image] += 1 }
        var histogram = [Int](repeating: 0, count: (perImage.max() ?? 0) + 1)
        for k in perImage { histogram[k] += 1 }
        let truth = TruthSet(patches: patches, points: points, width: width, height: height)
        var positions = [Int](repeating: 0, count: width * height)
        for tokens in truth.byImage.values { for t in tokens { positions[t] += 1 } }
        return (perImage.filter { $0 > 0 }.count, histogram, positions)
    }

    /// Min/mean/max token norm of the labelled tokens and of all tokens, streamed over the norm file.
    static func normSummaries(_ features: FeatureReader, _ truth: TruthSet) -> (labelled: NormSummary, all: NormSummary) {
        var labelled = NormSummary(), all = NormSummary()
        for image in 0..<features.shape.count {
            let norms = features.norms(image: image)
            for v in norms { all.add(v) }
            for t in truth.tokens(image) { labelled.add(norms[t]) }
        }
        return (labelled, all)
    }
}
