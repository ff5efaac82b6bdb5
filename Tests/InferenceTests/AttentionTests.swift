import Foundation
import Testing
@testable import Inference

/// Multi-head attention against a direct evaluation in Double: head dimensions on the packed-key score
/// kernel (40, 8) and on BLAS (200), key counts that are not multiples of the 16-key panels, query
/// counts that are not multiples of the 6-row tile, strided Q/K/V as the fused projections lay them out.
@Suite struct AttentionTests {
    /// softmax(Q Kᵀ / √d) V per head in Double (plain loops over buffers: the tests run in debug builds).
    static func naive(q: [Float], k: [Float], v: [Float], ld: Int, t: Int, s: Int, heads: Int, d: Int) -> [Float] {
        var out = [Float](repeating: 0, count: t * heads * d)
        let scale = 1 / Double(d).squareRoot()
        var e = [Double](repeating: 0, count: s), acc = [Double](repeating: 0, count: d)
        q.withUnsafeBufferPointer { q in
            k.withUnsafeBufferPointer { k in
                v.withUnsafeBufferPointer { v in
                    for h in 0..<heads {
                        for i in 0..<t {
                            for j in 0..<s {
                                var dot = 0.0
                                for c in 0..<d { dot += Double(q[i * ld + h * d + c]) * Double(k[j * ld + h * d + c]) }
                                e[j] = dot * scale
                            }
                            let m = e.max()!
                            var sum = 0.0
                            for j in 0..<s { e[j] = exp(e[j] - m); sum += e[j] }
                            for c in 0..<d { acc[c] = 0 }
                            for j in 0..<s {
                                for c in 0..<d { acc[c] += e[j] * Double(v[j * ld + h * d + c]) }
                            }
                            for c in 0..<d { out[i * heads * d + h * d + c] = Float(acc[c] / sum) }
                        }
                    }
                }
            }
        }
        return out
    }

    @Test(arguments: [(70, 77, 2, 40), (300, 300, 3, 40), (13, 45, 2, 8), (40, 33, 1, 200)])
    func matchesDirectEvaluation(t: Int, s: Int, heads: Int, d: Int) throws {
        try Self.check(t: t, s: s, heads: heads, d: d, fused: true, keyGrowth: 0)
    }

    /// The fused kernel and the unfused path over odd sizes: query counts off the 6-row tile and the
    /// query block, key counts off the 16-key panel and longer than one key block (400 keys at d 40,
    /// 256 at 64, 192 at 80, 96 at 160), so the online softmax rescales; keys grow along the sequence
    /// so later blocks raise the running maximum.
    @Test(arguments: [(37, 53, 1, 40), (131, 421, 2, 40), (100, 77, 3, 64), (7, 300, 1, 64), (61, 203, 2, 80), (200, 77, 1, 80),
                      (13, 250, 1, 160), (98, 97, 3, 160)], [true, false])
    func fusedAndUnfusedMatchDirectEvaluation(shape: (Int, Int, Int, Int), fused: Bool) throws {
        let (t, s, heads, d) = shape
        try Self.check(t: t, s: s, heads: heads, d: d, fused: fused, keyGrowth: 3)
    }

    /// Runs attention on seeded inputs (key j scaled by 1 + keyGrowth·j/s) and compares with `naive`.
    static func check(t: Int, s: Int, heads: Int, d: Int, fused: Bool, keyGrowth: Float) throws {
        let ld = heads * d + 3  // a row stride that is not the heads' width, as in fused projections
        let random = RandomWeights(seed: 21)
        let q = try random.floats("q", shape: [t * ld]).map { 3 * $0 }
        let k = try random.floats("k", shape: [s * ld]).enumerated().map { i, x in 3 * x * (1 + keyGrowth * Float(i / ld) / Float(s)) }
        let v = try random.floats("v", shape: [s * ld])
        let got = attentionOnTokenMatrices(q: q, k: k, v: v, queries: t, keys: s, heads: heads, headDim: d, rowStride: ld, fused: fused)
        let c = Compare(got, naive(q: q, k: k, v: v, ld: ld, t: t, s: s, heads: heads, d: d))
        #expect(c.maxAbsDiff <= 1e-5 * c.maxAbsRef, "t \(t) s \(s) heads \(heads) d \(d) fused \(fused): \(c.maxAbsDiff) of \(c.maxAbsRef)")
    }
}
