import CKernels
import FeatureStore
import Domain

/// The mean anomaly token of a run: a plain mean of raw token vectors (no normalisation first, as the
/// thesis does) over the labelled tokens of the training images (index < floor(trainFraction · N)).
public enum Prototype {
    /// Which tokens of a labelled 2×2 patch contribute: all four, or only the labelled upper-left one.
    public enum Tokens: String, Sendable, CaseIterable { case patch, upperLeft = "upper-left" }

    public struct Result: Sendable {
        public let mean: [Float]        // (C,)
        public let tokenCount: Int
        public let trainImages: Int     // images 0..<trainImages were used
        public let patches: [LabelRow]  // the label rows that contributed (training split)
        public let points: [LabelRow]
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// `patches` and `points` are label rows (image, x, y); a point contributes its one token.
    public static func compute(features: FeatureReader, patches: [LabelRow], points: [LabelRow],
                               trainFraction: Double, tokens: Tokens) throws -> Result {
        guard (0...1).contains(trainFraction) else { throw Failure(description: "--train-fraction must be in [0, 1], got \(trainFraction)") }
        let shape = features.shape
        let trainImages = TrainSplit.trainImages(fraction: trainFraction, imageCount: shape.count)
        var cells: [(image: Int, x: Int, y: Int)] = []
        for r in patches where r.image < trainImages {
            let covered = TokenGrid.tokens(of: .patch2x2, x: r.x, y: r.y)
            for c in tokens == .patch ? covered : [covered[0]] { cells.append((r.image, c.x, c.y)) }
        }
        for r in points where r.image < trainImages { cells.append((r.image, r.x, r.y)) }
        guard !cells.isEmpty else {
            throw Failure(description: "no labelled tokens among the \(trainImages) training images (index < floor(\(trainFraction) · \(shape.count))); label some or raise --train-fraction")
        }
        for cell in cells where cell.x >= shape.width || cell.y >= shape.height {
            throw Failure(description: "label (\(cell.image), \(cell.x), \(cell.y)) lies outside the \(shape.width)×\(shape.height) grid")
        }
        let sum = try sumTokens(features, cells: cells)
        return Result(mean: sum.map { Float($0 / Double(cells.count)) }, tokenCount: cells.count, trainImages: trainImages,
                      patches: patches.filter { $0.image < trainImages }, points: points.filter { $0.image < trainImages })
    }

    /// Σ of the cells' token vectors in double, image by image (each image's pages are read once,
    /// then dropped from the mapping so memory stays flat on large runs).
    static func sumTokens(_ features: FeatureReader, cells: [(image: Int, x: Int, y: Int)]) throws -> [Double] {
        let shape = features.shape, plane = shape.tokensPerImage
        var sum = [Double](repeating: 0, count: shape.channels)
        var token = [Float](repeating: 0, count: shape.channels)
        defer { Pages.release(UnsafeRawBufferPointer(features.allFeatures)) }   // what fault-around mapped beyond
        for (image, group) in Dictionary(grouping: cells, by: \.image).sorted(by: { $0.key < $1.key }) {
            guard image < shape.count else { throw Failure(description: "label of image \(image) but the run has \(shape.count) images") }
            let values = features.features(image: image)
            values.withMemoryRebound(to: UInt16.self) { half in
                for cell in group {  // one token = C values strided by H·W
                    nl_f16_to_f32(half.baseAddress! + cell.y * shape.width + cell.x, plane, &token, 1, shape.channels, 1)
                    for c in 0..<shape.channels { sum[c] += Double(token[c]) }
                }
            }
            Pages.release(UnsafeRawBufferPointer(values))
        }
        return sum
    }
}
