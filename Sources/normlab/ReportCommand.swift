import ArgumentParser
import Charts
import Detector
import FeatureStore
import Foundation
import LabelStore

/// `normlab report`: statistics of a run's labels and features, as text and SVG charts.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Statistics of a run's anomaly labels: shares, positions, norms, pairwise cosines, similarity to a prototype.",
        discussion: """
            Writes DIR/report.txt (also printed) and DIR/report.svg. The prototype is --prototype (a recorded id or a
            float32 (C,) .npy), by default the newest one recorded for the run, else the plain mean of all the run's
            labels; the report says which. When the prototype was averaged over part of this run, the similarity
            statistics use the other images (the test split). With --at T, DIR/images/ holds a norm map of every
            evaluated image with true positives (green), false positives (orange) or false negatives (purple) at T,
            linked from DIR/index.html.
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(name: .customLong("run"), help: "The run to describe.") var runName: String
    @Option(help: "A recorded prototype id or a prototype .npy (default: newest recorded, else the mean of the labels).") var prototype: String?
    @Option(help: "Threshold for per-image norm maps with TP/FP/FN marked.") var at: Float?
    @Option(help: "Thresholds of the detection curve: a:b:n or a comma list.") var thresholds = "0.6:0.99:20"
    @Option(help: "Most labelled tokens used for the pairwise cosines (an evenly strided sample beyond).") var maxPairwiseTokens = 4096
    @Option(name: .shortAndLong, help: "Output folder.") var output = "report"

    func run() throws {
        let store = try database.open()
        let r = try store.run(named: runName)
        var options = RunReport.Options()
        options.thresholds = try Detection.parseThresholds(thresholds)
        options.at = at
        options.maxPairwiseTokens = maxPairwiseTokens
        let e = try EvaluatedRun.resolve(run: r, features: try store.features(of: r), catalog: store,
                                         prototypes: prototype.map { EvaluatedRun.Prototypes.arguments([$0]) } ?? .newest(orLabelMean: true), images: .testSplit(strict: false))
        try e.checkChannels()
        let report = try RunReport.compute(e, options: options)
        let features = e.features
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        try report.text.write(toFile: output + "/report.txt", atomically: true, encoding: .utf8)
        try report.svg().write(toFile: output + "/report.svg", atomically: true, encoding: .utf8)
        if let at, let e = report.evaluation { try writeImages(e, at: at, features: features, run: r) }
        print(report.text, terminator: "")
        note("report of run '\(runName)' → \(output)/report.txt, \(output)/report.svg" + (at == nil ? "" : ", \(output)/index.html"))
    }

    /// DIR/images/image_<i>.svg per image with detections, and DIR/index.html listing them.
    private func writeImages(_ e: RunReport.Evaluation, at: Float, features: FeatureReader, run: Run) throws {
        try FileManager.default.createDirectory(atPath: output + "/images", withIntermediateDirectories: true)
        var rows: [String] = []
        for d in e.images {
            let name = String(format: "images/image_%05d.svg", d.image)
            let svg = RunReport.imageSVG(run: run.name, detections: d, norms: Array(features.norms(image: d.image)),
                                         width: run.width, height: run.height, at: at)
            try svg.write(toFile: output + "/" + name, atomically: true, encoding: .utf8)
            rows.append("<tr><td><a href=\"\(name)\">image \(d.image)</a></td><td>\(d.tp.count)</td><td>\(d.fp.count)</td><td>\(d.fn.count)</td></tr>")
        }
        try ReportIndex.html(run: run.name, at: at, rows: rows, total: e.imagesWithDetections)
            .write(toFile: output + "/index.html", atomically: true, encoding: .utf8)
    }
}
