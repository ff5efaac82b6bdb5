import CKernels
import Foundation

/// Multi-head scaled dot-product attention over token matrices.
///
/// `q` is (T × ldq) with the query of head h in columns [qOffset + h·d, qOffset + (h+1)·d);
/// likewise `k`/`v` (S × ldk/ldv). The result is written head by head into `out` (T × heads·d).
/// Query rows are processed in blocks so the score matrix stays in cache-sized pieces.
func multiHeadAttention(
    q: UnsafePointer<Float>, ldq: Int, k: UnsafePointer<Float>, ldk: Int, v: UnsafePointer<Float>, ldv: Int,
    queries t: Int, keys s: Int, heads: Int, headDim d: Int, causal: Bool = false, fused: Bool = fusedAttentionEnabled,
    out: UnsafeMutablePointer<Float>
) {
    Profile.time(.attention) {
        if fused, !causal, d % 8 == 0, d <= packedKeysMaxDim {
            fusedAttention(q: q, ldq: ldq, k: k, ldk: ldk, v: v, ldv: ldv, queries: t, keys: s, heads: heads, headDim: d, out: out)
            return
        }
        attentionCore(q: q, ldq: ldq, k: k, ldk: ldk, v: v, ldv: ldv, queries: t, keys: s, heads: heads, headDim: d,
                      causal: causal, out: out)
    }
}

/// Work is split into (head, query block) tasks shared by two workers, each running single-threaded
/// GEMMs and its own softmax on a cache-sized score block. (Two-threaded GEMMs with a separate
/// softmax step lose time: OpenBLAS's idle workers spin while the softmax runs.)
private func attentionCore(
    q: UnsafePointer<Float>, ldq: Int, k: UnsafePointer<Float>, ldk: Int, v: UnsafePointer<Float>, ldv: Int,
    queries t: Int, keys s: Int, heads: Int, headDim d: Int, causal: Bool, out: UnsafeMutablePointer<Float>
) {
    let scale = 1 / Float(d).squareRoot()
    let block = min(t, max(16, (1 << 18) / max(s, 1)))  // about 1 MB of scores per block
    let blocksPerHead = (t + block - 1) / block
    let tasks = heads * blocksPerHead
    let workers = tasks >= 4 && t * s >= 1 << 16 ? 2 : 1
    let ptrs = UnsafeSendable((q, k, v, out))
    if workers > 1 { nl_blas_single_threaded_begin() }
    defer { if workers > 1 { nl_blas_single_threaded_end() } }
    DispatchQueue.concurrentPerform(iterations: workers) { w in
        let (q, k, v, out) = ptrs.pointer
        var scores = [Float](repeating: 0, count: block * s)
        var panels = [Float](repeating: 0, count: d <= packedKeysMaxDim ? nl_attention_panel_floats(s, d) : 0)
        var packedHead = -1
        scores.withUnsafeMutableBufferPointer { sc in
            let p = sc.baseAddress!
            for task in stride(from: w, to: tasks, by: workers) {
                let h = task / blocksPerHead, row0 = (task % blocksPerHead) * block
                let rows = min(block, t - row0)
                if !panels.isEmpty, packedHead != h {
                    nl_attention_pack_keys(k + h * d, ldk, s, d, &panels)
                    packedHead = h
                }
                if panels.isEmpty || nl_attention_scores(q + row0 * ldq + h * d, ldq, panels, s, d, rows, scale, p, s) == 0 {
                    gemm(transB: true, m: rows, n: s, k: d, alpha: scale, q + row0 * ldq + h * d, lda: ldq,
                         k + h * d, ldb: ldk, p, ldc: s)
                } else {
                    Profile.countGEMM(m: rows, n: s, k: d)
                }
                if causal {
                    // Query i sees keys 0…i: softmax over that prefix, exact zeros after it.
                    for r in 0..<rows {
                        let visible = min(s, row0 + r + 1)
                        nl_softmax_rows(p + r * s, 1, visible)
                        (p + r * s + visible).update(repeating: 0, count: s - visible)
                    }
                } else {
                    nl_softmax_rows(p, rows, s)
                }
                gemm(m: rows, n: d, k: s, p, lda: s, v + h * d, ldb: ldv, out + row0 * heads * d + h * d, ldc: heads * d)
            }
        }
    }
}

/// The fused kernel (C, `nl_attention_fused`): per (head, query block) task, scores, an online softmax
/// and P·V in one pass over cache-sized key blocks, split over two workers like `attentionCore`.
/// K is packed once per head and worker; V is read in place (its rows are contiguous per head).
private func fusedAttention(
    q: UnsafePointer<Float>, ldq: Int, k: UnsafePointer<Float>, ldk: Int, v: UnsafePointer<Float>, ldv: Int,
    queries t: Int, keys s: Int, heads: Int, headDim d: Int, out: UnsafeMutablePointer<Float>
) {
    let scale = 1 / Float(d).squareRoot()
    let block = min(t, fusedQueryBlock, Int(NL_ATTENTION_FUSED_MAX_ROWS))
    let keyBlock = fusedKeyBlock(headDim: d)
    let blocksPerHead = (t + block - 1) / block
    let tasks = heads * blocksPerHead
    let workers = tasks >= 2 && t * s >= 1 << 14 ? 2 : 1
    let ptrs = UnsafeSendable((q, k, v, out))
    DispatchQueue.concurrentPerform(iterations: workers) { w in
        let (q, k, v, out) = ptrs.pointer
        var panels = [Float](repeating: 0, count: nl_attention_panel_floats(s, d))
        var packedHead = -1
        for task in stride(from: w, to: tasks, by: workers) {
            let h = task / blocksPerHead, row0 = (task % blocksPerHead) * block
            if packedHead != h {
                nl_attention_pack_keys(k + h * d, ldk, s, d, &panels)
                packedHead = h
            }
            let done = nl_attention_fused(q + row0 * ldq + h * d, ldq, panels, v + h * d, ldv, s, d, min(block, t - row0),
                                          scale, keyBlock, out + row0 * heads * d + h * d, heads * d)
            precondition(done == 1, "fused attention kernel unavailable for head dim \(d)")
        }
    }
    Profile.countGEMM(m: t * heads, n: s, k: d)
    Profile.countGEMM(m: t * heads, n: d, k: s)
}

/// Keys per block of the fused kernel: K and V blocks of about 64 KB each stay in L2 while every
/// 6-query tile of the query block passes over them.
private func fusedKeyBlock(headDim d: Int) -> Int {
    if let env = ProcessInfo.processInfo.environment["NORMLAB_ATTENTION_KEY_BLOCK"], let kb = Int(env) { return kb }
    return max(16, min(512, (16384 / d) / 16 * 16))
}

private let fusedQueryBlock = ProcessInfo.processInfo.environment["NORMLAB_ATTENTION_QUERY_BLOCK"].flatMap { Int($0) } ?? 96

/// `NORMLAB_FUSED_ATTENTION=0` switches the fused kernel off (back to `attentionCore`), for A/B measurements.
let fusedAttentionEnabled = ProcessInfo.processInfo.environment["NORMLAB_FUSED_ATTENTION"] != "0"
    && nl_attention_fused_available() == 1

/// Head dimensions up to this use the packed-key score kernel (C): SD-1.5's 40, 80 and 160 would
/// otherwise be short-K GEMMs where OpenBLAS runs at about half its rate; the VAE's 512 stays with BLAS.
/// `NORMLAB_PACKED_ATTENTION=0` turns it off, for A/B measurements (BENCHMARKS.md).
let packedKeysMaxDim = ProcessInfo.processInfo.environment["NORMLAB_PACKED_ATTENTION"] == "0" ? 0 : 160

/// A pointer handed to worker threads that write disjoint ranges.
struct UnsafeSendable<P>: @unchecked Sendable {
    let pointer: P
    init(_ p: P) { pointer = p }
}

/// Self- or cross-attention as in diffusers' `Attention` (to_q/to_k/to_v, then to_out.0).
/// Q, K and V come from one fused GEMM when they share an input.
public struct AttentionLayer: Sendable {
    public let heads: Int
    public let dim: Int              // query/output channels
    public let contextDim: Int       // channels of the key/value input
    let qkv: Linear?                 // fused (3·dim × dim) for self-attention
    let q: Linear?
    let kv: Linear?                  // fused (2·dim × contextDim) for cross-attention
    let out: Linear

    public init(heads: Int, dim: Int, contextDim: Int, toQ: Linear, toK: Linear, toV: Linear, toOut: Linear, selfAttention: Bool) {
        self.heads = heads
        self.dim = dim
        self.contextDim = contextDim
        self.out = toOut
        if selfAttention {
            qkv = Linear.stacked([toQ, toK, toV])
            q = nil
            kv = nil
        } else {
            qkv = nil
            q = toQ
            kv = Linear.stacked([toK, toV])
        }
    }

    /// x: (B, T, dim); context: (B, S, contextDim) for cross-attention. Returns (B, T, dim).
    public func callAsFunction(_ x: Tensor, context: Tensor? = nil, causal: Bool = false) -> Tensor {
        let (b, t) = (x.shape[0], x.shape[1])
        let d = dim / heads
        var attended = Tensor(zeros: [b, t, dim])
        if let qkv {
            let fused = qkv(x)
            fused.data.withUnsafeBufferPointer { f in
                attended.data.withUnsafeMutableBufferPointer { o in
                    for i in 0..<b {
                        let base = f.baseAddress! + i * t * 3 * dim
                        multiHeadAttention(q: base, ldq: 3 * dim, k: base + dim, ldk: 3 * dim, v: base + 2 * dim, ldv: 3 * dim,
                                           queries: t, keys: t, heads: heads, headDim: d, causal: causal,
                                           out: o.baseAddress! + i * t * dim)
                    }
                }
            }
        } else if let q, let kv, let context {
            let s = context.shape[1]
            let qs = q(x), kvs = kv(context)
            qs.data.withUnsafeBufferPointer { qb in
                kvs.data.withUnsafeBufferPointer { kb in
                    attended.data.withUnsafeMutableBufferPointer { o in
                        for i in 0..<b {
                            let kvBase = kb.baseAddress! + i * s * 2 * dim
                            multiHeadAttention(q: qb.baseAddress! + i * t * dim, ldq: dim, k: kvBase, ldk: 2 * dim,
                                               v: kvBase + dim, ldv: 2 * dim, queries: t, keys: s, heads: heads, headDim: d,
                                               out: o.baseAddress! + i * t * dim)
                        }
                    }
                }
            }
        } else {
            preconditionFailure("cross-attention needs a context")
        }
        return out(attended)
    }
}

extension Linear {
    /// Several layers with the same input stacked into one (their outputs side by side).
    static func stacked(_ layers: [Linear]) -> Linear {
        let inFeatures = layers[0].inFeatures
        precondition(layers.allSatisfy { $0.inFeatures == inFeatures })
        let weight = layers.flatMap(\.weight)
        let hasBias = layers.contains { $0.bias != nil }
        let bias = hasBias ? layers.flatMap { $0.bias ?? [Float](repeating: 0, count: $0.outFeatures) } : nil
        return Linear(weight: weight, bias: bias, inFeatures: inFeatures, outFeatures: layers.map(\.outFeatures).reduce(0, +))
    }
}
