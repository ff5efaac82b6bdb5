import APIRequests
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
        var image: Int, unit: DetectionUnit, suggestions: [Suggestion], tp: [[Int]], fp: [[Int]], fn: [[Int]]
    }

    @Sendable func sets(_ request: Request, _ c: LabelContext) async throws -> Response {
        let name = try c.parameters.require("run")
        return try json(try await store.reading { try $0.suggestionSets(run: name) })
    }

    @Sendable func set(_ request: Request, _ c: LabelContext) async throws -> Response {
        let id = try setID(c)
        return try json(try await store.reading { try $0.suggestionSet(id: id) })
    }

    @Sendable func create(_ request: Request, _ c: LabelContext) async throws -> Response {
        let name = try c.parameters.require("run")
        let body = try NewSuggestionSetRequest(json: try await api.bodyBytes(request))
        let (u, from) = (body.unit, body.from)
        let (run, reader) = try await api.features.reader(run: name)
        guard (0..<run.imageCount).contains(from) else { throw RequestError(.validation, "from \(from) is outside the run's images 0…\(run.imageCount - 1)") }
        let e = try EvaluatedRun.resolve(run: run, features: reader, catalog: store, prototypes: .id(body.prototype), images: .from(from))
        let record = e.prototypes[0]
        guard record.vector.count == run.channels else {
            throw RequestError(.validation, "prototype \(body.prototype) has \(record.vector.count) channels, run '\(name)' has \(run.channels)")
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
        let (set, all, annotations) = try await store.reading { s in
            let set = try s.suggestionSet(id: id)
            return (set, try s.suggestions(set: id, image: index, includeRejected: true), try s.annotations(run: set.run, image: index))
        }
        let marks = Self.marks(detected: all, annotations: annotations, unit: set.unit)
        let pair = { (cells: [GridCell]) in cells.map { [$0.x, $0.y] } }
        return try json(ImageBody(image: index, unit: set.unit, suggestions: all.filter { $0.state != .rejected },
                                  tp: pair(marks.tp), fp: pair(marks.fp), fn: pair(marks.fn)))
    }

    @Sendable func next(_ request: Request, _ c: LabelContext) async throws -> Response {
        let after = try NextPendingRequest(query: Query(request)).after
        let id = try setID(c)
        return try json(NextBody(image: try await store.reading { try $0.nextImageWithPendingSuggestions(set: id, after: after) }))
    }

    @Sendable func decide(_ request: Request, _ c: LabelContext) async throws -> Response {
        let (id, index) = (try setID(c), try imageIndex(c))
        let body = try DecisionRequest(json: try await api.bodyBytes(request))
        let s = try await store.decideSuggestion(set: id, image: index, x: body.x, y: body.y, kind: body.kind,
                                                 decision: body.decision, by: api.actor(body.annotator, c))
        return try json(s)
    }

    @Sendable func undo(_ request: Request, _ c: LabelContext) async throws -> Response {
        let (id, index) = (try setID(c), try imageIndex(c))
        let place = try PlaceRequest(query: Query(request))
        try await store.undoSuggestionDecision(set: id, image: index, x: place.x, y: place.y, kind: place.kind, by: api.actor(place.annotator, c))
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

extension LabelStore {
    /// Runs the store's synchronous reads on a Dispatch thread: a read blocks while SQLite works and
    /// while it waits for a free reader connection, which must not stall the server's own threads.
    func reading<T: Sendable>(_ read: @escaping @Sendable (LabelStore) throws -> T) async throws -> T {
        try await offloaded { try read(self) }
    }
}

/// Runs CPU-heavy work on a Dispatch thread and awaits it.
func offloaded<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global(qos: .userInitiated).async { continuation.resume(with: Result { try work() }) }
    }
}
