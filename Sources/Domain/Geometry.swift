/// A place on a run's token grid: column x, row y. Sorted by row, then column (reading order).
public struct GridCell: Sendable, Hashable, Comparable {
    public var x: Int, y: Int
    public init(x: Int, y: Int) { self.x = x; self.y = y }
    public static func < (a: GridCell, b: GridCell) -> Bool { (a.y, a.x) < (b.y, b.x) }
}

/// A run's W × H token grid and how labels sit on it: a 2×2 patch at (x, y) covers the tokens
/// (x, y), (x+1, y), (x, y+1), (x+1, y+1) — in that order, its "places" 0…3 — and a point covers
/// its one token. A patch passes a threshold when all 4 of its tokens do, so its score is the
/// smallest of the 4. Token index within an image: y · width + x.
public struct TokenGrid: Sendable, Equatable {
    public let width: Int, height: Int
    public init(width: Int, height: Int) { self.width = width; self.height = height }

    public var tokens: Int { width * height }
    /// The grid of 2×2 patches at even coordinates: ⌊W/2⌋ × ⌊H/2⌋.
    public var patches: TokenGrid { TokenGrid(width: width / 2, height: height / 2) }
    /// The grid a unit is counted on: tokens, or patches.
    public func units(_ unit: DetectionUnit) -> TokenGrid { unit == .token ? self : patches }

    public func contains(_ c: GridCell) -> Bool { (0..<width).contains(c.x) && (0..<height).contains(c.y) }
    public func index(_ c: GridCell) -> Int { c.y * width + c.x }
    public func cell(_ index: Int) -> GridCell { GridCell(x: index % width, y: index / width) }

    /// A patch's offsets from its upper-left token, in place order.
    public static let patchOffsets = [(0, 0), (1, 0), (0, 1), (1, 1)]

    /// The tokens a label of `kind` at (x, y) covers, in place order (unclipped).
    public static func tokens(of kind: AnnotationKind, x: Int, y: Int) -> [GridCell] {
        kind == .point ? [GridCell(x: x, y: y)] : patchOffsets.map { GridCell(x: x + $0.0, y: y + $0.1) }
    }

    /// The label's tokens that lie on the grid.
    public func tokens(of kind: AnnotationKind, x: Int, y: Int) -> [GridCell] {
        Self.tokens(of: kind, x: x, y: y).filter(contains)
    }

    /// Token indices (y · width + x) of the 4 tokens of the patch whose upper-left token has index `corner`.
    public func patchIndices(corner: Int) -> [Int] { [corner, corner + 1, corner + width, corner + width + 1] }

    /// The labels of one image as places on the `unit` grid: a patch's 4 tokens and a point's token
    /// (token unit), or the labelled patches at patch coordinates (patch unit; points do not count).
    public func truth(patches: [GridCell], points: [GridCell], unit: DetectionUnit) -> Set<GridCell> {
        var out = Set<GridCell>()
        switch unit {
        case .patch:
            for p in patches { out.insert(GridCell(x: p.x / 2, y: p.y / 2)) }
            let g = self.patches
            return out.filter(g.contains)
        case .token:
            for p in patches { out.formUnion(tokens(of: .patch2x2, x: p.x, y: p.y)) }
            for p in points { out.formUnion(tokens(of: .point, x: p.x, y: p.y)) }
            return out
        }
    }
}

/// The train/test split of a run: a prototype with train fraction f is averaged over images
/// 0..<floor(f · N); evaluating it on the same run uses the rest, images floor(f · N)..<N.
public enum TrainSplit {
    public static func trainImages(fraction: Double, imageCount: Int) -> Int {
        Int((fraction * Double(imageCount)).rounded(.down))
    }

    /// The first test image of `run` for a prototype averaged over images 0..<`trainImages` of
    /// `sourceRun`: nil when it comes from another run or used every image (no test images left).
    public static func testStart(run: Run, sourceRun: String?, trainImages: Int?) -> Int? {
        guard sourceRun == run.name, let t = trainImages, t < run.imageCount else { return nil }
        return t
    }
}
