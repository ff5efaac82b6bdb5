import ArgumentParser
import CKernels
import Detector
import FeatureStore
import Foundation
import LabelStore
import NPYFormat

/// `normlab bench detect`: a 20-threshold sweep over a generated 10,000-image run, against plain reads of the file.
struct DetectBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Time prototype → similarities → 20-threshold sweep on a large generated run, against reading the file.",
        discussion: """
            Generates a run of --images × 1280 channels × 32×32 float16 (10,000 images ≈ 13 GB) with planted 2×2
            anomalies (synthetic: 16 noise backgrounds from SyntheticFeatures, reused in turn, with each image's
            own anomalies planted along one shared direction), labels = the planted patches. Then, alternately
            --rounds times: a plain read() pass over features.npy and a memcpy pass over its memory mapping
            (the references), and the detector pass
            (prototype of images < 0.8·N, cosine similarity of every token of every image, sweep over
            0.6:0.99:20). Reports GB/s of the feature file for both (medians and ratio) and peak RSS (ru_maxrss).
            The generated files are deleted afterwards unless --keep; a --dir holding a kept run is reused.
            Example: swift run -c release normlab bench detect
            """)

    @Option(help: "Images in the generated run.") var images = 10_000
    @Option(help: "Channels per token.") var channels = 1280
    @Option(help: "Folder for the generated run (default: a temporary folder).") var dir: String?
    @Option(help: "Interleaved rounds (read pass, detector pass).") var rounds = 3
    @Option(help: "Threads for the detector.") var threads = 2
    @Flag(help: "Keep the generated files.") var keep = false

    func run() throws {
        let shape = FeatureShape(count: images, channels: channels, height: 32, width: 32)
        let folder = dir ?? NSTemporaryDirectory() + "normlab-bench-detect-\(getpid())"
        let planted = SyntheticFeatures(shape: shape, seed: 7, maxAnomaliesPerImage: 3).anomalies
        let labels = planted.map { LabelRow(image: $0.image, x: $0.x, y: $0.y) }
        let bytes = Double(shape.count * shape.valuesPerImage * 2)
        defer { if !keep { try? FileManager.default.removeItem(atPath: folder) } }
        let t0 = Date()
        let reused = try BenchRun.prepare(folder: folder, shape: shape, planted: planted)
        log(String(format: "%@ %@: %@, %.2f GB float16, %d planted patches (%.0f s)", reused ? "reusing" : "generated", folder,
                   shape.description, bytes / 1e9, labels.count, Date().timeIntervalSince(t0)))
        let features = try FeatureReader(folder: folder)
        log(String(format: "peak RSS after generation: %.0f MiB", maxRSSMiB()))
        var reads: [Double] = [], mapped: [Double] = [], sweeps: [Double] = []
        for round in 1...rounds {  // interleaved: read(), mmap copy, detector
            let r = try BenchRun.readPass(folder + "/" + FeatureFiles.features), m = BenchRun.mappedPass(features)
            let d = try sweepPass(features, labels: labels)
            reads.append(r); mapped.append(m); sweeps.append(d.total)
            log(String(format: "round %d: read() %.2f s = %.2f GB/s | mmap copy %.2f s = %.2f GB/s | detector %.2f s = %.2f GB/s (prototype %.2f s, similarities %.2f s, sweep %.2f s)",
                       round, r, bytes / r / 1e9, m, bytes / m / 1e9, d.total, bytes / d.total / 1e9, d.parts[0], d.parts[1], d.parts[2]))
        }
        let read = median(reads), map = median(mapped), sweep = median(sweeps), rss = maxRSSMiB()
        let summary = String(format: "medians over %d rounds: read() %.2f GB/s, mmap copy %.2f GB/s, detector %.2f GB/s; detector/read() = %.2f, detector/mmap copy = %.2f; peak RSS %.0f MiB (file %.0f MiB)",
                             rounds, bytes / read / 1e9, bytes / map / 1e9, bytes / sweep / 1e9, read / sweep, map / sweep, rss, bytes / 1048576)
        log(summary)
        print(summary)
    }

    /// Prototype (train split 0.8) → similarities of all images → sweep; seconds in total and per step.
    func sweepPass(_ features: FeatureReader, labels: [LabelRow]) throws -> (total: Double, parts: [Double]) {
        let thresholds = try Detection.parseThresholds("0.6:0.99:20")
        let t0 = Date()
        let proto = try Prototype.compute(features: features, patches: labels, points: [], trainFraction: 0.8, tokens: .patch)
        let t1 = Date()
        let map = try Detection.score(features: features, prototypes: [proto.mean], from: 0, threads: threads)[0]
        let t2 = Date()
        let rows = Detection.sweep(map, patches: labels, points: [], thresholds: thresholds, unit: .token)
        let t3 = Date()
        let best = rows.max { $0.f1 < $1.f1 }!
        log(String(format: "  best F1 %.4f at %.4f (tp %d, fp %d, fn %d)", best.f1, best.threshold, best.tp, best.fp, best.fn))
        return (t3.timeIntervalSince(t0), [t1.timeIntervalSince(t0), t2.timeIntervalSince(t1), t3.timeIntervalSince(t2)])
    }

    func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }

    func log(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }
}

/// Peak resident set size (getrusage ru_maxrss, KiB on Linux), in MiB.
func maxRSSMiB() -> Double {
    var usage = rusage()
    #if canImport(Glibc)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    return Double(usage.ru_maxrss) / 1024
}
