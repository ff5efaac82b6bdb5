import Domain

/// The threshold sweep and the detections file on a `SimilarityMap`.
///
/// Each counted unit gets one score: a token its similarity, a 2×2 patch at even coordinates the
/// smallest of its four (all four > t exactly when the smallest is > t). Per threshold, detected =
/// scores > t, TP = labelled units among them, so a sweep is one counting pass per threshold.
extension Detection {
    /// TP/FP/FN per threshold against the labels of the evaluated images (rows of other images are ignored).
    public static func sweep(_ map: SimilarityMap, patches: [LabelRow], points: [LabelRow], thresholds: [Float], unit: Unit) -> [Row] {
        let scores = unitScores(map, unit: unit)
        let truth = truthUnits(map, patches: patches, points: points, unit: unit).map { scores[$0] }
        return thresholds.map { thr in
            let detected = countAbove(scores, thr), tp = countAbove(truth, thr)
            return Row(threshold: thr, tp: tp, fp: detected - tp, fn: truth.count - tp)
        }
    }

    /// Detections at one threshold as label rows (image, x, y), sorted (the export format); for the
    /// patch unit the upper-left token of each detected patch.
    public static func detections(_ map: SimilarityMap, threshold: Float, unit: Unit) -> [LabelRow] {
        let scores = unitScores(map, unit: unit)
        let (w, h) = unitGrid(map, unit)
        let step = unit == .patch ? 2 : 1
        var rows: [LabelRow] = []
        for (i, v) in scores.enumerated() where v > threshold {
            let cell = i % (w * h)
            rows.append(LabelRow(image: map.from + i / (w * h), x: step * (cell % w), y: step * (cell / w)))
        }
        return rows.sorted()
    }

    /// Detections per evaluated image at each threshold: `counts[i][j]` for image `from + i`, threshold j
    /// (for runs without labels: where the detector fires, and how often).
    public static func detectionsPerImage(_ map: SimilarityMap, thresholds: [Float], unit: Unit) -> [[Int]] {
        let scores = unitScores(map, unit: unit)
        let (w, h) = unitGrid(map, unit)
        return (0..<map.images).map { i in
            let image = scores[i * w * h ..< (i + 1) * w * h]
            return thresholds.map { countAbove(image, $0) }
        }
    }

    /// The unit grid: tokens (W × H) or 2×2 patches at even coordinates (⌊W/2⌋ × ⌊H/2⌋).
    static func unitGrid(_ map: SimilarityMap, _ unit: Unit) -> (width: Int, height: Int) {
        unit == .token ? (map.width, map.height) : (map.width / 2, map.height / 2)
    }

    /// One score per unit, laid out (images, unit rows, unit columns).
    static func unitScores(_ map: SimilarityMap, unit: Unit) -> [Float] {
        guard unit == .patch else { return map.values }
        let (pw, ph) = unitGrid(map, .patch), w = map.width, v = map.values
        var out = [Float](repeating: 0, count: map.images * pw * ph)
        for i in 0..<map.images {
            for py in 0..<ph {
                for px in 0..<pw {
                    let t = (i * map.height + 2 * py) * w + 2 * px
                    out[(i * ph + py) * pw + px] = min(min(v[t], v[t + 1]), min(v[t + w], v[t + w + 1]))
                }
            }
        }
        return out
    }

    /// Indices into `unitScores` of the labelled units of the evaluated images: the 4 tokens of a patch
    /// and a point's token (token unit, each token once), or the labelled patches (patch unit).
    static func truthUnits(_ map: SimilarityMap, patches: [LabelRow], points: [LabelRow], unit: Unit) -> [Int] {
        let (w, h) = unitGrid(map, unit)
        let evaluated = map.from ..< map.from + map.images
        var units = Set<Int>()
        func add(_ r: LabelRow, _ x: Int, _ y: Int) {
            guard evaluated.contains(r.image), (0..<w).contains(x), (0..<h).contains(y) else { return }
            units.insert(((r.image - map.from) * h + y) * w + x)
        }
        for r in patches {
            if unit == .patch { add(r, r.x / 2, r.y / 2) }
            else { for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] { add(r, r.x + dx, r.y + dy) } }
        }
        if unit == .token { for r in points { add(r, r.x, r.y) } }
        return units.sorted()
    }

    /// How many values are strictly greater than `threshold` (a branch-free loop the compiler vectorises).
    static func countAbove<C: Collection>(_ values: C, _ threshold: Float) -> Int where C.Element == Float {
        var n = 0
        for v in values { n &+= v > threshold ? 1 : 0 }
        return n
    }
}
