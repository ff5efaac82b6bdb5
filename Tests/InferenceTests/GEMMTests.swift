import Testing
@testable import Inference

/// The split GEMM (row or column blocks on separate workers) against a direct evaluation in Double:
/// every transpose combination, alpha and beta, leading dimensions wider than the matrices, and sizes
/// whose split points fall off the 16-element alignment.
@Suite struct GEMMTests {
    struct Shape: Sendable, CustomStringConvertible {
        let m, n, k, parts: Int
        let transA, transB: Bool
        var description: String { "\(m)x\(n)x\(k) parts \(parts) tA \(transA) tB \(transB)" }
    }

    static let shapes: [Shape] = [
        Shape(m: 203, n: 75, k: 130, parts: 2, transA: false, transB: true),   // split by rows
        Shape(m: 203, n: 75, k: 130, parts: 3, transA: true, transB: false),
        Shape(m: 70, n: 333, k: 90, parts: 2, transA: true, transB: false),    // more columns than rows: split by columns
        Shape(m: 21, n: 333, k: 90, parts: 2, transA: false, transB: false),   // split by columns
        Shape(m: 21, n: 333, k: 90, parts: 2, transA: true, transB: true),
        Shape(m: 40, n: 40, k: 7, parts: 2, transA: false, transB: true),
    ]

    @Test(arguments: shapes)
    func matchesDirectEvaluation(shape: Shape) throws {
        let (m, n, k) = (shape.m, shape.n, shape.k)
        let (rowsA, colsA) = shape.transA ? (k, m) : (m, k), (rowsB, colsB) = shape.transB ? (n, k) : (k, n)
        let (lda, ldb, ldc) = (colsA + 3, colsB + 5, n + 2)
        let random = RandomWeights(seed: 5)
        let a = try random.floats("a", shape: [rowsA * lda]), b = try random.floats("b", shape: [rowsB * ldb])
        let c0 = try random.floats("c", shape: [m * ldc])
        let (alpha, beta): (Float, Float) = (0.75, 0.5)
        var c = c0
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    splitGEMM(parts: shape.parts, transA: shape.transA, transB: shape.transB, m: m, n: n, k: k, alpha: alpha,
                              ap.baseAddress!, lda: lda, bp.baseAddress!, ldb: ldb, beta: beta, cp.baseAddress!, ldc: ldc)
                }
            }
        }
        var want = c0
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let x = shape.transA ? a[p * lda + i] : a[i * lda + p], y = shape.transB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += Double(x) * Double(y)
                }
                want[i * ldc + j] = Float(Double(alpha) * sum + Double(beta) * Double(c0[i * ldc + j]))
            }
        }
        let cmp = Compare(c, want)
        #expect(cmp.maxAbsDiff <= 1e-5 * cmp.maxAbsRef, "\(shape): \(cmp.maxAbsDiff) of \(cmp.maxAbsRef)")
    }
}
