import ArgumentParser
import Foundation
import Inference

/// `normlab bench attention`: the attention core alone (no projections) on the U-Net's shapes, the fused
/// kernel and the packed-key scores → softmax → BLAS path interleaved in one process.
struct AttentionBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attention",
        abstract: "Time multi-head attention (fused kernel vs the unfused path, interleaved) per --shapes entry.",
        discussion: """
            Entries are QUERIESxKEYSxHEADSxHEADDIM. The defaults are SD-1.5's at latent 64: self-attention at
            64², 32², 16², 8² and cross-attention to 77 text tokens. Example:
              normlab bench attention --shapes 4096x4096x8x40 --reps 5
            """)

    @Option(help: "Comma-separated QUERIESxKEYSxHEADSxHEADDIM entries.")
    var shapes = "4096x4096x8x40,4096x77x8x40,1024x1024x8x80,1024x77x8x80,256x256x8x160,256x77x8x160,64x64x8x160"
    @Option(help: "Timed rounds per shape (each round times both paths).") var reps = 5
    @Option(help: "OpenBLAS threads (the unfused path's PV GEMM).") var threads = 2

    func run() throws {
        configureBLASThreads(threads)
        keepFreedMemoryForReuse()
        let random = RandomWeights(seed: 5)
        for shape in shapes.split(separator: ",") {
            let d = shape.split(separator: "x").compactMap { Int($0) }
            guard d.count == 4, d.allSatisfy({ $0 > 0 }) else { throw ValidationError("shape \(shape) is not QUERIESxKEYSxHEADSxHEADDIM") }
            let (t, s, heads, dim) = (d[0], d[1], d[2], d[3])
            let q = try random.floats("q", shape: [t, heads * dim]), k = try random.floats("k", shape: [s, heads * dim])
            let v = try random.floats("v", shape: [s, heads * dim])
            let run = { (fused: Bool) in _ = attentionOnTokenMatrices(q: q, k: k, v: v, queries: t, keys: s, heads: heads, headDim: dim, fused: fused) }
            run(true)
            run(false)
            var fused: [Double] = [], unfused: [Double] = []
            for _ in 0..<reps {
                fused.append(Self.seconds { run(true) })
                unfused.append(Self.seconds { run(false) })
            }
            let flop = 4.0 * Double(t * s * heads * dim)
            let (mf, mu) = (Self.median(fused), Self.median(unfused))
            benchLog(String(format: "%@: fused %.2f ms (%.1f GFLOP/s), unfused %.2f ms (%.1f GFLOP/s), unfused/fused %.2f",
                            String(shape) as NSString, 1e3 * mf, flop / mf / 1e9, 1e3 * mu, flop / mu / 1e9, mu / mf))
        }
    }

    private static func seconds(_ body: () -> Void) -> Double {
        let t0 = Date()
        body()
        return Date().timeIntervalSince(t0)
    }

    private static func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
}
