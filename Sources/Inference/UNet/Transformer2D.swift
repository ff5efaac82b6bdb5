import CKernels

/// diffusers `Transformer2DModel` with `BasicTransformerBlock`s, as the SD U-Nets use it:
/// GroupNorm(eps 1e-6) → proj_in → [self-attn, cross-attn, GEGLU feed-forward] → proj_out → + residual.
/// SD-1.5 stores proj_in/proj_out as 1×1 convolutions, SD-2.1 as Linear layers; on the token matrix
/// both are the same product, so both run as `Linear`.
struct Transformer2D: Sendable {
    let norm: GroupNorm
    let projIn: Linear
    let blocks: [TransformerBlock]
    let projOut: Linear

    init(_ w: WeightLoader, _ prefix: String, channels c: Int, heads: Int, contextDim: Int, groups: Int,
         linearProjection: Bool, layers: Int) throws {
        norm = try w.groupNorm("\(prefix).norm", groups: groups, channels: c, eps: 1e-6)
        if linearProjection {
            projIn = try w.linear("\(prefix).proj_in", in: c, out: c)
            projOut = try w.linear("\(prefix).proj_out", in: c, out: c)
        } else {
            projIn = try w.pointwiseConvAsLinear("\(prefix).proj_in", in: c, out: c)
            projOut = try w.pointwiseConvAsLinear("\(prefix).proj_out", in: c, out: c)
        }
        blocks = try (0..<layers).map {
            try TransformerBlock(w, "\(prefix).transformer_blocks.\($0)", dim: c, heads: heads, contextDim: contextDim)
        }
    }

    /// `x` [N, C, H, W], `context` [N, T, D] → [N, C, H, W].
    func callAsFunction(_ x: Tensor, context: Tensor) -> Tensor {
        var h = projIn(imageToTokens(norm(x)))  // [N, H·W, C]
        for block in blocks { h = block(h, context: context) }  // [N, H·W, C]
        var out = tokensToImage(projOut(h), height: x.height, width: x.width)  // [N, C, H, W]
        addInPlace(&out, x)
        return out
    }
}

/// `BasicTransformerBlock`: pre-LayerNorm self-attention, cross-attention and GEGLU feed-forward.
struct TransformerBlock: Sendable {
    let norm1: LayerNorm, attn1: AttentionLayer
    let norm2: LayerNorm, attn2: AttentionLayer
    let norm3: LayerNorm, ff: GEGLUFeedForward

    init(_ w: WeightLoader, _ prefix: String, dim: Int, heads: Int, contextDim: Int) throws {
        func attention(_ name: String, kvDim: Int, selfAttention: Bool) throws -> AttentionLayer {
            let p = "\(prefix).\(name)"
            return AttentionLayer(
                heads: heads, dim: dim, contextDim: kvDim,
                toQ: try w.linear("\(p).to_q", in: dim, out: dim, bias: false),
                toK: try w.linear("\(p).to_k", in: kvDim, out: dim, bias: false),
                toV: try w.linear("\(p).to_v", in: kvDim, out: dim, bias: false),
                toOut: try w.linear("\(p).to_out.0", in: dim, out: dim), selfAttention: selfAttention)
        }
        norm1 = try w.layerNorm("\(prefix).norm1", dim: dim)
        attn1 = try attention("attn1", kvDim: dim, selfAttention: true)
        norm2 = try w.layerNorm("\(prefix).norm2", dim: dim)
        attn2 = try attention("attn2", kvDim: contextDim, selfAttention: false)
        norm3 = try w.layerNorm("\(prefix).norm3", dim: dim)
        ff = GEGLUFeedForward(
            projection: try w.linear("\(prefix).ff.net.0.proj", in: dim, out: 8 * dim),
            output: try w.linear("\(prefix).ff.net.2", in: 4 * dim, out: dim))
    }

    /// `x` [N, L, C] tokens, `context` [N, T, D] → [N, L, C].
    func callAsFunction(_ x: Tensor, context: Tensor) -> Tensor {
        var h = x
        addInPlace(&h, attn1(norm1(h)))  // self-attention over the L tokens
        addInPlace(&h, attn2(norm2(h), context: context))  // cross-attention to the T text tokens
        addInPlace(&h, ff(norm3(h)))  // GEGLU feed-forward, inner width 4·C
        return h
    }
}

/// `FeedForward` with GEGLU: [a | g] = proj(x) (two halves of 4·dim), out = net.2(a · GELU(g)).
struct GEGLUFeedForward: Sendable {
    let projection: Linear
    let output: Linear

    /// `x` [N, L, C] → [N, L, C].
    func callAsFunction(_ x: Tensor) -> Tensor {
        let p = projection(x)  // [N, L, 8·C]: a | g, each 4·C
        let inner = projection.outFeatures / 2
        let rows = p.count / projection.outFeatures
        var shape = x.shape
        shape[shape.count - 1] = inner
        let gated = Profile.time(.elementwise) {
            Tensor(uninitialized: shape) { y in
                p.data.withUnsafeBufferPointer { pb in
                    for r in 0..<rows {
                        let a = pb.baseAddress! + r * 2 * inner
                        nl_geglu(a, a + inner, y + r * inner, inner)
                    }
                }
            }
        }
        return output(gated)
    }
}
