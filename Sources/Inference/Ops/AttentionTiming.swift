import Foundation

/// Multi-head self- or cross-attention on plain token matrices, for `normlab bench attention`: q is
/// (queries × heads·headDim), k and v (keys × heads·headDim), row-major. `fused` picks the fused kernel
/// (where it applies) or the packed-key scores → softmax → BLAS path, so one process can time both.
public func attentionForBenchmark(q: [Float], k: [Float], v: [Float], queries t: Int, keys s: Int, heads: Int,
                                  headDim d: Int, fused: Bool) -> [Float] {
    let width = heads * d
    precondition(q.count == t * width && k.count == s * width && v.count == s * width, "attention operands do not match their shapes")
    var out = [Float](repeating: 0, count: t * width)
    q.withUnsafeBufferPointer { qb in
        k.withUnsafeBufferPointer { kb in
            v.withUnsafeBufferPointer { vb in
                out.withUnsafeMutableBufferPointer { o in
                    multiHeadAttention(q: qb.baseAddress!, ldq: width, k: kb.baseAddress!, ldk: width, v: vb.baseAddress!, ldv: width,
                                       queries: t, keys: s, heads: heads, headDim: d, fused: fused, out: o.baseAddress!)
                }
            }
        }
    }
    return out
}
