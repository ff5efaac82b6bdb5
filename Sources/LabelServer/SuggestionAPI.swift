import Detector
import FeatureStore
import Foundation
import Hummingbird
import LabelStore
import NIOCore

/// The suggestion routes (issue 6, "Review in the labeler"; README, "HTTP API"): suggestion sets of a
/// run, per-image suggestions with the TP/FP/FN tokens, accept / reject / undo, next image to review.
struct SuggestionAPI: Sendable {
    let store: LabelStore
    let features: FeatureCache
    let maxBodyBytes: Int

    func register(on router: Router<LabelContext>) {
        let api = router.group("api/runs/:run")
        /// Prototypes whose channel count fits this run (of any run), newest first.
        api.get("prototypes") { r, c in try await guarded { try await prototypes(r, c) } }
        /// The run's suggestion sets with counts, newest first.
        api.get("suggestion-sets") { r, c in try await guarded { try json(try store.suggestionSets(run: c.parameters.require("run"))) } }
        /// Runs the detector on the server and records the detections as a new set.
        api.post("suggestion-sets") { r, c in try await guarded { try await createSet(r, c) } }
        /// One set with counts.
        api.get("suggestion-sets/:set") { r, c in try await guarded { try json(try store.suggestionSet(run: c.parameters.require("run"), id: setID(c))) } }
        /// The next image (after `after`, wrapping around) with pending suggestions: {"index": n | null}.
        api.get("suggestion-sets/:set/next") { r, c in try await guarded { try await next(r, c) } }
        /// One image: pending suggestions, TP/FP/FN tokens, set counts.
        api.get("suggestion-sets/:set/images/:index") { r, c in try await guarded { try await image(r, c) } }
        /// Accept: the place becomes an annotation (source accepted-suggestion). 201, or 200 if already so.
        api.post("suggestion-sets/:set/images/:index/accept") { r, c in try await guarded { try await decide(.accepted, r, c) } }
        /// Reject: recorded, never suggested again in this run. 201, or 200 if already so.
        api.post("suggestion-sets/:set/images/:index/reject") { r, c in try await guarded { try await decide(.rejected, r, c) } }
        /// Undo of an accept or reject (the labeler's Ctrl+Z): the place is pending again.
        api.delete("suggestion-sets/:set/images/:index/decision") { r, c in try await guarded { try await withdraw(r, c) } }
    }

    // MARK: - Handlers

    @Sendable func prototypes(_ request: Request, _ c: LabelContext) async throws -> Response {
        let run = try store.run(named: try c.parameters.require("run"))
        return try json(try store.prototypes().filter { $0.vector.count == run.channels }.map(PrototypeBody.init))
    }

    @Sendable func createSet(_ request: Request, _ c: LabelContext) async throws -> Response {
        let name = try c.parameters.require("run")
        let body = try await decodeBody(NewSetBody.self, request, limit: maxBodyBytes)
        guard let unit = Detection.Unit(rawValue: body.unit ?? "patch") else {
            throw APIError(.badRequest, "unknown unit '\(body.unit ?? "")' (expected token or patch)")
        }
        guard (-1...1).contains(body.threshold) else { throw APIError(.badRequest, "threshold \(body.threshold) is outside [-1, 1] (cosine similarity)") }
        let (run, reader) = try await features.reader(run: name)
        let from = body.fromIndex ?? 0
        guard (0..<run.imageCount).contains(from) else { throw LabelStoreError.imageOutOfRange(run: name, index: from, count: run.imageCount) }
        let proto = try store.prototype(id: body.prototype)
        guard proto.vector.count == run.channels else {
            throw APIError(.badRequest, "prototype \(proto.id) has \(proto.vector.count) channels, run '\(name)' \(run.channels)")
        }
        let threshold = Float(body.threshold)
        // Scoring every token of the run takes seconds on a big run: a thread of its own keeps the
        // server's event loops and the cooperative pool free.
        let rows = try await offloaded {
            let sims = try Detection.similarities(features: reader, prototype: proto.vector, from: from)
            return Detection.suggestionRows(similarities: sims, from: from, width: run.width, height: run.height, threshold: threshold, unit: unit)
        }
        let set = try await store.createSuggestionSet(run: name, prototype: .id(proto.id), threshold: body.threshold,
                                                      unit: unit.suggestionUnit, rows: rows)
        return try json(set, status: .created)
    }

    @Sendable func next(_ request: Request, _ c: LabelContext) async throws -> Response {
        let text = request.uri.queryParameters.get("after") ?? "-1"
        guard let after = Int(text) else { throw APIError(.badRequest, "query parameter after='\(text)' is not an integer") }
        let index = try store.nextImageWithSuggestions(run: try c.parameters.require("run"), set: try setID(c), after: after)
        return try json(NextBody(index: index))
    }

    @Sendable func image(_ request: Request, _ c: LabelContext) async throws -> Response {
        let (name, set, index) = try place(c)
        let body = ImageBody(image: index, set: set, suggestions: try store.pendingSuggestions(run: name, set: set, image: index),
                             classification: try store.classification(run: name, set: set, image: index),
                             counts: try store.suggestionSet(run: name, id: set).counts)
        return try json(body)
    }

    @Sendable func decide(_ decision: SuggestionDecision, _ request: Request, _ c: LabelContext) async throws -> Response {
        let (name, set, index) = try place(c)
        let body = try await decodeBody(DecisionBody.self, request, limit: maxBodyBytes)
        let who = Actor(annotator: body.annotator ?? "", origin: "http \(c.clientAddress)")
        let outcome = decision == .accepted
            ? try await store.acceptSuggestion(run: name, set: set, image: index, x: body.x, y: body.y, by: who)
            : try await store.rejectSuggestion(run: name, set: set, image: index, x: body.x, y: body.y, by: who)
        let reply = DecisionReply(decision: outcome.decision.rawValue, changed: outcome.changed, annotation: outcome.annotation.map(AnnotationBody.init),
                                  counts: try store.suggestionSet(run: name, id: set).counts)
        return try json(reply, status: outcome.changed ? .created : .ok)
    }

    @Sendable func withdraw(_ request: Request, _ c: LabelContext) async throws -> Response {
        let (name, set, index) = try place(c)
        let q = request.uri.queryParameters
        func int(_ key: String) throws -> Int {
            guard let text = q.get(key) else { throw APIError(.badRequest, "missing query parameter '\(key)'") }
            guard let v = Int(text) else { throw APIError(.badRequest, "query parameter \(key)='\(text)' is not an integer") }
            return v
        }
        let who = Actor(annotator: q.get("annotator") ?? "", origin: "http \(c.clientAddress)")
        let withdrawn = try await store.withdrawDecision(run: name, set: set, image: index, x: try int("x"), y: try int("y"), by: who)
        return try json(WithdrawReply(withdrawn: withdrawn, counts: try store.suggestionSet(run: name, id: set).counts))
    }

    // MARK: - Helpers

    private func setID(_ c: LabelContext) throws -> Int64 {
        let text = try c.parameters.require("set")
        guard let id = Int64(text) else { throw APIError(.badRequest, "suggestion set id '\(text)' is not an integer") }
        return id
    }

    private func place(_ c: LabelContext) throws -> (String, Int64, Int) {
        let text = try c.parameters.require("index")
        guard let index = Int(text) else { throw APIError(.badRequest, "image index '\(text)' is not an integer") }
        return (try c.parameters.require("run"), try setID(c), index)
    }
}

/// Maps the detector's and the suggestion store's errors to statuses; the rest goes to ErrorMiddleware.
private func guarded(_ body: () async throws -> Response) async throws -> Response {
    do {
        return try await body()
    } catch let e as SuggestionError {
        switch e {
        case .unknownSet, .notSuggested: throw APIError(.notFound, e.description)
        case .alreadyDecided: throw APIError(.conflict, e.description)
        }
    } catch let e as LabelStoreError {
        if case .unknownPrototype = e { throw APIError(.notFound, e.description) }
        throw e
    } catch let e as Detection.Failure {
        throw APIError(.badRequest, e.description)
    }
}

/// Runs blocking work on a thread of its own and awaits it.
private func offloaded<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}

/// Reads at most `limit` bytes (413 beyond) and decodes JSON, naming what is wrong.
private func decodeBody<T: Decodable>(_ type: T.Type, _ request: Request, limit: Int) async throws -> T {
    let buffer = try await request.body.collect(upTo: limit)
    do {
        return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
    } catch let DecodingError.keyNotFound(key, _) {
        throw APIError(.badRequest, "malformed JSON body: missing field '\(key.stringValue)'")
    } catch let DecodingError.typeMismatch(_, ctx), let DecodingError.valueNotFound(_, ctx) {
        throw APIError(.badRequest, "malformed JSON body: field '\(ctx.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type")
    } catch {
        throw APIError(.badRequest, "malformed JSON body: not valid JSON")
    }
}

// MARK: - JSON shapes

private struct NewSetBody: Decodable {
    var prototype: Int64
    var threshold: Double
    var unit: String?
    var fromIndex: Int?
}

private struct DecisionBody: Decodable {
    var x: Int, y: Int
    var annotator: String?
}

private struct PrototypeBody: Encodable {
    var id: Int64, run: String, tokens: String, trainFraction: Double, trainImages: Int, labelCount: Int, tokenCount: Int
    var filePath: String?, createdAt: String
    init(_ p: PrototypeRecord) {
        (id, run, tokens, trainFraction, trainImages) = (p.id, p.run, p.tokens, p.trainFraction, p.trainImages)
        (labelCount, tokenCount, filePath, createdAt) = (p.labelCount, p.tokenCount, p.filePath, p.createdAt)
    }
}

private struct NextBody: Encodable {
    var index: Int?
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(index, forKey: .index) // null, not a missing key, when nothing is left
    }
    enum CodingKeys: String, CodingKey { case index }
}

private struct ImageBody: Encodable {
    var image: Int, set: Int64, suggestions: [Suggestion], classification: TokenClassification, counts: SuggestionCounts
}

private struct DecisionReply: Encodable {
    var decision: String, changed: Bool, annotation: AnnotationBody?, counts: SuggestionCounts
}

private struct WithdrawReply: Encodable {
    var withdrawn: Bool, counts: SuggestionCounts
}
