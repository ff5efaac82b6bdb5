import ArgumentParser
import Detector
import Foundation
import LabelStore

/// `normlab compare`: the anomaly sets of runs over one dataset, pair by pair.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare the anomalies of runs over the same dataset: matched patches, Jaccard index, images with anomalies.",
        discussion: """
            Runs must share a dataset and a token grid (e.g. one dataset at other timesteps, seeds, batch sizes or \
            models). Two anomalies match when they are in the same image and their positions differ by at most \
            --tolerance tokens in x and in y; matching is one-to-one (the largest set of pairs in which no anomaly is \
            used twice), so each pair's Jaccard index is matched / (|A| + |B| − matched). Patches sit on even \
            coordinates: for them ±1 is the exact match and ±2 also counts the 8 neighbouring patches.
            With --source detections, each run's detections at --at over all its images are compared instead of \
            its labels (--prototype once for every run, once per run, or not at all for each run's newest \
            recorded prototype, else the mean of its labels).
            Prints the comparison; with -o DIR also writes DIR/compare.txt, compare.csv, compare.json and \
            compare.svg (the Jaccard matrix over all pairs and the shares of images with anomalies).
            Example: normlab compare --runs sd15,sd21,sdturbo -o compare/
            """)

    enum SourceName: String, ExpressibleByArgument, CaseIterable { case labels, detections }

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Runs to compare, comma separated (at least 2).") var runs: String
    @Option(help: "labels or detections.") var source = SourceName.labels
    @Option(help: "Label kind to compare (labels source): patch2x2 or point.") var kind = AnnotationKind.patch2x2
    @Option(help: "Detections source: a recorded prototype id or a .npy; once for all runs or once per run.") var prototype: [String] = []
    @Option(help: "Detections source: threshold (similarity strictly greater).") var at: Float?
    @Option(help: "Detections source: patch (2×2) or token.") var unit = Detection.Unit.patch
    @Option(help: "Positions may differ by up to this many tokens in x and y: 0, 1 or 2.") var tolerance = 0
    @Option(name: .shortAndLong, help: "Output folder for compare.txt, .csv, .json and .svg.") var output: String?

    func validate() throws {
        if source == .labels && (at != nil || !prototype.isEmpty) { throw ValidationError("--at and --prototype need --source detections") }
        if source == .detections && at == nil { throw ValidationError("--source detections needs --at T (a threshold in [-1, 1])") }
    }

    func run() throws {
        let store = try database.open()
        let names = runs.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let list = try names.map { try store.run(named: $0) }
        let from: RunComparison.Source = source == .labels ? .labels(kind) : .detections(prototypes: prototype, at: at ?? 0, unit: unit)
        let result = try RunComparison.compare(runs: list, catalog: store, features: { try store.features(of: $0) }, source: from, tolerance: tolerance)
        let text = result.text
        if let output {
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            try text.write(toFile: output + "/compare.txt", atomically: true, encoding: .utf8)
            try result.csv.write(toFile: output + "/compare.csv", atomically: true, encoding: .utf8)
            try result.json().write(toFile: output + "/compare.json", atomically: true, encoding: .utf8)
            try result.svg().write(toFile: output + "/compare.svg", atomically: true, encoding: .utf8)
        }
        print(text, terminator: "")
        if let output { note("comparison of \(names.count) runs → \(output)/compare.txt, .csv, .json, .svg") }
    }
}
