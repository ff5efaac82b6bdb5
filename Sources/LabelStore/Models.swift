import Foundation

/// The shared value types (runs, labels, prototypes, suggestions and their vocabularies) live in
/// `Domain`; every user of the store sees them through this module.
@_exported import Domain

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
    /// `features`, or `norms` for a run that keeps only its norms (the labeler disables what needs features).
    public var contents: RunContents
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

/// ISO-8601 UTC with milliseconds: sorts as text, reads as a date.
func timestamp() -> String {
    Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(Date())
}
