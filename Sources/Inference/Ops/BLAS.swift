import CBLAS
import CKernels
import Dispatch
import Foundation

/// Row-major `C = alpha · op(A) · op(B) + beta · C` with OpenBLAS; C is m×n, the inner dimension k.
///
/// Large products are split in two halves (rows of C, or columns when C has few rows) computed side by
/// side by single-threaded OpenBLAS calls on our own workers, instead of by OpenBLAS's threads: after
/// every threaded call OpenBLAS's idle thread busy-waits for about 0.1 s, and each time the attention or
/// Winograd workers (two single-threaded GEMMs side by side) followed, three threads shared the two
/// cores. With the split, OpenBLAS's threads stay asleep (BENCHMARKS.md, "Own GEMM threads").
@inline(__always)
func gemm(
    transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
    _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0, _ c: UnsafeMutablePointer<Float>, ldc: Int, counted: Bool = true
) {
    if counted { Profile.countGEMM(m: m, n: n, k: k) }
    let threads = ownGEMMThreads ? Int(nl_blas_gemm_threads()) : 1
    if threads > 1, 2 * m * n * k >= splitGEMMMinFlops, max(m, n) >= 2 * splitGEMMAlign {
        splitGEMM(parts: threads, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a, lda: lda, b, ldb: ldb,
                  beta: beta, c, ldc: ldc)
    } else {
        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a, lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc)
    }
}

/// `gemm` as `parts` single-threaded OpenBLAS calls side by side, each on a block of C's rows or of its
/// columns. Every call packs the whole of the operand it shares (B when splitting rows, A when splitting
/// columns), so the split goes along the longer side of C and the smaller operand is the one packed twice.
func splitGEMM(
    parts: Int, transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
    beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int
) {
    let byRows = m >= n
    let ptrs = UnsafeSendable((a, b, c))
    nl_blas_single_threaded_begin()
    defer { nl_blas_single_threaded_end() }
    DispatchQueue.concurrentPerform(iterations: parts) { w in
        let (a, b, c) = ptrs.pointer
        let r = alignedSplit(byRows ? m : n, w, parts)
        guard !r.isEmpty else { return }
        if byRows {
            sgemm(transA: transA, transB: transB, m: r.count, n: n, k: k, alpha: alpha,
                  a + (transA ? r.lowerBound : r.lowerBound * lda), lda: lda, b, ldb: ldb, beta: beta, c + r.lowerBound * ldc, ldc: ldc)
        } else {
            sgemm(transA: transA, transB: transB, m: m, n: r.count, k: k, alpha: alpha,
                  a, lda: lda, b + (transB ? r.lowerBound * ldb : r.lowerBound), ldb: ldb, beta: beta, c + r.lowerBound, ldc: ldc)
        }
    }
}

/// `NORMLAB_OWN_GEMM_THREADS=0` leaves the threading to OpenBLAS, for A/B measurements (BENCHMARKS.md).
let ownGEMMThreads = ProcessInfo.processInfo.environment["NORMLAB_OWN_GEMM_THREADS"] != "0"

/// Below this many flops a product runs on one thread (waking a worker costs more than it saves).
let splitGEMMMinFlops = 1 << 23
/// Split points are multiples of this, so both halves keep whole register tiles of OpenBLAS's kernels.
let splitGEMMAlign = 16

/// Part `k` of `n` parts of 0..<count, boundaries rounded to multiples of `splitGEMMAlign`.
private func alignedSplit(_ count: Int, _ k: Int, _ n: Int) -> Range<Int> {
    func bound(_ i: Int) -> Int { i == n ? count : min(count, (count * i / n + splitGEMMAlign / 2) / splitGEMMAlign * splitGEMMAlign) }
    return bound(k)..<bound(k + 1)
}

/// One `cblas_sgemm` call, row-major.
@inline(__always)
func sgemm(
    transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
    _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0, _ c: UnsafeMutablePointer<Float>, ldc: Int
) {
    cblas_sgemm(
        CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Sets the number of threads OpenBLAS uses for GEMM, once per process (commands do it at start);
/// single-threaded sections (`nl_blas_single_threaded_begin`/`_end`) restore it when the last one ends.
public func configureBLASThreads(_ n: Int) {
    nl_blas_set_threads(Int32(n))
}

/// OpenBLAS's name for the kernel set it picked on this CPU (e.g. "SkylakeX").
public func blasCoreName() -> String { String(cString: openblas_get_corename()) }

/// The `cblas_sgemm` rate on this machine right now (GFLOP/s, median of `calls` calls after one
/// warm-up) for C[m×n] = A[m×k]·B[k×n]: the yardstick for the U-Net's GEMM-heavy layers.
public func measureSGEMM(m: Int, n: Int, k: Int, calls: Int = 5) -> Double {
    let a = [Float](repeating: 0.001, count: m * k), b = [Float](repeating: 0.002, count: k * n)
    var c = [Float](repeating: 0, count: m * n)
    var times: [Double] = []
    for i in 0...calls {
        let t0 = DispatchTime.now().uptimeNanoseconds
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1,
                                ap.baseAddress!, Int32(k), bp.baseAddress!, Int32(n), 0, cp.baseAddress!, Int32(n))
                }
            }
        }
        if i > 0 { times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9) }
    }
    times.sort()
    return 2 * Double(m) * Double(n) * Double(k) / times[times.count / 2] / 1e9
}
