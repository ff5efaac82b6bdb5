import FeatureStore

/// Experiment 1, relative anomaly norm over layers (the paper's `run_anomaly_analysis`): a label (x, y) on
/// a reference grid of height `referenceHeight` covers, in a map of height H, the rows
/// `int(y·s) ..< int(y·s) + max(1, int(2s))` with `s = H / referenceHeight` (columns likewise with x), cut
/// at the map's edge like a Python slice; its value is the mean token norm over that region divided by
/// the mean token norm of the whole map.
public enum AnomalyNorms {
    /// The region of a label in a map of `height`×`width` tokens.
    public static func region(x: Int, y: Int, referenceHeight: Int, height: Int, width: Int) -> (rows: Range<Int>, columns: Range<Int>) {
        let s = Double(height) / Double(referenceHeight)
        let extent = max(1, Int(2 * s))
        func span(_ v: Int, _ limit: Int) -> Range<Int> {
            let start = min(Int(Double(v) * s), limit)
            return start..<min(start + extent, limit)
        }
        return (span(y, height), span(x, width))
    }

    /// The relative norm of a label's region in one image's token norms (H×W, row-major).
    public static func relativeNorm(norms: UnsafeBufferPointer<Float>, height: Int, width: Int,
                                    x: Int, y: Int, referenceHeight: Int) -> Double {
        let (rows, columns) = region(x: x, y: y, referenceHeight: referenceHeight, height: height, width: width)
        var inside = 0.0
        for r in rows { for c in columns { inside += Double(norms[r * width + c]) } }
        let all = norms.reduce(0.0) { $0 + Double($1) }
        return (inside / Double(rows.count * columns.count)) / (all / Double(height * width))
    }

    /// Token norms of image `index` of a layer output laid out (B, C, H, W).
    static func norms(of output: UnsafeBufferPointer<Float>, image index: Int, channels: Int, tokens: Int) -> [Float] {
        var norms = [Float](repeating: 0, count: tokens)
        let start = index * channels * tokens
        norms.withUnsafeMutableBufferPointer { n in
            tokenNorms(UnsafeBufferPointer(rebasing: output[start..<(start + channels * tokens)]), channels: channels, tokens: tokens, into: n)
        }
        return norms
    }

    /// Per layer (row) the mean and population standard deviation (ddof 0) over the labels (columns).
    public static func meanAndStd(_ matrix: [[Double]]) -> (mean: [Double], std: [Double]) {
        let mean = matrix.map { $0.reduce(0, +) / Double($0.count) }
        let std = zip(matrix, mean).map { row, m in (row.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(row.count)).squareRoot() }
        return (mean, std)
    }
}
