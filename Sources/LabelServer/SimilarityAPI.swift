import APIRequests
import Charts
import Detector
import FeatureStore
import Hummingbird
import ImageIO
import LabelStore

/// Similarity maps (README, "HTTP API"): the cosine of token (x, y) of image i to every token of
/// image `to` (default i), as JSON values or as a PNG in a fixed [-1, 1] colour scale.
struct SimilarityAPI: Sendable {
    let api: LabelAPI

    func register(on router: Router<LabelContext>) {
        let g = router.group("api")
        /// `?x=&y=&to=j` → {"width","height","image","to","x","y","values"}: float32, row-major.
        g.get("runs/:run/images/:index/similarity", use: values)
        /// The same as one pixel per token, `colormap=diverging|gray`, -1…1.
        g.get("runs/:run/images/:index/similarity.png", use: png)
        /// The colour map itself, 256 × 1 pixels from -1 (left) to 1 (right), for a scale bar.
        g.get("colormaps/:name", use: colormapPNG)
    }

    typealias Colormap = SimilarityRequest.Colormap

    struct Body: Codable {
        var width: Int, height: Int, image: Int, to: Int, x: Int, y: Int, values: [Float]
    }

    @Sendable func values(_ request: Request, _ c: LabelContext) async throws -> Response {
        let (_, query, to, map) = try await similarity(request, c)
        return try json(Body(width: map.width, height: map.height, image: query.image, to: to, x: query.x, y: query.y, values: map.values))
    }

    @Sendable func png(_ request: Request, _ c: LabelContext) async throws -> Response {
        let (q, _, _, map) = try await similarity(request, c)
        let pixels = map.values.flatMap { Self.rgb($0, q.colormap) }
        return bytes(try PNG.encode(Image8(width: map.width, height: map.height, channels: 3, pixels: pixels)), type: "image/png")
    }

    @Sendable func colormapPNG(_ request: Request, _ c: LabelContext) async throws -> Response {
        let file = try c.parameters.require("name")
        guard file.hasSuffix(".png") else { throw APIError(.notFound, "no colour map '\(file)' (expected diverging.png or gray.png)") }
        let colormap = try SimilarityRequest.colormap(String(file.dropLast(4)))
        let pixels = (0..<256).flatMap { Self.rgb(Float(-1 + 2 * Double($0) / 255), colormap) }
        return bytes(try PNG.encode(Image8(width: 256, height: 1, channels: 3, pixels: pixels)), type: "image/png")
    }

    static func rgb(_ v: Float, _ colormap: Colormap) -> [UInt8] {
        switch colormap {
        case .diverging: Palette.divergingRGB(Double(v))
        case .gray: [UInt8](repeating: NormMap.level(v + 1, 2), count: 3)
        }
    }

    /// Parses and checks the query (unknown run or image: 404; bad coordinates: 400), then scores off
    /// the server's threads.
    private func similarity(_ request: Request, _ c: LabelContext) async throws -> (SimilarityRequest, Detection.TokenQuery, Int, SimilarityMap) {
        let (name, index) = try api.runAndIndex(c)
        let q = try SimilarityRequest(query: Query(request))
        let to = q.to ?? index
        let (run, reader) = try await api.features.reader(run: name)
        for image in [index, to] where !(0..<run.imageCount).contains(image) {
            throw LabelStoreError.imageOutOfRange(run: run.name, index: image, count: run.imageCount)
        }
        let query = Detection.TokenQuery(image: index, x: q.x, y: q.y)
        let map = try await offloaded {
            do {
                return try Detection.similarity(features: reader, query: query, targets: [to])[0]
            } catch let e as Detection.Failure {
                throw APIError(.badRequest, e.description)
            }
        }
        return (q, query, to, map)
    }
}
