import Domain
import FeatureStore

extension RunComparison {
    /// Where each run's anomalies come from.
    public enum Source: Sendable {
        /// The run's labels of one kind.
        case labels(AnnotationKind)
        /// The detector's detections at threshold `at` over every image of the run, in `unit`
        /// (patch: 2×2 patches, compared with patch labels; token: single tokens, like points).
        /// `prototypes`: `--prototype` arguments, none (each run's newest recorded prototype, else the
        /// mean of its labels), one (for every run) or one per run.
        case detections(prototypes: [String], at: Float, unit: DetectionUnit)
    }

    /// Compares `runs` (refused unless they share a dataset and a grid) with anomalies from `source`.
    public static func compare(runs: [Run], catalog: some LabelCatalog, features: (Run) throws -> FeatureReader,
                               source: Source, tolerance: Int) throws -> RunComparison {
        guard runs.count >= 2 else { throw Failure(description: "compare needs at least 2 runs, got \(runs.count)") }
        if let name = firstRepeated(runs.map(\.name)) { throw Failure(description: "run '\(name)' is named twice") }
        try checkComparable(runs)
        let imageCount = runs[0].imageCount
        switch source {
        case .labels(let kind):
            let members = try runs.map { Member(name: $0.name, rows: try catalog.labelRows(run: $0.name, kind: kind)) }
            return try RunComparison(members: members, imageCount: imageCount, tolerance: tolerance, kind: kind, source: "labels")
        case .detections(let prototypes, let at, let unit):
            guard (-1...1).contains(at) else { throw Failure(description: "--at \(at) is outside [-1, 1] (cosine similarity)") }
            guard prototypes.count <= 1 || prototypes.count == runs.count else {
                throw Failure(description: "\(prototypes.count) prototypes for \(runs.count) runs: give one for every run, one per run in order, or none")
            }
            let members = try runs.enumerated().map { i, run in
                let choice: EvaluatedRun.Prototypes = prototypes.isEmpty ? .newest(orLabelMean: true) : .arguments([prototypes.count == 1 ? prototypes[0] : prototypes[i]])
                return Member(name: run.name, rows: try detections(run: run, catalog: catalog, features: try features(run), prototype: choice, at: at, unit: unit))
            }
            return try RunComparison(members: members, imageCount: imageCount, tolerance: tolerance, kind: unit.kind,
                                     source: "detections > \(at) (\(unit.rawValue) unit)")
        }
    }

    /// One run's detections at `at` over all its images.
    static func detections(run: Run, catalog: some LabelCatalog, features: FeatureReader, prototype: EvaluatedRun.Prototypes,
                           at: Float, unit: DetectionUnit) throws -> [LabelRow] {
        let e = try EvaluatedRun.resolve(run: run, features: features, catalog: catalog, prototypes: prototype, images: .from(0))
        guard e.prototype != nil else {
            throw Failure(description: "run '\(run.name)' has no recorded prototype and no labels to average; pass --prototype ID|FILE.npy")
        }
        try e.checkChannels()
        return Detection.detections(try e.score()[0], threshold: at, unit: unit)
    }
}
