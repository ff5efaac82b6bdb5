import Domain

/// A run's labels as label rows: 2×2 patches (their upper-left token) and points.
public struct RunLabels: Sendable, Equatable {
    public let patches: [LabelRow], points: [LabelRow]

    public init(patches: [LabelRow], points: [LabelRow]) { self.patches = patches; self.points = points }

    public init(catalog: some LabelCatalog, run: String) throws {
        self.init(patches: try catalog.labelRows(run: run, kind: .patch2x2), points: try catalog.labelRows(run: run, kind: .point))
    }

    public var isEmpty: Bool { patches.isEmpty && points.isEmpty }
    public var count: Int { patches.count + points.count }

    /// The labels of `images` (every image when nil) with their kinds.
    func all(in images: Range<Int>? = nil) -> [(row: LabelRow, kind: AnnotationKind)] {
        (patches.map { (row: $0, kind: AnnotationKind.patch2x2) } + points.map { (row: $0, kind: AnnotationKind.point) })
            .filter { images?.contains($0.row.image) ?? true }
    }

    /// Per image, the labelled cells of `grid`'s `unit` grid (`DetectionUnit.places`, off-grid ones dropped).
    public func truth(on grid: TokenGrid, unit: DetectionUnit, images: Range<Int>? = nil) -> [Int: Set<GridCell>] {
        var out: [Int: Set<GridCell>] = [:]
        for (r, kind) in all(in: images) {
            for place in unit.places(of: kind, x: r.x, y: r.y) {
                if let cell = grid.unitCell(place, unit) { out[r.image, default: []].insert(cell) }
            }
        }
        return out
    }

    /// The same as indices into an image's unit scores (row · unit columns + column).
    public func truthIndices(on grid: TokenGrid, unit: DetectionUnit, images: Range<Int>? = nil) -> [Int: Set<Int>] {
        let units = grid.units(unit)
        return truth(on: grid, unit: unit, images: images).mapValues { Set($0.map(units.index)) }
    }
}
