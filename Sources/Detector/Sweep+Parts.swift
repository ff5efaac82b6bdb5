/// A sweep split over disjoint image ranges (sharded detection): TP, FP and FN at each threshold are
/// sums over images, so the parts' rows add up to the rows of one sweep over all of them.
extension Detection {
    /// Adds the parts' rows threshold by threshold; every part must have the same thresholds.
    public static func combine(_ parts: [[Row]]) throws -> [Row] {
        guard let first = parts.first else { return [] }
        for p in parts where p.map(\.threshold) != first.map(\.threshold) {
            throw Failure(description: "the parts were swept at different thresholds")
        }
        return first.indices.map { t in
            Row(threshold: first[t].threshold, tp: parts.reduce(0) { $0 + $1[t].tp },
                fp: parts.reduce(0) { $0 + $1[t].fp }, fn: parts.reduce(0) { $0 + $1[t].fn })
        }
    }
}

extension EvaluatedRun {
    /// Similarities of images `part` (a slice of the evaluated images) to every prototype.
    public func score(part: Range<Int>, progress: (@Sendable (Int) -> Void)? = nil) throws -> [SimilarityMap] {
        try Detection.score(features: features, prototypes: prototypes.map(\.vector), images: part, progress: progress)
    }
}
