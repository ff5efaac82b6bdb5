import Detector
import Dispatch
import Foundation
import Hummingbird
import LabelStore

/// Suggestions to review in the labeler (README, "HTTP API"): create a set from a recorded prototype,
/// list sets, one image's suggestions with its TP/FP/FN marks, accept/reject/undo, next image to review.
struct SuggestionAPI: Sendable {
    let api: LabelAPI
    var store: LabelStore { api.store }

    func register(on router: Router<LabelContext>) {
        let g = router.group("api")
        /// A run's sets, newest first, with review counts.
        g.get("runs/:run/suggestion-sets", use: sets)
        /// Detect and record a set: {"prototype": ID, "threshold": T, "unit": "patch"|"token", "from": K}.
        g.post("runs/:run/suggestion-sets", use: create)
        g.get("suggestion-sets/:set", use: set)
        /// One image: suggestions (pending, accepted, labelled) and TP/FP/FN marks of the set's detections.
        g.get("suggestion-sets/:set/images/:index", use: image)
        /// The next image after `after` with pending suggestions: {"image": N} or {"image": null}.
        g.get("suggestion-sets/:set/next", use: next)
        /// {"x", "y", "kind", "decision": "accept"|"reject", "annotator"}; 409 when decided the other way.
        g.post("suggestion-sets/:set/images/:index/decisions", use: decide)
        /// Undo: `?x=&y=&kind=`.
        g.delete("suggestion-sets/:set/images/:index/decisions", use: undo)
    }

    struct NewSet: Decodable { var prototype: Int64, threshold: Float, unit: String?, from: Int? }
    struct Decision: Decodable { var x: Int, y: Int, kind: String?, decision: String, annotator: String? }
    /// `{"image": null}` when nothing is pending (JSONEncoder would drop the key).
    struct NextBody: Encodable {
        var image: Int?
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(image, forKey: .image)
        }
        enum CodingKeys: CodingKey { case image }
    }

    /// Marks of one image, tokens or patches as [x, y]: TP = detected and labelled, FP = detected only,
    /// FN = labelled only (labels expanded to tokens for the token unit).
    struct ImageBody: Codable {
        var image: Int, unit: String, suggestions: [Suggestion], tp: [[Int]], fp: [[Int]], fn: [[Int]]
    }

    @Sendable func sets(_ request: Request, _ c: LabelContext) async throws -> Response {
        try json(try store.suggestionSets(run: try c.parameters.require("run")))
    }

    @Sendable func set(_ request: Request, _ c: LabelContext) async throws -> Response {
        try json(try store.suggestionSet(id: try setID(c)))
    }

    @Sendable func create(_ request: Request, _ c: LabelContext) async throws -> Response {
        let name = try c.parameters.require("run")
        let body = try await api.decode(NewSet.self, request)
        let unit = body.unit ?? DetectionUnit.patch.rawValue
        guard let u = DetectionUnit(rawValue: unit) else { throw APIError(.badRequest, "unknown unit '\(unit)' (expected patch or token)") }
        guard (-1...1).contains(body.threshold) else { throw APIError(.badRequest, "threshold \(body.threshold) is outside [-1, 1]") }
        let (run, reader) = try await api.features.reader(run: name)
        let from = body.from ?? 0
        guard (0..<run.imageCount).contains(from) else { throw APIError(.badRequest, "from \(from) is outside the run's images 0…\(run.imageCount - 1)") }
        let e = try EvaluatedRun.resolve(run: run, features: reader, catalog: store, prototypes: .id(body.prototype), images: .from(from))
        let record = e.prototypes[0]
        guard record.vector.count == run.channels else {
            throw APIError(.badRequest, "prototype \(body.prototype) has \(record.vector.count) channels, run '\(name)' has \(run.channels)")
        }
        // Scoring a large run takes seconds: keep it off the server's cooperative threads.
        let found = try await offloaded { Detection.suggestions(try e.score()[0], threshold: body.threshold, unit: u) }
        let set = try await store.createSuggestionSet(run: name, prototypeID: body.prototype, prototypeFile: nil, threshold: body.threshold,
                                                      unit: u, suggestions: found)
        return try json(set, status: .created)
    }

    @Sendable func image(_ request: Request, _ c: LabelContext) async throws -> Response {
        let id = try setID(c)
        let index = try imageIndex(c)
        let set = try store.suggestionSet(id: id)
        let all = try store.suggestions(set: id, image: index, includeRejected: true)
        let annotations = try store.annotations(run: set.run, image: index)
        let marks = Self.marks(detected: all, annotations: annotations, unit: set.detectionUnit ?? .patch)
        let pair = { (cells: [GridCell]) in cells.map { [$0.x, $0.y] } }
        return try json(ImageBody(image: index, unit: set.unit, suggestions: all.filter { $0.reviewState != .rejected },
                                  tp: pair(marks.tp), fp: pair(marks.fp), fn: pair(marks.fn)))
    }

    @Sendable func next(_ request: Request, _ c: LabelContext) async throws -> Response {
        let q = request.uri.queryParameters
        let after = q.get("after") == nil ? -1 : try api.intQuery(q, "after")
        return try json(NextBody(image: try store.nextImageWithPendingSuggestions(set: try setID(c), after: after)))
    }

    @Sendable func decide(_ request: Request, _ c: LabelContext) async throws -> Response {
        let (id, index) = (try setID(c), try imageIndex(c))
        let body = try await api.decode(Decision.self, request)
        guard let decision = SuggestionDecision(rawValue: body.decision) else {
            throw APIError(.badRequest, "unknown decision '\(body.decision)' (expected accept or reject)")
        }
        let s = try await store.decideSuggestion(set: id, image: index, x: body.x, y: body.y, kind: try AnnotationKind.parse(body.kind ?? "patch2x2"),
                                                 accept: decision == .accept, by: api.actor(body.annotator, c))
        return try json(s)
    }

    @Sendable func undo(_ request: Request, _ c: LabelContext) async throws -> Response {
        let (id, index) = (try setID(c), try imageIndex(c))
        let q = request.uri.queryParameters
        try await store.undoSuggestionDecision(set: id, image: index, x: try api.intQuery(q, "x"), y: try api.intQuery(q, "y"),
                                               kind: try AnnotationKind.parse(q.get("kind") ?? "patch2x2"), by: api.actor(q.get("annotator"), c))
        return Response(status: .noContent)
    }

    /// TP/FP/FN of the set's detections in one image, in token coordinates (a patch by its upper-left
    /// token): patches against labelled patches, or tokens against the labels' tokens (`DetectionUnit.places`).
    static func marks(detected: [Suggestion], annotations: [Annotation], unit: DetectionUnit) -> Marks {
        let truth = Set(annotations.flatMap { unit.places(of: $0.kind, x: $0.x, y: $0.y) })
        return Marks(detected: Set(detected.map { GridCell(x: $0.x, y: $0.y) }), truth: truth)
    }

    private func setID(_ c: LabelContext) throws -> Int64 { Int64(try api.integer(c, "set", "suggestion set id")) }

    private func imageIndex(_ c: LabelContext) throws -> Int { try api.integer(c, "index", "image index") }
}

/// Runs CPU-heavy work on a Dispatch thread and awaits it.
func offloaded<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global(qos: .userInitiated).async { continuation.resume(with: Result { try work() }) }
    }
}
