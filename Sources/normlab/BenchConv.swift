import ArgumentParser
import Foundation
import Inference

/// `normlab bench conv`: one 3×3 convolution (seeded random weights) at the given sizes, for tuning the
/// convolution paths on this machine (NORMLAB_WINOGRAD=0 switches Winograd off for an A/B).
struct ConvBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conv",
        abstract: "Time one 3×3 stride-1 convolution per --shapes entry (CIN x COUT x SIDE), seeded random weights.")

    @Option(help: "Comma-separated CINxCOUTxSIDE entries.")
    var shapes = "320x320x64,640x640x32,1280x1280x16,2560x1280x16,1280x1280x32,1280x1280x8,128x128x512,256x256x256,512x512x128"
    @Option(help: "Timed repetitions per shape.") var reps = 5
    @Option(help: "OpenBLAS threads.") var threads = 2
    @Option(help: "Also check the first N output channels against a direct evaluation in Double (0: no check).")
    var check = 0

    func run() throws {
        configureBLASThreads(threads)
        keepFreedMemoryForReuse()
        let random = RandomWeights(seed: 3)
        for shape in shapes.split(separator: ",") {
            let d = shape.split(separator: "x").compactMap { Int($0) }
            guard d.count == 3 else { throw ValidationError("shape \(shape) is not CINxCOUTxSIDE") }
            let (cin, cout, n) = (d[0], d[1], d[2])
            let conv = Conv2d(weight: try random.floats("w", shape: [cout, cin, 3, 3]), bias: try random.floats("b", shape: [cout]),
                              inChannels: cin, outChannels: cout, kernel: 3)
            let x = Tensor(shape: [1, cin, n, n], data: try random.floats("x", shape: [1, cin, n, n]))
            let first = conv(x)
            var times: [Double] = []
            for _ in 0..<reps {
                let t0 = Date()
                _ = conv(x)
                times.append(Date().timeIntervalSince(t0))
            }
            times.sort()
            let flop = 2.0 * Double(cout * cin * 9 * n * n)
            benchLog(String(format: "%@: median %.2f ms, min %.2f ms, %.1f GFLOP/s (direct-convolution FLOPs)", String(shape) as NSString,
                            1e3 * times[reps / 2], 1e3 * times[0], flop / times[reps / 2] / 1e9))
            if check > 0 {
                let err = Self.relativeError(conv, x, first, channels: min(check, cout))
                benchLog(String(format: "%@: max |y − direct| / max |direct| over %d output channels: %.2e", String(shape) as NSString,
                                min(check, cout), err))
            }
        }
    }
}

extension ConvBench {
    /// Max |y − direct| / max |direct| over output channels 0..<channels, the direct evaluation in Double.
    static func relativeError(_ conv: Conv2d, _ x: Tensor, _ y: Tensor, channels: Int) -> Double {
        let (cin, h, w) = (conv.inChannels, x.height, x.width)
        var maxDiff = 0.0, maxRef = 0.0
        for o in 0..<channels {
            for oy in 0..<h {
                for ox in 0..<w {
                    var acc = Double(conv.bias?[o] ?? 0)
                    for c in 0..<cin {
                        for u in 0..<3 where (0..<h).contains(oy + u - 1) {
                            for v in 0..<3 where (0..<w).contains(ox + v - 1) {
                                acc += Double(conv.weight[((o * cin + c) * 3 + u) * 3 + v]) * Double(x.data[(c * h + oy + u - 1) * w + ox + v - 1])
                            }
                        }
                    }
                    maxRef = max(maxRef, abs(acc))
                    maxDiff = max(maxDiff, abs(Double(y.data[(o * h + oy) * w + ox]) - acc))
                }
            }
        }
        return maxDiff / maxRef
    }
}
