import ArgumentParser
import Foundation
import Inference
import NPYFormat

/// The options every model benchmark takes, and its set-up: BLAS threads, allocator, timed loading.
struct BenchRunOptions: ParsableArguments {
    @Option(help: "Timed repetitions.") var reps = 3
    @Option(help: "OpenBLAS threads.") var threads = 2
    @Flag(help: "Also measure time per op kind (one extra run).") var profile = false
    @Flag(help: "Print a JSON object as the last line.") var json = false

    var timing: BenchTiming { BenchTiming(reps: reps, profile: profile) }

    /// Configures OpenBLAS and the allocator, then builds or loads the model; returns it and the seconds taken.
    func load<M>(_ body: () throws -> M) rethrows -> (M, Double) {
        configureBLASThreads(threads)
        keepFreedMemoryForReuse()
        let start = Date()
        let model = try body()
        return (model, Date().timeIntervalSince(start))
    }
}

/// The timing protocol shared by `normlab bench unet` and `bench vae`: one warm-up, `reps` timed
/// runs (median and min), GEMM FLOPs per run, peak RSS, and with `profile` one more run timed per
/// op kind beside the live `cblas_sgemm` rate of a large convolution-sized product.
struct BenchTiming {
    var reps: Int
    var profile: Bool

    struct Result {
        var times: [Double]
        var warmup: Double
        var flop: Double
        var perKind: [String: [String: Double]]
        var loadPeak = 0.0
        var median: Double { times.sorted()[times.count / 2] }
        var minimum: Double { times.min() ?? 0 }

        /// The fields every bench prints in its JSON line.
        var json: [String: Any] {
            var obj: [String: Any] = ["median_s": median, "min_s": minimum, "warmup_s": warmup, "gflop": flop / 1e9,
                                      "gflops": flop / 1e9 / median, "peak_rss_mib": peakRSSMiB(), "load_peak_rss_mib": loadPeak, "times_s": times.sorted(),
                                      "blas_core": blasCoreName()]
            if !perKind.isEmpty { obj["profile_s"] = perKind }
            return obj
        }
    }

    /// Call after loading the model: records the loading peak and restarts the peak-RSS count, so that
    /// `peak_rss_mib` is the peak while running (model resident) and `load_peak_rss_mib` the loading peak
    /// (a memory-mapped safetensors file and its copy are both resident for a moment).
    func run(_ once: () throws -> Void) rethrows -> Result {
        let loadPeak = peakRSSMiB()
        resetPeakRSS()
        var result = try measure(once)
        result.loadPeak = loadPeak
        return result
    }

    private func measure(_ once: () throws -> Void) rethrows -> Result {
        func timed() throws -> Double {
            let t0 = Date()
            try once()
            return Date().timeIntervalSince(t0)
        }
        let warmup = try timed()
        Profile.reset(timing: false)
        var times: [Double] = []
        for i in 0..<reps {
            times.append(try timed())
            benchLog(String(format: "  rep %d: %.3f s", i + 1, times.last!))
        }
        let flop = Double(Profile.totalFLOPs) / Double(max(reps, 1))
        var result = Result(times: times, warmup: warmup, flop: flop, perKind: [:])
        benchLog(String(format: "median %.3f s, min %.3f s (warm-up %.3f s), %.1f GFLOP, %.1f GFLOP/s at the median, peak RSS %.0f MiB",
                        result.median, result.minimum, warmup, flop / 1e9, flop / 1e9 / result.median, peakRSSMiB()))
        if profile { result.perKind = try profiled(timed) }
        return result
    }

    private func profiled(_ timed: () throws -> Double) rethrows -> [String: [String: Double]] {
        // The sgemm rate of a 3x3 convolution-sized product, measured now, as the yardstick.
        let sgemm = measureSGEMM(m: 1280, n: 1024, k: 11520)
        Profile.reset(timing: true)
        defer { Profile.reset(timing: false) }
        let total = try timed()
        benchLog(String(format: "per op kind (one more run, %.3f s; cblas_sgemm 1280x1024x11520 now: %.0f GFLOP/s):", total, sgemm))
        var perKind: [String: [String: Double]] = ["sgemm_reference": ["gflops": sgemm], "total": ["seconds": total]]
        for (kind, s, f) in Profile.byKind {
            let rate = s > 0 ? Double(f) / s / 1e9 : 0
            perKind[kind.name] = ["seconds": s, "gflop": Double(f) / 1e9, "gflops": rate]
            benchLog(String(format: "  %-12@ %6.3f s  %5.1f%%  %7.1f GFLOP  %6.1f GFLOP/s%@", kind.name as NSString, s, 100 * s / total,
                            Double(f) / 1e9, rate, (f > 0 ? String(format: "  (%.0f%% of sgemm)", 100 * rate / sgemm) : "") as NSString))
        }
        return perKind
    }
}

/// Linux: sets the process's peak RSS (VmHWM) back to its current RSS (`clear_refs` value 5).
func resetPeakRSS() {
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
}

func benchLog(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}

func printJSONLine(_ obj: [String: Any]) throws {
    print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self))
}

/// A float32 .npy input of the expected shape (benchmarks fed the exact tensors another runtime gets).
func readInputTensor(_ path: String, shape: [Int]) throws -> Tensor {
    let (got, values) = try NPY.readFloats(path: path)
    guard got == shape else { throw ValidationErrorText("\(path) has shape \(got), expected \(shape)") }
    return Tensor(shape: shape, data: values)
}

/// Writes a benchmark's output as float32 .npy when asked (for agreement checks against other runtimes).
func writeOutputTensor(_ t: Tensor, to path: String?) throws {
    if let path { try NPY.write(t.data, shape: t.shape, to: path) }
}

/// A benchmark's refusal or failure, with its message.
struct ValidationErrorText: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
