import FeatureStore
import LabelStore
@testable import Detector

/// The hand-sized tests read similarities as one (H·W) array per image; the tools keep the
/// `SimilarityMap` that `Detection.score` returns.
extension Detection {
    static func similarities(features: FeatureReader, prototype: [Float], from: Int) throws -> [[Float]] {
        let map = try score(features: features, prototypes: [prototype], from: from)[0]
        return map.imageRange.map { Array(map.image($0)) }
    }

    static func sweep(similarities sims: [[Float]], from: Int, width: Int, height: Int, patches: [LabelRow], points: [LabelRow],
                      thresholds: [Float], unit: Unit) -> [Row] {
        sweep(map(sims, from: from, width: width, height: height), patches: patches, points: points, thresholds: thresholds, unit: unit)
    }

    static func detections(similarities sims: [[Float]], from: Int, width: Int, height: Int, threshold: Float, unit: Unit) -> [LabelRow] {
        detections(map(sims, from: from, width: width, height: height), threshold: threshold, unit: unit)
    }

    static func map(_ sims: [[Float]], from: Int, width: Int, height: Int) -> SimilarityMap {
        SimilarityMap(from: from, images: sims.count, width: width, height: height, values: sims.flatMap { $0 })
    }
}
