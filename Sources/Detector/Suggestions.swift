import Domain

extension Detection {
    /// The detections at one threshold as suggestions for review: tokens (kind point, unit token) or
    /// 2×2 patches at even coordinates whose four tokens all pass (kind patch2x2, similarity = the
    /// smallest of the four). Strictly greater than the threshold, as everywhere in detection.
    public static func suggestions(similarities sims: [[Float]], from: Int, width: Int, height: Int, threshold: Float,
                                   unit: Unit) -> [NewSuggestion] {
        var found: [NewSuggestion] = []
        for (k, s) in sims.enumerated() {
            if unit == .token {
                for t in 0..<(width * height) where s[t] > threshold {
                    found.append(NewSuggestion(row: LabelRow(image: from + k, x: t % width, y: t / width), kind: .point, similarity: s[t]))
                }
                continue
            }
            for y in stride(from: 0, to: height - 1, by: 2) {
                for x in stride(from: 0, to: width - 1, by: 2) {
                    let corner = y * width + x
                    let smallest = min(s[corner], s[corner + 1], s[corner + width], s[corner + width + 1])
                    if smallest > threshold {
                        found.append(NewSuggestion(row: LabelRow(image: from + k, x: x, y: y), kind: .patch2x2, similarity: smallest))
                    }
                }
            }
        }
        return found
    }
}
