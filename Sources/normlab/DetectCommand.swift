import ArgumentParser
import Detector
import Foundation
import LabelStore
import NPYFormat

extension Detection.Unit: ExpressibleByArgument {}

/// `normlab detect`: cosine-threshold sweep of a run against one or more mean anomaly tokens.
struct DetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Find anomaly tokens by cosine similarity to a prototype; TP/FP/FN, precision, recall and F1 per threshold.",
        discussion: """
            Every token of every evaluated image is compared with the prototype by torch's cosine_similarity;
            a token is detected when its similarity is strictly greater than the threshold. Ground truth is the
            run's labels expanded to tokens (4 per patch, 1 per point). --unit patch counts 2×2 blocks at even
            coordinates whose 4 tokens all pass, against labelled patches. Precision (recall, F1) is written as
            0 when its denominator is 0.

            --prototype is a .npy file (float32 (C,)) or the id of a recorded prototype (`normlab prototype`
            prints it; an integer that is not an existing file is an id). Evaluated images: --from-index K
            (images K..<N) if given; otherwise the test split (index ≥ its train images) when a prototype was
            made from this run (a recorded id of this run, or a .npy equal to one), else every image. Which
            images and why is printed.

            Repeat --prototype to score several in one pass over the features; each then gets its own files,
            numbered in the order given: -o curve.csv → curve-1.csv, curve-2.csv (likewise --json,
            --detections, --per-image). The CSV columns are exactly threshold,tp,fp,fn,precision,recall,f1.

            Sharded (several processes or nodes; normlab slurm detect does all three): --shards N --prepare
            resolves labels, prototypes and images from the database into <output>.shards/plan.json; then the
            same command with --shard I/N for each shard (reads only the plan and the feature files), then
            with --merge (writes the same files one process writes).

            Thesis figure: normlab prototype --run imagenet --train-fraction 1.0      (prints its id, e.g. 1)
                           normlab detect --run nyu --prototype 1 --thresholds 0.70:0.98:15 -o curve.csv
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(name: .customLong("run"), help: "The run to scan.") var runName: String
    @Option(help: "Prototype .npy (float32 (C,)) or recorded prototype id; repeatable.") var prototype: [String]
    @Option(help: "First evaluated image (default: the test split for a prototype of this run, else 0).") var fromIndex: Int?
    @Option(help: "a:b:n (np.linspace) or a comma list.") var thresholds = "0.6:0.99:20"
    @Option(help: "token or patch.") var unit = Detection.Unit.token
    @Option(name: .shortAndLong, help: "Output CSV.") var output: String
    @Option(help: "Also write the curve as JSON.") var json: String?
    @Option(help: "Threshold for --detections.") var at: Float?
    @Option(help: "Write the detections at --at as a label file (int64 (N, 3)).") var detections: String?
    @Option(help: "Also draw the curve as SVG: bars per threshold (TP+FP, TP, FN downward), PR curve, best F1.") var plot: String?
    @Option(help: "Write detections per image and threshold as CSV (image,threshold,detections), e.g. for a run without labels.")
    var perImage: String?

    func validate() throws {
        guard !prototype.isEmpty else { throw ValidationError("give --prototype PROTO.npy or a recorded prototype id") }
        if detections != nil, at == nil { throw ValidationError("--detections needs --at THRESHOLD") }
    }

    @OptionGroup(title: "Sharding (several processes or cluster nodes; see normlab slurm detect)") var sharding: DetectShardOptions

    func run() throws {
        let thr = try Detection.parseThresholds(thresholds)
        if let at { _ = try Detection.parseThresholds("\(at)") }
        // Shards and the merge read the plan, never the database.
        if sharding.merge { return try mergeShards() }
        if !sharding.prepare, let shard = try sharding.shardToRun() { return try detectShard(shard) }
        let e = try evaluatedRun()
        if sharding.prepare, let shards = sharding.shards { return try prepareShards(e, shards: shards) }
        let r = e.run, from = e.images.lowerBound
        note("run '\(runName)': evaluating images \(from)..<\(r.imageCount) (\(r.imageCount - from) images): \(e.why)")
        let progress = r.imageCount - from >= 1000 ? SharedProgress(total: r.imageCount - from, label: "detect") : nil
        let maps = try e.score(progress: progress?.callback)
        progress?.finish()
        if e.labels.isEmpty { note("run '\(runName)' has no labels: TP and FN are 0, every detection counts as FP") }
        let results = maps.map { result($0, labels: e.labels, thresholds: thr) }
        try emit(results, labels: e.prototypes.map(\.label), from: from, imageCount: r.imageCount, thresholds: thr)
    }

    /// One prototype's counts, and the detections and per-image counts when asked for.
    func result(_ map: SimilarityMap, labels: RunLabels, thresholds thr: [Float]) -> DetectionResult {
        DetectionResult(rows: Detection.sweep(map, labels: labels, thresholds: thr, unit: unit),
                     detections: at.map { Detection.detections(map, threshold: $0, unit: unit) },
                     perImage: perImage == nil ? nil : Detection.detectionsPerImage(map, thresholds: thr, unit: unit))
    }

    /// Writes every output file of every prototype (the same for one process and a merge of shards).
    func emit(_ results: [DetectionResult], labels: [String], from: Int, imageCount: Int, thresholds thr: [Float]) throws {
        for (i, (label, res)) in zip(labels, results).enumerated() {
            func file(_ path: String) -> String { numbered(path, i, of: labels.count) }
            try write(res.rows, csv: file(output), json: json.map { file($0) })
            if let plot {
                try DetectPlot.write(res.rows, title: "run '\(runName)': images \(from)..<\(imageCount), \(unit.rawValue) unit, \(label)", to: file(plot))
            }
            if let detections, let found = res.detections {
                try NPY.encode(found.flatMap { [Int64($0.image), Int64($0.x), Int64($0.y)] }, shape: [found.count, 3])
                    .write(to: URL(fileURLWithPath: file(detections)), options: .atomic)
            }
            if let perImage, let counts = res.perImage {
                try perImageCSV(counts, from: from, thresholds: thr).write(toFile: file(perImage), atomically: true, encoding: .utf8)
            }
            let best = res.rows.max { $0.f1 < $1.f1 }!
            note("\(label): best F1 \(String(format: "%.3f", best.f1)) at \(best.threshold) over \(res.rows.count) thresholds → \(file(output))")
        }
    }

    /// The prototypes, labels and evaluated images: --from-index, or the test split of a prototype made
    /// from this run, or every image.
    func evaluatedRun() throws -> EvaluatedRun {
        let store = try database.open()
        let r = try store.run(named: runName)
        do {
            return try EvaluatedRun.resolve(run: r, features: try store.features(of: r), catalog: store, prototypes: .arguments(prototype),
                                            images: fromIndex.map { EvaluatedRun.Images.from($0) } ?? .testSplit(strict: true))
        } catch LabelStoreError.unknownPrototype(let id) {
            throw DetectError("--prototype \(id): no such file, and no recorded prototype with id \(id) (normlab prototype --list shows them)")
        }
    }

    func write(_ rows: [Detection.Row], csv: String, json: String?) throws {
        try Detection.csv(rows).write(toFile: csv, atomically: true, encoding: .utf8)
        guard let json else { return }
        let obj = rows.map { ["threshold": Double($0.threshold), "tp": Double($0.tp), "fp": Double($0.fp), "fn": Double($0.fn),
                              "precision": $0.precision, "recall": $0.recall, "f1": $0.f1] }
        try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]).write(to: URL(fileURLWithPath: json))
    }

    func perImageCSV(_ counts: [[Int]], from: Int, thresholds: [Float]) -> String {
        var text = "image,threshold,detections\n"
        for (i, row) in counts.enumerated() {
            for (t, c) in zip(thresholds, row) { text += "\(from + i),\(t),\(c)\n" }
        }
        return text
    }
}

/// `curve.csv` → `curve-2.csv` for the second of several prototypes; unchanged for a single one.
func numbered(_ path: String, _ index: Int, of count: Int) -> String {
    guard count > 1 else { return path }
    let ext = (path as NSString).pathExtension
    let stem = ext.isEmpty ? path : String(path.dropLast(ext.count + 1))
    return stem + "-\(index + 1)" + (ext.isEmpty ? "" : "." + ext)
}
