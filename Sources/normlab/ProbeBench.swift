import ArgumentParser
import Dispatch
import Experiments
import Foundation
import Inference
import NPYFormat

/// `normlab bench probe`: positional-probe training time per layer on token files.
struct ProbeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Time the positional probe (experiment 3) on one layer's tokens per .npy file.",
        discussion: """
            Each file is one layer's output, images × channels × height × width float32. The probe trains on
            the first int(0.8·N) images with the reference's settings (Adam, batches of 512) and tests on the
            rest; the generator is seeded with 42 per file. Reports the wall time of the whole probe (token
            layout, training, per-epoch testing) and the last epoch's accuracies; with --json the last line is
            one JSON object. Tests/Benchmarks/probe_bench.py writes the files and times PyTorch on the same ones.
            Example: swift run -c release normlab bench probe --features /tmp/probe_64x64x320.npy
            """)

    @Option(help: "Comma-separated .npy feature files, one layer each.") var features: String
    @Option(help: "Training epochs.") var epochs = 5
    @Option(help: "OpenBLAS threads.") var threads = 2
    @Flag(help: "Print a JSON object as the last line.") var json = false

    func run() throws {
        configureBLASThreads(threads)
        var seconds: [String: Double] = [:], accuracies: [String: [Float]] = [:]
        for path in features.split(separator: ",").map(String.init) {
            let (shape, values) = try NPY.readFloats(path: path)
            guard shape.count == 4 else { throw ValidationError("\(path): shape \(shape) is not (N, C, H, W)") }
            var generator = TorchGenerator(seed: 42)
            let start = DispatchTime.now().uptimeNanoseconds
            let result = try values.withUnsafeBufferPointer {
                try PositionProbe.run(features: $0, images: shape[0], channels: shape[1], height: shape[2], width: shape[3],
                                      trainImages: PositionProbe.trainImages(of: shape[0]), epochs: epochs,
                                      batchSize: 512, generator: &generator)
            }
            let s = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            seconds[path] = s
            accuracies[path] = result.last ?? []
            benchLog(String(format: "%@ %@: %.2f s, last-epoch accuracies %@", path as NSString,
                            "\(shape)" as NSString, s, "\(result.last ?? [])" as NSString))
        }
        if json { try printJSONLine(["threads": threads, "seconds": seconds, "accuracies": accuracies.mapValues { $0.map(Double.init) }]) }
    }
}
