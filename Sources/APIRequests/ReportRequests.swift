import Detector
import Domain

// The report routes' query strings (README, "Reports and plots").

/// `?prototype=ID`: a recorded prototype's id (the browser never names server files), or nil.
public func prototypeID(_ q: Query) throws -> Int64? {
    try q["prototype"].map { text in
        guard let id = Int64(text) else { throw RequestError.invalid("prototype '\(text)' is not a recorded prototype id (an integer)") }
        return id
    }
}

/// `GET /api/runs/{run}/report.svg|report.txt?thresholds=`: the report's thresholds, nil for its default.
public struct ReportRequest: Sendable, Equatable {
    public var thresholds: [Float]?
    public init(query q: Query) throws { thresholds = try q["thresholds"].map(Detection.parseThresholds) }
}

/// `GET /api/runs/{run}/curve.svg?thresholds=a:b:n|t1,t2&unit=token|patch&from=K`.
public struct CurveRequest: Sendable, Equatable {
    public var thresholds: [Float]
    public var unit: DetectionUnit
    /// The first scored image; nil for the evaluated images' start.
    public var from: Int?

    public init(query q: Query) throws {
        thresholds = try Detection.parseThresholds(q["thresholds"] ?? "0.6:0.99:20")
        let unitText = q["unit"] ?? DetectionUnit.token.rawValue
        guard let unit = DetectionUnit(rawValue: unitText) else { throw RequestError.invalid("unknown unit '\(unitText)' (expected token or patch)") }
        self.unit = unit
        from = try q.optionalInt("from")
    }
}

/// `GET /api/runs/{run}/images/{index}/detections.svg?at=T`.
public struct ImageDetectionsRequest: Sendable, Equatable {
    public var at: Float

    public init(query q: Query) throws {
        guard let atText = q["at"] else { throw RequestError.invalid("missing query parameter 'at' (a threshold in [-1, 1])") }
        guard let at = Float(atText) else { throw RequestError.invalid("query parameter at='\(atText)' is not a number") }
        self.at = at
    }
}
