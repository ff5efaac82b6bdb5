import Domain

/// The one evaluation of detections against labels on a `SimilarityMap`, used by `detect`, `report`,
/// `suggest` and the server's report and suggestion routes.
///
/// Each counted unit gets one score (`SimilarityMap.scores`): a token its similarity, a 2×2 patch at
/// even coordinates the smallest of its four. Detected = scores strictly > t, TP = labelled units
/// among them, FP = the other detected ones, FN = labelled units not detected; a sweep is one
/// counting pass per threshold.
extension Detection {
    /// TP/FP/FN per threshold against the labels of the evaluated images (rows of other images are ignored).
    public static func sweep(_ map: SimilarityMap, labels: RunLabels, thresholds: [Float], unit: Unit) -> [Row] {
        let scores = map.scores(unit)
        let truth = truthUnits(map, labels: labels, unit: unit).map { scores[$0] }
        return thresholds.map { thr in
            let detected = countAbove(scores, thr), tp = countAbove(truth, thr)
            return Row(threshold: thr, tp: tp, fp: detected - tp, fn: truth.count - tp)
        }
    }

    public static func sweep(_ map: SimilarityMap, patches: [LabelRow], points: [LabelRow], thresholds: [Float], unit: Unit) -> [Row] {
        sweep(map, labels: RunLabels(patches: patches, points: points), thresholds: thresholds, unit: unit)
    }

    /// One evaluated image's TP/FP/FN places at `threshold`, in cells of the unit grid.
    public static func marks(_ map: SimilarityMap, image: Int, truth: Set<GridCell>, threshold: Float, unit: Unit) -> Marks {
        let grid = map.grid.units(unit), scores = map.scores(unit, image: image)
        let detected = Set(scores.indices.filter { scores[$0] > threshold }.map(grid.cell))
        return Marks(detected: detected, truth: truth)
    }

    /// The units scoring strictly above `threshold`, in unit order (image, row, column): the image, the
    /// token (a patch's upper-left token) and the unit's score.
    static func passing(_ map: SimilarityMap, threshold: Float, unit: Unit) -> [(row: LabelRow, score: Float)] {
        let scores = map.scores(unit), grid = map.grid.units(unit)
        let step = unit == .patch ? 2 : 1
        var found: [(row: LabelRow, score: Float)] = []
        for (i, v) in scores.enumerated() where v > threshold {
            let cell = grid.cell(i % grid.tokens)
            found.append((LabelRow(image: map.from + i / grid.tokens, x: step * cell.x, y: step * cell.y), v))
        }
        return found
    }

    /// Detections at one threshold as label rows (image, x, y), sorted (the export format); for the
    /// patch unit the upper-left token of each detected patch.
    public static func detections(_ map: SimilarityMap, threshold: Float, unit: Unit) -> [LabelRow] {
        passing(map, threshold: threshold, unit: unit).map(\.row).sorted()
    }

    /// The detections at one threshold as suggestions for review: tokens (kind point) or 2×2 patches
    /// (kind patch2x2, similarity = the smallest of the four).
    public static func suggestions(_ map: SimilarityMap, threshold: Float, unit: Unit) -> [NewSuggestion] {
        passing(map, threshold: threshold, unit: unit).map { NewSuggestion(row: $0.row, kind: unit.kind, similarity: $0.score) }
    }

    /// Detections per evaluated image at each threshold: `counts[i][j]` for image `from + i`, threshold j
    /// (for runs without labels: where the detector fires, and how often).
    public static func detectionsPerImage(_ map: SimilarityMap, thresholds: [Float], unit: Unit) -> [[Int]] {
        let scores = map.scores(unit), units = map.grid.units(unit).tokens
        return (0..<map.images).map { i in
            let image = scores[i * units ..< (i + 1) * units]
            return thresholds.map { countAbove(image, $0) }
        }
    }

    /// Indices into `map.scores(unit)` of the labelled units of the evaluated images, each once.
    static func truthUnits(_ map: SimilarityMap, labels: RunLabels, unit: Unit) -> [Int] {
        let units = map.grid.units(unit).tokens
        return labels.truthIndices(on: map.grid, unit: unit, images: map.imageRange)
            .flatMap { image, cells in cells.map { (image - map.from) * units + $0 } }.sorted()
    }

    /// How many values are strictly greater than `threshold` (a branch-free loop the compiler vectorises).
    static func countAbove<C: Collection>(_ values: C, _ threshold: Float) -> Int where C.Element == Float {
        var n = 0
        for v in values { n &+= v > threshold ? 1 : 0 }
        return n
    }
}

/// TP/FP/FN places of one image: TP = detected and labelled, FP = detected only, FN = labelled only,
/// each in reading order (row, then column).
public struct Marks: Sendable, Equatable {
    public let tp: [GridCell], fp: [GridCell], fn: [GridCell]

    public init(detected: Set<GridCell>, truth: Set<GridCell>) {
        tp = detected.intersection(truth).sorted()
        fp = detected.subtracting(truth).sorted()
        fn = truth.subtracting(detected).sorted()
    }

    public var isEmpty: Bool { tp.isEmpty && fp.isEmpty && fn.isEmpty }
}
