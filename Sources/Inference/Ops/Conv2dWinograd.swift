import CBLAS
import CKernels
import Dispatch
import Foundation

/// 3×3 stride-1 "same" convolutions by Winograd F(2×2, 3×3) or F(4×4, 3×3): 16 (or 36) GEMMs of
/// (out × in)·(in × tiles) replace one of (out × 9·in)·(9·in × pixels), 2.25× (or 4×) fewer
/// multiplications. The transforms live in C (`winograd.c`, `winograd4.c`); the input is transformed
/// band by band of tile rows so the transformed tiles stay in cache, and a GroupNorm (+ SiLU) before
/// the convolution is applied while transforming. Two workers split the input channels for the input
/// transform and the output channels for the GEMMs and the output transform, each with
/// single-threaded GEMMs (OpenBLAS's own threads would spin while the other worker transforms).
extension Conv2d {
    /// Output tile side of a Winograd variant: F(m×m, 3×3) works on (m + 2)² input tiles.
    public enum WinogradTile: Int, Sendable {
        case f2 = 2, f4 = 4
        /// Transformed tile side m + 2: the number of GEMMs is its square.
        var alpha: Int { rawValue + 2 }
    }

    /// Where Winograd wins on the project's 2-core AVX2 machines (`normlab bench conv`, BENCHMARKS.md).
    /// F(4×4) at sides ≥ 128 with ≥ 128 channels in and out (the VAE's 512²/256²/128² layers: 512² × 128
    /// in 184 ms vs 455 ms with shifted taps, the whole VAE encoder 1.6× faster). F(4×4) also won at the
    /// U-Net's 64² and 32² (320→320 at 64²: 28 vs 31 ms with F(2×2)), but the whole U-Net gained only
    /// 3% while its distance to a float64 run grew from 1.7e-6 to 1.0e-5, so the U-Net keeps F(2×2):
    /// sides ≥ 32 with ≥ 320 input channels. At 16² the per-call weight transform loses to im2col.
    static let winogradMinSide = 32
    static let winogradMinChannels = 320
    static let winograd4MinSide = 128
    static let winograd4MinChannels = 128

    /// Transformed input + products per band (floats): about 16 MB, within the shared L3.
    static let winogradBandFloats = 4 << 20

    /// `NORMLAB_WINOGRAD=0` turns the path off, `=2` / `=4` forces that variant on every eligible
    /// convolution whatever its size, and `NORMLAB_WINOGRAD4=0` keeps the F(2×2) rule but never takes
    /// F(4×4): switches for A/B measurements (BENCHMARKS.md).
    static let winogradSetting = ProcessInfo.processInfo.environment["NORMLAB_WINOGRAD"]
    static let winogradEnabled = winogradSetting != "0"
    static let winograd4Enabled = ProcessInfo.processInfo.environment["NORMLAB_WINOGRAD4"] != "0"

    func usesWinograd(height h: Int, width w: Int) -> Bool { winogradTile(height: h, width: w) != nil }

    /// The Winograd variant for an h × w input, or nil where im2col or shifted taps are faster.
    func winogradTile(height h: Int, width w: Int) -> WinogradTile? {
        guard Self.winogradEnabled, kernel == 3, stride == 1, padding == (1, 1, 1, 1) else { return nil }
        if let forced = Self.winogradSetting.flatMap(Int.init).flatMap(WinogradTile.init) { return forced }
        if Self.winograd4Enabled, min(h, w) >= Self.winograd4MinSide, min(inChannels, outChannels) >= Self.winograd4MinChannels {
            return .f4
        }
        return min(h, w) >= Self.winogradMinSide && inChannels >= Self.winogradMinChannels ? .f2 : nil
    }

    /// `tile` nil: the variant `winogradTile` picks for this size, F(2×2) where it picks none.
    func winograd(_ x: UnsafePointer<Float>, height h: Int, width w: Int, into y: UnsafeMutablePointer<Float>,
                  transform: (affine: [(scale: Float, shift: Float)], silu: Bool)? = nil, tile: WinogradTile? = nil) {
        let tile = tile ?? winogradTile(height: h, width: w) ?? .f2
        let (cin, cout, m, planes) = (inChannels, outChannels, tile.rawValue, tile.alpha * tile.alpha)
        let (th, tw) = ((h + m - 1) / m, (w + m - 1) / m)
        let bandRows = max(1, min(th, Self.winogradBandFloats / (planes * (cin + cout) * tw)))
        let ntMax = bandRows * tw
        let scale = transform?.affine.map(\.scale) ?? [], shift = transform?.affine.map(\.shift) ?? []
        let workers = 2, silu: Int32 = transform?.silu == true ? 1 : 0
        let kernels = WinogradKernels(tile)
        Scratch.with(count: planes * cout * cin + planes * (cin + cout) * ntMax) { scratch in
            let ptrs = UnsafeSendable((scratch, x, y))
            nl_blas_single_threaded_begin()
            defer { nl_blas_single_threaded_end() }
            weight.withUnsafeBufferPointer { wb in
                let wp = UnsafeSendable(wb.baseAddress!)
                DispatchQueue.concurrentPerform(iterations: workers) { k in
                    let r = split(cout, k, workers)
                    kernels.weights(wp.pointer, cout, cin, r.lowerBound, r.upperBound, ptrs.pointer.0)
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
                            kernels.input(x, h, w, cin, r.lowerBound, r.upperBound, ty0, ty1, aff.pointer.0, aff.pointer.1,
                                          silu, u + planes * cout * cin, nt)
                        }
                    }
                }
                (bias ?? []).withUnsafeBufferPointer { bb in
                    let b = UnsafeSendable(bb.isEmpty ? nil : bb.baseAddress)
                    DispatchQueue.concurrentPerform(iterations: workers) { k in
                        let (u, _, y) = ptrs.pointer, r = split(cout, k, workers)
                        let v = u + planes * cout * cin, m = v + planes * cin * nt
                        guard !r.isEmpty else { return }
                        for t in 0..<planes {
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(r.count), Int32(nt), Int32(cin), 1,
                                        u + (t * cout + r.lowerBound) * cin, Int32(cin), v + t * cin * nt, Int32(nt), 0,
                                        m + (t * cout + r.lowerBound) * nt, Int32(nt))
                        }
                        kernels.output(m, cout, nt, r.lowerBound, r.upperBound, ty0, ty1, h, w, b.pointer, y)
                    }
                }
            }
        }
        // Count the direct convolution's arithmetic, so that GFLOP/s compare with other implementations.
        Profile.countGEMM(m: cout, n: h * w, k: 9 * cin)
    }
}

/// The C transforms of one Winograd variant (same signatures for both).
private struct WinogradKernels: Sendable {
    let weights: @Sendable (UnsafePointer<Float>, Int, Int, Int, Int, UnsafeMutablePointer<Float>) -> Void
    let input: @Sendable (UnsafePointer<Float>, Int, Int, Int, Int, Int, Int, Int, UnsafePointer<Float>?, UnsafePointer<Float>?,
                          Int32, UnsafeMutablePointer<Float>, Int) -> Void
    let output: @Sendable (UnsafePointer<Float>, Int, Int, Int, Int, Int, Int, Int, Int, UnsafePointer<Float>?,
                           UnsafeMutablePointer<Float>) -> Void

    init(_ tile: Conv2d.WinogradTile) {
        switch tile {
        case .f2: (weights, input, output) = (nl_winograd_weights, nl_winograd_input, nl_winograd_output)
        case .f4: (weights, input, output) = (Self.winograd4Weights, nl_winograd4_input, nl_winograd4_output)
        }
    }

    /// F(4×4) weight transform u = G g Gᵀ as one GEMM: u (36 × outputs·cin) = K (36 × 9) · gᵀ, with
    /// K[6i + j][3a + b] = G[i][a]·G[j][b]. Much faster than the 6×3 products tile by tile (the GEMM is
    /// bound by writing u), which matters because the weights are transformed on every call.
    static let winograd4Weights: @Sendable (UnsafePointer<Float>, Int, Int, Int, Int, UnsafeMutablePointer<Float>) -> Void = {
        w, cout, cin, o0, o1, u in
        guard o1 > o0 else { return }
        winograd4WeightMatrix.withUnsafeBufferPointer { k in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, 36, Int32((o1 - o0) * cin), 9, 1, k.baseAddress!, 9,
                        w + o0 * cin * 9, 9, 0, u + o0 * cin, Int32(cout * cin))
        }
    }

    /// K = G ⊗ G for F(4×4, 3×3)'s G (the matrix in `winograd4.c`), in Double, rounded once.
    static let winograd4WeightMatrix: [Float] = {
        // Rows of G times 24, so the literals stay integers.
        let g24: [[Double]] = [[6, 0, 0], [-4, -4, -4], [-4, 4, -4], [1, 2, 4], [1, -2, 4], [0, 0, 24]]
        let g: [[Double]] = g24.map { $0.map { $0 / 24 } }
        var k = [Float](repeating: 0, count: 36 * 9)
        for t in 0..<36 {
            for ab in 0..<9 {
                let product: Double = g[t / 6][ab / 3] * g[t % 6][ab % 3]
                k[t * 9 + ab] = Float(product)
            }
        }
        return k
    }()
}

/// Part `k` of `n` nearly equal parts of 0..<count.
@inline(__always)
func split(_ count: Int, _ k: Int, _ n: Int) -> Range<Int> { (count * k / n)..<(count * (k + 1) / n) }
