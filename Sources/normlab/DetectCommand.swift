import ArgumentParser
import Detector
import Foundation
import LabelStore
import NPYFormat

extension Detection.Unit: ExpressibleByArgument {}

/// `normlab detect`: cosine-threshold sweep of a run against a mean anomaly token.
struct DetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Find anomaly tokens by cosine similarity to a prototype; TP/FP/FN, precision, recall and F1 per threshold.",
        discussion: """
            Every token of every evaluated image (index ≥ --from-index) is compared with the prototype by
            torch's cosine_similarity; a token is detected when its similarity is strictly greater than the
            threshold. Ground truth is the run's labels expanded to tokens (4 per patch, 1 per point).
            --unit patch counts 2×2 blocks at even coordinates whose 4 tokens all pass, against labelled patches.
            Precision (recall, F1) is written as 0 when its denominator is 0.
            Thesis figure: normlab prototype --run imagenet --train-fraction 1.0 -o proto.npy
                           normlab detect --run nyu --prototype proto.npy --thresholds 0.70:0.98:15 -o curve.csv
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(name: .customLong("run"), help: "The run to scan.") var runName: String
    @Option(help: "Prototype .npy (float32 (C,)).") var prototype: String
    @Option(help: "First evaluated image (default 0: every image).") var fromIndex = 0
    @Option(help: "a:b:n (np.linspace) or a comma list.") var thresholds = "0.6:0.99:20"
    @Option(help: "token or patch.") var unit = Detection.Unit.token
    @Option(name: .shortAndLong, help: "Output CSV.") var output: String
    @Option(help: "Also write the curve as JSON.") var json: String?
    @Option(help: "Threshold for --detections.") var at: Float?
    @Option(help: "Write the detections at --at as a label file (int64 (N, 3)).") var detections: String?
    @Option(help: "Also draw the curve as SVG: bars per threshold (TP+FP, TP, FN downward), PR curve, best F1.") var plot: String?

    func run() throws {
        let store = try database.open()
        let r = try store.run(named: runName)
        let (shape, proto) = try NPY.readFloats(path: prototype)
        guard shape.count == 1 else { throw ValidationError("\(prototype): a prototype must have shape (C,), found \(shape)") }
        let thr = try Detection.parseThresholds(thresholds)
        let sims = try Detection.similarities(features: try store.features(of: r), prototype: proto, from: fromIndex)
        let rows = Detection.sweep(similarities: sims, from: fromIndex, width: r.width, height: r.height,
                                   patches: try store.labelRows(run: runName, kind: .patch2x2),
                                   points: try store.labelRows(run: runName, kind: .point), thresholds: thr, unit: unit)
        try Detection.csv(rows).write(toFile: output, atomically: true, encoding: .utf8)
        if let plot { try DetectPlot.write(rows, title: "run '\(runName)': images \(fromIndex)..<\(r.imageCount), \(unit.rawValue) unit", to: plot) }
        if let json {
            let obj = rows.map { ["threshold": Double($0.threshold), "tp": Double($0.tp), "fp": Double($0.fp), "fn": Double($0.fn),
                                  "precision": $0.precision, "recall": $0.recall, "f1": $0.f1] }
            try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]).write(to: URL(fileURLWithPath: json))
        }
        if let detections {
            guard let at else { throw ValidationError("--detections needs --at THRESHOLD") }
            _ = try Detection.parseThresholds("\(at)")
            let found = Detection.detections(similarities: sims, from: fromIndex, width: r.width, height: r.height, threshold: at, unit: unit)
            try NPY.encode(found.flatMap { [Int64($0.image), Int64($0.x), Int64($0.y)] }, shape: [found.count, 3])
                .write(to: URL(fileURLWithPath: detections), options: .atomic)
        }
        let best = rows.max { $0.f1 < $1.f1 }!
        note("run '\(runName)': images \(fromIndex)..<\(r.imageCount), \(rows.count) thresholds; best F1 \(String(format: "%.3f", best.f1)) at \(best.threshold) → \(output)")
    }
}
