/// The reference's test accuracy: per token and coordinate the argmax class (the first on ties, as
/// torch's argmax), counted correct on a `grid` when `argmax·grid // side == label·grid // side`, and
/// averaged over both coordinates of every test token.
enum ProbeAccuracy {
    /// Whether prediction and label fall into the same cell of a `grid`-cell partition of `side`.
    static func sameCell(_ prediction: Int, _ label: Int, grid: Int, side: Int) -> Bool {
        prediction * grid / side == label * grid / side
    }

    static func evaluate(_ classifier: ProbeClassifier, nchw: UnsafeBufferPointer<Float>, images: Int,
                         height: Int, width: Int, grids: [Int]) -> [Float] {
        let hw = height * width, channels = classifier.channels, side = classifier.side
        var correct = [Int](repeating: 0, count: grids.count)
        var logits = [Float](repeating: 0, count: hw * 2 * side)
        for image in 0..<images {
            logits.withUnsafeMutableBufferPointer {
                classifier.logits(nchw.baseAddress! + image * channels * hw, count: hw, channelMajor: true, into: $0.baseAddress!)
            }
            for p in 0..<hw {
                let predicted = (argmax(logits, from: p * 2 * side, count: side),
                                 argmax(logits, from: p * 2 * side + side, count: side))
                for (g, grid) in grids.enumerated() {
                    if sameCell(predicted.0, p / width, grid: grid, side: side) { correct[g] += 1 }
                    if sameCell(predicted.1, p % width, grid: grid, side: side) { correct[g] += 1 }
                }
            }
        }
        // torch's float mean over 0/1 values: the exact count divided in float.
        return correct.map { Float($0) / Float(2 * images * hw) }
    }

    /// Index of the largest of `count` values starting at `start`; the first one on ties.
    static func argmax(_ values: [Float], from start: Int, count: Int) -> Int {
        var best = 0
        for k in 1..<count where values[start + k] > values[start + best] { best = k }
        return best
    }
}
