import Domain

// The labeling routes' inputs (README, "HTTP API"), decoded and checked without the server.

/// `POST /api/runs/{run}/images/{index}/annotations`: `{"x", "y", "kind"?, "annotator"?, "source"?}`.
public struct NewAnnotationRequest: Sendable, Equatable {
    public var x: Int, y: Int
    public var kind: AnnotationKind
    public var source: AnnotationSource
    public var annotator: String?

    private struct Body: Decodable { var x: Int, y: Int, kind: String?, annotator: String?, source: String? }

    public init(json bytes: some Collection<UInt8>) throws {
        let body = try JSONBody.decode(Body.self, from: bytes)
        (x, y, annotator) = (body.x, body.y, body.annotator)
        kind = try AnnotationKind.parse(body.kind ?? AnnotationKind.patch2x2.rawValue)
        source = try body.source.map { s in
            guard let v = AnnotationSource(rawValue: s) else {
                throw RequestError.invalid("unknown source '\(s)' (expected manual, import or accepted-suggestion)")
            }
            return v
        } ?? .manual
    }
}

/// A place in a query string, `?x=&y=&kind=&annotator=`: `DELETE /api/runs/{run}/images/{index}/annotations`
/// and the undo `DELETE /api/suggestion-sets/{set}/images/{index}/decisions`.
public struct PlaceRequest: Sendable, Equatable {
    public var x: Int, y: Int
    public var kind: AnnotationKind
    public var annotator: String?

    public init(query q: Query) throws {
        x = try q.int("x")
        y = try q.int("y")
        kind = try q.kind()
        annotator = q["annotator"]
    }
}

/// `PUT /api/runs/{run}/images/{index}/reviewed`: `{"reviewed": true|false, "annotator"?}`.
public struct ReviewedRequest: Sendable, Equatable, Decodable {
    public var reviewed: Bool
    public var annotator: String?

    public init(json bytes: some Collection<UInt8>) throws { self = try JSONBody.decode(Self.self, from: bytes) }
}

/// `GET /api/runs/{run}/images?filter=all|unlabeled|labeled|anomalies`.
public struct ImageListRequest: Sendable, Equatable {
    public var filter: ImageFilter

    public init(query q: Query) throws {
        let text = q["filter"] ?? ImageFilter.all.rawValue
        guard let filter = ImageFilter(rawValue: text) else {
            throw RequestError.invalid("unknown filter '\(text)' (expected all, unlabeled, labeled or anomalies)")
        }
        self.filter = filter
    }
}

/// `GET /api/runs/{run}/images/{index}/norm.png?colormap=gray|viridis&scale=image|run`.
public struct NormMapRequest: Sendable, Equatable {
    public enum Colormap: String, Sendable { case gray, viridis }
    /// The largest norm that maps to white: the image's own, or the run's.
    public enum Scale: String, Sendable { case image, run }

    public var colormap: Colormap
    public var scale: Scale

    public init(query q: Query) throws {
        guard let colormap = Colormap(rawValue: q["colormap"] ?? Colormap.gray.rawValue) else {
            throw RequestError.invalid("unknown colormap '\(q["colormap"] ?? "")' (expected gray or viridis)")
        }
        let scaleText = q["scale"] ?? Scale.image.rawValue
        guard let scale = Scale(rawValue: scaleText) else { throw RequestError.invalid("unknown scale '\(scaleText)' (expected image or run)") }
        (self.colormap, self.scale) = (colormap, scale)
    }
}

/// `GET /api/runs/{run}/labels.npy?kind=patch2x2|point`.
public struct LabelExportRequest: Sendable, Equatable {
    public var kind: AnnotationKind
    public init(query q: Query) throws { kind = try q.kind() }
}
