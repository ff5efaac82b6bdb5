import Domain

// The suggestion review routes' inputs (README, "HTTP API").

/// `POST /api/runs/{run}/suggestion-sets`: `{"prototype": ID, "threshold": T, "unit"?: "patch"|"token", "from"?: K}`.
public struct NewSuggestionSetRequest: Sendable, Equatable {
    public var prototype: Int64
    public var threshold: Float
    public var unit: DetectionUnit
    /// The first image to scan (0 when absent); checked against the run by the route.
    public var from: Int

    private struct Body: Decodable { var prototype: Int64, threshold: Float, unit: String?, from: Int? }

    public init(json bytes: some Collection<UInt8>) throws {
        let body = try JSONBody.decode(Body.self, from: bytes)
        let unitText = body.unit ?? DetectionUnit.patch.rawValue
        guard let unit = DetectionUnit(rawValue: unitText) else { throw RequestError.invalid("unknown unit '\(unitText)' (expected patch or token)") }
        guard (-1...1).contains(body.threshold) else { throw RequestError.invalid("threshold \(body.threshold) is outside [-1, 1]") }
        (prototype, threshold, self.unit, from) = (body.prototype, body.threshold, unit, body.from ?? 0)
    }
}

/// `POST /api/suggestion-sets/{set}/images/{index}/decisions`: `{"x", "y", "kind"?, "decision": "accept"|"reject", "annotator"?}`.
public struct DecisionRequest: Sendable, Equatable {
    public var x: Int, y: Int
    public var kind: AnnotationKind
    public var decision: SuggestionDecision
    public var annotator: String?

    private struct Body: Decodable { var x: Int, y: Int, kind: String?, decision: String, annotator: String? }

    public init(json bytes: some Collection<UInt8>) throws {
        let body = try JSONBody.decode(Body.self, from: bytes)
        guard let decision = SuggestionDecision(rawValue: body.decision) else {
            throw RequestError.invalid("unknown decision '\(body.decision)' (expected accept or reject)")
        }
        (x, y, self.decision, annotator) = (body.x, body.y, decision, body.annotator)
        kind = try AnnotationKind.parse(body.kind ?? AnnotationKind.patch2x2.rawValue)
    }
}

/// `GET /api/suggestion-sets/{set}/next?after=N`: the image to start after (-1, before the first, when absent).
public struct NextPendingRequest: Sendable, Equatable {
    public var after: Int
    public init(query q: Query) throws { after = try q.optionalInt("after") ?? -1 }
}
