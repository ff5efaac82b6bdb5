/// diffusers `ResnetBlock2D` (time_embedding_norm "default", dropout = identity):
/// h = conv1(SiLU(GN1(x))) + time_emb_proj(SiLU(emb)); h = conv2(SiLU(GN2(h))); y = (shortcut(x) + h) / scale.
struct ResnetBlock: Sendable {
    let norm1: GroupNorm
    let conv1: Conv2d
    let timeProjection: Linear?
    let norm2: GroupNorm
    let conv2: Conv2d
    let shortcut: Conv2d?
    let outputScale: Float

    init(_ w: WeightLoader, _ prefix: String, in cin: Int, out cout: Int, groups: Int, eps: Float,
         timeDim: Int?, outputScale: Float = 1) throws {
        norm1 = try w.groupNorm("\(prefix).norm1", groups: groups, channels: cin, eps: eps)
        conv1 = try w.conv("\(prefix).conv1", in: cin, out: cout, kernel: 3)
        timeProjection = try timeDim.map { try w.linear("\(prefix).time_emb_proj", in: $0, out: cout) }
        norm2 = try w.groupNorm("\(prefix).norm2", groups: groups, channels: cout, eps: eps)
        conv2 = try w.conv("\(prefix).conv2", in: cout, out: cout, kernel: 3)
        shortcut = cin != cout ? try w.conv("\(prefix).conv_shortcut", in: cin, out: cout, kernel: 1, padding: 0) : nil
        self.outputScale = outputScale
    }

    /// `x` [N, C_in, H, W] → [N, C_out, H, W]. `activatedEmbedding` is SiLU(emb) [N, T], shared by
    /// every resnet of the U-Net.
    func callAsFunction(_ x: Tensor, activatedEmbedding: Tensor?) -> Tensor {
        var h = conv1(x, normalizedBy: norm1, silu: true)  // [N, C_out, H, W]
        if let timeProjection, let activatedEmbedding {
            let t = timeProjection(activatedEmbedding)  // [N, C_out], added at every pixel
            let pixels = h.height * h.width
            let (batch, channels) = (h.batch, h.channels)
            h.data.withUnsafeMutableBufferPointer { hb in
                for b in 0..<batch {
                    for c in 0..<channels {
                        let v = t.data[b * channels + c]
                        let row = hb.baseAddress! + (b * channels + c) * pixels
                        for i in 0..<pixels { row[i] += v }
                    }
                }
            }
        }
        h = conv2(h, normalizedBy: norm2, silu: true)  // [N, C_out, H, W]
        let s = shortcut.map { $0(x) } ?? x  // [N, C_out, H, W]
        addInPlace(&h, s)
        if outputScale != 1 {
            let inv = outputScale
            for i in 0..<h.count { h.data[i] /= inv }
        }
        return h
    }
}
