import Foundation

/// What an annotation marks: a 2×2 patch (upper-left token at even x, y) or a single token.
public enum AnnotationKind: String, Codable, Sendable, CaseIterable {
    case patch2x2
    case point

    /// Why (x, y) is not a valid annotation of this kind on a width × height grid, or nil.
    public func problem(x: Int, y: Int, width: Int, height: Int) -> String? {
        switch self {
        case .patch2x2:
            if x < 0 || y < 0 || x + 1 >= width || y + 1 >= height {
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

    public static func parse(_ text: String) throws -> AnnotationKind {
        guard let k = AnnotationKind(rawValue: text) else {
            throw LabelStoreError.badAnnotation("unknown kind '\(text)' (expected patch2x2 or point)")
        }
        return k
    }
}

/// Where an annotation came from.
public enum AnnotationSource: String, Codable, Sendable, CaseIterable {
    case manual
    case `import`
    case acceptedSuggestion = "accepted-suggestion"
}

/// Who made a change and from where, recorded in the append-only history.
public struct Actor: Sendable {
    public var annotator: String
    public var origin: String
    public init(annotator: String, origin: String) {
        self.annotator = annotator
        self.origin = origin
    }
    public static func cli(annotator: String? = nil) -> Actor {
        Actor(annotator: annotator ?? ProcessInfo.processInfo.environment["USER"] ?? "", origin: "cli")
    }
}

public struct Dataset: Codable, Sendable, Equatable {
    public var id: Int64
    public var name: String
    /// Folder of the images (absolute, or relative to the database's folder); nil when imageless.
    public var root: String?
    public var imageCount: Int
}

/// An extraction run (representations of a dataset at one position), as stored.
public struct Run: Codable, Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var datasetID: Int64
    public var dataset: String
    public var position: String
    public var imageCount: Int
    public var channels: Int
    public var height: Int
    public var width: Int
    /// Feature folder, relative to the database's folder.
    public var featurePath: String
    /// JSON object: model identity/hash, timestep, seed, prompt, batch size, preprocessing, version.
    public var metadata: String
    public var createdAt: String
}

/// A run as `GET /api/runs` lists it.
public struct RunSummary: Codable, Sendable, Equatable {
    public var name: String
    public var dataset: String
    public var position: String
    public var imageCount: Int
    public var channels: Int
    public var gridHeight: Int
    public var gridWidth: Int
    /// Images with at least one annotation or marked reviewed.
    public var labeledCount: Int
    /// Images with at least one annotation.
    public var anomalyImageCount: Int
    public var annotationCount: Int
}

/// One image of a run as `GET /api/runs/{run}/images` lists it.
public struct ImageSummary: Codable, Sendable, Equatable {
    public var index: Int
    public var fileName: String?
    /// Has annotations, or was marked reviewed ("looked at").
    public var labeled: Bool
    public var reviewed: Bool
    public var annotationCount: Int
}

public enum ImageFilter: String, Sendable, CaseIterable {
    case all, unlabeled, labeled, anomalies
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

/// ISO-8601 UTC with milliseconds: sorts as text, reads as a date.
func timestamp() -> String {
    Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(Date())
}
