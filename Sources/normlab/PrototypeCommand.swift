import ArgumentParser
import Detector
import Foundation
import LabelStore
import NPYFormat

extension Prototype.Tokens: ExpressibleByArgument {}

/// `normlab prototype`: the mean anomaly token of a run's labels.
struct PrototypeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prototype",
        abstract: "Average the labelled tokens of a run into a mean anomaly token (float32 (C,) .npy).",
        discussion: """
            A plain mean of the raw token vectors (no normalisation first, as the thesis does): by default all
            4 tokens of every labelled 2×2 patch (--tokens upper-left: only the labelled token); a point label
            contributes its one token. Only training images count: index < floor(train-fraction · N)
            (1.0 = all images). A run without labels in that split is refused.
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(name: .customLong("run"), help: "The run whose labels and features are averaged.") var runName: String
    @Option(help: "Share of images (from index 0) used for the prototype.") var trainFraction = 0.8
    @Option(help: "patch (all 4 tokens of a 2×2 patch) or upper-left.") var tokens = Prototype.Tokens.patch
    @Option(name: .shortAndLong, help: "Output .npy (float32, shape (C,)).") var output: String

    func run() throws {
        let store = try database.open()
        let r = try store.run(named: runName)
        let result = try Prototype.compute(features: try store.features(of: r), patches: try store.labelRows(run: runName, kind: .patch2x2),
                                           points: try store.labelRows(run: runName, kind: .point), trainFraction: trainFraction, tokens: tokens)
        try NPY.write(result.mean, shape: [result.mean.count], to: output)
        let norm = result.mean.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
        note("prototype of run '\(runName)': \(result.tokenCount) tokens from images 0..<\(result.trainImages) of \(r.imageCount), L2 norm \(String(format: "%.3f", norm)) → \(output)")
    }
}
