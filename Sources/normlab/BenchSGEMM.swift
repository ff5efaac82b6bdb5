import ArgumentParser
import CKernels
import Dispatch
import Foundation
import Inference
import Synchronization

/// `normlab bench sgemm`: the machine's limits that the model benchmarks are measured against.
struct SGEMMBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sgemm",
        abstract: "cblas_sgemm GFLOP/s on the models' large GEMM shapes, and the measured fp32 FMA peak of the cores.",
        discussion: """
            Shapes are M×N×K of C[M×N] = A[M×K]·B[K×N]: 3×3 convolutions as im2col GEMMs (4096×320×2880 at 64²,
            1024×640×5760 at 32², 1024×1280×11520), attention scores at head dim 40 (4096×4096×40) and a square
            reference. The FMA peak runs independent 8-lane FMA chains on every thread at once.
            """)

    @Option(help: "Comma-separated MxNxK shapes.")
    var shapes = "4096x320x2880,1024x640x5760,1024x1280x11520,4096x4096x40,2048x2048x2048"
    @Option(help: "OpenBLAS threads (and FMA-peak threads).") var threads = 2
    @Flag(help: "Print a JSON object as the last line.") var json = false

    func run() throws {
        configureBLASThreads(threads)
        var obj: [String: Any] = ["blas_core": blasCoreName(), "threads": threads]
        var rates: [String: Double] = [:]
        for shape in shapes.split(separator: ",") {
            let d = shape.split(separator: "x").compactMap { Int($0) }
            guard d.count == 3 else { throw ValidationError("shape \(shape) is not MxNxK") }
            let r = measureSGEMM(m: d[0], n: d[1], k: d[2], calls: 7)
            rates[String(shape)] = r
            benchLog(String(format: "cblas_sgemm %@: %.1f GFLOP/s (median of 7 calls)", String(shape) as NSString, r))
        }
        let peak = fmaPeak(threads: threads)
        benchLog(String(format: "FMA peak, %d threads: %.1f GFLOP/s", threads, peak))
        obj["sgemm_gflops"] = rates
        obj["fma_peak_gflops"] = peak
        if json { try printJSONLine(obj) }
    }

    /// Best of 5 rounds of all threads running FMA chains at once (~0.2 s each), summed over threads.
    private func fmaPeak(threads: Int) -> Double {
        var best = 0.0
        for _ in 0..<5 {
            let each = Mutex<[Double]>([])
            DispatchQueue.concurrentPerform(iterations: threads) { _ in
                let r = nl_fma_gflops(50_000_000)
                each.withLock { $0.append(r) }
            }
            best = max(best, each.withLock { $0.reduce(0, +) })
        }
        return best
    }
}
