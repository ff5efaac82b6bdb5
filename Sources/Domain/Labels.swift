/// What an annotation marks: a 2×2 patch (upper-left token at even x, y) or a single token.
public enum AnnotationKind: String, Codable, Sendable, CaseIterable {
    case patch2x2
    case point

    /// Why (x, y) is not a valid annotation of this kind on a width × height grid, or nil.
    public func problem(x: Int, y: Int, width: Int, height: Int) -> String? {
        switch self {
        case .patch2x2:
            if !TokenGrid.tokens(of: .patch2x2, x: x, y: y).allSatisfy(TokenGrid(width: width, height: height).contains) {
                return "patch2x2 at x=\(x), y=\(y) does not fit the \(width)×\(height) grid (needs 0 ≤ x, x+1 < \(width), 0 ≤ y, y+1 < \(height))"
            }
            if x % 2 != 0 || y % 2 != 0 { return "patch2x2 needs even coordinates, got x=\(x), y=\(y)" }
        case .point:
            if x < 0 || y < 0 || x >= width || y >= height {
                return "point at x=\(x), y=\(y) is outside the \(width)×\(height) grid"
            }
        }
        return nil
    }
}

/// Where an annotation came from.
public enum AnnotationSource: String, Codable, Sendable, CaseIterable {
    case manual
    case `import`
    case acceptedSuggestion = "accepted-suggestion"
}

public struct Annotation: Codable, Sendable, Equatable {
    public var imageIndex: Int
    public var x: Int
    public var y: Int
    public var kind: AnnotationKind
    public var annotator: String
    public var source: AnnotationSource
    public var createdAt: String
    public var updatedAt: String

    public init(imageIndex: Int, x: Int, y: Int, kind: AnnotationKind, annotator: String, source: AnnotationSource,
                createdAt: String, updatedAt: String) {
        self.imageIndex = imageIndex; self.x = x; self.y = y; self.kind = kind
        self.annotator = annotator; self.source = source; self.createdAt = createdAt; self.updatedAt = updatedAt
    }
}

/// One row of a label file: (image_index, x, y).
public struct LabelRow: Sendable, Equatable, Hashable, Comparable {
    public var image: Int
    public var x: Int
    public var y: Int
    public init(image: Int, x: Int, y: Int) {
        self.image = image
        self.x = x
        self.y = y
    }
    public static func < (a: LabelRow, b: LabelRow) -> Bool { (a.image, a.x, a.y) < (b.image, b.x, b.y) }
}

/// Which images of a run a listing shows: all, unlabeled, labeled (annotated or reviewed) or anomalies (annotated).
public enum ImageFilter: String, Sendable, CaseIterable {
    case all, unlabeled, labeled, anomalies
}
