import CBLAS
import CKernels
import Dispatch

/// Row-major `C = alpha · op(A) · op(B) + beta · C` with OpenBLAS; C is m×n, the inner dimension k.
@inline(__always)
func gemm(
    transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
    _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0, _ c: UnsafeMutablePointer<Float>, ldc: Int
) {
    Profile.countGEMM(m: m, n: n, k: k)
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
