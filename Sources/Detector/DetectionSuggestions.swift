import LabelStore

extension Detection {
    /// The detections at `threshold` with their similarity, ready for `LabelStore.createSuggestionSet`:
    /// a token's cosine, or for a patch the smallest of its four (the one that decided it).
    /// `sims[k]` holds image `from + k`, row-major `y * width + x`.
    public static func suggestionRows(similarities sims: [[Float]], from: Int, width: Int, height: Int, threshold: Float,
                                      unit: Unit) -> [NewSuggestion] {
        detections(similarities: sims, from: from, width: width, height: height, threshold: threshold, unit: unit).map { r in
            let s = sims[r.image - from]
            let cells = unit == .patch ? [0, 1, width, width + 1] : [0]
            let similarity = cells.map { s[r.y * width + r.x + $0] }.min()!
            return NewSuggestion(image: r.image, x: r.x, y: r.y, similarity: similarity)
        }
    }
}

extension Detection.Unit {
    /// The store's name for the same unit.
    public var suggestionUnit: SuggestionUnit { self == .patch ? .patch : .token }
}
