import Foundation

/// Multi-head self- or cross-attention on plain token matrices, for `normlab bench attention` and the
/// attention tests: q is (queries × rowStride), k and v (keys × rowStride), row-major, each row holding the
/// heads' heads·headDim values first (rowStride defaults to that width). `fused` picks the fused kernel
/// (where it applies) or the packed-key scores → softmax → BLAS path, so one process can time or check both.
public func attentionOnTokenMatrices(q: [Float], k: [Float], v: [Float], queries t: Int, keys s: Int, heads: Int,
                                     headDim d: Int, rowStride: Int? = nil, fused: Bool) -> [Float] {
    let width = heads * d, ld = rowStride ?? width
    precondition(ld >= width && q.count == t * ld && k.count == s * ld && v.count == s * ld, "attention operands do not match their shapes")
    var out = [Float](repeating: 0, count: t * width)
    q.withUnsafeBufferPointer { qb in
        k.withUnsafeBufferPointer { kb in
            v.withUnsafeBufferPointer { vb in
                out.withUnsafeMutableBufferPointer { o in
                    multiHeadAttention(q: qb.baseAddress!, ldq: ld, k: kb.baseAddress!, ldk: ld, v: vb.baseAddress!, ldv: ld,
                                       queries: t, keys: s, heads: heads, headDim: d, fused: fused, out: o.baseAddress!)
                }
            }
        }
    }
    return out
}
