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

    /// The score of the patch whose upper-left token has index `corner` (y · width + x): the smallest
    /// of its 4 tokens' scores, since a patch passes a threshold exactly when all 4 tokens do.
    @inlinable
    public func patchScore(corner t: Int, _ score: (Int) -> Float) -> Float {
        min(min(score(t), score(t + 1)), min(score(t + width), score(t + width + 1)))
    }

    /// The cell of the `unit` grid at a unit's place in token coordinates (a patch's upper-left
    /// token), or nil when it is off the grid.
    public func unitCell(_ place: GridCell, _ unit: DetectionUnit) -> GridCell? {
        let cell = unit == .token ? place : GridCell(x: place.x / 2, y: place.y / 2)
        return units(unit).contains(cell) ? cell : nil
    }
}

extension DetectionUnit {
    /// Where a label of `kind` at (x, y) counts in this unit, in token coordinates: the label's
    /// tokens (token unit), or a patch's upper-left token (patch unit; a point is no patch).
    public func places(of kind: AnnotationKind, x: Int, y: Int) -> [GridCell] {
        switch (self, kind) {
        case (.token, _): TokenGrid.tokens(of: kind, x: x, y: y)
        case (.patch, .patch2x2): [GridCell(x: x, y: y)]
        case (.patch, .point): []
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
