import APIRequests
import Foundation
import Hummingbird
import LabelStore
import NIOCore

/// The `/api` routes (README, "HTTP API"). Every handler decodes its input with `APIRequests`
/// (plain functions, fuzzed in Fuzz/) and lets the store name problems; `ErrorMiddleware` turns
/// them into JSON errors.
struct LabelAPI: Sendable {
    let store: LabelStore
    let features: FeatureCache
    let maxBodyBytes: Int

    func register(on router: Router<LabelContext>) {
        let api = router.group("api")
        /// List runs with their labeling progress.
        api.get("runs") { _, _ in try json(try await store.reading { try $0.runSummaries() }) }
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
        guard let summary = try await store.reading({ try $0.runSummaries() }).first(where: { $0.name == name }) else { throw LabelStoreError.unknownRun(name) }
        return try json(summary)
    }

    @Sendable func images(_ request: Request, _ c: LabelContext) async throws -> Response {
        let filter = try ImageListRequest(query: Query(request)).filter
        let name = try c.parameters.require("run")
        return try json(try await store.reading { try $0.imageSummaries(run: name, filter: filter) })
    }

    @Sendable func normPNG(_ request: Request, _ c: LabelContext) async throws -> Response {
        let (name, index) = try runAndIndex(c)
        let (run, reader) = try await features.norms(run: name)
        try check(index, run)
        let options = try NormMapRequest(query: Query(request))
        let norms = reader.norms(image: index)
        let maximum: Float
        switch options.scale {
        case .image: maximum = norms.max() ?? 0
        case .run: maximum = try await features.runMaximum(run: name)
        }
        let png = try NormMap.png(norms: norms, width: run.width, height: run.height, maximum: maximum, colormap: options.colormap)
        return bytes(png, type: "image/png")
    }

    /// Raw token norms for hover read-outs: row-major, `norms[y * width + x]`.
    @Sendable func norms(_ request: Request, _ c: LabelContext) async throws -> Response {
        let (name, index) = try runAndIndex(c)
        let (run, reader) = try await features.norms(run: name)
        try check(index, run)
        let values = Array(reader.norms(image: index))
        let mean = values.isEmpty ? 0 : values.reduce(0, +) / Float(values.count)
        return try json(NormsBody(width: run.width, height: run.height, max: values.max() ?? 0, mean: mean, norms: values))
    }

    @Sendable func sourceImage(_ request: Request, _ c: LabelContext) async throws -> Response {
        let (name, index) = try runAndIndex(c)
        let run = try await store.reading { try $0.run(named: name) }
        try check(index, run)
        guard let path = try await store.reading({ try $0.imagePath(run: run, index: index) }) else {
            throw RequestError(.notFound, "image \(index) of run '\(name)' has no source image (the dataset is imageless)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RequestError(.notFound, "source image file \(path) is missing")
        }
        let ext = (path as NSString).pathExtension.lowercased()
        return bytes([UInt8](data), type: ext == "png" ? "image/png" : "image/jpeg")
    }

    @Sendable func annotations(_ request: Request, _ c: LabelContext) async throws -> Response {
        let (name, index) = try runAndIndex(c)
        return try json(try await store.reading { try $0.annotations(run: name, image: index) }.map(AnnotationBody.init))
    }

    @Sendable func reviewed(_ request: Request, _ c: LabelContext) async throws -> Response {
        let (name, index) = try runAndIndex(c)
        return try json(ReviewedBody(index: index, reviewed: try await store.reading { try $0.isReviewed(run: name, image: index) }))
    }

    @Sendable func labels(_ request: Request, _ c: LabelContext) async throws -> Response {
        let name = try c.parameters.require("run")
        let kind = try LabelExportRequest(query: Query(request)).kind
        let file = try await store.reading { try $0.exportLabels(run: name, kind: kind) }
        var response = bytes([UInt8](file), type: "application/octet-stream")
        response.headers[.contentDisposition] = "attachment; filename=\"\(name)_\(kind.rawValue).npy\""
        return response
    }

    // MARK: - Writes

    @Sendable func addAnnotation(_ request: Request, _ c: LabelContext) async throws -> Response {
        let (name, index) = try runAndIndex(c)
        let body = try NewAnnotationRequest(json: try await bodyBytes(request))
        let (annotation, created) = try await store.addAnnotation(
            run: name, image: index, x: body.x, y: body.y, kind: body.kind, source: body.source, by: actor(body.annotator, c))
        return try json(AnnotationBody(annotation), status: created ? .created : .ok)
    }

    @Sendable func removeAnnotation(_ request: Request, _ c: LabelContext) async throws -> Response {
        let (name, index) = try runAndIndex(c)
        let place = try PlaceRequest(query: Query(request))
        try await store.removeAnnotation(run: name, image: index, x: place.x, y: place.y, kind: place.kind, by: actor(place.annotator, c))
        return Response(status: .noContent)
    }

    @Sendable func setReviewed(_ request: Request, _ c: LabelContext) async throws -> Response {
        let (name, index) = try runAndIndex(c)
        let body = try ReviewedRequest(json: try await bodyBytes(request))
        try await store.setReviewed(run: name, image: index, reviewed: body.reviewed, by: actor(body.annotator, c))
        return try json(ReviewedBody(index: index, reviewed: body.reviewed))
    }

    // MARK: - Helpers

    func runAndIndex(_ c: LabelContext) throws -> (String, Int) {
        (try c.parameters.require("run"), try integer(c, "index", "image index"))
    }

    /// An integer path parameter, or 400 naming it.
    func integer(_ c: LabelContext, _ key: String, _ what: String) throws -> Int {
        try PathParameter.integer(try c.parameters.require(key), what)
    }

    private func check(_ index: Int, _ run: Run) throws {
        guard (0..<run.imageCount).contains(index) else {
            throw LabelStoreError.imageOutOfRange(run: run.name, index: index, count: run.imageCount)
        }
    }

    func actor(_ annotator: String?, _ c: LabelContext) -> Actor {
        Actor(annotator: annotator ?? "", origin: "http \(c.clientAddress)")
    }

    /// The request body, at most `maxBodyBytes` (413 beyond, from `ErrorMiddleware`).
    func bodyBytes(_ request: Request) async throws -> ByteBufferView {
        try await request.body.collect(upTo: maxBodyBytes).readableBytesView
    }
}

// MARK: - JSON shapes

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

extension Query {
    /// The request's query parameters, the first value of each name.
    init(_ request: Request) {
        self.init(pairs: request.uri.queryParameters.map { (String($0.key), String($0.value)) })
    }
}
