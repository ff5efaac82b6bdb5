import FeatureStore
import Domain

/// Which mean anomaly token a report compares with, and how it was made (the report says so).
public struct ReportPrototype: Sendable {
    public enum Spec: Sendable {
        /// The newest prototype recorded for the run, else the plain mean of all its labels.
        case newest
        case id(Int64)
        /// A vector from elsewhere (a .npy file); `name` says where.
        case vector([Float], name: String)
    }

    public let vector: [Float]
    public let description: String
    public let id: Int64?
    /// Images 0..<trainImages of `sourceRun` were averaged; a report on that run evaluates the rest.
    public let sourceRun: String?
    public let trainImages: Int?

    /// nil when the spec is `.newest` and the run has neither a recorded prototype nor labels.
    public static func resolve(_ spec: Spec, store: some LabelCatalog, run: Run, features: FeatureReader,
                               patches: [LabelRow], points: [LabelRow]) throws -> ReportPrototype? {
        let p: ReportPrototype
        switch spec {
        case .id(let id):
            p = recorded(try store.prototype(id: id))
        case .vector(let v, let name):
            p = ReportPrototype(vector: v, description: "from \(name)", id: nil, sourceRun: nil, trainImages: nil)
        case .newest:
            if let newest = try store.prototypes(run: run.name).first {
                p = recorded(newest)
            } else if patches.isEmpty && points.isEmpty {
                return nil
            } else {
                let mean = try Prototype.compute(features: features, patches: patches, points: points, trainFraction: 1.0, tokens: .patch)
                p = ReportPrototype(vector: mean.mean,
                                    description: "plain mean of the run's \(mean.tokenCount) labelled tokens (train fraction 1.0; no prototype recorded for this run)",
                                    id: nil, sourceRun: run.name, trainImages: mean.trainImages)
            }
        }
        guard p.vector.count == run.channels else {
            throw RunReport.Failure(description: "the prototype has \(p.vector.count) channels, run '\(run.name)' has \(run.channels)")
        }
        return p
    }

    static func recorded(_ r: PrototypeRecord) -> ReportPrototype {
        ReportPrototype(vector: r.vector,
                        description: "recorded prototype #\(r.id) of run '\(r.run)' (\(r.tokenCount) tokens, \(r.tokens), train fraction \(r.trainFraction): images 0..<\(r.trainImages), \(r.createdAt))",
                        id: r.id, sourceRun: r.run, trainImages: r.trainImages)
    }

    /// First evaluated image: the test split when the prototype was averaged over part of this run,
    /// otherwise every image (a prototype from another run, a file, or all of this run's images).
    public func evaluationStart(run: Run) -> Int {
        guard sourceRun == run.name, let t = trainImages, t < run.imageCount else { return 0 }
        return t
    }
}
