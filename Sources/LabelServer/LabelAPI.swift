import Foundation
import Hummingbird
import LabelStore
import NIOCore

/// The `/api` routes (README, "HTTP API"). Every handler validates its input and lets the store
/// name problems; `ErrorMiddleware` turns them into JSON errors.
struct LabelAPI: Sendable {
    let store: LabelStore
    let features: FeatureCache
    let maxBodyBytes: Int

    func register(on router: Router<LabelContext>) {
        let api = router.group("api")
        /// List runs with their labeling progress.
        api.get("runs") { _, _ in try json(try store.runSummaries()) }
        /// One run.
        api.get("runs/:run", use: run)
        /// A run's images, filtered: all | unlabeled | labeled | anomalies.
        api.get("runs/:run/images", use: images)
        api.get("runs/:run/images/:index/norm.png", use: normPNG)
        api.get("runs/:run/images/:index/norms", use: norms)
        api.get("runs/:run/images/:index/image", use: sourceImage)
        api.get("runs/:run/images/:index/annotations", use: annotations)
        api.post("runs/:run/images/:index/annotations", use: addAnnotation)
        api.delete("runs/:run/images/:index/annotations", use: removeAnnotation)
        api.get("runs/:run/images/:index/reviewed", use: reviewed)
        api.put("runs/:run/images/:index/reviewed", use: setReviewed)
        api.get("runs/:run/labels.npy", use: labels)
        ReportAPI(store: store, features: features).register(on: router)
        SuggestionAPI(api: self).register(on: router)
        SimilarityAPI(api: self).register(on: router)
    }

    // MARK: - Reads

    @Sendable func run(_ request: Request, _ c: LabelContext) async throws -> Response {
        let name = try c.parameters.require("run")
        guard let summary = try store.runSummaries().first(where: { $0.name == name }) else { throw LabelStoreError.unknownRun(name) }
        return try json(summary)
    }

    @Sendable func images(_ request: Request, _ c: LabelContext) async throws -> Response {
        let text = request.uri.queryParameters.get("filter") ?? "all"
        guard let filter = ImageFilter(rawValue: text) else {
            throw APIError(.badRequest, "unknown filter '\(text)' (expected all, unlabeled, labeled or anomalies)")
        }
        return try json(try store.imageSummaries(run: try c.parameters.require("run"), filter: filter))
    }

    @Sendable func normPNG(_ request: Request, _ c: LabelContext) async throws -> Response {
        let (name, index) = try runAndIndex(c)
        let (run, reader) = try await features.reader(run: name)
        try check(index, run)
        let q = request.uri.queryParameters
        guard let colormap = NormMap.Colormap(rawValue: q.get("colormap") ?? "gray") else {
            throw APIError(.badRequest, "unknown colormap '\(q.get("colormap") ?? "")' (expected gray or viridis)")
        }
        let norms = reader.norms(image: index)
        let maximum: Float
        switch q.get("scale") ?? "image" {
        case "image": maximum = norms.max() ?? 0
        case "run": maximum = try await features.runMaximum(run: name)
        case let s: throw APIError(.badRequest, "unknown scale '\(s)' (expected image or run)")
        }
        let png = try NormMap.png(norms: norms, width: run.width, height: run.height, maximum: maximum, colormap: colormap)
        return bytes(png, type: "image/png")
    }

    /// Raw token norms for hover read-outs: row-major, `norms[y * width + x]`.
    @Sendable func norms(_ request: Request, _ c: LabelContext) async throws -> Response {
        let (name, index) = try runAndIndex(c)
        let (run, reader) = try await features.reader(run: name)
        try check(index, run)
        let values = Array(reader.norms(image: index))
        let mean = values.isEmpty ? 0 : values.reduce(0, +) / Float(values.count)
        return try json(NormsBody(width: run.width, height: run.height, max: values.max() ?? 0, mean: mean, norms: values))
    }

    @Sendable func sourceImage(_ request: Request, _ c: LabelContext) async throws -> Response {
        let (name, index) = try runAndIndex(c)
        let run = try store.run(named: name)
        try check(index, run)
        guard let path = try store.imagePath(run: run, index: index) else {
            throw APIError(.notFound, "image \(index) of run '\(name)' has no source image (the dataset is imageless)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw APIError(.notFound, "source image file \(path) is missing")
        }
        let ext = (path as NSString).pathExtension.lowercased()
        return bytes([UInt8](data), type: ext == "png" ? "image/png" : "image/jpeg")
    }

    @Sendable func annotations(_ request: Request, _ c: LabelContext) async throws -> Response {
        let (name, index) = try runAndIndex(c)
        return try json(try store.annotations(run: name, image: index).map(AnnotationBody.init))
    }

    @Sendable func reviewed(_ request: Request, _ c: LabelContext) async throws -> Response {
        let (name, index) = try runAndIndex(c)
        return try json(ReviewedBody(index: index, reviewed: try store.isReviewed(run: name, image: index)))
    }

    @Sendable func labels(_ request: Request, _ c: LabelContext) async throws -> Response {
        let name = try c.parameters.require("run")
        let kind = try AnnotationKind.parse(request.uri.queryParameters.get("kind") ?? "patch2x2")
        var response = bytes([UInt8](try store.exportLabels(run: name, kind: kind)), type: "application/octet-stream")
        response.headers[.contentDisposition] = "attachment; filename=\"\(name)_\(kind.rawValue).npy\""
        return response
    }

    // MARK: - Writes

    @Sendable func addAnnotation(_ request: Request, _ c: LabelContext) async throws -> Response {
        let (name, index) = try runAndIndex(c)
        let body = try await decode(NewAnnotation.self, request)
        let kind = try AnnotationKind.parse(body.kind ?? "patch2x2")
        let source = try body.source.map { s in
            guard let v = AnnotationSource(rawValue: s) else { throw APIError(.badRequest, "unknown source '\(s)' (expected manual, import or accepted-suggestion)") }
            return v
        } ?? .manual
        let (annotation, created) = try await store.addAnnotation(
            run: name, image: index, x: body.x, y: body.y, kind: kind, source: source, by: actor(body.annotator, c))
        return try json(AnnotationBody(annotation), status: created ? .created : .ok)
    }

    @Sendable func removeAnnotation(_ request: Request, _ c: LabelContext) async throws -> Response {
        let (name, index) = try runAndIndex(c)
        let q = request.uri.queryParameters
        let x = try intQuery(q, "x"), y = try intQuery(q, "y")
        let kind = try AnnotationKind.parse(q.get("kind") ?? "patch2x2")
        try await store.removeAnnotation(run: name, image: index, x: x, y: y, kind: kind, by: actor(q.get("annotator"), c))
        return Response(status: .noContent)
    }

    @Sendable func setReviewed(_ request: Request, _ c: LabelContext) async throws -> Response {
        let (name, index) = try runAndIndex(c)
        let body = try await decode(ReviewedUpdate.self, request)
        try await store.setReviewed(run: name, image: index, reviewed: body.reviewed, by: actor(body.annotator, c))
        return try json(ReviewedBody(index: index, reviewed: body.reviewed))
    }

    // MARK: - Helpers

    func runAndIndex(_ c: LabelContext) throws -> (String, Int) {
        (try c.parameters.require("run"), try integer(c, "index", "image index"))
    }

    /// An integer path parameter, or 400 naming it.
    func integer(_ c: LabelContext, _ key: String, _ what: String) throws -> Int {
        let text = try c.parameters.require(key)
        guard let value = Int(text) else { throw APIError(.badRequest, "\(what) '\(text)' is not an integer") }
        return value
    }

    private func check(_ index: Int, _ run: Run) throws {
        guard (0..<run.imageCount).contains(index) else {
            throw LabelStoreError.imageOutOfRange(run: run.name, index: index, count: run.imageCount)
        }
    }

    func intQuery(_ q: Parameters, _ key: String) throws -> Int {
        guard let text = q.get(key) else { throw APIError(.badRequest, "missing query parameter '\(key)'") }
        guard let v = Int(text) else { throw APIError(.badRequest, "query parameter \(key)='\(text)' is not an integer") }
        return v
    }

    func actor(_ annotator: String?, _ c: LabelContext) -> Actor {
        Actor(annotator: annotator ?? "", origin: "http \(c.clientAddress)")
    }

    /// Reads at most `maxBodyBytes` (413 beyond) and decodes JSON, naming what is wrong.
    func decode<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        let buffer = try await request.body.collect(upTo: maxBodyBytes)
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let DecodingError.keyNotFound(key, _) {
            throw APIError(.badRequest, "malformed JSON body: missing field '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, ctx), let DecodingError.valueNotFound(_, ctx) {
            let field = ctx.codingPath.map(\.stringValue).joined(separator: ".")
            throw APIError(.badRequest, "malformed JSON body: field '\(field)' has the wrong type (\(ctx.debugDescription))")
        } catch {
            throw APIError(.badRequest, "malformed JSON body: not valid JSON")
        }
    }
}

// MARK: - JSON shapes

struct NewAnnotation: Decodable {
    var x: Int
    var y: Int
    var kind: String?
    var annotator: String?
    var source: String?
}

struct AnnotationBody: Codable {
    var image: Int, x: Int, y: Int, kind: String, annotator: String, source: String, createdAt: String, updatedAt: String
    init(_ a: Annotation) {
        (image, x, y, kind, annotator, source) = (a.imageIndex, a.x, a.y, a.kind.rawValue, a.annotator, a.source.rawValue)
        (createdAt, updatedAt) = (a.createdAt, a.updatedAt)
    }
}

struct NormsBody: Codable {
    var width: Int, height: Int, max: Float, mean: Float, norms: [Float]
}

struct ReviewedUpdate: Decodable {
    var reviewed: Bool
    var annotator: String?
}

struct ReviewedBody: Codable {
    var index: Int, reviewed: Bool
}

func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let data = try encoder.encode(value)
    return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

func bytes(_ data: [UInt8], type: String) -> Response {
    Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}
