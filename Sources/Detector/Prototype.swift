import FeatureStore
import LabelStore

/// The mean anomaly token of a run: a plain mean of raw token vectors (no normalisation first, as the
/// thesis does) over the labelled tokens of the training images (index < floor(trainFraction · N)).
public enum Prototype {
    /// Which tokens of a labelled 2×2 patch contribute: all four, or only the labelled upper-left one.
    public enum Tokens: String, Sendable, CaseIterable { case patch, upperLeft = "upper-left" }

    public struct Result: Sendable {
        public let mean: [Float]        // (C,)
        public let tokenCount: Int
        public let trainImages: Int     // images 0..<trainImages were used
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// `patches` and `points` are label rows (image, x, y); a point contributes its one token.
    public static func compute(features: FeatureReader, patches: [LabelRow], points: [LabelRow],
                               trainFraction: Double, tokens: Tokens) throws -> Result {
        guard (0...1).contains(trainFraction) else { throw Failure(description: "--train-fraction must be in [0, 1], got \(trainFraction)") }
        let shape = features.shape
        let trainImages = Int((trainFraction * Double(shape.count)).rounded(.down))
        var cells: [(image: Int, x: Int, y: Int)] = []
        for r in patches where r.image < trainImages {
            cells.append((r.image, r.x, r.y))
            if tokens == .patch { cells += [(r.image, r.x + 1, r.y), (r.image, r.x, r.y + 1), (r.image, r.x + 1, r.y + 1)] }
        }
        for r in points where r.image < trainImages { cells.append((r.image, r.x, r.y)) }
        guard !cells.isEmpty else {
            throw Failure(description: "no labelled tokens among the \(trainImages) training images (index < floor(\(trainFraction) · \(shape.count))); label some or raise --train-fraction")
        }
        let plane = shape.height * shape.width
        var sum = [Double](repeating: 0, count: shape.channels)
        for cell in cells {
            guard cell.x < shape.width, cell.y < shape.height else {
                throw Failure(description: "label (\(cell.image), \(cell.x), \(cell.y)) lies outside the \(shape.width)×\(shape.height) grid")
            }
            let values = features.features(image: cell.image)
            let token = cell.y * shape.width + cell.x
            for c in 0..<shape.channels { sum[c] += Double(Float(values[c * plane + token])) }
        }
        return Result(mean: sum.map { Float($0 / Double(cells.count)) }, tokenCount: cells.count, trainImages: trainImages)
    }
}
