import FeatureStore

/// Similarity maps (the paper's Fig. 1): the cosine of one picked token to every token of an image.
extension Detection {
    /// A picked token: image `image`, column `x`, row `y`.
    public struct TokenQuery: Sendable, Equatable {
        public var image: Int, x: Int, y: Int
        public init(image: Int, x: Int, y: Int) { self.image = image; self.x = x; self.y = y }
    }

    /// Refuses a query or target outside the run, naming the coordinate and the valid range.
    public static func check(_ q: TokenQuery, targets: [Int], in shape: FeatureShape) throws {
        for image in [q.image] + targets where !(0..<shape.count).contains(image) {
            throw Failure(description: "image \(image) is outside the run (images 0…\(shape.count - 1))")
        }
        guard (0..<shape.width).contains(q.x) else { throw Failure(description: "x \(q.x) is outside the grid (x 0…\(shape.width - 1))") }
        guard (0..<shape.height).contains(q.y) else { throw Failure(description: "y \(q.y) is outside the grid (y 0…\(shape.height - 1))") }
    }

    /// The cosine of the picked token to every token of each image of `targets` (torch's definition,
    /// through the one scorer): the token is the "prototype", so each target image costs one GEMV.
    public static func similarity(features: FeatureReader, query q: TokenQuery, targets: [Int]) throws -> [SimilarityMap] {
        try check(q, targets: targets, in: features.shape)
        let token = features.token(image: q.image, x: q.x, y: q.y)
        return try targets.map { j in try score(features: features, prototypes: [token], images: j ..< j + 1, threads: 1)[0] }
    }
}
