import ArgumentParser
import Detector
import Foundation
import LabelStore
import NPYFormat

extension Prototype.Tokens: ExpressibleByArgument {}

/// `normlab prototype`: the mean anomaly token of a run's labels, recorded in the database.
struct PrototypeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prototype",
        abstract: "Average the labelled tokens of a run into a mean anomaly token, record it, and print its id.",
        discussion: """
            A plain mean of the raw token vectors (no normalisation first, as the thesis does): by default all
            4 tokens of every labelled 2×2 patch (--tokens upper-left: only the labelled token); a point label
            contributes its one token. Only training images count: index < floor(train-fraction · N)
            (1.0 = all images). A run without labels in that split is refused.
            The prototype is recorded in the database (run, the label rows used, split, token count, vector,
            the -o file) and its id printed on standard output: `normlab detect --prototype ID` uses it, and
            evaluates a prototype of the same run on the test split (index ≥ train images) by default.
            -o also writes it as float32 (C,) .npy. --list shows the recorded prototypes (of --run, if given).
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(name: .customLong("run"), help: "The run whose labels and features are averaged (with --list: only its prototypes).")
    var runName: String?
    @Option(help: "Share of images (from index 0) used for the prototype.") var trainFraction = 0.8
    @Option(help: "patch (all 4 tokens of a 2×2 patch) or upper-left.") var tokens = Prototype.Tokens.patch
    @Option(name: .shortAndLong, help: "Also write the prototype as .npy (float32, shape (C,)).") var output: String?
    @Flag(help: "List the recorded prototypes instead: id, run, tokens, split, labels, token count, norm, created, file.")
    var list = false

    func run() async throws {
        let store = try database.open()
        if list { return print(try Self.table(store.prototypes(run: runName)), terminator: "") }
        guard let runName else { throw ValidationError("--run is required (or --list)") }
        let r = try store.run(named: runName)
        let result = try Prototype.compute(features: try store.features(of: r), patches: try store.labelRows(run: runName, kind: .patch2x2),
                                           points: try store.labelRows(run: runName, kind: .point), trainFraction: trainFraction, tokens: tokens)
        let path = output.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        if let path { try NPY.write(result.mean, shape: [result.mean.count], to: path) }
        let labels = result.patches.map { (row: $0, kind: AnnotationKind.patch2x2) } + result.points.map { (row: $0, kind: AnnotationKind.point) }
        let record = NewPrototype(run: runName, tokens: tokens.rawValue, trainFraction: trainFraction, trainImages: result.trainImages,
                                  labels: labels, tokenCount: result.tokenCount, vector: result.mean, filePath: path)
        let id: Int64
        do { id = try await store.recordPrototype(record) } catch {
            if let path { try? FileManager.default.removeItem(atPath: path) }  // nothing half-done
            throw error
        }
        print(id)
        note("prototype \(id) of run '\(runName)': \(result.tokenCount) tokens of \(labels.count) labels from images 0..<\(result.trainImages) of \(r.imageCount), L2 norm \(String(format: "%.3f", Self.norm(result.mean)))" + (path.map { " → \($0)" } ?? ""))
    }

    static func norm(_ v: [Float]) -> Double { v.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot() }

    /// Tab-separated, one line per prototype, newest first, with a header line.
    static func table(_ records: [PrototypeRecord]) -> String {
        let header = "id\trun\ttokens\tsplit\tlabels\ttoken_count\tnorm\tcreated\tfile\n"
        return header + records.map { p in
            let split = "0..<\(p.trainImages) (\(p.trainFraction))"
            return "\(p.id)\t\(p.run)\t\(p.tokens)\t\(split)\t\(p.labelCount)\t\(p.tokenCount)\t\(String(format: "%.4f", norm(p.vector)))\t\(p.createdAt)\t\(p.filePath ?? "-")\n"
        }.joined()
    }
}
