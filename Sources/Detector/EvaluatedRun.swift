import Domain
import FeatureStore

/// Everything an evaluation reads: the run, its features and labels, the prototypes and the evaluated
/// images. Built by `resolve`, the one place that applies the `--prototype` rule (`PrototypeArgument`)
/// and the train/test split (`TrainSplit`), for `detect`, `report`, `suggest` and the server's
/// report and suggestion routes.
public struct EvaluatedRun: Sendable {
    public let run: Run
    public let features: FeatureReader
    public let labels: RunLabels
    public let prototypes: [ResolvedPrototype]
    /// The evaluated images and why (`detect` prints it).
    public let images: Range<Int>
    public let why: String

    public var prototype: ResolvedPrototype? { prototypes.first }

    /// Which prototypes to use.
    public enum Prototypes: Sendable {
        /// `--prototype` arguments, in order.
        case arguments([String])
        case id(Int64)
        /// The run's newest recorded prototype; without one, the plain mean of its labels when
        /// `orLabelMean`, else none.
        case newest(orLabelMean: Bool)
    }

    /// Which images to evaluate.
    public enum Images: Sendable {
        /// Images K..<N.
        case from(Int)
        /// The test split of a prototype averaged over part of this run, else every image; when
        /// `strict`, a prototype of this run made from all its images is refused (nothing left to test)
        /// and files equal to a recorded prototype count as that prototype.
        case testSplit(strict: Bool)
    }

    public static func resolve(run: Run, features: FeatureReader, catalog: some LabelCatalog, prototypes: Prototypes, images: Images) throws -> EvaluatedRun {
        let labels = try RunLabels(catalog: catalog, run: run.name)
        let protos = try resolvePrototypes(prototypes, run: run, features: features, labels: labels, catalog: catalog)
        let (range, why) = try evaluatedImages(images, run: run, prototypes: protos)
        return EvaluatedRun(run: run, features: features, labels: labels, prototypes: protos, images: range, why: why)
    }

    static func resolvePrototypes(_ p: Prototypes, run: Run, features: FeatureReader, labels: RunLabels,
                                  catalog: some LabelCatalog) throws -> [ResolvedPrototype] {
        switch p {
        case .arguments(let texts):
            return try texts.map { text in
                switch try PrototypeArgument(text) {
                case .id(let id): return ResolvedPrototype(recorded: try catalog.prototype(id: id))
                case .file(let path):
                    return try ResolvedPrototype(file: path) { v in try catalog.prototypes(run: run.name).first { $0.vector == v } }
                }
            }
        case .id(let id):
            return [ResolvedPrototype(recorded: try catalog.prototype(id: id))]
        case .newest(let orLabelMean):
            if let newest = try catalog.prototypes(run: run.name).first { return [ResolvedPrototype(recorded: newest)] }
            guard orLabelMean, !labels.isEmpty else { return [] }
            let mean = try Prototype.compute(features: features, patches: labels.patches, points: labels.points, trainFraction: 1.0, tokens: .patch)
            return [ResolvedPrototype(vector: mean.mean,
                                      description: "plain mean of the run's \(mean.tokenCount) labelled tokens (train fraction 1.0; no prototype recorded for this run)",
                                      id: nil, sourceRun: run.name, trainImages: mean.trainImages, label: "the mean of the run's labels")]
        }
    }

    static func evaluatedImages(_ images: Images, run: Run, prototypes: [ResolvedPrototype]) throws -> (Range<Int>, String) {
        let n = run.imageCount
        switch images {
        case .from(let k):
            guard (0..<n).contains(k) else { throw Detection.Failure(description: "--from-index \(k) is past the last image of run '\(run.name)' (\(n - 1))") }
            return (k ..< n, "--from-index \(k)")
        case .testSplit(strict: false):
            let start = prototypes.first?.evaluationStart(run: run) ?? 0
            return (start ..< n, start > 0 ? "the test split" : "every image")
        case .testSplit(strict: true):
            let own = prototypes.compactMap { p in p.record.map { (p, $0) } }.filter { $0.1.run == run.name }
            guard let split = own.max(by: { $0.1.trainImages < $1.1.trainImages }) else {
                return (0 ..< n, "every image (no prototype was made from this run)")
            }
            let (p, record) = split
            guard let start = TrainSplit.testStart(run: run, sourceRun: record.run, trainImages: record.trainImages) else {
                throw Detection.Failure(description: "\(p.label) was made from all \(n) images of run '\(run.name)' (train fraction \(record.trainFraction)): "
                                            + "no test images left; pass --from-index 0 to evaluate it on its own training images")
            }
            return (start ..< n, "the test split of \(p.label) (made from images 0..<\(start) of this run)")
        }
    }

    /// Refuses a prototype whose channel count is not the run's.
    public func checkChannels() throws {
        for p in prototypes where p.vector.count != run.channels {
            throw RunReport.Failure(description: "the prototype has \(p.vector.count) channels, run '\(run.name)' has \(run.channels)")
        }
    }

    /// Similarities of the evaluated images to every prototype, in one pass over the features.
    public func score(progress: (@Sendable (Int) -> Void)? = nil) throws -> [SimilarityMap] {
        try Detection.score(features: features, prototypes: prototypes.map(\.vector), from: images.lowerBound, progress: progress)
    }
}
