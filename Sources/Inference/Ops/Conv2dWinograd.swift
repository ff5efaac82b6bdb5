import CBLAS
import CKernels
import Dispatch
import Foundation

/// 3×3 stride-1 "same" convolutions by Winograd F(2×2, 3×3): 16 GEMMs of (out × in)·(in × tiles)
/// replace one of (out × 9·in)·(9·in × pixels), 2.25× fewer multiplications. The transforms (only
/// 0, ±1, ±½) live in C (`winograd.c`); the input is transformed band by band of tile rows so the
/// transformed tiles stay in cache, and a GroupNorm (+ SiLU) before the convolution is applied while
/// transforming. Two workers split the input channels for the input transform and the output
/// channels for the GEMMs and the output transform, each with single-threaded GEMMs (OpenBLAS's own
/// threads would spin while the other worker transforms).
extension Conv2d {
    /// Where this path wins on the project's 2-core AVX2 machines (`normlab bench conv`, BENCHMARKS.md):
    /// at least 16×16 tiles and 320 input channels. Below, the GEMMs get too narrow (16² × 1280 channels:
    /// 114 ms vs 92 ms with im2col) or the transforms dominate (512² × 128 channels: 849 vs 701 ms).
    static let winogradMinSide = 32
    static let winogradMinChannels = 320

    /// Transformed input + products per band (floats): about 16 MB, within the shared L3.
    static let winogradBandFloats = 4 << 20

    /// `NORMLAB_WINOGRAD=0` turns the path off, for A/B measurements (BENCHMARKS.md).
    static let winogradEnabled = ProcessInfo.processInfo.environment["NORMLAB_WINOGRAD"] != "0"

    func usesWinograd(height h: Int, width w: Int) -> Bool {
        Self.winogradEnabled && kernel == 3 && stride == 1 && padding == (1, 1, 1, 1) && min(h, w) >= Self.winogradMinSide
            && inChannels >= Self.winogradMinChannels
    }

    func winograd(_ x: UnsafePointer<Float>, height h: Int, width w: Int, into y: UnsafeMutablePointer<Float>,
                  transform: (affine: [(scale: Float, shift: Float)], silu: Bool)? = nil) {
        let (cin, cout) = (inChannels, outChannels)
        let (th, tw) = ((h + 1) / 2, (w + 1) / 2)
        let bandRows = max(1, min(th, Self.winogradBandFloats / (16 * (cin + cout) * tw)))
        let ntMax = bandRows * tw
        let scale = transform?.affine.map(\.scale) ?? [], shift = transform?.affine.map(\.shift) ?? []
        let workers = 2, silu: Int32 = transform?.silu == true ? 1 : 0
        Scratch.with(count: 16 * cout * cin + 16 * (cin + cout) * ntMax) { scratch in
            let ptrs = UnsafeSendable((scratch, x, y))
            nl_blas_single_threaded_begin()
            defer { nl_blas_single_threaded_end() }
            weight.withUnsafeBufferPointer { wb in
                let wp = UnsafeSendable(wb.baseAddress!)
                DispatchQueue.concurrentPerform(iterations: workers) { k in
                    let r = split(cout, k, workers)
                    nl_winograd_weights(wp.pointer, cout, cin, r.lowerBound, r.upperBound, ptrs.pointer.0)
                }
            }
            for ty0 in Swift.stride(from: 0, to: th, by: bandRows) {
                let ty1 = min(th, ty0 + bandRows), nt = (ty1 - ty0) * tw
                scale.withUnsafeBufferPointer { sc in
                    shift.withUnsafeBufferPointer { sh in
                        // Empty arrays may still have a base address: pass nil for "no transform".
                        let aff = UnsafeSendable(sc.isEmpty ? (nil, nil) : (sc.baseAddress, sh.baseAddress))
                        DispatchQueue.concurrentPerform(iterations: workers) { k in
                            let (u, x, _) = ptrs.pointer, r = split(cin, k, workers)
                            nl_winograd_input(x, h, w, cin, r.lowerBound, r.upperBound, ty0, ty1, aff.pointer.0, aff.pointer.1,
                                              silu, u + 16 * cout * cin, nt)
                        }
                    }
                }
                (bias ?? []).withUnsafeBufferPointer { bb in
                    let b = UnsafeSendable(bb.isEmpty ? nil : bb.baseAddress)
                    DispatchQueue.concurrentPerform(iterations: workers) { k in
                        let (u, _, y) = ptrs.pointer, r = split(cout, k, workers)
                        let v = u + 16 * cout * cin, m = v + 16 * cin * nt
                        guard !r.isEmpty else { return }
                        for t in 0..<16 {
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(r.count), Int32(nt), Int32(cin), 1,
                                        u + (t * cout + r.lowerBound) * cin, Int32(cin), v + t * cin * nt, Int32(nt), 0,
                                        m + (t * cout + r.lowerBound) * nt, Int32(nt))
                        }
                        nl_winograd_output(m, cout, nt, r.lowerBound, r.upperBound, ty0, ty1, h, w, b.pointer, y)
                    }
                }
            }
        }
        // Count the direct convolution's arithmetic, so that GFLOP/s compare with other implementations.
        Profile.countGEMM(m: cout, n: h * w, k: 9 * cin)
    }
}

/// Part `k` of `n` nearly equal parts of 0..<count.
@inline(__always)
func split(_ count: Int, _ k: Int, _ n: Int) -> Range<Int> { (count * k / n)..<(count * (k + 1) / n) }
